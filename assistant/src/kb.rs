//! The policy knowledge base of the demo provider, Fjord Pay. Every policy statement the assistant
//! makes comes from an [`Article`] here and cites its id in `sources`.

/// A knowledge-base article: a stable id (cited in `sources`) and its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Article {
    /// Stable id, e.g. `kb/late-fee`.
    pub id: &'static str,
    /// The policy, in the words the assistant uses.
    pub text: &'static str,
}

/// Pay in 4.
pub const PAY_IN_4: Article = Article {
    id: "kb/pay-in-4",
    text: "With Pay in 4 you pay in 4 equal instalments: the first at purchase, then one every 14 days. There is no interest and no fee when you pay on time.",
};

/// Pay in 30.
pub const PAY_IN_30: Article = Article {
    id: "kb/pay-in-30",
    text: "With Pay in 30 you pay the whole amount 30 days after the order ships, with no interest.",
};

/// Financing.
pub const FINANCING: Article = Article {
    id: "kb/financing",
    text: "With Financing you pay in 6, 12 or 24 monthly payments at the APR in your contract.",
};

/// Late fees.
pub const LATE_FEE: Article = Article {
    id: "kb/late-fee",
    text: "If an instalment is still unpaid 10 days after its due date, a €7 late fee is added. We retry the payment automatically during those 10 days. There is at most one fee per instalment, and all fees on an order are capped at 25% of the order value.",
};

/// Extending a due date.
pub const EXTEND: Article = Article {
    id: "kb/extend-due-date",
    text: "You can extend a due date by 10 days, free, once per order. It isn't possible for a payment that is already overdue, or for Financing.",
};

/// Paying early.
pub const PAY_EARLY: Article = Article {
    id: "kb/pay-early",
    text: "You can pay early at any time, either the full remaining amount or one instalment, with no fee.",
};

/// Changing the payment method.
pub const PAYMENT_METHOD: Article = Article {
    id: "kb/payment-method",
    text: "You can change your card in Profile → Payment methods. The new card is used for all your future instalments.",
};

/// Refunds.
pub const REFUND: Article = Article {
    id: "kb/refunds",
    text: "A refund starts when the store registers your return. Your remaining instalments are cancelled, and what you have already paid goes back to your original card within 5–7 business days. A partial refund is taken off your last instalments first.",
};

/// Reporting a return.
pub const RETURNS: Article = Article {
    id: "kb/returns",
    text: "When you report a return, payments on that order are paused for 21 days while the store processes it.",
};

/// Declined purchases and spending limits.
pub const DECLINED: Article = Article {
    id: "kb/declined",
    text: "Whether a purchase is approved, and how much you can spend, depends on your payment history and on the order, and the first instalment must be available on your card. We can't share the details of the assessment.",
};

/// Credit checks.
pub const CREDIT_CHECK: Article = Article {
    id: "kb/credit-check",
    text: "Pay in 4 and Pay in 30 use a soft credit check, which doesn't affect your credit score. Financing uses a hard credit check.",
};

/// Closing an account.
pub const CLOSE_ACCOUNT: Article = Article {
    id: "kb/close-account",
    text: "You can close your account once nothing is owed on it. A person from our team completes the closure.",
};

/// Updating personal details.
pub const UPDATE_DETAILS: Article = Article {
    id: "kb/update-details",
    text: "You can change your email address, phone number and home address yourself in Profile → Personal details. A change of name or date of birth is done by a person, because it has to be verified.",
};

/// Checking payments against a bank statement.
pub const CHARGES: Article = Article {
    id: "kb/charges",
    text: "Every payment we take is listed in your account with its order, amount and date. If a charge on your statement doesn't match one of them, a person from our team will look into it.",
};

/// When people are available.
pub const HUMAN_SUPPORT: Article = Article {
    id: "kb/human-support",
    text: "Our team is available 08:00–22:00 CET every day. Outside those hours you can leave a message and you'll get an email reply within 24 hours.",
};

/// Every article, for listing and checks.
pub const ALL: [Article; 15] = [
    PAY_IN_4, PAY_IN_30, FINANCING, LATE_FEE, EXTEND, PAY_EARLY, PAYMENT_METHOD, REFUND, RETURNS, DECLINED,
    CREDIT_CHECK, CLOSE_ACCOUNT, UPDATE_DETAILS, CHARGES, HUMAN_SUPPORT,
];

/// Where the shopper's account lives in the provider's app; action buttons link below it.
pub const APP_URL: &str = "https://app.fjordpay.example";
