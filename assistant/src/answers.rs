//! Composing replies: policy from the knowledge base ([`crate::kb`]), amounts and dates from the
//! account snapshot, as text plus structured blocks. Nothing here decides the topic; it only
//! writes the answer for one.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use tandem_protocol::{Action, Block, Button, Field, HandoffReason, Money, Value};

use crate::account::{AccountSnapshot, InstalmentStatus, Order, Plan};
use crate::kb::{self, Article};

/// An answer before it becomes a [`crate::Reply`]: paragraphs, other blocks, cited articles and
/// the handoff decision.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Answer {
    /// Paragraphs, cards, bullets and buttons, in order.
    pub blocks: Vec<Block>,
    /// Knowledge-base article ids cited.
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
    pub fn cite(&mut self, article: &Article) -> &mut Self {
        self.say(article.text);
        self.source(article)
    }

    /// Cites an article whose content a paragraph states in its own words.
    pub fn source(&mut self, article: &Article) -> &mut Self {
        if !self.sources.iter().any(|s| s == article.id) {
            self.sources.push(article.id.to_string());
        }
        self
    }

    fn block(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }
}

/// Link and reply buttons, with "Talk to a person" always last.
fn actions(mut buttons: Vec<Button>) -> Block {
    buttons.push(person_button());
    Block::Actions { buttons }
}

/// The "Talk to a person" button.
pub fn person_button() -> Button {
    Button { label: "Talk to a person".into(), action: Action::Handoff }
}

fn link(label: impl Into<String>, path: &str) -> Button {
    Button { label: label.into(), action: Action::Link { url: format!("{}{path}", kb::APP_URL) } }
}

fn suggest(label: &str) -> Button {
    Button { label: label.into(), action: Action::Reply { text: label.into() } }
}

fn plan_article(plan: &Plan) -> &'static Article {
    match plan {
        Plan::PayIn4 => &kb::PAY_IN_4,
        Plan::PayIn30 => &kb::PAY_IN_30,
        Plan::Financing { .. } => &kb::FINANCING,
    }
}

fn plan_name(plan: &Plan) -> String {
    match plan {
        Plan::PayIn4 => "Pay in 4".into(),
        Plan::PayIn30 => "Pay in 30".into(),
        Plan::Financing { months, .. } => format!("Financing over {months} months"),
    }
}

fn apr(apr_bp: u32) -> String {
    let s = format!("{}.{:02}", apr_bp / 100, apr_bp % 100);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// "FP-1001 (Nordic Outdoor, winter jacket)".
fn order_label(o: &Order) -> String {
    format!("{} ({}, {})", o.id, o.store, o.item.to_lowercase())
}

fn is_open(o: &Order) -> bool {
    o.refund.is_none() && o.instalments.iter().any(|i| i.status == InstalmentStatus::Due)
}

fn is_paused(o: &Order, today: NaiveDate) -> bool {
    o.paused_until.is_some_and(|p| p >= today)
}

fn overdue(o: &Order, today: NaiveDate) -> Vec<&crate::account::Instalment> {
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
    let words: Vec<&str> = q.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2).collect();
    account
        .orders
        .iter()
        .find(|o| q_compact.contains(&o.id.to_lowercase().replace('-', "")))
        .or_else(|| {
            account.orders.iter().find(|o| {
                let store = o.store.to_lowercase();
                let item = o.item.to_lowercase();
                q.contains(&store)
                    || item.split_whitespace().filter(|w| w.len() > 3).any(|iw| {
                        words.iter().any(|w| *w == iw || w.strip_suffix('s') == Some(iw) || iw.strip_suffix('s') == Some(w))
                    })
            })
        })
}

/// A card listing an order's remaining payments (at most `max` of them, then the total left).
fn schedule_card(o: &Order, max: usize) -> Block {
    let due: Vec<_> = o.instalments.iter().filter(|i| i.status == InstalmentStatus::Due).collect();
    let mut fields = vec![
        Field { label: "Store".into(), value: Value::Text { text: o.store.clone() } },
        Field { label: "Plan".into(), value: Value::Text { text: plan_name(&o.plan) } },
        Field { label: "Paid".into(), value: Value::Text { text: format!("{} of {} payments", o.paid_count, o.payment_count) } },
    ];
    for i in due.iter().take(max) {
        fields.push(Field { label: format!("Payment {} of {}", i.number, o.payment_count), value: Value::Money { money: i.amount.clone() } });
        fields.push(Field { label: format!("Payment {} due", i.number), value: Value::Date { date: i.due.to_string() } });
    }
    fields.push(Field { label: "Left to pay".into(), value: Value::Money { money: o.outstanding() } });
    if let Some(p) = o.paused_until {
        fields.push(Field { label: "Payments paused until".into(), value: Value::Date { date: p.to_string() } });
    }
    Block::Card { title: format!("Payment schedule — {}", o.id), fields }
}

fn sign_in(a: &mut Answer, what: &str) {
    a.say(format!(
        "You're not signed in, so I can't see {what}. Sign in to your Fjord Pay account and ask me again, or talk to a person."
    ));
    a.block(actions(vec![link("Sign in", "/login")]));
}

/// The support-hours sentence for handoffs (never a wait time).
fn hours(a: &mut Answer) {
    a.cite(&kb::HUMAN_SUPPORT);
}

/// Composes the answer for an answerable or conversational topic.
pub fn compose(topic: &str, question: &str, today: NaiveDate, account: Option<&AccountSnapshot>) -> Answer {
    let mut a = Answer::default();
    match topic {
        "next_payment" => next_payment(&mut a, question, today, account),
        "payment_schedule" => payment_schedule(&mut a, question, today, account),
        "pay_early" => pay_early(&mut a, question, today, account),
        "extend_due_date" => extend_due_date(&mut a, question, today, account),
        "change_payment_method" => {
            a.cite(&kb::PAYMENT_METHOD);
            a.block(actions(vec![link("Payment methods", "/profile/payment-methods")]));
        }
        "late_fee" => late_fee(&mut a, today, account, false),
        "missed_payment" => late_fee(&mut a, today, account, true),
        "payment_declined" => {
            a.say("I'm sorry your purchase was declined.");
            a.cite(&kb::DECLINED);
            a.say("If you'd like someone to look at it with you, a person can help.");
            a.block(actions(vec![]));
        }
        "spending_limit" => {
            a.say("There isn't a fixed spending limit I can look up: each purchase is assessed when you make it.");
            a.cite(&kb::DECLINED);
            a.block(actions(vec![]));
        }
        "refund_status" => refund_status(&mut a, question, today, account),
        "return_item" => return_item(&mut a, question, today, account),
        "charged_twice" | "unrecognized_charge" => charges(&mut a, topic, today, account),
        "interest_rate" => interest(&mut a, question, account),
        "credit_check" => {
            a.cite(&kb::CREDIT_CHECK);
            a.block(actions(vec![suggest("How does it work?")]));
        }
        "how_it_works" => {
            a.cite(&kb::PAY_IN_4);
            a.cite(&kb::PAY_IN_30);
            a.cite(&kb::FINANCING);
            a.block(actions(vec![suggest("Do you do a credit check?"), suggest("Is there a late fee?")]));
        }
        "update_details" => {
            a.cite(&kb::UPDATE_DETAILS);
            a.block(actions(vec![link("Personal details", "/profile/details")]));
        }
        "close_account" => close_account(&mut a, account),
        "greeting" => {
            let name = account.map(|acc| format!(" {}", acc.name.split_whitespace().next().unwrap_or(&acc.name))).unwrap_or_default();
            a.say(format!(
                "Hi{name}! I'm Fjord Pay's automated assistant. I can help with your payments, refunds and returns, late fees and your account. What would you like to know?"
            ));
            a.block(actions(vec![suggest("When is my next payment?"), suggest("Where is my refund?")]));
        }
        "thanks" => {
            a.say("You're welcome! Is there anything else I can help with?");
        }
        "goodbye" => {
            a.say("Thanks for chatting with Fjord Pay. Take care!");
        }
        "bot_identity" => {
            a.say("I'm Fjord Pay's automated assistant, not a person. You can ask for a person at any time: tap \"Talk to a person\" or just say so.");
            hours(&mut a);
            a.block(actions(vec![]));
        }
        "human_request" => {
            a.say("Of course. I'm connecting you with a person now. They'll see our conversation, so you won't need to repeat anything.");
            hours(&mut a);
            a.handoff = Some(HandoffReason::Requested);
        }
        _ => unknown(&mut a),
    }
    a
}

/// The reply when the assistant is not sure: what it can help with, and a person.
pub fn unknown(a: &mut Answer) {
    a.say("I'm not sure I understood, and I'd rather not guess. I can help with payment dates and amounts, paying early or later, late fees, refunds and returns, declined purchases and your account details. Or I can connect you with a person.");
    a.block(actions(vec![suggest("When is my next payment?"), suggest("Where is my refund?")]));
}

/// The handoff for an always-a-person topic: a short caring message, the facts that help right
/// away, and the support hours.
pub fn sensitive(topic: &str, question: &str, today: NaiveDate, account: Option<&AccountSnapshot>) -> Answer {
    let mut a = Answer { handoff: Some(HandoffReason::SensitiveTopic), ..Answer::default() };
    let opening = match topic {
        "hardship" => "I'm sorry things are difficult right now. I'm connecting you with a person who can look at your payments with you and talk through the options.",
        "fraud" => "I'm sorry, that sounds worrying. I'm connecting you with a person from our team now so they can secure your account and look into it.",
        "dispute" => "I'm sorry about the trouble with your order. I'm connecting you with a person who can look into it with the store.",
        "complaint" => "I'm sorry we've let you down. I'm passing this to a person, who will see our conversation and take your complaint forward.",
        "bereavement" => "I'm so sorry for your loss. I'm connecting you with a person who will help with the account, with care and at your pace.",
        "vulnerability" => "I'm sorry you're going through this, and thank you for telling us. I'm connecting you with a person who can help.",
        _ => "Thank you for letting us know. I'm passing this to a person who handles these requests.",
    };
    a.say(opening);
    if topic == "vulnerability" {
        let p = crate::safety::prepare(question);
        if ["suicid", "kill myself", "end my life", "ending my life", "end it all", "ending it all", "want to die", "dont want to live", "hurt myself", "self harm", "dont want to be here"]
            .iter()
            .any(|w| p.contains(w))
        {
            a.say("If you are in danger or thinking about ending your life, please call your local emergency number (112 in Europe) now.");
        }
    }
    if topic == "fraud" {
        a.say("If you think your card details were taken, you can also ask your bank to block the card.");
    }
    if let Some(acc) = account {
        // Facts that help right away: paused payments, and what is due soon.
        for o in acc.orders.iter().filter(|o| is_paused(o, today)) {
            a.say(format!("Payments on {} are paused until {} because a return was reported.", order_label(o), o.paused_until.expect("paused")));
            a.source(&kb::RETURNS);
        }
        if matches!(topic, "hardship" | "bereavement" | "vulnerability") {
            if let Some((o, i)) = acc.next_due(today) {
                a.say(format!("The next payment on the account is {} for {}, due {}; the person can look at it with you.", i.amount.plain(), o.id, i.due));
            }
        }
    }
    hours(&mut a);
    a
}

fn next_payment(a: &mut Answer, question: &str, today: NaiveDate, account: Option<&AccountSnapshot>) {
    let Some(acc) = account else {
        a.say("With Pay in 4 an instalment is due every 14 days after the first; with Pay in 30 the whole amount is due 30 days after the order ships; financing is monthly.");
        a.source(&kb::PAY_IN_4).source(&kb::PAY_IN_30).source(&kb::FINANCING);
        sign_in(a, "your payment dates and amounts");
        return;
    };
    let target = mentioned_order(question, acc).filter(|o| o.next_instalment().is_some());
    let next = match target {
        Some(o) if is_paused(o, today) => {
            a.say(format!(
                "Payments on {} are paused until {} while your return is processed, so nothing is due on it before then.",
                order_label(o),
                o.paused_until.expect("paused")
            ));
            a.source(&kb::RETURNS);
            a.block(schedule_card(o, 2));
            a.block(actions(vec![]));
            return;
        }
        Some(o) => o.next_instalment().map(|i| (o, i)),
        None => acc.next_due(today),
    };
    match next {
        Some((o, i)) => {
            a.say(format!("Your next payment is {} for order {}, due {}.", i.amount.plain(), order_label(o), i.due));
            a.source(plan_article(&o.plan));
            if target.is_none() {
                for p in acc.orders.iter().filter(|p| is_paused(p, today) && p.next_instalment().is_some()) {
                    a.say(format!("Payments on {} are paused until {} while your return is processed.", p.id, p.paused_until.expect("paused")));
                    a.source(&kb::RETURNS);
                }
            }
            a.block(o.card());
            a.block(actions(vec![link("Pay early", &format!("/orders/{}/pay", o.id)), suggest("Show my payment schedule")]));
        }
        None => {
            a.say("You have no payments coming up.");
            a.block(actions(vec![]));
        }
    }
}

fn payment_schedule(a: &mut Answer, question: &str, today: NaiveDate, account: Option<&AccountSnapshot>) {
    let Some(acc) = account else {
        a.cite(&kb::PAY_IN_4);
        a.cite(&kb::PAY_IN_30);
        a.cite(&kb::FINANCING);
        sign_in(a, "your own payment schedule");
        return;
    };
    let orders: Vec<&Order> = match mentioned_order(question, acc) {
        Some(o) => vec![o],
        None => acc.orders.iter().filter(|o| is_open(o)).collect(),
    };
    if orders.iter().all(|o| !is_open(o)) {
        a.say("You have nothing left to pay.");
        a.block(actions(vec![]));
        return;
    }
    let mut total: Option<Money> = None;
    for o in &orders {
        if !is_open(o) {
            continue;
        }
        let left = o.outstanding();
        let next = o.next_instalment().expect("open order has a payment due");
        let mut line = format!(
            "{}: {} of {} payments made, {} left to pay; next {} due {}.",
            order_label(o),
            o.paid_count,
            o.payment_count,
            left.plain(),
            next.amount.plain(),
            next.due
        );
        if let Some(p) = o.paused_until.filter(|_| is_paused(o, today)) {
            line.push_str(&format!(" Payments are paused until {p} while your return is processed."));
            a.source(&kb::RETURNS);
        }
        a.say(line);
        a.source(plan_article(&o.plan));
        a.block(schedule_card(o, 4));
        total = Some(match total {
            Some(t) => sum(&t, &left),
            None => left,
        });
    }
    if orders.len() > 1 {
        if let Some(t) = total {
            a.say(format!("In total you have {} left to pay.", t.plain()));
        }
    }
    a.block(actions(vec![suggest("Can I pay early?")]));
}

fn pay_early(a: &mut Answer, question: &str, today: NaiveDate, account: Option<&AccountSnapshot>) {
    a.cite(&kb::PAY_EARLY);
    let Some(acc) = account else {
        sign_in(a, "what's left on your orders");
        return;
    };
    let orders: Vec<&Order> = match mentioned_order(question, acc) {
        Some(o) => vec![o],
        None => acc.orders.iter().filter(|o| is_open(o)).collect(),
    };
    let mut buttons = Vec::new();
    for o in orders.iter().filter(|o| is_open(o)) {
        let next = o.next_instalment().expect("open");
        let mut line = format!("{}: {} left in total; the next payment is {} due {}.", order_label(o), o.outstanding().plain(), next.amount.plain(), next.due);
        if is_paused(o, today) {
            line.push_str(&format!(" Payments are paused until {} while your return is processed, so you may want to wait for the refund.", o.paused_until.expect("paused")));
            a.source(&kb::RETURNS);
        }
        a.say(line);
        buttons.push(link(format!("Pay early — {}", o.id), &format!("/orders/{}/pay", o.id)));
    }
    if buttons.is_empty() {
        a.say("You have nothing left to pay.");
    }
    a.block(actions(buttons));
}

fn extend_due_date(a: &mut Answer, question: &str, today: NaiveDate, account: Option<&AccountSnapshot>) {
    a.cite(&kb::EXTEND);
    let Some(acc) = account else {
        sign_in(a, "which of your payments can be extended");
        return;
    };
    let order = mentioned_order(question, acc).or_else(|| acc.next_due(today).map(|(o, _)| o));
    let Some(o) = order.filter(|o| is_open(o)) else {
        a.say("You have no payments due that could be extended.");
        a.block(actions(vec![]));
        return;
    };
    let next = o.next_instalment().expect("open");
    if matches!(o.plan, Plan::Financing { .. }) {
        a.say(format!("{} is on Financing, so its due dates can't be extended. Its next payment is {} due {}.", order_label(o), next.amount.plain(), next.due));
        a.block(actions(vec![]));
    } else if !overdue(o, today).is_empty() {
        a.say(format!("The payment on {} is already overdue, so it can't be extended. You can pay it now, or a person can help.", order_label(o)));
        a.block(actions(vec![link("Pay now", &format!("/orders/{}/pay", o.id))]));
    } else if o.extension_used {
        a.say(format!("The extension for {} has already been used, so its due date can't be moved again.", order_label(o)));
        a.block(actions(vec![]));
    } else if is_paused(o, today) {
        a.say(format!("Payments on {} are already paused until {} while your return is processed.", order_label(o), o.paused_until.expect("paused")));
        a.source(&kb::RETURNS);
        a.block(actions(vec![]));
    } else {
        a.say(format!(
            "You can extend the payment of {} on {}, due {}, by 10 days to {}, free of charge.",
            next.amount.plain(),
            order_label(o),
            next.due,
            next.due + Duration::days(10)
        ));
        a.block(actions(vec![link("Extend due date", &format!("/orders/{}/extend", o.id))]));
    }
}

fn late_fee(a: &mut Answer, today: NaiveDate, account: Option<&AccountSnapshot>, missed: bool) {
    if missed {
        a.say("Don't worry: if a payment doesn't go through, we try again automatically.");
    }
    a.cite(&kb::LATE_FEE);
    let Some(acc) = account else {
        if missed {
            a.say("You can also pay a missed instalment yourself at any time.");
            a.source(&kb::PAY_EARLY);
        }
        sign_in(a, "whether any of your payments are overdue");
        return;
    };
    let late: Vec<(&Order, &crate::account::Instalment)> =
        acc.orders.iter().flat_map(|o| overdue(o, today).into_iter().map(move |i| (o, i))).collect();
    let mut buttons = Vec::new();
    if late.is_empty() {
        a.say("None of your payments are overdue, so there are no late fees on your account.");
        if let Some((o, i)) = acc.next_due(today) {
            a.say(format!("Your next payment is {} for {}, due {}.", i.amount.plain(), o.id, i.due));
            a.block(o.card());
        }
    } else {
        for (o, i) in &late {
            let days = (today - i.due).num_days();
            let fee_day = i.due + Duration::days(10);
            let status = if today > fee_day {
                "it is more than 10 days overdue".to_string()
            } else {
                format!("we'll keep retrying, and a late fee applies if it's still unpaid after {fee_day}")
            };
            a.say(format!("Payment {} of {} on {} was due {} ({days} days ago); {status}.", i.number, i.amount.plain(), order_label(o), i.due));
            buttons.push(link(format!("Pay now — {}", o.id), &format!("/orders/{}/pay", o.id)));
        }
        a.source(&kb::PAY_EARLY);
    }
    a.block(actions(buttons));
}

fn refund_status(a: &mut Answer, question: &str, today: NaiveDate, account: Option<&AccountSnapshot>) {
    let Some(acc) = account else {
        a.cite(&kb::REFUND);
        sign_in(a, "your own refunds");
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
            let by = add_business_days(r.processed_on, 7);
            let when = if today > by {
                "It should already be on your card; if you can't see it, a person can check with you.".to_string()
            } else {
                format!("It can take 5–7 business days to show, so expect it by {by}.")
            };
            a.say(format!("{} for {} was refunded to your {} on {}. {when}", r.amount.plain(), order_label(o), r.destination, r.processed_on));
            a.source(&kb::REFUND);
            a.block(Block::Card {
                title: format!("Refund — {}", o.id),
                fields: vec![
                    Field { label: "Amount".into(), value: Value::Money { money: r.amount.clone() } },
                    Field { label: "To".into(), value: Value::Text { text: r.destination.clone() } },
                    Field { label: "Processed".into(), value: Value::Date { date: r.processed_on.to_string() } },
                ],
            });
            said = true;
        } else if let Some(rep) = o.return_reported {
            let mut line = format!("You reported a return for {} on {}; the store hasn't registered it yet, so no refund has started.", order_label(o), rep);
            if let Some(p) = o.paused_until.filter(|_| is_paused(o, today)) {
                line.push_str(&format!(" Payments on it are paused until {p}."));
                a.source(&kb::RETURNS);
            }
            a.say(line);
            a.say("When the store registers the return, your remaining instalments are cancelled and what you've paid goes back to your original card within 5–7 business days.");
            a.source(&kb::REFUND);
            said = true;
        }
    }
    if !said {
        a.say(match mentioned {
            Some(o) => format!("I can't see a return or refund for {} yet.", order_label(o)),
            None => "I can't see a return or refund on your account yet.".to_string(),
        });
        a.cite(&kb::REFUND);
    }
    a.block(actions(vec![]));
}

fn return_item(a: &mut Answer, question: &str, today: NaiveDate, account: Option<&AccountSnapshot>) {
    a.say("Return the item to the store as the store asks, then report the return to us.");
    a.cite(&kb::RETURNS);
    a.cite(&kb::REFUND);
    let Some(acc) = account else {
        sign_in(a, "your orders");
        return;
    };
    if let Some(o) = mentioned_order(question, acc).or_else(|| acc.orders.iter().find(|o| is_paused(o, today))) {
        if let (Some(rep), Some(p)) = (o.return_reported, o.paused_until.filter(|_| is_paused(o, today))) {
            a.say(format!("You reported a return for {} on {}, so its payments are paused until {}.", order_label(o), rep, p));
            a.block(schedule_card(o, 2));
            a.block(actions(vec![]));
            return;
        }
        if o.refund.is_some() {
            a.say(format!("{} has already been refunded.", order_label(o)));
            a.block(actions(vec![]));
            return;
        }
        a.block(actions(vec![link(format!("Report a return — {}", o.id), &format!("/orders/{}/return", o.id))]));
        return;
    }
    a.block(actions(vec![link("Report a return", "/orders")]));
}

fn charges(a: &mut Answer, topic: &str, today: NaiveDate, account: Option<&AccountSnapshot>) {
    if topic == "charged_twice" {
        a.say("I'm sorry about that, let's check it.");
    }
    a.cite(&kb::CHARGES);
    let Some(acc) = account else {
        sign_in(a, "the payments on your account");
        return;
    };
    let mut paid: Vec<(&Order, &crate::account::Instalment)> = acc
        .orders
        .iter()
        .flat_map(|o| o.instalments.iter().filter(|i| i.status == InstalmentStatus::Paid).map(move |i| (o, i)))
        .filter(|(_, i)| i.paid_on.is_some_and(|d| d >= today - Duration::days(60)))
        .collect();
    paid.sort_by_key(|(_, i)| std::cmp::Reverse(i.paid_on));
    if paid.is_empty() {
        a.say("We haven't taken any payments from you in the last 60 days.");
    } else {
        a.say("These are the payments we've taken in the last 60 days:");
        a.block(Block::Bullets {
            items: paid
                .iter()
                .map(|(o, i)| format!("{}: {} for {}, payment {} of {}", i.paid_on.expect("paid"), i.amount.plain(), order_label(o), i.number, o.payment_count))
                .collect(),
        });
    }
    for o in acc.orders.iter().filter(|o| o.refund.is_some()) {
        let r = o.refund.as_ref().expect("refund");
        a.say(format!("We also refunded {} for {} to your {} on {}.", r.amount.plain(), o.id, r.destination, r.processed_on));
        a.source(&kb::REFUND);
    }
    a.say(if topic == "charged_twice" {
        "If your statement shows one of these twice, tap \"Talk to a person\" and we'll look into it."
    } else {
        "If the charge isn't one of these, tap \"Talk to a person\" and we'll look into it. If you think someone used your details, tell me and I'll connect you straight away."
    });
    a.block(actions(vec![]));
}

fn interest(a: &mut Answer, question: &str, account: Option<&AccountSnapshot>) {
    a.say("Pay in 4 and Pay in 30 have no interest, and no fees when you pay on time.");
    a.source(&kb::PAY_IN_4).source(&kb::PAY_IN_30);
    a.cite(&kb::FINANCING);
    if let Some(acc) = account {
        let mentioned = mentioned_order(question, acc);
        let orders: Vec<&Order> = match mentioned {
            Some(o) => vec![o],
            None => acc.orders.iter().collect(),
        };
        for o in orders {
            if let Plan::Financing { months, apr_bp } = o.plan {
                let monthly = o.next_instalment().map(|i| format!(", {} a month", i.amount.plain())).unwrap_or_default();
                a.say(format!("Your financing for {} is over {months} months at {} APR{monthly}.", order_label(o), apr(apr_bp)));
            } else if mentioned.is_some() {
                a.say(format!("{} is on {}, with no interest.", order_label(o), plan_name(&o.plan)));
            }
        }
    }
    a.block(actions(vec![]));
}

fn close_account(a: &mut Answer, account: Option<&AccountSnapshot>) {
    a.cite(&kb::CLOSE_ACCOUNT);
    if let Some(acc) = account {
        let open: Vec<&Order> = acc.orders.iter().filter(|o| is_open(o)).collect();
        if open.is_empty() {
            a.say("Nothing is owed on your account, so it can be closed.");
        } else {
            let total = open.iter().map(|o| o.outstanding()).reduce(|x, y| sum(&x, &y)).expect("non-empty");
            let parts: Vec<String> = open.iter().map(|o| format!("{} {}", o.id, o.outstanding().plain())).collect();
            a.say(format!("You still owe {} ({}), so the account can be closed once that is paid.", total.plain(), parts.join(", ")));
        }
    }
    a.say("I'm connecting you with a person to complete this.");
    hours(a);
    a.handoff = Some(HandoffReason::NeedsPerson);
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

    #[test]
    fn apr_is_written_plainly() {
        assert_eq!(apr(1490), "14.9%");
        assert_eq!(apr(1500), "15%");
        assert_eq!(apr(999), "9.99%");
    }
}
