//! Merchants as stored: their theme and allowed origins as JSON text.

use super::{col, Store, StoreResult};

/// A merchant row.
pub struct StoredMerchant {
    pub id: String,
    pub name: String,
    pub provider_name: String,
    /// JSON `tandem_protocol::Theme`.
    pub theme: String,
    /// JSON array of origins.
    pub allowed_origins: String,
}

impl Store {
    /// A merchant, if configured.
    pub async fn merchant(&self, id: &str) -> StoreResult<Option<StoredMerchant>> {
        let row = sqlx::query("SELECT id, name, provider_name, theme, allowed_origins FROM merchants WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(StoredMerchant { id: col(&r, 0)?, name: col(&r, 1)?, provider_name: col(&r, 2)?, theme: col(&r, 3)?, allowed_origins: col(&r, 4)? })
        })
        .transpose()
    }

    /// Whether a merchant is configured.
    pub async fn merchant_exists(&self, id: &str) -> StoreResult<bool> {
        Ok(sqlx::query("SELECT 1 FROM merchants WHERE id = $1").bind(id).fetch_optional(&self.pool).await?.is_some())
    }

    /// Stores or replaces a merchant.
    pub async fn upsert_merchant(&self, m: &StoredMerchant) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO merchants (id, name, provider_name, theme, allowed_origins) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, provider_name = excluded.provider_name,
               theme = excluded.theme, allowed_origins = excluded.allowed_origins",
        )
        .bind(m.id.as_str())
        .bind(m.name.as_str())
        .bind(m.provider_name.as_str())
        .bind(m.theme.as_str())
        .bind(m.allowed_origins.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
