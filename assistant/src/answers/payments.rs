//! Answers about what is due: the next payment, the schedule, paying early, moving a due date,
//! late fees and missed payments.

use chrono::{Duration, NaiveDate};
use tandem_protocol::Money;

use super::*;
use crate::account::{Account, Instalment, Order, Plan};
use crate::pack::Voice;

pub(super) fn next_payment(v: &Voice, a: &mut Answer, question: &str, today: NaiveDate, account: Account<'_>) {
    let Account::Known(acc) = account else {
        a.say(v.say("next_payment_policy", &[]));
        a.source("pay-in-4").source("pay-in-30").source("financing");
        no_account(v, a, account, "sign_in_payments");
        return;
    };
    let target = mentioned_order(question, acc).filter(|o| o.next_instalment().is_some());
    let next = match target {
        Some(o) if is_paused(o, today) => {
            a.say(v.say("order_paused_nothing_due", &[("order", v.order(o)), ("date", v.date(o.paused_until.expect("paused")))]));
            a.source("returns");
            a.block(schedule_card(v, o, 2));
            a.block(actions(v, vec![]));
            return;
        }
        Some(o) => o.next_instalment().map(|i| (o, i)),
        None => acc.next_due(today),
    };
    match next {
        Some((o, i)) => {
            a.say(amount_order_date(v, "next_payment", &i.amount, o, i.due));
            a.source(plan_article(&o.plan));
            if target.is_none() {
                for p in acc.orders.iter().filter(|p| is_paused(p, today) && p.next_instalment().is_some()) {
                    a.say(v.say("other_order_paused", &[("order_id", p.id.clone()), ("date", v.date(p.paused_until.expect("paused")))]));
                    a.source("returns");
                }
            }
            a.block(order_card(v, o));
            a.block(actions(v, vec![order_link(v, "pay_early", "pay", o), suggest(v, "schedule")]));
        }
        None => {
            a.say(v.say("no_payments_coming", &[]));
            a.block(actions(v, vec![]));
        }
    }
}

pub(super) fn payment_schedule(v: &Voice, a: &mut Answer, question: &str, today: NaiveDate, account: Account<'_>) {
    let Account::Known(acc) = account else {
        a.cite_topic(v, "payment_schedule");
        no_account(v, a, account, "sign_in_schedule");
        return;
    };
    let orders: Vec<&Order> = match mentioned_order(question, acc) {
        Some(o) => vec![o],
        None => acc.orders.iter().filter(|o| is_open(o)).collect(),
    };
    if orders.iter().all(|o| !is_open(o)) {
        a.say(v.say("nothing_left", &[]));
        a.block(actions(v, vec![]));
        return;
    }
    let mut total: Option<Money> = None;
    for o in &orders {
        if !is_open(o) {
            continue;
        }
        let left = o.outstanding();
        let next = o.next_instalment().expect("open order has a payment due");
        let mut vars: Vec<(&str, String)> = vec![
            ("order", v.order(o)),
            ("order_id", o.id.clone()),
            ("paid", v.num(o.paid_count)),
            ("count", v.num(o.payment_count)),
            ("left", v.money(&left)),
            ("amount", v.money(&next.amount)),
            ("date", v.date(next.due)),
        ];
        let key = match o.paused_until.filter(|_| is_paused(o, today)) {
            Some(p) => {
                vars.push(("until", v.date(p)));
                a.source("returns");
                "schedule_line_paused"
            }
            None => "schedule_line",
        };
        a.say(v.say(key, &vars));
        a.source(plan_article(&o.plan));
        a.block(schedule_card(v, o, 4));
        total = Some(match total {
            Some(t) => sum(&t, &left),
            None => left,
        });
    }
    if orders.len() > 1 {
        if let Some(t) = total {
            a.say(v.say("schedule_total", &[("amount", v.money(&t))]));
        }
    }
    a.block(actions(v, vec![suggest(v, "pay_early")]));
}

pub(super) fn pay_early(v: &Voice, a: &mut Answer, question: &str, today: NaiveDate, account: Account<'_>) {
    a.cite_topic(v, "pay_early");
    let Account::Known(acc) = account else {
        no_account(v, a, account, "sign_in_balance");
        return;
    };
    let orders: Vec<&Order> = match mentioned_order(question, acc) {
        Some(o) => vec![o],
        None => acc.orders.iter().filter(|o| is_open(o)).collect(),
    };
    let mut buttons = Vec::new();
    for o in orders.iter().filter(|o| is_open(o)) {
        let next = o.next_instalment().expect("open");
        let mut vars: Vec<(&str, String)> =
            vec![("order", v.order(o)), ("order_id", o.id.clone()), ("left", v.money(&o.outstanding())), ("amount", v.money(&next.amount)), ("date", v.date(next.due))];
        let key = if is_paused(o, today) {
            vars.push(("until", v.date(o.paused_until.expect("paused"))));
            a.source("returns");
            "pay_early_line_paused"
        } else {
            "pay_early_line"
        };
        a.say(v.say(key, &vars));
        buttons.push(order_link(v, "pay_early_order", "pay", o));
    }
    if buttons.is_empty() {
        a.say(v.say("nothing_left", &[]));
    }
    a.block(actions(v, buttons));
}

pub(super) fn extend_due_date(v: &Voice, a: &mut Answer, question: &str, today: NaiveDate, account: Account<'_>) {
    a.cite_topic(v, "extend_due_date");
    let Account::Known(acc) = account else {
        no_account(v, a, account, "sign_in_extend");
        return;
    };
    let order = mentioned_order(question, acc).or_else(|| acc.next_due(today).map(|(o, _)| o));
    let Some(o) = order.filter(|o| is_open(o)) else {
        a.say(v.say("extend_nothing", &[]));
        a.block(actions(v, vec![]));
        return;
    };
    let next = o.next_instalment().expect("open");
    let base: Vec<(&str, String)> = vec![("order", v.order(o)), ("order_id", o.id.clone()), ("amount", v.money(&next.amount)), ("date", v.date(next.due))];
    if matches!(o.plan, Plan::Financing { .. }) {
        a.say(v.say("extend_financing", &base));
        a.block(actions(v, vec![]));
    } else if !overdue(o, today).is_empty() {
        a.say(v.say("extend_overdue", &base));
        a.block(actions(v, vec![order_link(v, "pay_now", "pay", o)]));
    } else if o.extension_used {
        a.say(v.say("extend_used", &base));
        a.block(actions(v, vec![]));
    } else if is_paused(o, today) {
        let vars = [("order", v.order(o)), ("date", v.date(o.paused_until.expect("paused")))];
        a.say(v.say("extend_paused", &vars));
        a.source("returns");
        a.block(actions(v, vec![]));
    } else {
        let mut vars = base;
        vars.push(("new_date", v.date(next.due + Duration::days(v.days("extension_days")))));
        a.say(v.say("extend_offer", &vars));
        a.block(actions(v, vec![order_link(v, "extend", "extend", o)]));
    }
}

pub(super) fn late_fee(v: &Voice, a: &mut Answer, today: NaiveDate, account: Account<'_>, missed: bool) {
    if missed {
        a.say(v.say("missed_reassure", &[]));
    }
    a.cite_topic(v, if missed { "missed_payment" } else { "late_fee" });
    let Account::Known(acc) = account else {
        if missed {
            a.say(v.say("missed_pay_yourself", &[]));
            a.source("pay-early");
        }
        no_account(v, a, account, "sign_in_overdue");
        return;
    };
    let late: Vec<(&Order, &Instalment)> = acc.orders.iter().flat_map(|o| overdue(o, today).into_iter().map(move |i| (o, i))).collect();
    let mut buttons = Vec::new();
    if late.is_empty() {
        a.say(v.say("no_overdue", &[]));
        if let Some((o, i)) = acc.next_due(today) {
            a.say(amount_order_date(v, "next_payment_short", &i.amount, o, i.due));
            a.block(order_card(v, o));
        }
    } else {
        let grace = v.days("grace_days");
        for (o, i) in &late {
            let days = (today - i.due).num_days();
            let fee_day = i.due + Duration::days(grace);
            let vars = [
                ("number", v.num(i.number)),
                ("amount", v.money(&i.amount)),
                ("order", v.order(o)),
                ("order_id", o.id.clone()),
                ("date", v.date(i.due)),
                ("days", v.num(days)),
                ("fee_date", v.date(fee_day)),
            ];
            a.say(v.say(if today > fee_day { "overdue_past_grace" } else { "overdue_retrying" }, &vars));
            buttons.push(order_link(v, "pay_now_order", "pay", o));
        }
        a.source("pay-early");
    }
    a.block(actions(v, buttons));
}
