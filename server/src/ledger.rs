//! Account data: the [`Ledger`] trait through which the assistant reads a shopper's orders, and the
//! implementation over the store's `ledger_*` tables that holds the demo shopper. A provider plugs
//! in its own ledger by implementing the trait over its systems.

use chrono::NaiveDate;
use futures_util::future::BoxFuture;
use tandem_assistant::{AccountSnapshot, Order};

use crate::store::Store;

/// Read access to shoppers' accounts.
pub trait Ledger: Send + Sync {
    /// The account of an identified shopper, or `None` when the provider knows no such customer.
    fn snapshot<'a>(&'a self, shopper_id: &'a str) -> BoxFuture<'a, anyhow::Result<Option<AccountSnapshot>>>;
}

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
    fn snapshot<'a>(&'a self, shopper_id: &'a str) -> BoxFuture<'a, anyhow::Result<Option<AccountSnapshot>>> {
        Box::pin(async move {
            let Some((name, rows)) = self.store.account(shopper_id).await? else { return Ok(None) };
            let orders = rows.iter().map(|r| serde_json::from_str::<Order>(r)).collect::<Result<Vec<_>, _>>()?;
            Ok(Some(AccountSnapshot { shopper_id: shopper_id.into(), name, orders }))
        })
    }
}
