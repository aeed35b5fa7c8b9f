//! The shopper's account as the engine sees it: a read-only snapshot of orders and payment plans.
//! The server builds it from whatever ledger the provider plugs in.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use tandem_protocol::{Block, Field, Money, Value};

/// How an order is paid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Plan {
    /// 4 equal instalments, every 14 days.
    PayIn4,
    /// Whole amount 30 days after shipping.
    PayIn30,
    /// Monthly payments at a contract APR, in basis points (1490 = 14.9%).
    Financing { months: u32, apr_bp: u32 },
}

/// Whether an instalment has been paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstalmentStatus {
    Paid,
    Due,
    Cancelled,
}

/// One scheduled payment of an order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instalment {
    /// 1-based position in the plan.
    pub number: u32,
    pub amount: Money,
    pub due: NaiveDate,
    pub status: InstalmentStatus,
    /// When it was paid, if it was.
    pub paid_on: Option<NaiveDate>,
}

/// Money going back to the shopper.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    pub amount: Money,
    /// Where it goes, e.g. `Visa ending 4242`.
    pub destination: String,
    pub processed_on: NaiveDate,
}

/// An order paid with the provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Order reference, e.g. `FP-1001`.
    pub id: String,
    pub store: String,
    pub item: String,
    pub total: Money,
    pub plan: Plan,
    /// Payments made and to come; for financing, only the remaining dated ones may be listed.
    pub instalments: Vec<Instalment>,
    /// Count of payments made, when the plan has more than are listed (financing).
    pub paid_count: u32,
    /// Total count of payments in the plan.
    pub payment_count: u32,
    /// When the shopper reported a return.
    pub return_reported: Option<NaiveDate>,
    /// Payments on this order are paused until this day (a reported return).
    pub paused_until: Option<NaiveDate>,
    pub refund: Option<Refund>,
    /// Whether the once-per-order due-date extension has been used.
    pub extension_used: bool,
}

impl Order {
    /// The earliest unpaid instalment.
    pub fn next_instalment(&self) -> Option<&Instalment> {
        self.instalments.iter().filter(|i| i.status == InstalmentStatus::Due).min_by_key(|i| i.due)
    }

    /// What is still owed on this order.
    pub fn outstanding(&self) -> Money {
        let minor = self.instalments.iter().filter(|i| i.status == InstalmentStatus::Due).map(|i| i.amount.minor).sum();
        Money { minor, currency: self.total.currency.clone() }
    }

    /// An order card: store, item, total, and the next payment when there is one.
    pub fn card(&self) -> Block {
        let mut fields = vec![
            Field { label: "Store".into(), value: Value::Text { text: self.store.clone() } },
            Field { label: "Item".into(), value: Value::Text { text: self.item.clone() } },
            Field { label: "Total".into(), value: Value::Money { money: self.total.clone() } },
        ];
        if let Some(next) = self.next_instalment() {
            fields.push(Field { label: "Next payment".into(), value: Value::Money { money: next.amount.clone() } });
            fields.push(Field { label: "Due".into(), value: Value::Date { date: next.due.to_string() } });
        }
        Block::Card { title: format!("Order {}", self.id), fields }
    }
}

/// Everything the engine may know about one identified shopper.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountSnapshot {
    pub shopper_id: String,
    pub name: String,
    pub orders: Vec<Order>,
}

impl AccountSnapshot {
    /// The next unpaid instalment across all orders that are not paused on `today`.
    pub fn next_due(&self, today: NaiveDate) -> Option<(&Order, &Instalment)> {
        self.orders
            .iter()
            .filter(|o| o.paused_until.is_none_or(|p| p < today))
            .filter_map(|o| o.next_instalment().map(|i| (o, i)))
            .min_by_key(|(_, i)| i.due)
    }

    /// Finds an order by its reference, ignoring case.
    pub fn order(&self, id: &str) -> Option<&Order> {
        self.orders.iter().find(|o| o.id.eq_ignore_ascii_case(id))
    }
}

/// What the engine knows of the shopper's account for one reply.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Account<'a> {
    /// No verified identity (or the provider knows no such customer): answers state the policy
    /// and ask the shopper to sign in for their own figures.
    #[default]
    Anonymous,
    /// A verified shopper's complete account.
    Known(&'a AccountSnapshot),
    /// A verified shopper whose account cannot be read right now (the provider's system is slow
    /// or down): answers that need the shopper's own figures say so and offer a person; they never
    /// use figures from anywhere else. Policy answers are unchanged.
    Unavailable,
}

impl<'a> Account<'a> {
    /// The snapshot, when the account is known.
    pub fn snapshot(self) -> Option<&'a AccountSnapshot> {
        match self {
            Account::Known(a) => Some(a),
            Account::Anonymous | Account::Unavailable => None,
        }
    }
}

impl<'a> From<Option<&'a AccountSnapshot>> for Account<'a> {
    /// `Some` is a known account, `None` an anonymous shopper.
    fn from(account: Option<&'a AccountSnapshot>) -> Self {
        account.map_or(Account::Anonymous, Account::Known)
    }
}

/// The demo shopper "Alex Morgan", with dates relative to `today` (the seed day). The server seeds
/// this into its database in demo mode; tests use it directly.
pub fn demo_account(today: NaiveDate) -> AccountSnapshot {
    let d = |days: i64| today + Duration::days(days);
    let inst = |number, minor, due, paid: bool| Instalment {
        number,
        amount: Money::eur(minor),
        due,
        status: if paid { InstalmentStatus::Paid } else { InstalmentStatus::Due },
        paid_on: paid.then_some(due),
    };
    AccountSnapshot {
        shopper_id: "alex".into(),
        name: "Alex Morgan".into(),
        orders: vec![
            Order {
                id: "FP-1001".into(),
                store: "Nordic Outdoor".into(),
                item: "Winter jacket".into(),
                total: Money::eur(20000),
                plan: Plan::PayIn4,
                // #1 at purchase (day -25), #2 paid day -11; #3 due day +3, #4 due day +17.
                instalments: vec![
                    inst(1, 5000, d(-25), true),
                    inst(2, 5000, d(-11), true),
                    inst(3, 5000, d(3), false),
                    inst(4, 5000, d(17), false),
                ],
                paid_count: 2,
                payment_count: 4,
                return_reported: None,
                paused_until: None,
                refund: None,
                extension_used: false,
            },
            Order {
                id: "FP-1002".into(),
                store: "Pixel Store".into(),
                item: "Headphones".into(),
                total: Money::eur(8990),
                plan: Plan::PayIn30,
                instalments: vec![inst(1, 8990, d(12), false)],
                paid_count: 0,
                payment_count: 1,
                return_reported: Some(d(-5)),
                paused_until: Some(d(16)),
                refund: None,
                extension_used: false,
            },
            Order {
                id: "FP-1003".into(),
                store: "HomeGoods".into(),
                item: "Sofa".into(),
                total: Money::eur(120000),
                plan: Plan::Financing { months: 12, apr_bp: 1490 },
                // 3 of 12 paid; the next due day +6, then monthly.
                instalments: (0..9)
                    .map(|k| Instalment {
                        number: 4 + k,
                        amount: Money::eur(10825),
                        due: d(6) + chrono::Months::new(k),
                        status: InstalmentStatus::Due,
                        paid_on: None,
                    })
                    .collect(),
                paid_count: 3,
                payment_count: 12,
                return_reported: None,
                paused_until: None,
                refund: None,
                extension_used: false,
            },
            Order {
                id: "FP-0998".into(),
                store: "Book Nook".into(),
                item: "Novel set".into(),
                total: Money::eur(3500),
                plan: Plan::PayIn30,
                instalments: vec![Instalment {
                    number: 1,
                    amount: Money::eur(3500),
                    due: d(-10),
                    status: InstalmentStatus::Cancelled,
                    paid_on: None,
                }],
                paid_count: 0,
                payment_count: 1,
                return_reported: Some(d(-12)),
                paused_until: None,
                refund: Some(Refund { amount: Money::eur(3500), destination: "Visa ending 4242".into(), processed_on: d(-3) }),
                extension_used: false,
            },
        ],
    }
}
