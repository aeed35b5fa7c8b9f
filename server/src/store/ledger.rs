//! The demo ledger's tables: shoppers and their orders as JSON snapshots.

use super::{col, Store, StoreResult};

impl Store {
    /// Replaces a shopper's name and orders (`(order id, JSON snapshot)`), in one transaction.
    pub async fn put_account(&self, shopper_id: &str, name: &str, orders: &[(String, String)]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM ledger_orders WHERE shopper_id = $1").bind(shopper_id).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO ledger_shoppers (shopper_id, name) VALUES ($1, $2) ON CONFLICT (shopper_id) DO UPDATE SET name = excluded.name",
        )
        .bind(shopper_id)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        for (order_id, snapshot) in orders {
            // An upsert, so two instances seeding the demo account at once both succeed.
            sqlx::query(
                "INSERT INTO ledger_orders (shopper_id, order_id, snapshot) VALUES ($1, $2, $3)
                 ON CONFLICT (shopper_id, order_id) DO UPDATE SET snapshot = excluded.snapshot",
            )
                .bind(shopper_id)
                .bind(order_id.as_str())
                .bind(snapshot.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A shopper's name and order snapshots, if the ledger knows them.
    pub async fn account(&self, shopper_id: &str) -> StoreResult<Option<(String, Vec<String>)>> {
        let name = sqlx::query("SELECT name FROM ledger_shoppers WHERE shopper_id = $1").bind(shopper_id).fetch_optional(&self.pool).await?;
        let Some(name) = name else { return Ok(None) };
        let rows = sqlx::query("SELECT snapshot FROM ledger_orders WHERE shopper_id = $1 ORDER BY order_id")
            .bind(shopper_id)
            .fetch_all(&self.pool)
            .await?;
        let orders = rows.iter().map(|r| col(r, 0)).collect::<StoreResult<Vec<String>>>()?;
        Ok(Some((col(&name, 0)?, orders)))
    }
}
