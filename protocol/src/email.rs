//! Email follow-ups: reopening a conversation from an email link, the transcript by email.
