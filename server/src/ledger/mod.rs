//! Account data: the [`Ledger`] trait through which the assistant and the agent's desk read a
//! shopper's orders, and its two implementations: [`StoreLedger`] over the server's own database
//! (the demo shopper) and [`HttpLedger`], which asks the provider's account API over HTTPS
//! (`docs/provider-account-api.md`). `--ledger-url` selects the second.
//!
//! A ledger answers with a [`Lookup`]: the account, "no such customer", or "cannot be read now".
//! The last is never an error for the caller: the shopper is told the account cannot be seen and
//! offered a person, the agent sees the conversation without the account panel.

mod breaker;
mod cache;
mod http;
mod schema;
mod settings;
mod sign;
mod store;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use tandem_assistant::{Account, AccountSnapshot};

pub use breaker::{Breaker, BreakerState};
pub use cache::Cache;
pub use http::HttpLedger;
pub use settings::HttpLedgerSettings;
pub use schema::{account_json, parse_account, SchemaError};
pub use sign::{signature_header, SIGNATURE_HEADER};
pub use store::StoreLedger;

use crate::config::LedgerConfig;
use crate::store::Store;

/// What a ledger knows about one shopper.
#[derive(Clone, Debug, PartialEq)]
pub enum Lookup {
    /// The complete, validated account.
    Found(Arc<AccountSnapshot>),
    /// The provider knows no such customer.
    NotFound,
    /// The account cannot be read right now; why, for logs and metrics.
    Unavailable(Unavailable),
}

impl Lookup {
    /// The account as the engine sees it. A shopper the provider does not know is answered like
    /// an anonymous one (policy, and how to sign in).
    pub fn account(&self) -> Account<'_> {
        match self {
            Lookup::Found(a) => Account::Known(a),
            Lookup::NotFound => Account::Anonymous,
            Lookup::Unavailable(_) => Account::Unavailable,
        }
    }
}

/// Why an account cannot be read right now. Every case is answered the same way to the shopper;
/// the distinction is for operators.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    #[error("the provider's account API did not answer within {0} ms")]
    Timeout(u64),
    #[error("the provider's account API cannot be reached: {0}")]
    Unreachable(String),
    #[error("the provider's account API refused the request (HTTP {0}): check the signing key, the client certificate and the clock")]
    Refused(u16),
    #[error("the provider's account API answered HTTP {0}")]
    Status(u16),
    #[error("the provider's answer does not follow the account schema: {0}")]
    Malformed(String),
    #[error("the provider's account API failed repeatedly; not asking again until the cool-down ends")]
    CircuitOpen,
    #[error("the shopper id cannot be sent to the account API (empty, '.' or '..')")]
    UnusableId,
    #[error("the demo ledger could not be read: {0}")]
    Storage(String),
}

impl Unavailable {
    /// A short label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Unavailable::Timeout(_) => "timeout",
            Unavailable::Unreachable(_) => "unreachable",
            Unavailable::Refused(_) => "refused",
            Unavailable::Status(_) => "status",
            Unavailable::Malformed(_) => "malformed",
            Unavailable::CircuitOpen => "circuit_open",
            Unavailable::UnusableId => "unusable_id",
            Unavailable::Storage(_) => "storage",
        }
    }
}

/// Read access to shoppers' accounts.
pub trait Ledger: Send + Sync {
    /// The account of an identified shopper. Never fails: a ledger that cannot answer says
    /// [`Lookup::Unavailable`].
    fn snapshot<'a>(&'a self, shopper_id: &'a str) -> BoxFuture<'a, Lookup>;

    /// This process's figures for `/metrics`, for ledgers that call out.
    fn figures(&self) -> Option<LedgerFigures> {
        None
    }
}

/// Counters of a ledger that calls the provider, since start.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LedgerFigures {
    /// Requests sent to the provider.
    pub requests: u64,
    /// Failed requests by [`Unavailable::kind`] (the breaker's refusals are `circuit_open`).
    pub failures: Vec<(&'static str, u64)>,
    /// Answers served from the cache.
    pub cache_hits: u64,
    /// Accounts in the cache now (some may have expired and not yet been dropped).
    pub cached: usize,
    /// The circuit breaker's position.
    pub breaker: BreakerState,
    /// Total seconds spent waiting for the provider (with `requests`, the mean latency).
    pub request_seconds: f64,
}

/// The account of a conversation's shopper: `None` for an anonymous one (no ledger call).
pub async fn shopper_account(ledger: &dyn Ledger, identified: bool, shopper_id: &str) -> Option<Lookup> {
    if identified {
        Some(ledger.snapshot(shopper_id).await)
    } else {
        None
    }
}

/// The ledger the configuration asks for: the provider's account API with `--ledger-url`, else the
/// demo ledger in the database. Refuses an unsafe or incomplete API configuration.
pub fn from_config(config: &LedgerConfig, store: Store) -> anyhow::Result<Arc<dyn Ledger>> {
    match HttpLedgerSettings::from_config(config)? {
        Some(settings) => {
            let ledger = HttpLedger::new(settings)?;
            tracing::info!(url = %ledger.base_url(), "account data from the provider's account API");
            Ok(Arc::new(ledger))
        }
        None => Ok(Arc::new(StoreLedger::new(store))),
    }
}
