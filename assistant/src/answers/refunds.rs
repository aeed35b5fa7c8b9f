//! Answers about money going back and charges: refunds, returns, charges on a statement.

use chrono::{Duration, NaiveDate};
use tandem_protocol::{Block, Field, Value};

use super::*;
use crate::account::{Account, Instalment, Order};
use crate::pack::Voice;

pub(super) fn refund_status(v: &Voice, a: &mut Answer, question: &str, today: NaiveDate, account: Account<'_>) {
    let Account::Known(acc) = account else {
        a.cite_topic(v, "refund_status");
        no_account(v, a, account, "sign_in_refunds");
        return;
    };
    let mentioned = mentioned_order(question, acc);
    let orders: Vec<&Order> = match mentioned {
        Some(o) => vec![o],
        None => acc.orders.iter().filter(|o| o.refund.is_some() || o.return_reported.is_some()).collect(),
    };
    let mut said = false;
    for o in orders {
        if let Some(r) = &o.refund {
            let by = add_business_days(r.processed_on, v.days("refund_days_max").max(0) as u32);
            let vars: Vec<(&str, String)> =
                vec![("amount", v.money(&r.amount)), ("order", v.order(o)), ("order_id", o.id.clone()), ("destination", r.destination.clone()), ("date", v.date(r.processed_on))];
            let when = if today > by { v.say("refund_should_be_there", &[]) } else { v.say("refund_expect_by", &[("by_date", v.date(by))]) };
            a.say(format!("{} {when}", v.say("refund_done", &vars)));
            a.source("refunds");
            a.block(Block::Card {
                title: v.label("refund_title", &[("order_id", o.id.clone())]),
                fields: vec![
                    Field { label: v.label("amount", &[]), value: Value::Money { money: r.amount.clone() } },
                    Field { label: v.label("refund_to", &[]), value: Value::Text { text: r.destination.clone() } },
                    Field { label: v.label("processed", &[]), value: Value::Date { date: r.processed_on.to_string() } },
                ],
            });
            said = true;
        } else if let Some(rep) = o.return_reported {
            let mut vars: Vec<(&str, String)> = vec![("order", v.order(o)), ("order_id", o.id.clone()), ("date", v.date(rep))];
            let key = match o.paused_until.filter(|_| is_paused(o, today)) {
                Some(p) => {
                    vars.push(("until", v.date(p)));
                    a.source("returns");
                    "return_pending_paused"
                }
                None => "return_pending",
            };
            a.say(v.say(key, &vars));
            a.say(v.say("return_then_refund", &[]));
            a.source("refunds");
            said = true;
        }
    }
    if !said {
        a.say(match mentioned {
            Some(o) => v.say("no_refund_order", &[("order", v.order(o)), ("order_id", o.id.clone())]),
            None => v.say("no_refund", &[]),
        });
        a.cite_topic(v, "refund_status");
    }
    a.block(actions(v, vec![]));
}

pub(super) fn return_item(v: &Voice, a: &mut Answer, question: &str, today: NaiveDate, account: Account<'_>) {
    a.say(v.say("return_how", &[]));
    a.cite_topic(v, "return_item");
    let Account::Known(acc) = account else {
        no_account(v, a, account, "sign_in_orders");
        return;
    };
    if let Some(o) = mentioned_order(question, acc).or_else(|| acc.orders.iter().find(|o| is_paused(o, today))) {
        if let (Some(rep), Some(p)) = (o.return_reported, o.paused_until.filter(|_| is_paused(o, today))) {
            a.say(v.say("return_reported", &[("order", v.order(o)), ("order_id", o.id.clone()), ("date", v.date(rep)), ("until", v.date(p))]));
            a.block(schedule_card(v, o, 2));
            a.block(actions(v, vec![]));
            return;
        }
        if o.refund.is_some() {
            a.say(v.say("already_refunded", &[("order", v.order(o)), ("order_id", o.id.clone())]));
            a.block(actions(v, vec![]));
            return;
        }
        a.block(actions(v, vec![order_link(v, "report_return_order", "report_return", o)]));
        return;
    }
    a.block(actions(v, vec![link(v.button("report_return", &[]), v.link("orders", None))]));
}

pub(super) fn charges(v: &Voice, a: &mut Answer, topic: &str, today: NaiveDate, account: Account<'_>) {
    if topic == "charged_twice" {
        a.say(v.say("charged_twice_sorry", &[]));
    }
    a.cite_topic(v, topic);
    let Account::Known(acc) = account else {
        no_account(v, a, account, "sign_in_charges");
        return;
    };
    let mut paid: Vec<(&Order, &Instalment)> = acc
        .orders
        .iter()
        .flat_map(|o| o.instalments.iter().filter(|i| i.status == InstalmentStatus::Paid).map(move |i| (o, i)))
        .filter(|(_, i)| i.paid_on.is_some_and(|d| d >= today - Duration::days(v.days("charges_lookback_days"))))
        .collect();
    paid.sort_by_key(|(_, i)| std::cmp::Reverse(i.paid_on));
    if paid.is_empty() {
        a.say(v.say("no_payments_taken", &[]));
    } else {
        a.say(v.say("payments_taken", &[]));
        a.block(Block::Bullets {
            items: paid
                .iter()
                .map(|(o, i)| {
                    v.say(
                        "payment_taken_item",
                        &[
                            ("date", v.date(i.paid_on.expect("paid"))),
                            ("amount", v.money(&i.amount)),
                            ("order", v.order(o)),
                            ("order_id", o.id.clone()),
                            ("number", v.num(i.number)),
                            ("count", v.num(o.payment_count)),
                        ],
                    )
                })
                .collect(),
        });
    }
    for o in acc.orders.iter().filter(|o| o.refund.is_some()) {
        let r = o.refund.as_ref().expect("refund");
        a.say(v.say(
            "also_refunded",
            &[("amount", v.money(&r.amount)), ("order_id", o.id.clone()), ("order", v.order(o)), ("destination", r.destination.clone()), ("date", v.date(r.processed_on))],
        ));
        a.source("refunds");
    }
    a.say(v.say(if topic == "charged_twice" { "charged_twice_next" } else { "unrecognized_next" }, &[]));
    a.block(actions(v, vec![]));
}
