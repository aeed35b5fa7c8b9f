//! The engine's behaviour, end to end through `Assistant::reply` on the demo pack.

use super::*;
use std::sync::OnceLock;
use tandem_protocol::{Action, Value};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn engine() -> &'static Assistant {
    static E: OnceLock<Assistant> = OnceLock::new();
    E.get_or_init(Assistant::demo)
}

fn ctx<'a>(history: &'a [Turn], account: Option<&'a AccountSnapshot>) -> Context<'a> {
    Context { today: today(), history, account: account.into(), locale: "en", hours: "08:00-22:00".parse().unwrap() }
}

fn anon(q: &str) -> Reply {
    engine().reply(q, &ctx(&[], None))
}

fn alex(q: &str) -> Reply {
    let account = account::demo_account(today());
    engine().reply(q, &ctx(&[], Some(&account)))
}

fn turn(author: Author, text: &str, topic: Option<&str>) -> Turn {
    Turn { author, text: text.into(), topic: topic.map(Into::into) }
}

fn has_person_button(r: &Reply) -> bool {
    r.blocks.iter().any(|b| matches!(b, Block::Actions { buttons } if buttons.iter().any(|x| x.action == Action::Handoff)))
}

#[test]
fn assistant_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Assistant>();
}

#[test]
fn every_locale_model_knows_every_topic() {
    for (code, m) in &engine().models().topics {
        assert_eq!(m.data_fingerprint(), engine().pack().fingerprint, "{code}");
        for t in pack::schema::all_topics() {
            assert!(m.label_index(t).is_some(), "{code} model has no topic {t}");
        }
    }
}

#[test]
fn asking_for_a_person_hands_off_on_first_ask() {
    for q in ["can I talk to a person", "agent", "I'd like to speak with someone from your team", "human pls"] {
        let r = anon(q);
        assert_eq!(r.meta.handoff, Some(HandoffReason::Requested), "{q}");
        assert_eq!(r.meta.topic, "human_request", "{q}");
        assert!(r.text.contains("connecting you with a person"), "{}", r.text);
    }
}

#[test]
fn handoff_replies_never_promise_a_wait_time() {
    for q in ["talk to a human", "my dad died last month", "close my account", "THIS IS RIDICULOUS"] {
        let r = anon(q);
        assert!(r.meta.handoff.is_some(), "{q}");
        for w in ["minute", "shortly", "right back", "in a moment"] {
            assert!(!r.text.contains(w), "{q}: {}", r.text);
        }
        assert!(r.meta.sources.contains(&"kb/human-support".to_string()), "{q}");
    }
}

#[test]
fn bot_identity_says_it_is_automated_and_how_to_reach_a_person() {
    let r = anon("am I chatting with a real human?");
    assert_eq!(r.meta.topic, "bot_identity");
    assert_eq!(r.meta.handoff, None);
    assert!(r.text.contains("automated assistant"), "{}", r.text);
    assert!(r.text.contains("08:00–22:00 CET"), "{}", r.text);
    assert!(has_person_button(&r));
}

#[test]
fn always_a_person_topics_hand_off_without_the_obvious_keyword() {
    for (q, topic) in [
        ("since I was let go from work I can't keep up with what I owe you", "hardship"),
        ("my pay got slashed and the instalment is more than I have left", "hardship"),
        ("somebody got hold of my login and bought a TV", "fraud"),
        ("there's a purchase on here that I never made", "fraud"),
        ("the parcel never turned up and the shop won't answer", "dispute"),
        ("the jacket came with a huge tear in it", "dispute"),
        ("I want this escalated, the way I was spoken to was appalling", "complaint"),
        ("we buried my father on friday and he had a plan with you", "bereavement"),
        ("I'm sorting out my late mum's things", "bereavement"),
        ("I've just been diagnosed and I can't face dealing with this", "vulnerability"),
        ("my boyfriend makes me buy things and keeps my cards", "vulnerability"),
        ("I'll be speaking to my solicitor about this", "legal"),
        ("expect to hear from my attorney", "legal"),
    ] {
        let r = anon(q);
        assert_eq!(r.meta.handoff, Some(HandoffReason::SensitiveTopic), "{q} -> {:?}", r.meta);
        assert_eq!(r.meta.topic, topic, "{q}");
        assert!(r.text.contains("I'm"), "a caring first line: {}", r.text);
    }
}

#[test]
fn crisis_messages_get_the_emergency_number() {
    let r = anon("honestly I don't want to live anymore");
    assert_eq!(r.meta.topic, "vulnerability");
    assert!(r.text.contains("112"), "{}", r.text);
}

#[test]
fn a_dispute_mentions_that_payments_on_the_reported_order_are_paused() {
    let r = alex("the headphones arrived broken and the store ignores me");
    assert_eq!(r.meta.handoff, Some(HandoffReason::SensitiveTopic));
    assert_eq!(r.meta.topic, "dispute");
    assert!(r.text.contains("FP-1002") && r.text.contains("paused until 2026-12-11"), "{}", r.text);
}

#[test]
fn next_payment_uses_account_data() {
    let r = alex("when is my next payment?");
    assert_eq!(r.meta.topic, "next_payment");
    assert!(r.text.contains("€50.00"), "{}", r.text);
    assert!(r.text.contains("FP-1001"), "{}", r.text);
    assert!(r.text.contains("2026-11-28"), "{}", r.text);
    assert!(r.meta.sources.contains(&"kb/pay-in-4".to_string()));
    let card = r.blocks.iter().find_map(|b| match b {
        Block::Card { fields, .. } => Some(fields.clone()),
        _ => None,
    });
    let fields = card.expect("an order card");
    assert!(fields.iter().any(|f| f.value == Value::Date { date: "2026-11-28".into() }));
    assert!(fields.iter().any(|f| f.value == Value::Money { money: tandem_protocol::Money::eur(5000) }));
    assert!(r.blocks.iter().any(|b| matches!(b, Block::Actions { buttons } if buttons.iter().any(|x| x.label == "Pay early"))));
}

#[test]
fn next_payment_for_a_named_order() {
    let r = alex("when is the next payment on my sofa");
    assert!(r.text.contains("€108.25") && r.text.contains("FP-1003") && r.text.contains("2026-12-01"), "{}", r.text);
    let r = alex("when is the next payment for my headphones");
    assert!(r.text.contains("paused until 2026-12-11"), "{}", r.text);
}

#[test]
fn schedule_lists_remaining_payments_and_totals() {
    let r = alex("show me my payment schedule");
    assert_eq!(r.meta.topic, "payment_schedule");
    assert!(r.text.contains("FP-1001") && r.text.contains("€100.00 left"), "{}", r.text);
    assert!(r.text.contains("FP-1003") && r.text.contains("€974.25"), "{}", r.text);
    assert!(!r.text.contains("FP-0998"), "refunded orders are not owed: {}", r.text);
    // 100.00 + 89.90 + 974.25
    assert!(r.text.contains("€1,164.15"), "{}", r.text);
}

#[test]
fn extension_is_offered_with_the_new_date_and_refused_for_financing() {
    let r = alex("can I extend my due date?");
    assert_eq!(r.meta.topic, "extend_due_date");
    assert!(r.text.contains("2026-11-28") && r.text.contains("2026-12-08"), "{}", r.text);
    let r = alex("can I push back the payment for my sofa");
    assert!(r.text.contains("can't be extended"), "{}", r.text);
}

#[test]
fn refund_status_comes_from_the_account() {
    let r = alex("where is my refund?");
    assert_eq!(r.meta.topic, "refund_status");
    assert!(r.text.contains("€35.00") && r.text.contains("Visa ending 4242") && r.text.contains("2026-11-22"), "{}", r.text);
    assert!(r.text.contains("FP-1002"), "the reported return is mentioned too: {}", r.text);
    assert!(r.meta.sources.contains(&"kb/refunds".to_string()));
}

#[test]
fn interest_quotes_the_contract_apr() {
    let r = alex("what interest am I paying?");
    assert_eq!(r.meta.topic, "interest_rate");
    assert!(r.text.contains("14.9% APR") && r.text.contains("€108.25"), "{}", r.text);
}

#[test]
fn late_fee_policy_and_no_overdue_payments() {
    let r = alex("how much is the late fee");
    assert_eq!(r.meta.topic, "late_fee");
    assert!(r.text.contains("€7") && r.text.contains("25%"), "{}", r.text);
    assert!(r.text.contains("None of your payments are overdue"), "{}", r.text);
    assert_eq!(r.meta.sources[0], "kb/late-fee");
}

#[test]
fn close_account_explains_then_hands_to_a_person() {
    let r = alex("I want to close my account");
    assert_eq!(r.meta.topic, "close_account");
    assert_eq!(r.meta.handoff, Some(HandoffReason::NeedsPerson));
    assert!(r.text.contains("€1,164.15"), "{}", r.text);
    assert!(r.meta.sources.contains(&"kb/close-account".to_string()));
}

#[test]
fn anonymous_shopper_never_sees_account_data() {
    let qs = [
        "when is my next payment?",
        "show my payment schedule",
        "can I pay off my sofa early",
        "can I extend my due date",
        "where is my refund",
        "I was charged twice",
        "what is this charge on my statement",
        "what's my interest rate",
        "I missed a payment",
        "how do I return the headphones",
        "close my account",
        "the headphones arrived broken",
        "I can't afford my payments",
    ];
    for q in qs {
        let r = anon(q);
        let all = format!("{} {:?}", r.text, r.blocks);
        for secret in ["FP-1", "FP-0", "Nordic", "Pixel", "HomeGoods", "Book Nook", "4242", "108.25", "€50.00", "2026-11-28", "Alex"] {
            assert!(!all.contains(secret), "{q}: leaked {secret}: {all}");
        }
    }
    let r = anon("when is my next payment?");
    assert!(r.text.contains("Sign in"), "{}", r.text);
    assert!(has_person_button(&r));
}

#[test]
fn policy_answers_cite_their_articles() {
    for q in ["do you do a credit check", "how does pay in 4 work", "how do I change my card", "why was my purchase declined", "is there a late fee"] {
        let r = anon(q);
        assert!(!r.meta.sources.is_empty(), "{q}: {:?}", r.meta);
        for s in &r.meta.sources {
            let id = s.strip_prefix("kb/").expect("kb/ prefix");
            assert!(engine().pack().locales[0].articles.contains_key(id), "{q}: unknown source {s}");
        }
    }
}

#[test]
fn gibberish_is_unknown_with_a_person_offered() {
    let r = anon("purple monkey dishwasher");
    assert_eq!(r.meta.topic, "unknown");
    assert_eq!(r.meta.handoff, None);
    assert!(has_person_button(&r));
}

#[test]
fn frustration_hands_off() {
    for q in ["WHY CAN'T I SEE MY ORDERS ANYWHERE", "this is useless", "you're not helping at all"] {
        let r = anon(q);
        assert_eq!(r.meta.handoff, Some(HandoffReason::Frustration), "{q}: {:?}", r.meta);
    }
    // Shouting about not being answered is a complaint now (an always-a-person rule, decided
    // first): still a person at once.
    let r = anon("WHY IS NOBODY ANSWERING MY QUESTION");
    assert_eq!((r.meta.handoff, r.meta.topic.as_str()), (Some(HandoffReason::SensitiveTopic), "complaint"));
}

#[test]
fn two_unhelpful_replies_in_a_row_then_a_person() {
    let history = vec![
        turn(Author::Shopper, "blorp", None),
        turn(Author::Assistant, "not sure", Some("unknown")),
        turn(Author::Shopper, "zzzq", None),
        turn(Author::Assistant, "not sure", Some("unknown")),
    ];
    let r = engine().reply("wibble", &ctx(&history, None));
    assert_eq!(r.meta.handoff, Some(HandoffReason::Unsure));
    // One unknown reply is not enough.
    let r = engine().reply("wibble", &ctx(&history[2..], None));
    assert_eq!(r.meta.handoff, None);
}

#[test]
fn asking_the_same_question_again_counts_as_a_reply_that_did_not_help() {
    let account = account::demo_account(today());
    let once = vec![turn(Author::Shopper, "when is my next payment", None), turn(Author::Assistant, "...", Some("next_payment"))];
    let r = engine().reply("when is my next payment?", &ctx(&once, Some(&account)));
    assert_eq!(r.meta.handoff, None);
    assert!(r.text.contains("connect you with a person"), "{}", r.text);
    let mut twice = once.clone();
    twice.extend([turn(Author::Shopper, "when is my next payment?", None), turn(Author::Assistant, "...", Some("next_payment"))]);
    let r = engine().reply("when is my next payment", &ctx(&twice, Some(&account)));
    assert_eq!(r.meta.handoff, Some(HandoffReason::Unsure));
}

#[test]
fn every_reply_offers_a_person() {
    for q in ["hi", "thanks", "when is my next payment", "how does it work", "asdf"] {
        let r = anon(q);
        assert!(r.meta.handoff.is_some() || has_person_button(&r), "{q}");
    }
}

fn in_locale(q: &str, locale: &str, identified: bool, history: &[Turn]) -> Reply {
    let account = account::demo_account(today());
    let ctx = Context { today: today(), history, account: identified.then_some(&account).into(), locale, hours: "08:00-22:00".parse().unwrap() };
    engine().reply(q, &ctx)
}

fn card_labels(r: &Reply) -> Vec<String> {
    r.blocks
        .iter()
        .flat_map(|b| match b {
            Block::Card { fields, .. } => fields.iter().map(|f| f.label.clone()).collect(),
            _ => vec![],
        })
        .collect()
}

#[test]
fn a_swedish_shopper_gets_a_swedish_answer_with_swedish_amounts_and_labels() {
    let r = in_locale("när är min nästa betalning?", "sv", true, &[]);
    assert_eq!((r.locale.as_str(), r.meta.topic.as_str()), ("sv", "next_payment"), "{}", r.text);
    assert!(r.text.contains("50,00\u{a0}€") && r.text.contains("FP-1001"), "{}", r.text);
    let sv = engine().voice("sv", SupportHours::Always);
    let labels = card_labels(&r);
    assert!(labels.contains(&sv.label("store", &[])) && sv.label("store", &[]) != "Store", "{labels:?}");
    let buttons: Vec<String> = r.blocks.iter().flat_map(|b| match b { Block::Actions { buttons } => buttons.iter().map(|b| b.label.clone()).collect(), _ => vec![] }).collect();
    assert!(buttons.contains(&sv.button("talk_to_person", &[])), "{buttons:?}");
    assert!(!r.text.contains("Your next payment"), "{}", r.text);
}

#[test]
fn a_german_shopper_who_fell_ill_and_cannot_pay_goes_to_a_person_in_german() {
    let r = in_locale("Ich bin krank geworden und kann die Raten nicht mehr bezahlen", "de", true, &[]);
    assert_eq!(r.meta.handoff, Some(HandoffReason::SensitiveTopic), "{:?}", r.meta);
    assert_eq!(r.locale, "de");
    let de = engine().voice("de", SupportHours::Always);
    assert!(r.text.starts_with(&de.say(&format!("sensitive_{}", r.meta.topic), &[])), "{}", r.text);
    // The next payment, written the German way.
    assert!(r.text.contains("50,00\u{a0}€") && r.text.contains("28.11.2026"), "{}", r.text);
}

#[test]
fn an_arabic_shopper_asking_for_a_person_is_handed_off_in_arabic() {
    for q in ["أريد التحدث مع موظف", "ممكن اكلم شخص حقيقي؟"] {
        let r = in_locale(q, "ar", false, &[]);
        assert_eq!(r.meta.handoff, Some(HandoffReason::Requested), "{q}: {:?}", r.meta);
        assert_eq!(r.locale, "ar");
        assert!(r.text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)), "{}", r.text);
    }
}

#[test]
fn the_reply_follows_the_language_the_shopper_writes() {
    let r = in_locale("Wann ist meine nächste Zahlung fällig?", "en", true, &[]);
    assert_eq!((r.locale.as_str(), r.meta.topic.as_str()), ("de", "next_payment"), "{}", r.text);
    let r = in_locale("when is my next payment?", "sv", true, &[]);
    assert_eq!(r.locale, "en", "{}", r.text);
    let r = in_locale("متى موعد الدفعة القادمة؟", "en", false, &[]);
    assert_eq!(r.locale, "ar", "{}", r.text);
    // Too short to tell: the session's language stands.
    for q in ["ok", "FP-1001", "hej"] {
        assert_eq!(in_locale(q, "en", false, &[]).locale, "en", "{q}");
    }
    // A session locale the pack does not have falls back to the pack's first.
    assert_eq!(in_locale("hi", "fr-FR", false, &[]).locale, "en");
}

#[test]
fn a_language_the_pack_does_not_have_gets_a_short_reply_in_the_session_s_language_and_a_person() {
    for (q, session) in [("¿Cuándo tengo que pagar la próxima cuota?", "de"), ("Когда мой следующий платёж?", "sv"), ("我的下一次付款是什么时候", "en")] {
        let r = in_locale(q, session, false, &[]);
        let v = engine().voice(session, SupportHours::Always);
        assert_eq!(r.locale, session, "{q}");
        assert_eq!(r.text, v.say("unsupported_language", &[]), "{q}");
        assert!(has_person_button(&r), "{q}");
    }
    // Words that always go to a person in a pack language are understood even when most of
    // the message's words are unknown.
    let r = in_locale("askan är nedsatt i minneslunden nu", "sv", false, &[]);
    assert_eq!((r.locale.as_str(), r.meta.handoff), ("sv", Some(HandoffReason::SensitiveTopic)), "{}", r.text);
    // And it does not leave the shopper there: the third time, a person.
    let history = vec![
        turn(Author::Shopper, "¿Dónde está mi reembolso?", None),
        turn(Author::Assistant, "...", Some("unknown")),
        turn(Author::Shopper, "¿Hay alguien que hable español?", None),
        turn(Author::Assistant, "...", Some("unknown")),
    ];
    let r = in_locale("Necesito ayuda con mi pedido", "en", false, &history);
    assert_eq!(r.meta.handoff, Some(HandoffReason::Unsure));
}

#[test]
fn every_sentence_a_shopper_can_read_exists_in_every_locale() {
    let pack = engine().pack();
    for l in &pack.locales {
        for (section, keys) in pack::schema::TEMPLATES {
            for (key, _) in keys.iter() {
                assert!(l.templates.contains_key(&(section.to_string(), key.to_string())), "{}: [{section}] {key}", l.code);
            }
        }
    }
    // No reply in any locale shows an unfilled placeholder.
    let qs = [("sv", "kan jag skjuta upp betalningen?"), ("de", "Wie hoch ist die Mahngebühr?"), ("ar", "أين المبلغ المسترد؟"), ("en", "show me my payment schedule")];
    for (locale, q) in qs {
        let r = in_locale(q, locale, true, &[]);
        let all = format!("{} {:?}", r.text, r.blocks);
        let unfilled = all.split('{').skip(1).any(|rest| rest.split_once('}').is_some_and(|(name, _)| !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
        assert!(!unfilled && !all.contains("[say."), "{locale}: {all}");
    }
}

mod unavailable;
