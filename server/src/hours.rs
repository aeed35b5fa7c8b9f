//! Human support hours: when a person can be reached. Outside them a handoff becomes
//! `awaiting_reply` at once (the shopper leaves an email). The type lives in the assistant crate,
//! which renders the hours into every sentence that states them.

pub use tandem_assistant::hours::SupportHours;
