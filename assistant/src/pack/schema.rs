//! What the engine expects of a pack: its topics, the articles it cites, and every template with
//! the placeholders the engine fills in for it. This is the contract between the engine and the
//! provider's words; `check` holds every pack to it.

/// Topics that always go to a person.
pub const SENSITIVE_TOPICS: [&str; 7] = ["hardship", "fraud", "dispute", "complaint", "bereavement", "vulnerability", "legal"];

/// Topics the assistant answers from policy and, when the shopper is identified, their account.
pub const ANSWERED_TOPICS: [&str; 18] = [
    "next_payment", "payment_schedule", "pay_early", "extend_due_date", "change_payment_method", "late_fee",
    "missed_payment", "payment_declined", "spending_limit", "refund_status", "return_item", "charged_twice",
    "unrecognized_charge", "interest_rate", "credit_check", "how_it_works", "update_details", "close_account",
];

/// Conversation topics.
pub const CONVERSATION_TOPICS: [&str; 5] = ["greeting", "thanks", "goodbye", "bot_identity", "human_request"];

/// Every topic a locale's training phrases must cover (`unknown` is out-of-scope chatter).
pub fn all_topics() -> impl Iterator<Item = &'static str> {
    ANSWERED_TOPICS.iter().chain(&CONVERSATION_TOPICS).chain(&SENSITIVE_TOPICS).copied().chain(std::iter::once("unknown"))
}

/// Articles the engine's account logic cites by id; every locale must have them.
pub const ENGINE_ARTICLES: [&str; 8] = ["pay-in-4", "pay-in-30", "financing", "pay-early", "refunds", "returns", "late-fee", "human-support"];

/// Numbers the engine computes with; `pack.toml` must define them.
pub const ENGINE_NUMBERS: [(&str, NumberKind); 4] = [
    ("grace_days", NumberKind::Integer),
    ("extension_days", NumberKind::Integer),
    ("refund_days_max", NumberKind::Integer),
    ("charges_lookback_days", NumberKind::Integer),
];

/// The kind of a policy number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberKind {
    Integer,
}

/// Links the engine builds buttons from (`pack.toml` `[links]`), with the placeholders each may use.
pub const LINKS: [(&str, &[&str]); 7] = [
    ("login", &[]),
    ("orders", &[]),
    ("pay", &["order_id"]),
    ("extend", &["order_id"]),
    ("report_return", &["order_id"]),
    ("payment_methods", &[]),
    ("personal_details", &[]),
];

/// Placeholders every template outside `[format]` and `[hours]` may use, besides the numbers.
pub const GLOBAL_VARS: [&str; 3] = ["provider", "hours", "emergency_number"];

/// Sections whose templates see only their own placeholders.
pub const PLAIN_SECTIONS: [&str; 2] = ["format", "hours"];

/// Optional `[format]` keys.
pub const OPTIONAL: [(&str, &str); 1] = [("format", "digits")];

/// Every template of `replies.toml`: section, key, and the placeholders the engine fills in.
pub const TEMPLATES: &[(&str, &[(&str, &[&str])])] = &[
    ("format", &[
        ("decimal", &[]),
        ("group", &[]),
        ("money", &["amount"]),
        ("date", &["year", "month", "day"]),
        ("list_or", &["items", "last"]),
        ("list_and", &["items", "last"]),
        ("list_separator", &[]),
        ("order", &["order_id", "store", "item"]),
        ("percent", &["value"]),
    ]),
    ("hours", &[
        ("daily", &["open", "close"]),
        ("always", &[]),
    ]),
    ("plans", &[
        ("pay_in_4", &[]),
        ("pay_in_30", &[]),
        ("financing", &["months"]),
    ]),
    ("labels", &[
        ("order_title", &["order_id"]),
        ("schedule_title", &["order_id"]),
        ("refund_title", &["order_id"]),
        ("store", &[]),
        ("item", &[]),
        ("total", &[]),
        ("next_payment", &[]),
        ("due", &[]),
        ("plan", &[]),
        ("paid", &[]),
        ("paid_value", &["paid", "count"]),
        ("payment_n", &["number", "count"]),
        ("payment_n_due", &["number"]),
        ("left_to_pay", &[]),
        ("paused_until", &[]),
        ("amount", &[]),
        ("refund_to", &[]),
        ("processed", &[]),
    ]),
    ("buttons", &[
        ("talk_to_person", &[]),
        ("sign_in", &[]),
        ("payment_methods", &[]),
        ("personal_details", &[]),
        ("pay_early", &[]),
        ("pay_early_order", &["order_id"]),
        ("extend", &[]),
        ("pay_now", &[]),
        ("pay_now_order", &["order_id"]),
        ("report_return", &[]),
        ("report_return_order", &["order_id"]),
    ]),
    ("suggestions", &[
        ("next_payment", &[]),
        ("refund", &[]),
        ("schedule", &[]),
        ("pay_early", &[]),
        ("how_it_works", &[]),
        ("credit_check", &[]),
        ("late_fee", &[]),
    ]),
    ("say", &[
        ("greeting", &[]),
        ("greeting_named", &["name"]),
        ("thanks", &[]),
        ("goodbye", &[]),
        ("bot_identity", &[]),
        ("human_request", &[]),
        ("unknown", &[]),
        ("unsupported_language", &[]),
        ("frustrated", &[]),
        ("not_helped", &[]),
        ("offer_person", &[]),
        ("account_unavailable", &[]),
        ("sign_in_payments", &[]),
        ("sign_in_schedule", &[]),
        ("sign_in_balance", &[]),
        ("sign_in_extend", &[]),
        ("sign_in_overdue", &[]),
        ("sign_in_refunds", &[]),
        ("sign_in_orders", &[]),
        ("sign_in_charges", &[]),
        ("sensitive_hardship", &[]),
        ("sensitive_fraud", &[]),
        ("sensitive_dispute", &[]),
        ("sensitive_complaint", &[]),
        ("sensitive_bereavement", &[]),
        ("sensitive_vulnerability", &[]),
        ("sensitive_legal", &[]),
        ("crisis", &[]),
        ("fraud_block_card", &[]),
        ("paused_because_return", &["order", "date"]),
        ("next_on_account", &["amount", "order_id", "date"]),
        ("next_payment_policy", &[]),
        ("next_payment", &["amount", "order", "date"]),
        ("next_payment_short", &["amount", "order_id", "date"]),
        ("order_paused_nothing_due", &["order", "date"]),
        ("other_order_paused", &["order_id", "date"]),
        ("no_payments_coming", &[]),
        ("nothing_left", &[]),
        ("schedule_line", &["order", "paid", "count", "left", "amount", "date"]),
        ("schedule_line_paused", &["order", "paid", "count", "left", "amount", "date", "until"]),
        ("schedule_total", &["amount"]),
        ("pay_early_line", &["order", "left", "amount", "date"]),
        ("pay_early_line_paused", &["order", "left", "amount", "date", "until"]),
        ("extend_nothing", &[]),
        ("extend_financing", &["order", "amount", "date"]),
        ("extend_overdue", &["order"]),
        ("extend_used", &["order"]),
        ("extend_paused", &["order", "date"]),
        ("extend_offer", &["amount", "order", "date", "new_date"]),
        ("missed_reassure", &[]),
        ("missed_pay_yourself", &[]),
        ("no_overdue", &[]),
        ("overdue_retrying", &["number", "amount", "order", "date", "days", "fee_date"]),
        ("overdue_past_grace", &["number", "amount", "order", "date", "days"]),
        ("declined_sorry", &[]),
        ("declined_person", &[]),
        ("no_fixed_limit", &[]),
        ("refund_done", &["amount", "order", "destination", "date"]),
        ("refund_expect_by", &["by_date"]),
        ("refund_should_be_there", &[]),
        ("return_pending", &["order", "date"]),
        ("return_pending_paused", &["order", "date", "until"]),
        ("return_then_refund", &[]),
        ("no_refund_order", &["order"]),
        ("no_refund", &[]),
        ("return_how", &[]),
        ("return_reported", &["order", "date", "until"]),
        ("already_refunded", &["order"]),
        ("charged_twice_sorry", &[]),
        ("no_payments_taken", &[]),
        ("payments_taken", &[]),
        ("payment_taken_item", &["date", "amount", "order", "number", "count"]),
        ("also_refunded", &["amount", "order_id", "destination", "date"]),
        ("charged_twice_next", &[]),
        ("unrecognized_next", &[]),
        ("no_interest", &[]),
        ("financing_line", &["order", "months", "apr", "amount"]),
        ("financing_line_done", &["order", "months", "apr"]),
        ("plan_no_interest", &["order", "plan"]),
        ("close_nothing_owed", &[]),
        ("close_owed", &["amount", "parts"]),
        ("close_owed_part", &["order_id", "amount"]),
        ("close_connecting", &[]),
    ]),
    ("server", &[
        ("nobody_online", &[]),
        ("outside_hours", &[]),
        ("agent_left", &["agent"]),
        ("agent_disconnected", &["agent"]),
        ("agent_left_alone", &["agent"]),
        ("agent_disconnected_alone", &["agent"]),
        ("handed_back", &["agent"]),
        ("transferred", &["agent", "colleague"]),
        ("transferred_to_queue", &["agent"]),
        ("reply_failed", &[]),
        ("email_reply_subject", &["agent"]),
        ("email_reply_body", &["agent", "reply", "link", "days"]),
        ("email_transcript_subject", &[]),
        ("email_transcript_body", &["transcript"]),
        ("email_transcript_you", &[]),
        ("email_transcript_assistant", &[]),
    ]),];

/// The placeholders the engine fills in for `section.key`, or `None` for a key it does not know.
pub fn template_vars(section: &str, key: &str) -> Option<&'static [&'static str]> {
    TEMPLATES.iter().find(|(s, _)| *s == section).and_then(|(_, keys)| keys.iter().find(|(k, _)| *k == key)).map(|(_, v)| *v)
}
