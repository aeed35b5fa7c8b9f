//! The account JSON the provider's API answers with (`docs/provider-account-api.md`), read
//! strictly: an unknown or missing field, a wrong type, a negative amount, an impossible date, a
//! count that does not add up or another shopper's id makes the whole answer unusable. Nothing of
//! a rejected answer is used, so the assistant never speaks from partial numbers.
//!
//! These wire types are the provider's contract; they are converted into the engine's
//! [`AccountSnapshot`] only after every check has passed, so a change to the engine's types never
//! changes the contract by accident.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use tandem_assistant::{AccountSnapshot, Instalment, InstalmentStatus, Order, Plan, Refund};
use tandem_protocol::Money;

/// Most orders one account may list.
pub const MAX_ORDERS: usize = 500;
/// Most payments one order may have.
pub const MAX_PAYMENTS: u32 = 600;
/// Longest text field (names, stores, items, references), in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// Largest amount, in minor units (ten billion in major units): sums over an account cannot overflow.
pub const MAX_MINOR: i64 = 1_000_000_000_000;
/// Highest APR, in basis points (100%).
pub const MAX_APR_BP: u32 = 10_000;

/// Why an answer was refused, naming the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SchemaError(pub String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireAccount {
    shopper_id: String,
    name: String,
    orders: Vec<WireOrder>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireOrder {
    id: String,
    store: String,
    item: String,
    total: WireMoney,
    plan: WirePlan,
    instalments: Vec<WireInstalment>,
    paid_count: u32,
    payment_count: u32,
    return_reported: Option<NaiveDate>,
    paused_until: Option<NaiveDate>,
    refund: Option<WireRefund>,
    extension_used: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireMoney {
    minor: i64,
    currency: String,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum WirePlan {
    #[serde(rename = "pay_in_4")]
    PayIn4,
    #[serde(rename = "pay_in_30")]
    PayIn30,
    Financing { months: u32, apr_bp: u32 },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireInstalment {
    number: u32,
    amount: WireMoney,
    due: NaiveDate,
    status: WireStatus,
    paid_on: Option<NaiveDate>,
}

#[derive(Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum WireStatus {
    Paid,
    Due,
    Cancelled,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireRefund {
    amount: WireMoney,
    destination: String,
    processed_on: NaiveDate,
}

/// Reads and checks the provider's answer for `shopper_id`; the account only when all of it is valid.
pub fn parse_account(body: &[u8], shopper_id: &str) -> Result<AccountSnapshot, SchemaError> {
    let wire: WireAccount = serde_json::from_slice(body).map_err(|e| SchemaError(format!("not the account schema: {e}")))?;
    if wire.shopper_id != shopper_id {
        return Err(SchemaError("shopper_id: the answer is for another shopper".into()));
    }
    let name = text("name", wire.name)?;
    if wire.orders.len() > MAX_ORDERS {
        return Err(SchemaError(format!("orders: more than {MAX_ORDERS}")));
    }
    let mut seen = HashSet::new();
    let mut orders = Vec::with_capacity(wire.orders.len());
    for (k, o) in wire.orders.into_iter().enumerate() {
        let order = order(&format!("orders[{k}]"), o)?;
        // The engine finds orders by reference ignoring case: two that differ only in case are one.
        if !seen.insert(order.id.to_lowercase()) {
            return Err(SchemaError(format!("orders[{k}].id: {} appears twice", order.id)));
        }
        orders.push(order);
    }
    Ok(AccountSnapshot { shopper_id: wire.shopper_id, name, orders })
}

fn order(at: &str, o: WireOrder) -> Result<Order, SchemaError> {
    let total = money(&format!("{at}.total"), o.total, None)?;
    let currency = Some(total.currency.as_str());
    let plan = match o.plan {
        WirePlan::PayIn4 => Plan::PayIn4,
        WirePlan::PayIn30 => Plan::PayIn30,
        WirePlan::Financing { months, apr_bp } => {
            if months == 0 || months > MAX_PAYMENTS {
                return Err(SchemaError(format!("{at}.plan.months: must be 1 to {MAX_PAYMENTS}")));
            }
            if apr_bp > MAX_APR_BP {
                return Err(SchemaError(format!("{at}.plan.apr_bp: must be at most {MAX_APR_BP}")));
            }
            Plan::Financing { months, apr_bp }
        }
    };
    if o.payment_count == 0 || o.payment_count > MAX_PAYMENTS {
        return Err(SchemaError(format!("{at}.payment_count: must be 1 to {MAX_PAYMENTS}")));
    }
    if o.paid_count > o.payment_count {
        return Err(SchemaError(format!("{at}.paid_count: more than payment_count")));
    }
    if o.instalments.len() > o.payment_count as usize {
        return Err(SchemaError(format!("{at}.instalments: more than payment_count")));
    }
    let mut numbers = HashSet::new();
    let mut instalments = Vec::with_capacity(o.instalments.len());
    for (k, i) in o.instalments.into_iter().enumerate() {
        let at = format!("{at}.instalments[{k}]");
        if i.number == 0 || i.number > o.payment_count || !numbers.insert(i.number) {
            return Err(SchemaError(format!("{at}.number: must be unique and 1 to payment_count")));
        }
        let status = match i.status {
            WireStatus::Paid => InstalmentStatus::Paid,
            WireStatus::Due => InstalmentStatus::Due,
            WireStatus::Cancelled => InstalmentStatus::Cancelled,
        };
        if (status == InstalmentStatus::Paid) != i.paid_on.is_some() {
            return Err(SchemaError(format!("{at}.paid_on: required when paid, and only then")));
        }
        instalments.push(Instalment { number: i.number, amount: money(&format!("{at}.amount"), i.amount, currency)?, due: i.due, status, paid_on: i.paid_on });
    }
    let refund = match o.refund {
        Some(r) => {
            let amount = money(&format!("{at}.refund.amount"), r.amount, currency)?;
            if amount.minor > total.minor {
                return Err(SchemaError(format!("{at}.refund.amount: more than the order's total")));
            }
            Some(Refund { amount, destination: text(&format!("{at}.refund.destination"), r.destination)?, processed_on: r.processed_on })
        }
        None => None,
    };
    Ok(Order {
        id: text(&format!("{at}.id"), o.id)?,
        store: text(&format!("{at}.store"), o.store)?,
        item: text(&format!("{at}.item"), o.item)?,
        total,
        plan,
        instalments,
        paid_count: o.paid_count,
        payment_count: o.payment_count,
        return_reported: o.return_reported,
        paused_until: o.paused_until,
        refund,
        extension_used: o.extension_used,
    })
}

/// An account as the schema writes it: what the provider's API answers (the test stubs serve
/// accounts with it; [`parse_account`] reads it back unchanged).
pub fn account_json(a: &AccountSnapshot) -> serde_json::Value {
    let money = |m: &Money| json!({"minor": m.minor, "currency": m.currency});
    let orders: Vec<serde_json::Value> = a
        .orders
        .iter()
        .map(|o| {
            let plan = match o.plan {
                Plan::PayIn4 => json!({"kind": "pay_in_4"}),
                Plan::PayIn30 => json!({"kind": "pay_in_30"}),
                Plan::Financing { months, apr_bp } => json!({"kind": "financing", "months": months, "apr_bp": apr_bp}),
            };
            let instalments: Vec<serde_json::Value> = o
                .instalments
                .iter()
                .map(|i| {
                    let status = match i.status {
                        InstalmentStatus::Paid => "paid",
                        InstalmentStatus::Due => "due",
                        InstalmentStatus::Cancelled => "cancelled",
                    };
                    json!({"number": i.number, "amount": money(&i.amount), "due": i.due, "status": status, "paid_on": i.paid_on})
                })
                .collect();
            let refund = o.refund.as_ref().map(|r| json!({"amount": money(&r.amount), "destination": r.destination, "processed_on": r.processed_on}));
            json!({
                "id": o.id, "store": o.store, "item": o.item, "total": money(&o.total), "plan": plan,
                "instalments": instalments, "paid_count": o.paid_count, "payment_count": o.payment_count,
                "return_reported": o.return_reported, "paused_until": o.paused_until, "refund": refund,
                "extension_used": o.extension_used,
            })
        })
        .collect();
    json!({"shopper_id": a.shopper_id, "name": a.name, "orders": orders})
}

/// An amount: not negative, not absurd, an ISO 4217-shaped code, and the order's currency.
fn money(at: &str, m: WireMoney, currency: Option<&str>) -> Result<Money, SchemaError> {
    if !(0..=MAX_MINOR).contains(&m.minor) {
        return Err(SchemaError(format!("{at}.minor: must be 0 to {MAX_MINOR}")));
    }
    if m.currency.len() != 3 || !m.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(SchemaError(format!("{at}.currency: must be a three-letter code such as EUR")));
    }
    if currency.is_some_and(|c| c != m.currency) {
        return Err(SchemaError(format!("{at}.currency: differs from the order's total")));
    }
    Ok(Money { minor: m.minor, currency: m.currency })
}

/// Text shown to shoppers and agents: present, bounded, no control characters.
fn text(at: &str, s: String) -> Result<String, SchemaError> {
    if s.trim().is_empty() || s.chars().count() > MAX_TEXT_CHARS || s.chars().any(char::is_control) {
        return Err(SchemaError(format!("{at}: must be 1 to {MAX_TEXT_CHARS} characters, no control characters")));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The example of `docs/provider-account-api.md`.
    pub fn example() -> Value {
        json!({
            "shopper_id": "alex",
            "name": "Alex Morgan",
            "orders": [{
                "id": "FP-1001",
                "store": "Nordic Outdoor",
                "item": "Winter jacket",
                "total": {"minor": 20000, "currency": "EUR"},
                "plan": {"kind": "pay_in_4"},
                "instalments": [
                    {"number": 1, "amount": {"minor": 5000, "currency": "EUR"}, "due": "2026-10-31", "status": "paid", "paid_on": "2026-10-31"},
                    {"number": 2, "amount": {"minor": 5000, "currency": "EUR"}, "due": "2026-11-14", "status": "paid", "paid_on": "2026-11-14"},
                    {"number": 3, "amount": {"minor": 5000, "currency": "EUR"}, "due": "2026-11-28", "status": "due"},
                    {"number": 4, "amount": {"minor": 5000, "currency": "EUR"}, "due": "2026-12-12", "status": "due", "paid_on": null}
                ],
                "paid_count": 2,
                "payment_count": 4,
                "return_reported": null,
                "paused_until": null,
                "refund": null,
                "extension_used": false
            }, {
                "id": "FP-1003",
                "store": "HomeGoods",
                "item": "Sofa",
                "total": {"minor": 120000, "currency": "EUR"},
                "plan": {"kind": "financing", "months": 12, "apr_bp": 1490},
                "instalments": [{"number": 4, "amount": {"minor": 10825, "currency": "EUR"}, "due": "2026-12-01", "status": "due"}],
                "paid_count": 3,
                "payment_count": 12,
                "extension_used": false
            }]
        })
    }

    fn parse(v: &Value) -> Result<AccountSnapshot, SchemaError> {
        parse_account(v.to_string().as_bytes(), "alex")
    }

    #[test]
    fn the_documented_example_is_read() {
        let acc = parse(&example()).expect("valid");
        assert_eq!(acc.name, "Alex Morgan");
        assert_eq!(acc.orders.len(), 2);
        assert_eq!(acc.orders[0].next_instalment().map(|i| i.amount.minor), Some(5000));
        assert_eq!(acc.orders[1].plan, Plan::Financing { months: 12, apr_bp: 1490 });
    }

    #[test]
    fn an_account_written_by_account_json_reads_back_unchanged() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let demo = tandem_assistant::account::demo_account(today);
        let json = account_json(&demo).to_string();
        assert_eq!(parse_account(json.as_bytes(), "alex").expect("valid"), demo);
    }

    /// What is changed, what the error must name, and the change.
    type Case = (&'static str, &'static str, Box<dyn Fn(&mut Value)>);

    /// Each change makes the whole answer unusable, with the field named.
    #[test]
    fn anything_off_schema_is_refused_whole() {
        let cases: Vec<Case> = vec![
            ("unknown field", "discount", Box::new(|v| v["orders"][0]["discount"] = json!(5))),
            ("unknown plan field", "fee", Box::new(|v| v["orders"][1]["plan"]["fee"] = json!(1))),
            ("missing field", "paid_count", Box::new(|v| _ = v["orders"][0].as_object_mut().unwrap().remove("paid_count"))),
            ("wrong type", "invalid type", Box::new(|v| v["orders"][0]["total"]["minor"] = json!("20000"))),
            ("fractional minor units", "invalid type", Box::new(|v| v["orders"][0]["total"]["minor"] = json!(200.5))),
            ("negative amount", "amount.minor", Box::new(|v| v["orders"][0]["instalments"][2]["amount"]["minor"] = json!(-5000))),
            ("impossible date", "out of range", Box::new(|v| v["orders"][0]["instalments"][2]["due"] = json!("2026-02-30"))),
            ("date format", "invalid characters", Box::new(|v| v["orders"][0]["instalments"][2]["due"] = json!("28/11/2026"))),
            ("other shopper", "another shopper", Box::new(|v| v["shopper_id"] = json!("kim"))),
            ("unknown status", "pending", Box::new(|v| v["orders"][0]["instalments"][2]["status"] = json!("pending"))),
            ("unknown plan", "pay_in_3", Box::new(|v| v["orders"][0]["plan"]["kind"] = json!("pay_in_3"))),
            ("mixed currency", "amount.currency", Box::new(|v| v["orders"][0]["instalments"][2]["amount"]["currency"] = json!("SEK"))),
            ("bad currency", "total.currency", Box::new(|v| v["orders"][0]["total"]["currency"] = json!("euro"))),
            ("paid without a date", "paid_on", Box::new(|v| v["orders"][0]["instalments"][0]["paid_on"] = json!(null))),
            ("more paid than payments", "paid_count", Box::new(|v| v["orders"][0]["paid_count"] = json!(5))),
            ("duplicate payment number", "number", Box::new(|v| v["orders"][0]["instalments"][3]["number"] = json!(3))),
            ("duplicate order", "twice", Box::new(|v| v["orders"][1]["id"] = json!("fp-1001"))),
            ("empty name", "name:", Box::new(|v| v["name"] = json!(" "))),
            ("control characters", "item:", Box::new(|v| v["orders"][0]["item"] = json!("Winter\u{0}jacket"))),
            ("refund above total", "refund.amount", Box::new(|v| v["orders"][0]["refund"] = json!({"amount": {"minor": 20001, "currency": "EUR"}, "destination": "Visa ending 4242", "processed_on": "2026-11-20"}))),
            ("not an object", "invalid type", Box::new(|v| *v = json!([1, 2]))),
        ];
        for (what, names, change) in cases {
            let mut v = example();
            change(&mut v);
            match parse(&v) {
                Ok(_) => panic!("{what} was accepted"),
                Err(e) => assert!(e.0.contains(names), "{what}: the error should say {names:?}: {e}"),
            }
        }
        assert!(parse_account(b"{\"shopper_id\": \"alex\", \"name\": \"Al", "alex").is_err(), "truncated JSON");
        assert!(parse_account(b"<html>502 Bad Gateway</html>", "alex").is_err());
    }
}
