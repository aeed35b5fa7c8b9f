//! One reply: language identification, classification (features + linear model) and composition,
//! for an identified shopper and an anonymous one, in English and German.

use chrono::NaiveDate;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use tandem_assistant::{account, Account, Assistant, Context, SupportHours};

fn reply(c: &mut Criterion) {
    let engine = Assistant::demo();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let account = account::demo_account(today);
    let ctx = Context { today, history: &[], account: Account::Known(&account), locale: "en", hours: SupportHours::Always };
    c.bench_function("reply/next_payment/identified", |b| {
        b.iter(|| engine.reply(black_box("when is my next payment due?"), &ctx))
    });
    c.bench_function("reply/schedule/identified", |b| {
        b.iter(|| engine.reply(black_box("can you show me all the payments I have left on my orders"), &ctx))
    });
    let anon = Context { today, history: &[], account: Account::Anonymous, locale: "en", hours: SupportHours::Always };
    c.bench_function("reply/late_fee/anonymous", |b| b.iter(|| engine.reply(black_box("how much is the late fee if I pay a few days late"), &anon)));
    let de = Context { today, history: &[], account: Account::Known(&account), locale: "de", hours: SupportHours::Always };
    c.bench_function("reply/next_payment/identified/de", |b| b.iter(|| engine.reply(black_box("wann ist meine nächste Rate fällig?"), &de)));
}

criterion_group!(benches, reply);
criterion_main!(benches);
