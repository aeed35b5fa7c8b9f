//! Whether the assistant's latest replies helped. The always-a-person rules, the request for a
//! person and the signs of frustration are a pack's data (`rules.txt`, see [`crate::pack::Rules`]);
//! what is left here is language-neutral: a reply did not help when it was `unknown`, or when the
//! shopper asked the same again.

use crate::pack::Rules;
use crate::Turn;
use tandem_protocol::Author;

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
pub fn repeats(rules: &Rules, prepared: &str, earlier: &str) -> bool {
    let e = rules.prepare(earlier);
    e == prepared || similarity(prepared, &e) >= 0.7
}

/// Topics whose replies are small talk: repeating them is not a sign the reply failed.
const SMALL_TALK: &[&str] = &["greeting", "thanks", "goodbye"];

/// How many of the assistant's latest replies in a row did not help: a reply did not help when its
/// topic was `unknown`, or when the shopper's next message (for the latest reply, `prepared`, the
/// message being answered) repeated the message it answered.
pub fn unhelpful_streak(rules: &Rules, prepared: &str, history: &[Turn]) -> usize {
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
                let repeated = !SMALL_TALK.contains(&topic) && asked.is_some_and(|a| repeats(rules, &next_shopper, &a.text));
                if topic == "unknown" || repeated {
                    streak += 1;
                } else {
                    break;
                }
            }
            Author::Shopper => next_shopper = rules.prepare(&turn.text),
            // A person or the system took part: the assistant's streak starts afresh.
            Author::Agent | Author::System => break,
        }
    }
    streak
}
