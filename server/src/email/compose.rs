//! What an email says: the pack's `[server]` templates in the conversation's language, filled in.
//! Emails are plain text, so nothing is escaped (and nothing is ever interpreted as HTML).

use tandem_assistant::Voice;
use tandem_protocol::{Author, Message};

/// Stands for the reopen link's token in a queued reply's body. The token is made when the email is
/// sent, so no usable token is ever stored in the clear. The agent's words are cleaned of its
/// control character, so only the link carries it.
pub const TOKEN_MARK: &str = "\u{1}reopen-token\u{1}";

/// Subject and body of an agent's reply to a shopper who left an address.
pub fn reply(voice: &Voice<'_>, agent: &str, reply: &str, link: &str, link_days: u64) -> (String, String) {
    let subject = voice.server("email_reply_subject", &[("agent", agent.to_string())]);
    let reply = reply.replace('\u{1}', "");
    let body = voice.server("email_reply_body", &[("agent", agent.to_string()), ("reply", reply), ("link", link.to_string()), ("days", voice.num(link_days))]);
    (one_line(&subject), body)
}

/// Subject and body of a conversation's transcript.
pub fn transcript(voice: &Voice<'_>, messages: &[Message]) -> (String, String) {
    let you = voice.server("email_transcript_you", &[]);
    let assistant = voice.server("email_transcript_assistant", &[]);
    let lines: Vec<String> = messages
        .iter()
        .map(|m| {
            let who = match m.author {
                Author::Shopper => you.clone(),
                Author::Assistant => assistant.clone(),
                Author::Agent => m.author_name.clone().unwrap_or_else(|| assistant.clone()),
                Author::System => String::new(),
            };
            // The shopper's own words never carry the link's marker.
            let text = m.text.replace('\u{1}', "");
            if who.is_empty() {
                text
            } else {
                format!("{who}: {text}")
            }
        })
        .collect();
    let subject = voice.server("email_transcript_subject", &[]);
    let body = voice.server("email_transcript_body", &[("transcript", lines.join("\n\n"))]);
    (one_line(&subject), body)
}

/// The link that reopens a conversation full screen in the widget, with the token still marked.
pub fn reopen_link(public_origin: &str, merchant_id: &str) -> String {
    let base = format!("{}/embed/", public_origin.trim_end_matches('/'));
    match reqwest::Url::parse_with_params(&base, &[("merchant", merchant_id), ("mode", "app")]) {
        Ok(url) => format!("{url}&reopen={TOKEN_MARK}"),
        Err(_) => format!("{base}?merchant={merchant_id}&mode=app&reopen={TOKEN_MARK}"),
    }
}

/// A subject is one line (a header cannot hold a line break).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_opens_the_widget_full_screen_with_the_token_marked() {
        let link = reopen_link("https://chat.provider.example/", "nordic outdoor");
        assert_eq!(link, format!("https://chat.provider.example/embed/?merchant=nordic+outdoor&mode=app&reopen={TOKEN_MARK}"));
    }

    #[test]
    fn subjects_are_one_line() {
        assert_eq!(one_line("Re: your\r\nquestion  "), "Re: your question");
    }
}
