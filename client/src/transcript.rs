//! The transcript merge both apps use: fetched transcripts, stream events and the acks of sends
//! arrive in any order and are merged by sequence number and key (a message's client id when it
//! has one, its server id otherwise). The rules: an event at or below the highest sequence number
//! applied is a repeat; a fetch never moves that number back, and one older than what the stream
//! already brought (a stale fetch) keeps the newer lines and leaves the state as it is. Pure logic
//! over the apps' own line types (which hold their signals): no Leptos here.

use tandem_protocol::Message;

/// A transcript line as the merge sees it.
pub trait Line {
    /// The line's key: see [`key`].
    fn key(&self) -> &str;
    /// Its sequence number once the server stored it; `None` while it is being sent.
    fn seq(&self) -> Option<u64>;
}

/// The key of a stored message: its client id when it has one (messages sent from an app), its
/// server id otherwise.
pub fn key(m: &Message) -> &str {
    m.client_id.as_deref().unwrap_or(&m.id)
}

/// Whether a stream event with sequence number `seq` is new; if it is, `last_seq` moves up to it.
pub fn take_event(last_seq: &mut u64, seq: u64) -> bool {
    let new = seq > *last_seq;
    if new {
        *last_seq = seq;
    }
    new
}

/// Takes in a fetched snapshot's sequence number: whether the snapshot is at least as new as what
/// was applied (so its state may replace the one held). `last_seq` never moves back.
pub fn take_snapshot(last_seq: &mut u64, snapshot_seq: u64) -> bool {
    let current = snapshot_seq >= *last_seq;
    *last_seq = snapshot_seq.max(*last_seq);
    current
}

/// Where a newly stored message with `seq` goes: after the stored lines before it, before later
/// ones and before lines still being sent.
pub fn insert_at<L: Line>(lines: &[L], seq: u64) -> usize {
    lines.iter().position(|l| l.seq().is_none_or(|s| s > seq)).unwrap_or(lines.len())
}

/// Merges a fetched transcript (`fetched`, in sequence order) into the lines held: the fetched
/// messages in order, each made by `stored` from the message and the held line with its key, if
/// any (so a line on screen is updated in place); then the held lines the fetch does not know:
/// those still being sent, and stored ones after `keep_after`. For a fetch of the conversation
/// held, `keep_after` is the snapshot's sequence number (a stream event that overtook the fetch
/// stays); for another conversation, `u64::MAX` (none of the old one's stored lines stay).
pub fn merge<L: Line>(mut held: Vec<L>, fetched: &[Message], keep_after: u64, mut stored: impl FnMut(&Message, Option<L>) -> L) -> Vec<L> {
    let mut lines = Vec::with_capacity(fetched.len() + held.len());
    for m in fetched {
        let known = held.iter().position(|l| l.key() == key(m)).map(|i| held.remove(i));
        lines.push(stored(m, known));
    }
    held.retain(|l| l.seq().is_none_or(|s| s > keep_after));
    lines.append(&mut held);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_protocol::Author;

    #[derive(Debug, PartialEq)]
    struct L {
        key: String,
        seq: Option<u64>,
        /// Whether the line was made from a fetched message (rather than kept as it was).
        fetched: bool,
    }

    impl Line for L {
        fn key(&self) -> &str {
            &self.key
        }
        fn seq(&self) -> Option<u64> {
            self.seq
        }
    }

    fn line(key: &str, seq: Option<u64>) -> L {
        L { key: key.into(), seq, fetched: false }
    }

    fn message(seq: u64, client_id: Option<&str>) -> Message {
        Message {
            id: format!("m{seq}"),
            client_id: client_id.map(Into::into),
            seq,
            author: Author::Shopper,
            author_name: None,
            text: String::new(),
            blocks: vec![],
            created_at: String::new(),
            meta: None,
        }
    }

    /// Merges the way both apps do: a known line gets its sequence number, a new one is made.
    fn merged(held: Vec<L>, fetched: &[Message], snapshot_seq: u64) -> Vec<(String, Option<u64>)> {
        merge(held, fetched, snapshot_seq, |m, known| match known {
            Some(l) => L { seq: Some(m.seq), ..l },
            None => L { key: key(m).into(), seq: Some(m.seq), fetched: true },
        })
        .into_iter()
        .map(|l| (l.key, l.seq))
        .collect()
    }

    fn keys(v: &[(String, Option<u64>)]) -> Vec<&str> {
        v.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn events_at_or_below_the_last_seq_are_repeats() {
        let mut last = 0;
        assert!(take_event(&mut last, 1));
        assert!(take_event(&mut last, 3));
        assert!(!take_event(&mut last, 3));
        assert!(!take_event(&mut last, 2));
        assert_eq!(last, 3);
    }

    #[test]
    fn a_stale_fetch_never_moves_last_seq_back() {
        // The widget's store took the fetch's number as it was (issue 12): the stream's newer
        // events were then replayed, and its state moved back meanwhile.
        let mut last = 6;
        assert!(!take_snapshot(&mut last, 1));
        assert_eq!(last, 6);
        assert!(take_snapshot(&mut last, 6));
        assert!(take_snapshot(&mut last, 9));
        assert_eq!(last, 9);
    }

    #[test]
    fn a_stale_fetch_keeps_newer_streamed_lines_and_lines_being_sent() {
        let held = vec![line("s5", Some(5)), line("m6", Some(6)), line("out", None)];
        let got = merged(held, &[message(1, Some("s1"))], 1);
        assert_eq!(got, [("s1".into(), Some(1)), ("s5".into(), Some(5)), ("m6".into(), Some(6)), ("out".into(), None)]);
    }

    #[test]
    fn a_fetch_replaces_what_it_covers_and_marks_sent_lines_in_place() {
        let held = vec![line("s1", Some(1)), line("gone", Some(2)), line("a1", None), line("a2", None)];
        let mut reused = Vec::new();
        let got = merge(held, &[message(1, Some("s1")), message(3, Some("a1"))], 3, |m, known| {
            reused.push(known.is_some());
            match known {
                Some(l) => L { seq: Some(m.seq), ..l },
                None => L { key: key(m).into(), seq: Some(m.seq), fetched: true },
            }
        });
        assert_eq!(reused, [true, true]);
        let got: Vec<_> = got.into_iter().map(|l| (l.key, l.seq, l.fetched)).collect();
        // "gone" (seq 2, not in a fetch up to 3) is dropped; "a2" is still being sent.
        assert_eq!(got, [("s1".into(), Some(1), false), ("a1".into(), Some(3), false), ("a2".into(), None, false)]);
    }

    #[test]
    fn another_conversation_keeps_only_the_lines_being_sent() {
        let held = vec![line("s1", Some(1)), line("m9", Some(9)), line("out", None)];
        assert_eq!(merged(held, &[message(1, Some("n1"))], u64::MAX), [("n1".into(), Some(1)), ("out".into(), None)]);
    }

    #[test]
    fn messages_without_a_client_id_are_keyed_by_their_server_id() {
        assert_eq!(key(&message(4, None)), "m4");
        assert_eq!(key(&message(4, Some("c"))), "c");
        assert_eq!(keys(&merged(vec![], &[message(1, None), message(2, Some("x"))], 2)), ["m1", "x"]);
    }

    #[test]
    fn stored_lines_go_in_sequence_order_before_lines_being_sent() {
        let lines = [line("a", Some(1)), line("b", Some(4)), line("c", None)];
        assert_eq!(insert_at(&lines, 2), 1);
        assert_eq!(insert_at(&lines, 5), 2);
        assert_eq!(insert_at(&lines[..2], 5), 2);
        assert_eq!(insert_at::<L>(&[], 1), 0);
    }
}
