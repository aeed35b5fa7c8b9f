//! An identified shopper whose account cannot be read right now ([`Account::Unavailable`]): answers
//! that need their own figures say so in their language and offer a person, never figures from
//! elsewhere; policy answers are unchanged.

use super::*;

fn unreadable(q: &str, locale: &str) -> Reply {
    let ctx = Context { today: today(), history: &[], account: Account::Unavailable, locale, hours: "08:00-22:00".parse().unwrap() };
    engine().reply(q, &ctx)
}

fn anonymous(q: &str, locale: &str) -> Reply {
    let ctx = Context { today: today(), history: &[], account: Account::Anonymous, locale, hours: "08:00-22:00".parse().unwrap() };
    engine().reply(q, &ctx)
}

/// Whatever the reply shows (text, cards, buttons), as one string.
fn everything(r: &Reply) -> String {
    format!("{} {:?}", r.text, r.blocks)
}

fn has_sign_in_link(r: &Reply) -> bool {
    r.blocks.iter().any(|b| matches!(b, Block::Actions { buttons } if buttons.iter().any(|x| matches!(&x.action, Action::Link { url } if url.contains("login")))))
}

/// Every order reference and amount of the demo account: none may appear when it is unreadable.
fn demo_figures() -> Vec<String> {
    let acc = account::demo_account(today());
    let mut figures: Vec<String> = acc.orders.iter().map(|o| o.id.clone()).collect();
    figures.extend(acc.orders.iter().flat_map(|o| o.instalments.iter().map(|i| i.amount.plain())));
    figures
}

#[test]
fn questions_about_the_shoppers_own_account_say_it_cannot_be_seen_and_offer_a_person() {
    let unavailable = engine().voice("en", SupportHours::Always).say("account_unavailable", &[]);
    for q in [
        "when is my next payment?",
        "show me my payment schedule",
        "can I pay off my orders early",
        "can I extend my due date?",
        "did I miss a payment",
        "where is my refund?",
        "how do I return the winter jacket",
        "I think I was charged twice",
    ] {
        let known = alex(q);
        let r = unreadable(q, "en");
        assert_eq!(r.meta.topic, known.meta.topic, "{q}: the topic does not depend on the account");
        assert!(r.text.contains(&unavailable), "{q}: {}", r.text);
        assert!(has_person_button(&r), "{q}: a person is offered: {:?}", r.blocks);
        assert_eq!(r.meta.handoff, None, "{q}: offered, not forced");
        assert!(!has_sign_in_link(&r), "{q}: the shopper is signed in already: {:?}", r.blocks);
        assert!(!r.blocks.iter().any(|b| matches!(b, Block::Card { .. })), "{q}: no account card: {:?}", r.blocks);
        let all = everything(&r);
        for f in demo_figures() {
            assert!(!all.contains(&f), "{q}: {f} in {all}");
        }
    }
}

#[test]
fn policy_questions_are_answered_as_usual_when_the_account_cannot_be_read() {
    let unavailable = engine().voice("en", SupportHours::Always).say("account_unavailable", &[]);
    for q in ["how does it work?", "do you do a credit check?", "how do I change my payment method", "what is the spending limit", "hello"] {
        let r = unreadable(q, "en");
        assert_eq!(r, anonymous(q, "en"), "{q}: the same answer as for anyone");
        assert!(!r.text.contains(&unavailable), "{q}: {}", r.text);
    }
}

#[test]
fn interest_states_the_policy_and_that_the_shoppers_own_plans_cannot_be_seen() {
    let r = unreadable("what interest rate am I paying on my sofa?", "en");
    assert_eq!(r.meta.topic, "interest_rate");
    assert!(r.text.contains(&engine().voice("en", SupportHours::Always).say("account_unavailable", &[])), "{}", r.text);
    assert!(!r.text.contains("14.9"), "the shopper's own rate is not known: {}", r.text);
}

#[test]
fn a_swedish_or_german_shopper_is_told_in_their_language() {
    for (locale, q) in [("sv", "när är min nästa betalning?"), ("de", "Wann ist meine nächste Rate fällig?")] {
        let v = engine().voice(locale, SupportHours::Always);
        let r = unreadable(q, locale);
        assert_eq!((r.locale.as_str(), r.meta.topic.as_str()), (locale, "next_payment"), "{}", r.text);
        assert!(r.text.contains(&v.say("account_unavailable", &[])), "{locale}: {}", r.text);
        let buttons: Vec<&str> = r.blocks.iter().flat_map(|b| match b { Block::Actions { buttons } => buttons.iter().map(|b| b.label.as_str()).collect(), _ => vec![] }).collect();
        assert!(buttons.contains(&v.button("talk_to_person", &[]).as_str()), "{locale}: {buttons:?}");
        assert!(!everything(&r).contains("FP-1001"), "{locale}: {}", r.text);
    }
}

#[test]
fn always_a_person_topics_still_hand_off_without_the_accounts_facts() {
    let r = unreadable("I lost my job and can't pay my instalments", "en");
    assert_eq!(r.meta.handoff, Some(HandoffReason::SensitiveTopic), "{:?}", r.meta);
    for f in demo_figures() {
        assert!(!everything(&r).contains(&f), "{f}: {}", r.text);
    }
}

#[test]
fn a_greeting_does_not_use_a_name_it_could_not_read() {
    let r = unreadable("hi", "en");
    assert_eq!(r.text, anonymous("hi", "en").text);
    assert!(!r.text.contains("Alex"), "{}", r.text);
}
