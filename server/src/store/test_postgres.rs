//! Tests' own PostgreSQL databases: a new, migrated database on `TANDEM_TEST_DATABASE_URL`'s
//! server per test (skipped without one; `scripts/test.sh` sets it), removed afterwards.

use std::sync::Arc;

use sqlx::Connection;

use super::Store;

pub(crate) struct FreshPostgres {
    admin: String,
    name: String,
    pub url: String,
    pub store: Store,
}

impl FreshPostgres {
    /// `None` (and a line saying the test was skipped) without a server to test on.
    pub async fn new() -> Option<FreshPostgres> {
        let Some(admin) = std::env::var("TANDEM_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
            eprintln!("skipped on PostgreSQL: set TANDEM_TEST_DATABASE_URL to a PostgreSQL server (scripts/test.sh does)");
            return None;
        };
        let name = format!("tandem_test_{}", uuid::Uuid::new_v4().simple());
        let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await.unwrap();
        let url = format!("{}/{name}", admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b));
        let store = Store::open(&url, 2, Arc::new(|_| {})).await.unwrap();
        Some(FreshPostgres { admin, name, url, store })
    }

    /// Closes the store and drops the database.
    pub async fn remove(self) {
        drop(self.store);
        let mut c = sqlx::PgConnection::connect(&self.admin).await.unwrap();
        sqlx::query(&format!("DROP DATABASE {} WITH (FORCE)", self.name)).execute(&mut c).await.unwrap();
    }
}
