//! Composing replies: policy from the pack's articles, amounts and dates from the account
//! snapshot, every word from the pack's templates in the reply's locale (a [`Voice`]). Nothing
//! here decides the topic; it only writes the answer for one.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use tandem_protocol::{Action, Block, Button, Field, HandoffReason, Money, Value};

use crate::account::{Account, AccountSnapshot, Instalment, InstalmentStatus, Order, Plan};
use crate::pack::Voice;

mod payments;
mod plans;
mod refunds;

use payments::{extend_due_date, late_fee, next_payment, pay_early, payment_schedule};
use plans::{close_account, interest};
use refunds::{charges, refund_status, return_item};

/// An answer before it becomes a [`crate::Reply`]: paragraphs, other blocks, cited articles and
/// the handoff decision.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Answer {
    /// Paragraphs, cards, bullets and buttons, in order.
    pub blocks: Vec<Block>,
    /// Knowledge-base article ids cited (`kb/<id>`).
    pub sources: Vec<String>,
    /// Set when this answer hands the conversation to a person.
    pub handoff: Option<HandoffReason>,
}

impl Answer {
    /// Adds a paragraph.
    pub fn say(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Paragraph { text: text.into() });
        self
    }

    /// Adds an article's text as a paragraph and cites it.
    pub fn cite(&mut self, v: &Voice, id: &str) -> &mut Self {
        if let Some(text) = v.article(id) {
            self.say(text);
        }
        self.source(id)
    }

    /// Cites the articles the pack gives for `topic` (`[answers]`).
    pub fn cite_topic(&mut self, v: &Voice, topic: &str) -> &mut Self {
        for id in v.pack.answers.get(topic).cloned().unwrap_or_default() {
            self.cite(v, &id);
        }
        self
    }

    /// Cites an article whose content a paragraph states in its own words.
    pub fn source(&mut self, id: &str) -> &mut Self {
        let id = format!("kb/{id}");
        if !self.sources.contains(&id) {
            self.sources.push(id);
        }
        self
    }

    fn block(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }
}

/// Link and reply buttons, with "Talk to a person" always last.
fn actions(v: &Voice, mut buttons: Vec<Button>) -> Block {
    buttons.push(person_button(v));
    Block::Actions { buttons }
}

/// The "Talk to a person" button.
pub fn person_button(v: &Voice) -> Button {
    Button { label: v.button("talk_to_person", &[]), action: Action::Handoff }
}

fn link(label: String, url: String) -> Button {
    Button { label, action: Action::Link { url } }
}

fn order_link(v: &Voice, button: &str, link_name: &str, o: &Order) -> Button {
    link(v.button(button, &[("order_id", o.id.clone())]), v.link(link_name, Some(&o.id)))
}

fn suggest(v: &Voice, key: &str) -> Button {
    let text = v.suggestion(key);
    Button { label: text.clone(), action: Action::Reply { text } }
}

fn plan_article(plan: &Plan) -> &'static str {
    match plan {
        Plan::PayIn4 => "pay-in-4",
        Plan::PayIn30 => "pay-in-30",
        Plan::Financing { .. } => "financing",
    }
}

fn plan_name(v: &Voice, plan: &Plan) -> String {
    match plan {
        Plan::PayIn4 => v.plan("pay_in_4", &[]),
        Plan::PayIn30 => v.plan("pay_in_30", &[]),
        Plan::Financing { months, .. } => v.plan("financing", &[("months", v.num(months))]),
    }
}

fn is_open(o: &Order) -> bool {
    o.refund.is_none() && o.instalments.iter().any(|i| i.status == InstalmentStatus::Due)
}

fn is_paused(o: &Order, today: NaiveDate) -> bool {
    o.paused_until.is_some_and(|p| p >= today)
}

fn overdue(o: &Order, today: NaiveDate) -> Vec<&Instalment> {
    o.instalments.iter().filter(|i| i.status == InstalmentStatus::Due && i.due < today).collect()
}

fn sum(a: &Money, b: &Money) -> Money {
    Money { minor: a.minor + b.minor, currency: a.currency.clone() }
}

/// `date` plus `n` business days (Monday to Friday).
pub fn add_business_days(date: NaiveDate, n: u32) -> NaiveDate {
    let mut d = date;
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// The order the question names: by reference (`FP-1001`), store or item; otherwise `None`.
pub fn mentioned_order<'a>(question: &str, account: &'a AccountSnapshot) -> Option<&'a Order> {
    let q = question.to_lowercase();
    let q_compact: String = q.chars().filter(|c| c.is_alphanumeric()).collect();
    let words: Vec<&str> = q.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() > 2).collect();
    account
        .orders
        .iter()
        .find(|o| q_compact.contains(&o.id.to_lowercase().replace('-', "")))
        .or_else(|| {
            account.orders.iter().find(|o| {
                let store = o.store.to_lowercase();
                let item = o.item.to_lowercase();
                q.contains(&store)
                    || item.split_whitespace().filter(|w| w.chars().count() > 3).any(|iw| {
                        words.iter().any(|w| *w == iw || w.strip_suffix('s') == Some(iw) || iw.strip_suffix('s') == Some(w))
                    })
            })
        })
}

/// An order card: store, item, total, and the next payment when there is one.
fn order_card(v: &Voice, o: &Order) -> Block {
    let mut fields = vec![
        Field { label: v.label("store", &[]), value: Value::Text { text: o.store.clone() } },
        Field { label: v.label("item", &[]), value: Value::Text { text: o.item.clone() } },
        Field { label: v.label("total", &[]), value: Value::Money { money: o.total.clone() } },
    ];
    if let Some(next) = o.next_instalment() {
        fields.push(Field { label: v.label("next_payment", &[]), value: Value::Money { money: next.amount.clone() } });
        fields.push(Field { label: v.label("due", &[]), value: Value::Date { date: next.due.to_string() } });
    }
    Block::Card { title: v.label("order_title", &[("order_id", o.id.clone())]), fields }
}

/// A card listing an order's remaining payments (at most `max` of them, then the total left).
fn schedule_card(v: &Voice, o: &Order, max: usize) -> Block {
    let due: Vec<_> = o.instalments.iter().filter(|i| i.status == InstalmentStatus::Due).collect();
    let count = v.num(o.payment_count);
    let mut fields = vec![
        Field { label: v.label("store", &[]), value: Value::Text { text: o.store.clone() } },
        Field { label: v.label("plan", &[]), value: Value::Text { text: plan_name(v, &o.plan) } },
        Field { label: v.label("paid", &[]), value: Value::Text { text: v.label("paid_value", &[("paid", v.num(o.paid_count)), ("count", count.clone())]) } },
    ];
    for i in due.iter().take(max) {
        let n = v.num(i.number);
        fields.push(Field { label: v.label("payment_n", &[("number", n.clone()), ("count", count.clone())]), value: Value::Money { money: i.amount.clone() } });
        fields.push(Field { label: v.label("payment_n_due", &[("number", n)]), value: Value::Date { date: i.due.to_string() } });
    }
    fields.push(Field { label: v.label("left_to_pay", &[]), value: Value::Money { money: o.outstanding() } });
    if let Some(p) = o.paused_until {
        fields.push(Field { label: v.label("paused_until", &[]), value: Value::Date { date: p.to_string() } });
    }
    Block::Card { title: v.label("schedule_title", &[("order_id", o.id.clone())]), fields }
}

fn sign_in(v: &Voice, a: &mut Answer, key: &str) {
    a.say(v.say(key, &[]));
    a.block(actions(v, vec![link(v.button("sign_in", &[]), v.link("login", None))]));
}

/// Where an answer would give the shopper's own figures and has no account: an anonymous shopper
/// is asked to sign in (`sign_in_key`); an identified shopper whose account cannot be read right
/// now is told so (`account_unavailable`) and offered a person, never figures from elsewhere.
fn no_account(v: &Voice, a: &mut Answer, account: Account, sign_in_key: &str) {
    match account {
        Account::Unavailable => {
            a.say(v.say("account_unavailable", &[]));
            a.block(actions(v, vec![]));
        }
        Account::Anonymous | Account::Known(_) => sign_in(v, a, sign_in_key),
    }
}

/// The support-hours article for handoffs (never a wait time).
fn hours(v: &Voice, a: &mut Answer) {
    a.cite_topic(v, "handoff");
}

/// A sentence with an amount, an order and a date, the commonest shape.
fn amount_order_date(v: &Voice, key: &str, amount: &Money, o: &Order, date: NaiveDate) -> String {
    v.say(key, &[("amount", v.money(amount)), ("order", v.order(o)), ("order_id", o.id.clone()), ("date", v.date(date))])
}

/// Composes the answer for an answerable or conversational topic.
pub fn compose(v: &Voice, topic: &str, question: &str, today: NaiveDate, account: Account<'_>) -> Answer {
    let mut a = Answer::default();
    match topic {
        "next_payment" => next_payment(v, &mut a, question, today, account),
        "payment_schedule" => payment_schedule(v, &mut a, question, today, account),
        "pay_early" => pay_early(v, &mut a, question, today, account),
        "extend_due_date" => extend_due_date(v, &mut a, question, today, account),
        "change_payment_method" => {
            a.cite_topic(v, topic);
            a.block(actions(v, vec![link(v.button("payment_methods", &[]), v.link("payment_methods", None))]));
        }
        "late_fee" => late_fee(v, &mut a, today, account, false),
        "missed_payment" => late_fee(v, &mut a, today, account, true),
        "payment_declined" => {
            a.say(v.say("declined_sorry", &[]));
            a.cite_topic(v, topic);
            a.say(v.say("declined_person", &[]));
            a.block(actions(v, vec![]));
        }
        "spending_limit" => {
            a.say(v.say("no_fixed_limit", &[]));
            a.cite_topic(v, topic);
            a.block(actions(v, vec![]));
        }
        "refund_status" => refund_status(v, &mut a, question, today, account),
        "return_item" => return_item(v, &mut a, question, today, account),
        "charged_twice" | "unrecognized_charge" => charges(v, &mut a, topic, today, account),
        "interest_rate" => interest(v, &mut a, question, account),
        "credit_check" => {
            a.cite_topic(v, topic);
            a.block(actions(v, vec![suggest(v, "how_it_works")]));
        }
        "how_it_works" => {
            a.cite_topic(v, topic);
            a.block(actions(v, vec![suggest(v, "credit_check"), suggest(v, "late_fee")]));
        }
        "update_details" => {
            a.cite_topic(v, topic);
            a.block(actions(v, vec![link(v.button("personal_details", &[]), v.link("personal_details", None))]));
        }
        "close_account" => close_account(v, &mut a, account),
        "greeting" => {
            match account {
                Account::Known(acc) => {
                    let first = acc.name.split_whitespace().next().unwrap_or(&acc.name).to_string();
                    a.say(v.say("greeting_named", &[("name", first)]))
                }
                Account::Anonymous | Account::Unavailable => a.say(v.say("greeting", &[])),
            };
            a.block(actions(v, vec![suggest(v, "next_payment"), suggest(v, "refund")]));
        }
        "thanks" => {
            a.say(v.say("thanks", &[]));
        }
        "goodbye" => {
            a.say(v.say("goodbye", &[]));
        }
        "bot_identity" => {
            a.say(v.say("bot_identity", &[]));
            hours(v, &mut a);
            a.block(actions(v, vec![]));
        }
        "human_request" => {
            a.say(v.say("human_request", &[]));
            hours(v, &mut a);
            a.handoff = Some(HandoffReason::Requested);
        }
        _ => unknown(v, &mut a),
    }
    a
}

/// The reply when the assistant is not sure: what it can help with, and a person.
pub fn unknown(v: &Voice, a: &mut Answer) {
    a.say(v.say("unknown", &[]));
    a.block(actions(v, vec![suggest(v, "next_payment"), suggest(v, "refund")]));
}

/// A reply to a message in a language the pack does not speak: short, and a person offered.
pub fn unsupported_language(v: &Voice, a: &mut Answer) {
    a.say(v.say("unsupported_language", &[]));
    a.block(actions(v, vec![]));
}

/// A handoff the engine decides on its own (frustration, replies that did not help).
pub fn handoff(v: &Voice, key: &str, reason: HandoffReason) -> Answer {
    let mut a = Answer { handoff: Some(reason), ..Default::default() };
    a.say(v.say(key, &[]));
    hours(v, &mut a);
    a
}

/// The handoff for an always-a-person topic: a short caring message, the facts that help right
/// away, and the support hours.
pub fn sensitive(v: &Voice, topic: &str, crisis: bool, today: NaiveDate, account: Account<'_>) -> Answer {
    let mut a = Answer { handoff: Some(HandoffReason::SensitiveTopic), ..Answer::default() };
    a.say(v.say(&format!("sensitive_{topic}"), &[]));
    if topic == "vulnerability" && crisis {
        a.say(v.say("crisis", &[]));
    }
    if topic == "fraud" {
        a.say(v.say("fraud_block_card", &[]));
    }
    if let Account::Known(acc) = account {
        // Facts that help right away: paused payments, and what is due soon.
        for o in acc.orders.iter().filter(|o| is_paused(o, today)) {
            a.say(v.say("paused_because_return", &[("order", v.order(o)), ("date", v.date(o.paused_until.expect("paused")))]));
            a.source("returns");
        }
        if matches!(topic, "hardship" | "bereavement" | "vulnerability") {
            if let Some((o, i)) = acc.next_due(today) {
                a.say(amount_order_date(v, "next_on_account", &i.amount, o, i.due));
            }
        }
    }
    hours(v, &mut a);
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_days_skip_weekends() {
        // 2026-11-22 is a Sunday.
        let d = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(add_business_days(d, 7), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
    }

    #[test]
    fn orders_are_found_by_reference_store_or_item() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let acc = crate::account::demo_account(today);
        assert_eq!(mentioned_order("about fp1003", &acc).map(|o| o.id.as_str()), Some("FP-1003"));
        assert_eq!(mentioned_order("my headphones", &acc).map(|o| o.id.as_str()), Some("FP-1002"));
        assert_eq!(mentioned_order("the sofa", &acc).map(|o| o.id.as_str()), Some("FP-1003"));
        assert_eq!(mentioned_order("the Book Nook order", &acc).map(|o| o.id.as_str()), Some("FP-0998"));
        assert_eq!(mentioned_order("my next payment", &acc), None);
    }
}
