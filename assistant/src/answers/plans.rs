//! Answers about the plan and the account: interest, closing the account.

use super::*;
use crate::account::{Account, Order, Plan};
use crate::pack::Voice;

pub(super) fn interest(v: &Voice, a: &mut Answer, question: &str, account: Account<'_>) {
    a.say(v.say("no_interest", &[]));
    a.source("pay-in-4").source("pay-in-30");
    a.cite_topic(v, "interest_rate");
    if let Account::Known(acc) = account {
        let mentioned = mentioned_order(question, acc);
        let orders: Vec<&Order> = match mentioned {
            Some(o) => vec![o],
            None => acc.orders.iter().collect(),
        };
        for o in orders {
            if let Plan::Financing { months, apr_bp } = o.plan {
                let mut vars: Vec<(&str, String)> = vec![("order", v.order(o)), ("order_id", o.id.clone()), ("months", v.num(months)), ("apr", v.percent_bp(apr_bp))];
                let key = match o.next_instalment() {
                    Some(i) => {
                        vars.push(("amount", v.money(&i.amount)));
                        "financing_line"
                    }
                    None => "financing_line_done",
                };
                a.say(v.say(key, &vars));
            } else if mentioned.is_some() {
                a.say(v.say("plan_no_interest", &[("order", v.order(o)), ("order_id", o.id.clone()), ("plan", plan_name(v, &o.plan))]));
            }
        }
    }
    if account == Account::Unavailable {
        // The rates above are policy; the shopper's own plans cannot be read now.
        a.say(v.say("account_unavailable", &[]));
    }
    a.block(actions(v, vec![]));
}

/// Closing goes to a person whatever the account says; what is still owed is stated only from a
/// readable account (a person checks it otherwise).
pub(super) fn close_account(v: &Voice, a: &mut Answer, account: Account<'_>) {
    a.cite_topic(v, "close_account");
    if let Account::Known(acc) = account {
        let open: Vec<&Order> = acc.orders.iter().filter(|o| is_open(o)).collect();
        if open.is_empty() {
            a.say(v.say("close_nothing_owed", &[]));
        } else {
            let total = open.iter().map(|o| o.outstanding()).reduce(|x, y| sum(&x, &y)).expect("non-empty");
            let parts: Vec<String> = open.iter().map(|o| v.say("close_owed_part", &[("order_id", o.id.clone()), ("amount", v.money(&o.outstanding()))])).collect();
            a.say(v.say("close_owed", &[("amount", v.money(&total)), ("parts", v.locale.formats.list(&parts, false))]));
        }
    }
    a.say(v.say("close_connecting", &[]));
    hours(v, a);
    a.handoff = Some(HandoffReason::NeedsPerson);
}
