//! Account data: the [`Ledger`] trait through which the assistant reads a shopper's orders, and the
//! SQLite implementation that holds the demo shopper. A provider plugs in its own ledger by
//! implementing the trait over its systems.

use chrono::NaiveDate;
use futures_util::future::BoxFuture;
use sqlx::SqlitePool;
use tandem_assistant::{AccountSnapshot, Order};

/// Read access to shoppers' accounts.
pub trait Ledger: Send + Sync {
    /// The account of an identified shopper, or `None` when the provider knows no such customer.
    fn snapshot<'a>(&'a self, shopper_id: &'a str) -> BoxFuture<'a, anyhow::Result<Option<AccountSnapshot>>>;
}

/// Orders stored as JSON snapshots in the server's own SQLite database.
pub struct SqliteLedger {
    db: SqlitePool,
}

impl SqliteLedger {
    /// A ledger over the `ledger_*` tables of `db`.
    pub fn new(db: SqlitePool) -> Self {
        SqliteLedger { db }
    }

    /// Replaces a shopper's account with `account` (used to seed the demo shopper).
    pub async fn put(&self, account: &AccountSnapshot) -> anyhow::Result<()> {
        let mut tx = self.db.begin().await?;
        sqlx::query("DELETE FROM ledger_orders WHERE shopper_id = ?").bind(&account.shopper_id).execute(&mut *tx).await?;
        sqlx::query("INSERT OR REPLACE INTO ledger_shoppers (shopper_id, name) VALUES (?, ?)")
            .bind(&account.shopper_id)
            .bind(&account.name)
            .execute(&mut *tx)
            .await?;
        for order in &account.orders {
            sqlx::query("INSERT INTO ledger_orders (shopper_id, order_id, snapshot) VALUES (?, ?, ?)")
                .bind(&account.shopper_id)
                .bind(&order.id)
                .bind(serde_json::to_string(order)?)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Seeds the demo shopper "Alex Morgan" with dates relative to `today`.
    pub async fn seed_demo(&self, today: NaiveDate) -> anyhow::Result<()> {
        self.put(&tandem_assistant::account::demo_account(today)).await
    }
}

impl Ledger for SqliteLedger {
    fn snapshot<'a>(&'a self, shopper_id: &'a str) -> BoxFuture<'a, anyhow::Result<Option<AccountSnapshot>>> {
        Box::pin(async move {
            let name: Option<String> = sqlx::query_scalar("SELECT name FROM ledger_shoppers WHERE shopper_id = ?")
                .bind(shopper_id)
                .fetch_optional(&self.db)
                .await?;
            let Some(name) = name else { return Ok(None) };
            let rows: Vec<String> =
                sqlx::query_scalar("SELECT snapshot FROM ledger_orders WHERE shopper_id = ? ORDER BY order_id")
                    .bind(shopper_id)
                    .fetch_all(&self.db)
                    .await?;
            let orders = rows.iter().map(|r| serde_json::from_str::<Order>(r)).collect::<Result<Vec<_>, _>>()?;
            Ok(Some(AccountSnapshot { shopper_id: shopper_id.into(), name, orders }))
        })
    }
}
