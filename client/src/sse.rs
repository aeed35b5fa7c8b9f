//! Server-Sent Events read from bytes as they arrive (the body of a `fetch`, so a session token can
//! travel in a header): lines end with LF, CRLF or CR; `:` lines are comments; `data:` lines join
//! with newlines into one event's data; `retry:` is the server's reconnect hint; a blank line ends
//! an event. Input that does not yet end a line is kept for the next chunk, including a CR whose
//! LF may come in the next one. Follows the `text/event-stream` rules of the HTML standard, except
//! that `id:` and `event:` lines are read and ignored: both apps' data says its kind and sequence
//! number (the widget resumes with `Last-Event-ID` from that).

/// Reads one stream's events from its bytes. One reader per connection.
#[derive(Debug, Default)]
pub struct SseReader {
    /// Bytes of a line not yet ended.
    partial: Vec<u8>,
    /// The last line ended with CR: an LF right after it is part of that line end.
    after_cr: bool,
    /// The data of the event being read (its lines joined with LF).
    data: Vec<u8>,
    /// The event being read has a `data` field (possibly empty).
    has_data: bool,
    /// The last valid `retry:` hint, in milliseconds.
    retry_ms: Option<u32>,
}

impl SseReader {
    /// A reader at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes in the next chunk of the stream and returns the data of every event it completes,
    /// in order. Events without data (keep-alive comments, a lone `id:` or `retry:`) yield none,
    /// nor do events whose data is not UTF-8.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut buf = std::mem::take(&mut self.partial);
        buf.extend_from_slice(chunk);
        let mut start = 0;
        for (i, &b) in buf.iter().enumerate() {
            if b != b'\n' && b != b'\r' {
                continue;
            }
            if b == b'\n' && self.after_cr && i == start {
                // The LF of a CRLF (possibly opening this chunk).
                self.after_cr = false;
            } else {
                self.after_cr = b == b'\r';
                self.line(&buf[start..i], &mut out);
            }
            start = i + 1;
        }
        buf.drain(..start);
        self.partial = buf;
        out
    }

    /// The server's reconnect delay (`retry:`, milliseconds), when it sent one on this stream.
    pub fn retry_ms(&self) -> Option<u32> {
        self.retry_ms
    }

    /// Handles one complete line (without its line end).
    fn line(&mut self, line: &[u8], out: &mut Vec<String>) {
        if line.is_empty() {
            let data = std::mem::take(&mut self.data);
            if std::mem::take(&mut self.has_data) {
                if let Ok(text) = String::from_utf8(data) {
                    out.push(text);
                }
            }
            return;
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            // A comment: a keep-alive or a note for people.
            Some(0) => return,
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.data.extend_from_slice(value);
                self.has_data = true;
            }
            b"retry" => {
                if let Some(ms) = digits(value) {
                    self.retry_ms = Some(ms);
                }
            }
            _ => {}
        }
    }
}

/// A number written in ASCII digits only (none: not a number), saturating at `u32::MAX`.
pub fn digits(text: &[u8]) -> Option<u32> {
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(text.iter().fold(0u32, |n, d| n.saturating_mul(10).saturating_add((d - b'0') as u32)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(chunks: &[&[u8]]) -> (Vec<String>, SseReader) {
        let mut r = SseReader::new();
        let out = chunks.iter().flat_map(|c| r.push(c)).collect();
        (out, r)
    }

    #[test]
    fn frames_are_split_and_partial_input_is_kept() {
        let mut r = SseReader::new();
        assert_eq!(r.push(b": connected\n\nid: 1\nevent: message\ndata: {\"a\":1}\n\nid: 2\ndata: {\"b\""), ["{\"a\":1}"]);
        assert_eq!(r.push(b":2}\n\n"), ["{\"b\":2}"]);
        assert!(r.partial.is_empty());
    }

    #[test]
    fn crlf_and_cr_line_ends_are_read_like_lf() {
        // The console's reader knew CRLF and the widget's did not (issue 12): one reader, all three.
        assert_eq!(read_all(&[b"data: a\r\n\r\ndata: b\r\rdata: c\n\n"]).0, ["a", "b", "c"]);
        let (out, r) = read_all(&[b"data: {}\r\n\r\ndata: x"]);
        assert_eq!(out, ["{}"]);
        assert_eq!(r.partial, b"data: x");
    }

    #[test]
    fn a_crlf_split_between_chunks_ends_one_line_not_two() {
        // Were the LF read as a second line end, "data: a" would end an event on its own.
        assert_eq!(read_all(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]).0, ["a\nb"]);
        // A CR at the end of a chunk followed by anything else is a line end of its own.
        assert_eq!(read_all(&[b"data: a\r", b"\r"]).0, ["a"]);
    }

    #[test]
    fn every_byte_split_gives_the_same_events() {
        let stream: &[u8] = b": hi\r\nid: 7\r\ndata: {\"x\":\r\ndata: 1}\r\n\r\nretry: 1000\n\ndata: two\r\rdata: \xc3\xa5\n\ndata: \xff\n\n";
        let whole = read_all(&[stream]).0;
        assert_eq!(whole, ["{\"x\":\n1}", "two", "å"]);
        for at in 0..stream.len() {
            let (split, r) = read_all(&[&stream[..at], &stream[at..]]);
            assert_eq!(split, whole, "split at {at}");
            assert_eq!(r.retry_ms(), Some(1000));
        }
        let bytewise: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(read_all(&bytewise).0, whole);
    }

    #[test]
    fn comments_and_data_less_events_yield_nothing_and_empty_data_is_an_event() {
        assert!(read_all(&[b": keep-alive\n\n:\n\nid: 3\n\nevent: x\n\n"]).0.is_empty());
        assert_eq!(read_all(&[b"data\n\ndata:\n\n"]).0, ["", ""]);
        // Only one space after the colon is dropped; a field without a colon has an empty value.
        assert_eq!(read_all(&[b"data:  two spaces\n\n"]).0, [" two spaces"]);
    }

    #[test]
    fn retry_hints_are_exposed_and_bad_ones_ignored() {
        let (out, r) = read_all(&[b"retry: 1000\n: server restarting, reconnect\n\n"]);
        assert!(out.is_empty());
        assert_eq!(r.retry_ms(), Some(1000));
        assert_eq!(read_all(&[b"retry: 2000\nretry: soon\nretry: -1\nretry:\n\n"]).1.retry_ms(), Some(2000));
        assert_eq!(read_all(&[b"retry: 99999999999\n"]).1.retry_ms(), Some(u32::MAX));
        assert_eq!(read_all(&[b"data: x\n\n"]).1.retry_ms(), None);
    }

    #[test]
    fn ids_and_event_names_never_reach_the_data() {
        assert_eq!(read_all(&[b"id: 4\nevent: message\ndata: x\nid\n\n"]).0, ["x"]);
    }
}
