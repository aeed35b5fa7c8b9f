//! Every string the widget shows, from one catalogue per language.

/// The widget's UI strings.
#[derive(Debug)]
pub struct Strings {
    pub title_fallback: &'static str,
    pub talk_to_person: &'static str,
    pub close: &'static str,
    pub welcome: &'static str,
    pub composer_label: &'static str,
    pub composer_placeholder: &'static str,
    pub send: &'static str,
    pub sending: &'static str,
    pub sent: &'static str,
    pub failed: &'static str,
    pub retry: &'static str,
    pub assistant_typing: &'static str,
    pub agent_typing: &'static str,
    pub you: &'static str,
    pub assistant: &'static str,
    pub agent: &'static str,
    pub system: &'static str,
    pub transcript_label: &'static str,
    pub queued: &'static str,
    pub position: &'static str,
    pub wait_minutes: &'static str,
    pub with_agent: &'static str,
    pub awaiting_reply: &'static str,
    pub resolved: &'static str,
    pub reconnecting: &'static str,
    pub starting: &'static str,
    pub start_failed: &'static str,
    pub try_again: &'static str,
    pub chars_left: &'static str,
    pub opens_new_tab: &'static str,
    pub email_label: &'static str,
    pub email_submit: &'static str,
    pub email_thanks: &'static str,
    pub email_invalid: &'static str,
    pub rate_prompt: &'static str,
    pub rate_star: &'static str,
    pub rate_comment_label: &'static str,
    pub rate_submit: &'static str,
    pub rate_thanks: &'static str,
    pub new_conversation: &'static str,
    pub offline: &'static str,
}

/// English, the fallback for every other language.
pub const EN: Strings = Strings {
    title_fallback: "Payment help",
    talk_to_person: "Talk to a person",
    close: "Close chat",
    welcome: "Hi! I'm an automated assistant. Ask me about payments, refunds or your orders. A person is always one click away.",
    composer_label: "Your message",
    composer_placeholder: "Type your question…",
    send: "Send",
    sending: "Sending…",
    sent: "Sent",
    failed: "Not sent",
    retry: "Retry",
    assistant_typing: "The assistant is typing…",
    agent_typing: "{name} is typing…",
    you: "You",
    assistant: "Assistant",
    agent: "Agent",
    system: "Update",
    transcript_label: "Conversation",
    queued: "You're in the queue for a person.",
    position: "Position {n} in the queue.",
    wait_minutes: "Estimated wait: about {n} min.",
    with_agent: "{name} has joined the conversation.",
    awaiting_reply: "No one is available right now. Leave your email and we'll reply within 24 hours.",
    resolved: "This conversation has ended.",
    reconnecting: "Connection lost. Reconnecting…",
    starting: "Connecting…",
    start_failed: "We couldn't start the chat.",
    try_again: "Try again",
    chars_left: "{n} characters left",
    opens_new_tab: "(opens in a new tab)",
    email_label: "Your email address",
    email_submit: "Leave message",
    email_thanks: "Thanks. We'll reply to {email} within 24 hours.",
    email_invalid: "Please enter a valid email address, like name@example.com.",
    rate_prompt: "How did we do?",
    rate_star: "{n} out of 5",
    rate_comment_label: "Anything to add? (optional)",
    rate_submit: "Send rating",
    rate_thanks: "Thank you for your feedback.",
    new_conversation: "Start a new conversation",
    offline: "You're offline. Your messages will be sent when you're back online.",
};

/// The catalogue for a BCP 47 locale.
pub fn strings(_locale: &str) -> &'static Strings {
    &EN
}

/// Fills `{name}`-style placeholders.
pub fn fill(template: &str, key: &str, value: &str) -> String {
    template.replace(&format!("{{{key}}}"), value)
}
