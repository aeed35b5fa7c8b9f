//! The demo ledger: accounts stored as JSON snapshots in the server's own database (the store's
//! `ledger_*` tables), used when no provider account API is configured.

use std::sync::Arc;

use chrono::NaiveDate;
use futures_util::future::BoxFuture;
use tandem_assistant::{AccountSnapshot, Order};

use super::{Ledger, Lookup, Unavailable};
use crate::store::Store;

/// Orders stored as JSON snapshots in the server's own database.
pub struct StoreLedger {
    store: Store,
}

impl StoreLedger {
    /// A ledger over the store's `ledger_*` tables.
    pub fn new(store: Store) -> Self {
        StoreLedger { store }
    }

    /// Replaces a shopper's account with `account` (used to seed the demo shopper).
    pub async fn put(&self, account: &AccountSnapshot) -> anyhow::Result<()> {
        let orders =
            account.orders.iter().map(|o| Ok((o.id.clone(), serde_json::to_string(o)?))).collect::<anyhow::Result<Vec<_>>>()?;
        self.store.put_account(&account.shopper_id, &account.name, &orders).await?;
        Ok(())
    }

    /// Seeds the demo shopper "Alex Morgan" with dates relative to `today`.
    pub async fn seed_demo(&self, today: NaiveDate) -> anyhow::Result<()> {
        self.put(&tandem_assistant::account::demo_account(today)).await
    }
}

impl Ledger for StoreLedger {
    fn snapshot<'a>(&'a self, shopper_id: &'a str) -> BoxFuture<'a, Lookup> {
        Box::pin(async move {
            let (name, rows) = match self.store.account(shopper_id).await {
                Ok(Some(account)) => account,
                Ok(None) => return Lookup::NotFound,
                Err(e) => return unavailable(Unavailable::Storage(e.to_string())),
            };
            // One unreadable order makes the whole account unreadable: never a partial account.
            match rows.iter().map(|r| serde_json::from_str::<Order>(r)).collect::<Result<Vec<_>, _>>() {
                Ok(orders) => Lookup::Found(Arc::new(AccountSnapshot { shopper_id: shopper_id.into(), name, orders })),
                Err(e) => unavailable(Unavailable::Malformed(format!("a stored order: {e}"))),
            }
        })
    }
}

fn unavailable(why: Unavailable) -> Lookup {
    tracing::warn!(reason = %why, "account unavailable");
    Lookup::Unavailable(why)
}
