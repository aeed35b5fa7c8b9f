//! High-recall checks that run before any answer: the topics that always go to a person, an
//! explicit request for a person, and signs of frustration. They are hand-written rules over the
//! normalised text, deliberately broad; the classifier backs them up (see `lib.rs`). A false alarm
//! costs a short wait for a person, a miss costs a shopper in trouble talking to a machine.

use crate::classifier::normalize;
use crate::Turn;
use tandem_protocol::Author;

/// One rule: every part must occur in order (`*` separates parts), and none of `unless` may occur.
struct Rule {
    topic: &'static str,
    pattern: &'static str,
    unless: &'static [&'static str],
}

const fn r(topic: &'static str, pattern: &'static str) -> Rule {
    Rule { topic, pattern, unless: &[] }
}

const fn ru(topic: &'static str, pattern: &'static str, unless: &'static [&'static str]) -> Rule {
    Rule { topic, pattern, unless }
}

const RELATIVES: &[&str] = &[
    "husband", "wife", "mother", "father", "mum", "mom", "dad", "son", "daughter", "brother", "sister",
    "partner", "grandmother", "grandfather", "grandma", "grandpa", "nan", "aunt", "uncle", "friend",
];

const NOT_MONEY_BACK: &[&str] = &[" refund", " money back", " new card", " card "];

/// Patterns per always-a-person topic. Text is normalised (lower case, no punctuation, digits as
/// `0`), padded with spaces, and negations unified to `cant` (see [`prepare`]).
const RULES: &[Rule] = &[
    // Bereavement.
    r("bereavement", " passed away"),
    r("bereavement", " has passed"),
    r("bereavement", " passed recently"),
    ru("bereavement", " passed last ", &[" test", " exam"]),
    r("bereavement", " died"),
    r("bereavement", " dead "),
    r("bereavement", " death"),
    r("bereavement", " deceased"),
    r("bereavement", " funeral"),
    r("bereavement", " bereave"),
    r("bereavement", " executor"),
    r("bereavement", " estate "),
    r("bereavement", " widow"),
    r("bereavement", " no longer with us"),
    r("bereavement", " lost my husband"),
    r("bereavement", " lost my wife"),
    r("bereavement", " lost my partner"),
    r("bereavement", " lost my mum"),
    r("bereavement", " lost my mother"),
    r("bereavement", " lost my dad"),
    r("bereavement", " lost my father"),
    r("bereavement", " lost my son"),
    r("bereavement", " lost my daughter"),
    // Vulnerability: health, abuse, distress.
    r("vulnerability", " hospital"),
    r("vulnerability", " am ill"),
    r("vulnerability", " very ill"),
    r("vulnerability", " been ill"),
    r("vulnerability", " really ill"),
    r("vulnerability", " seriously ill"),
    r("vulnerability", " so ill"),
    r("vulnerability", " too ill"),
    r("vulnerability", " fell ill"),
    r("vulnerability", " is ill"),
    r("vulnerability", " ill health"),
    r("vulnerability", " mentally ill"),
    r("vulnerability", " terminally ill"),
    r("vulnerability", " illness"),
    ru("vulnerability", " sick", &[" sick of", " sick and tired"]),
    r("vulnerability", " unwell"),
    r("vulnerability", " cancer"),
    r("vulnerability", " chemo"),
    r("vulnerability", " disease"),
    r("vulnerability", " depress"),
    r("vulnerability", " anxiety"),
    r("vulnerability", " anxious"),
    r("vulnerability", " panic attack"),
    r("vulnerability", " mental health"),
    r("vulnerability", " breakdown"),
    r("vulnerability", " not coping"),
    r("vulnerability", " cant cope"),
    r("vulnerability", " suicid"),
    r("vulnerability", " kill myself"),
    r("vulnerability", " end my life"),
    r("vulnerability", " ending my life"),
    r("vulnerability", " end it all"),
    r("vulnerability", " ending it all"),
    r("vulnerability", " want to die"),
    r("vulnerability", " dont want to live"),
    r("vulnerability", " dont want to be here"),
    r("vulnerability", " self harm"),
    r("vulnerability", " hurt myself"),
    r("vulnerability", " hopeless"),
    r("vulnerability", " abuse"),
    r("vulnerability", " abusive"),
    r("vulnerability", " violent"),
    r("vulnerability", " scared of my"),
    r("vulnerability", " afraid of my"),
    r("vulnerability", " controls my money"),
    r("vulnerability", " controls my finances"),
    r("vulnerability", " takes all my money"),
    r("vulnerability", " takes my money"),
    r("vulnerability", " forced me"),
    r("vulnerability", " forcing me"),
    r("vulnerability", " made me buy"),
    r("vulnerability", " pressured"),
    r("vulnerability", " pressuring"),
    r("vulnerability", " coerc"),
    r("vulnerability", " dementia"),
    r("vulnerability", " alzheimer"),
    r("vulnerability", " disabled"),
    r("vulnerability", " disability"),
    r("vulnerability", " my carer"),
    r("vulnerability", " gambling"),
    r("vulnerability", " addict"),
    r("vulnerability", " dark place"),
    r("vulnerability", " bad place"),
    r("vulnerability", " cant think straight"),
    r("vulnerability", " stressed"),
    r("vulnerability", " pregnant"),
    r("vulnerability", " terminal"),
    r("vulnerability", " diagnos"),
    // Legal.
    r("legal", " lawyer"),
    r("legal", " solicitor"),
    r("legal", " attorney"),
    r("legal", " legal"),
    r("legal", " sue "),
    r("legal", " suing"),
    r("legal", " court"),
    r("legal", " ombudsman"),
    r("legal", " regulator"),
    r("legal", " financial authority"),
    r("legal", " gdpr"),
    r("legal", " data protection"),
    r("legal", " subject access"),
    r("legal", " consumer law"),
    r("legal", " consumer rights"),
    r("legal", " illegal"),
    r("legal", " unlawful"),
    r("legal", " against the law"),
    r("legal", " breaking the law"),
    r("legal", " debt collect"),
    r("legal", " collection agency"),
    r("legal", " bailiff"),
    r("legal", " bankrupt"),
    r("legal", " insolven"),
    r("legal", " summons"),
    // Fraud and identity theft.
    r("fraud", " fraud"),
    r("fraud", " hacked"),
    r("fraud", " hacker"),
    r("fraud", " hack into"),
    r("fraud", " hacked into"),
    r("fraud", " stolen"),
    r("fraud", " stole "),
    r("fraud", " identity theft"),
    r("fraud", " my identity"),
    r("fraud", " in my name"),
    r("fraud", " phishing"),
    ru("fraud", " scam", &[" store", " shop", " seller", " merchant"]),
    r("fraud", " without my permission"),
    r("fraud", " without my consent"),
    r("fraud", " without my knowledge"),
    r("fraud", " unauthori"),
    r("fraud", " didnt authori"),
    r("fraud", " did not authori"),
    r("fraud", " never authori"),
    r("fraud", " not authori"),
    r("fraud", " never ordered"),
    r("fraud", " never placed"),
    r("fraud", " didnt place"),
    r("fraud", " did not place"),
    r("fraud", " didnt order"),
    r("fraud", " did not order"),
    r("fraud", " never made this"),
    r("fraud", " didnt make this"),
    r("fraud", " did not make this"),
    r("fraud", " never bought"),
    r("fraud", " didnt buy"),
    r("fraud", " never signed up"),
    r("fraud", " isnt mine"),
    r("fraud", " not mine"),
    r("fraud", " someone else*order"),
    r("fraud", " someone else*bought"),
    r("fraud", " someone else*used"),
    r("fraud", " someone else*using"),
    r("fraud", " someone else did"),
    r("fraud", " someone used"),
    r("fraud", " someone is using"),
    r("fraud", " someone has used"),
    r("fraud", " someone has access"),
    r("fraud", " someone*into my account"),
    r("fraud", " someone logged"),
    r("fraud", " someone accessed"),
    r("fraud", " someone opened"),
    r("fraud", " someone took"),
    r("fraud", " someone bought"),
    r("fraud", " someone ordered"),
    r("fraud", " someone made"),
    r("fraud", " someone*with my details"),
    r("fraud", " somebody used"),
    r("fraud", " somebody logged"),
    r("fraud", " somebody*into my account"),
    r("fraud", " stranger"),
    r("fraud", " pretending to be"),
    r("fraud", " impersonat"),
    r("fraud", " compromised"),
    r("fraud", " leaked"),
    r("fraud", " asking for my password"),
    r("fraud", " asked for my password"),
    r("fraud", " asking for my code"),
    r("fraud", " my details were used"),
    r("fraud", " details were stolen"),
    // Hardship.
    r("hardship", " cant afford"),
    r("hardship", " cant pay my"),
    r("hardship", " cant pay you"),
    r("hardship", " cant pay this month"),
    r("hardship", " cant pay the instal"),
    r("hardship", " cant pay anything"),
    r("hardship", " cant pay any"),
    r("hardship", " cant pay it"),
    r("hardship", " cant pay $"),
    r("hardship", " cant keep up"),
    r("hardship", " cant keep paying"),
    r("hardship", " cant make my payment"),
    r("hardship", " cant make my repayment"),
    r("hardship", " cant make the payment"),
    r("hardship", " cant manage"),
    r("hardship", " cant cover"),
    r("hardship", " struggl"),
    r("hardship", " lost my job"),
    r("hardship", " lost my income"),
    r("hardship", " lost my work"),
    r("hardship", " redundan"),
    r("hardship", " unemployed"),
    r("hardship", " out of work"),
    r("hardship", " out of a job"),
    r("hardship", " no job"),
    r("hardship", " no income"),
    r("hardship", " no money"),
    r("hardship", " havent got the money"),
    r("hardship", " dont have the money"),
    r("hardship", " dont have money"),
    r("hardship", " dont have enough money to"),
    r("hardship", " broke "),
    r("hardship", " financial difficult"),
    r("hardship", " financially"),
    r("hardship", " money problem"),
    r("hardship", " money trouble"),
    r("hardship", " money is tight"),
    r("hardship", " money is really tight"),
    r("hardship", " hardship"),
    r("hardship", " in debt"),
    r("hardship", " my debts"),
    r("hardship", " debt problem"),
    r("hardship", " overwhelmed"),
    r("hardship", " behind on"),
    r("hardship", " payment holiday"),
    r("hardship", " pay less"),
    r("hardship", " reduce my payment"),
    r("hardship", " lower my payment"),
    r("hardship", " hours got cut"),
    r("hardship", " hours were cut"),
    r("hardship", " wages"),
    r("hardship", " pay cut"),
    r("hardship", " salary was cut"),
    r("hardship", " on benefits"),
    r("hardship", " my benefits"),
    r("hardship", " food"),
    r("hardship", " barely"),
    r("hardship", " unable to pay"),
    r("hardship", " slashed"),
    r("hardship", " more than i have"),
    r("hardship", " more than i earn"),
    r("hardship", " make ends meet"),
    r("hardship", " let go from"),
    r("hardship", " laid off"),
    r("hardship", " got fired"),
    r("hardship", " was fired"),
    r("hardship", " sacked"),
    r("hardship", " skint"),
    // Disputes with the store.
    ru("dispute", " never arrived", NOT_MONEY_BACK),
    ru("dispute", " not arrived", NOT_MONEY_BACK),
    ru("dispute", " hasnt arrived", NOT_MONEY_BACK),
    ru("dispute", " didnt arrive", NOT_MONEY_BACK),
    ru("dispute", " never came", NOT_MONEY_BACK),
    ru("dispute", " never showed up", NOT_MONEY_BACK),
    ru("dispute", " never turned up", NOT_MONEY_BACK),
    ru("dispute", " never received", NOT_MONEY_BACK),
    ru("dispute", " never got my", NOT_MONEY_BACK),
    ru("dispute", " never got the", NOT_MONEY_BACK),
    ru("dispute", " never got it", NOT_MONEY_BACK),
    ru("dispute", " never got", NOT_MONEY_BACK),
    ru("dispute", " not received my order", NOT_MONEY_BACK),
    ru("dispute", " havent received my order", NOT_MONEY_BACK),
    ru("dispute", " havent received my item", NOT_MONEY_BACK),
    ru("dispute", " havent received the item", NOT_MONEY_BACK),
    ru("dispute", " havent got my order", NOT_MONEY_BACK),
    ru("dispute", " lost in the post", NOT_MONEY_BACK),
    ru("dispute", " lost parcel", NOT_MONEY_BACK),
    ru("dispute", " missing item", NOT_MONEY_BACK),
    ru("dispute", " is missing", NOT_MONEY_BACK),
    r("dispute", " damaged"),
    ru("dispute", " broken", &[" website", " app ", " link"]),
    ru("dispute", " broke after", &[]),
    r("dispute", " faulty"),
    r("dispute", " tear in"),
    r("dispute", " a hole in"),
    r("dispute", " scratched"),
    r("dispute", " dented"),
    r("dispute", " stained"),
    r("dispute", " smashed"),
    r("dispute", " cracked"),
    r("dispute", " shattered"),
    r("dispute", " not working"),
    r("dispute", " doesnt fit and the"),
    r("dispute", " defective"),
    r("dispute", " ripped"),
    r("dispute", " torn"),
    r("dispute", " stopped working"),
    r("dispute", " wrong item"),
    r("dispute", " wrong size"),
    r("dispute", " wrong colour"),
    r("dispute", " wrong color"),
    r("dispute", " wrong thing"),
    r("dispute", " wrong product"),
    r("dispute", " wrong order"),
    r("dispute", " not as described"),
    r("dispute", " fake"),
    r("dispute", " counterfeit"),
    r("dispute", " was empty"),
    r("dispute", " arrived empty"),
    r("dispute", " box empty"),
    r("dispute", " something completely different"),
    r("dispute", " dispute"),
    r("dispute", " contest"),
    r("dispute", " chargeback"),
    r("dispute", " out of business"),
    r("dispute", " store*not respon"),
    r("dispute", " store*ignor"),
    r("dispute", " store*wont"),
    r("dispute", " store*refus"),
    r("dispute", " store*not replying"),
    r("dispute", " store*not answer"),
    r("dispute", " store*never got my return"),
    r("dispute", " shop*not respon"),
    r("dispute", " shop*ignor"),
    r("dispute", " shop*wont"),
    r("dispute", " shop*refus"),
    r("dispute", " merchant*not"),
    r("dispute", " merchant*wont"),
    r("dispute", " merchant*refus"),
    r("dispute", " merchant*ignor"),
    r("dispute", " seller"),
    r("dispute", " still charged"),
    r("dispute", " paying for something i never"),
    // Complaints.
    r("complaint", " complain"),
    r("complaint", " complaint"),
    r("complaint", " manager"),
    r("complaint", " supervisor"),
    r("complaint", " escalat"),
    r("complaint", " unacceptable"),
    r("complaint", " rude"),
    r("complaint", " compensation"),
    r("complaint", " disgrace"),
    r("complaint", " disgusting"),
    r("complaint", " appalling"),
    r("complaint", " worst"),
    r("complaint", " not good enough"),
    r("complaint", " fed up"),
    r("complaint", " unhappy"),
    r("complaint", " not happy with"),
    r("complaint", " disappointed"),
    r("complaint", " treated badly"),
    r("complaint", " treated poorly"),
    r("complaint", " was treated"),
    r("complaint", " service*bad"),
    r("complaint", " service*terrible"),
    r("complaint", " service*awful"),
    r("complaint", " service*poor"),
    r("complaint", " service*horrible"),
    r("complaint", " service*rubbish"),
    r("complaint", " company is a joke"),
    r("complaint", " bad service"),
    r("complaint", " poor service"),
    r("complaint", " nobody helps"),
    r("complaint", " no one helps"),
];

/// Words that, with a verb of contact or on their own in a short message, ask for a person.
const PERSON_WORDS: &[&str] = &[
    " person", " human", " agent", " representative", " rep ", " advisor", " adviser", " operator",
    " staff", " someone", " somebody", " customer service", " customer support", " support team",
    " real people", " colleague",
];
const CONTACT_VERBS: &[&str] = &[
    " talk", " speak", " chat", " connect", " transfer", " put me through", " get me", " want", " need",
    " reach", " contact", " call", " give me", " can i have", " let me", " prefer", " rather",
];
/// Openings of a question about what the assistant is (answered by `bot_identity`, not a handoff).
const IDENTITY_OPENINGS: &[&str] = &[
    " are you", " is this", " am i talking", " am i chatting", " am i speaking", " who am i", " is a human",
    " is anyone real", " is there a real", " r u ",
];

const ANGER: &[&str] = &[
    " useless", " pointless", " ridiculous", " stupid", " idiot", " dumb", " rubbish", " garbage", " crap",
    " shit", " fuck", " fck", " wtf", " damn", " bloody", " hate this", " hate you", " not helping",
    " doesnt help", " not helpful", " unhelpful", " no help", " waste of time", " wasting my time", " joke",
    " annoying", " annoyed", " angry", " furious", " pissed", " sick of", " sick and tired",
    " for the last time", " already told you", " already asked", " i said ", " you dont understand",
    " not what i asked", " answer my question", " answer the question", " seriously", " come on",
    " not listening", " bot is", " this bot", " stupid bot", " frustrat", " cant believe", " for gods sake",
    " omg",
];

/// Normalises for the rules: lower case, no punctuation, negations as `cant`, `ill` after `i` as
/// `will`, padded with spaces.
pub fn prepare(text: &str) -> String {
    let mut norm = String::new();
    normalize(text, &mut norm);
    let mut out = String::with_capacity(norm.len() + 2);
    out.push(' ');
    out.push_str(&norm);
    out.push(' ');
    for (from, to) in [
        (" cannot ", " cant "),
        (" can not ", " cant "),
        (" unable to ", " cant "),
        (" not able to ", " cant "),
        (" wont be able to ", " cant "),
        (" couldnt ", " cant "),
        (" im ", " i am "),
        (" i m ", " i am "),
    ] {
        while out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}

fn matches(text: &str, pattern: &str) -> bool {
    if let Some(tail) = pattern.strip_suffix('$') {
        return text.trim_end().ends_with(tail.trim_end());
    }
    let mut at = 0;
    for part in pattern.split('*') {
        match text[at..].find(part) {
            Some(i) => at += i + part.len(),
            None => return false,
        }
    }
    true
}

/// The always-a-person topics whose rules match `prepared` text (see [`prepare`]), without repeats.
pub fn sensitive_hits(prepared: &str) -> Vec<&'static str> {
    let mut hits: Vec<&'static str> = Vec::new();
    for rule in RULES {
        if hits.contains(&rule.topic) {
            continue;
        }
        if matches(prepared, rule.pattern) && !rule.unless.iter().any(|u| prepared.contains(u)) {
            hits.push(rule.topic);
        }
    }
    // "My late husband", "my late mum", ...: bereavement, but not "my late payment".
    if !hits.contains(&"bereavement") && RELATIVES.iter().any(|rel| prepared.contains(&format!(" late {rel} ")) || prepared.contains(&format!(" late {rel}s "))) {
        hits.push("bereavement");
    }
    hits
}

/// Whether the text asks for a person (and is not a question about what the assistant is).
pub fn asks_for_person(prepared: &str) -> bool {
    if IDENTITY_OPENINGS.iter().any(|o| prepared.starts_with(o)) {
        return false;
    }
    let words = prepared.split_whitespace().count();
    PERSON_WORDS.iter().any(|w| prepared.contains(w))
        && (words <= 4 || CONTACT_VERBS.iter().any(|v| prepared.contains(v)))
}

/// Words that, after an identity opening, ask what the assistant is.
const IDENTITY_WORDS: &[&str] = &[" bot", " robot", " human", " person", " are you real", " ai ", " machine", " automat", " computer", " program"];

/// Whether the text asks if the assistant is a person or a machine ("are you a bot?").
pub fn asks_identity(prepared: &str) -> bool {
    IDENTITY_OPENINGS.iter().any(|o| prepared.starts_with(o)) && IDENTITY_WORDS.iter().any(|w| prepared.contains(w))
}

/// Signs of anger or exasperation in the message itself: abusive or exasperated words, or shouting
/// (mostly capital letters).
pub fn frustrated(raw: &str, prepared: &str) -> bool {
    if ANGER.iter().any(|a| prepared.contains(a)) {
        return true;
    }
    if raw.contains("!!") || raw.contains("?!?") {
        return true;
    }
    let letters: Vec<char> = raw.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    letters.len() >= 8 && upper * 10 >= letters.len() * 8 && raw.split_whitespace().count() >= 2
}

/// Similarity of two prepared texts: Jaccard of their character trigrams, spaces removed (so
/// "whens" and "when is" still match).
fn similarity(a: &str, b: &str) -> f32 {
    fn grams(s: &str) -> std::collections::HashSet<[char; 3]> {
        let c: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
        c.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
    }
    let (ga, gb) = (grams(a), grams(b));
    if ga.is_empty() || gb.is_empty() {
        return 0.0;
    }
    ga.intersection(&gb).count() as f32 / ga.union(&gb).count() as f32
}

/// Whether `prepared` repeats the shopper message `earlier` (same words or nearly).
pub fn repeats(prepared: &str, earlier: &str) -> bool {
    let e = prepare(earlier);
    e == prepared || similarity(prepared, &e) >= 0.7
}

/// Topics whose replies are small talk: repeating them is not a sign the reply failed.
const SMALL_TALK: &[&str] = &["greeting", "thanks", "goodbye"];

/// How many of the assistant's latest replies in a row did not help: a reply did not help when its
/// topic was `unknown`, or when the shopper's next message (for the latest reply, `prepared`, the
/// message being answered) repeated the message it answered.
pub fn unhelpful_streak(prepared: &str, history: &[Turn]) -> usize {
    let mut streak = 0;
    let mut next_shopper: String = prepared.to_string();
    let mut i = history.len();
    while i > 0 {
        i -= 1;
        let turn = &history[i];
        match turn.author {
            Author::Assistant => {
                let topic = turn.topic.as_deref().unwrap_or("unknown");
                // The shopper message this reply answered.
                let asked = history[..i].iter().rev().find(|t| t.author == Author::Shopper);
                let repeated = !SMALL_TALK.contains(&topic) && asked.is_some_and(|a| repeats(&next_shopper, &a.text));
                if topic == "unknown" || repeated {
                    streak += 1;
                } else {
                    break;
                }
            }
            Author::Shopper => next_shopper = prepare(&turn.text),
            // A person or the system took part: the assistant's streak starts afresh.
            Author::Agent | Author::System => break,
        }
    }
    streak
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_catch_sensitive_topics_without_the_obvious_keyword() {
        for (text, topic) in [
            ("my wages got slashed and the instalment is more than i have left", "hardship"),
            ("we had the funeral on friday, she had an order with you", "bereavement"),
            ("someone else ordered this with my card", "fraud"),
            ("the parcel never turned up", "dispute"),
            ("I'll be speaking to my solicitor", "legal"),
            ("my boyfriend controls my money and made me buy this", "vulnerability"),
            ("I want this escalated", "complaint"),
        ] {
            assert!(sensitive_hits(&prepare(text)).contains(&topic), "{text}: {:?}", sensitive_hits(&prepare(text)));
        }
    }

    #[test]
    fn everyday_questions_are_not_flagged() {
        for text in [
            "when is my next payment",
            "is there a late fee",
            "my refund hasn't arrived",
            "can i pay early",
            "what is my late payment fee",
            "how do I change my card",
            "where is my refund for the book order",
        ] {
            assert!(sensitive_hits(&prepare(text)).is_empty(), "{text}: {:?}", sensitive_hits(&prepare(text)));
        }
    }

    #[test]
    fn person_requests_and_identity_questions_are_told_apart() {
        assert!(asks_for_person(&prepare("Can I speak to a human please")));
        assert!(asks_for_person(&prepare("agent")));
        assert!(!asks_for_person(&prepare("are you a real person?")));
        assert!(!asks_for_person(&prepare("when is my next payment")));
        assert!(asks_identity(&prepare("Am I chatting with a real human?")));
        assert!(!asks_identity(&prepare("is this charge real?")));
        assert!(asks_identity(&prepare("are you real")));
        assert!(!asks_identity(&prepare("can I talk to a person")));
    }

    #[test]
    fn shouting_and_anger_are_frustration() {
        for t in ["WHY IS MY PAYMENT NOT WORKING", "this is useless", "are you even listening?!?"] {
            assert!(frustrated(t, &prepare(t)), "{t}");
        }
        assert!(!frustrated("when is my next payment?", &prepare("when is my next payment?")));
        assert!(!frustrated("FP-1001", &prepare("FP-1001")));
    }

    #[test]
    fn repeats_and_unknown_replies_make_a_streak() {
        let t = |author, text: &str, topic: Option<&str>| Turn { author, text: text.into(), topic: topic.map(Into::into) };
        let history = vec![
            t(Author::Shopper, "blah", None),
            t(Author::Assistant, "not sure", Some("unknown")),
            t(Author::Shopper, "when is my next payment", None),
            t(Author::Assistant, "€50.00 on ...", Some("next_payment")),
        ];
        assert_eq!(unhelpful_streak(&prepare("when's my next payment??"), &history), 2);
        assert_eq!(unhelpful_streak(&prepare("thanks"), &history), 0);
    }
}
