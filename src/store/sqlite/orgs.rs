//! Organizations and their credits in SQLite.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction, query};

use super::{SqliteStore, db_error, to_i64, to_u64};
use crate::ids::new_id;
use crate::store::{OrgStore, Organization, StoreError};

fn org_from(row: &SqliteRow) -> Organization {
    Organization {
        id: row.get("id"),
        name: row.get("name"),
        credits: row.get::<Option<i64>, _>("credits").map(to_u64),
    }
}

/// Takes one of `org_id`'s credits in `tx`: the write comes first, so concurrent creates
/// queue on SQLite's write lock and the count stays exact.
pub(super) async fn take_credit(
    tx: &mut Transaction<'_, Sqlite>,
    org_id: &str,
) -> Result<(), StoreError> {
    let taken =
        query("UPDATE organizations SET credits = credits - 1 WHERE id = ? AND credits > 0")
            .bind(org_id)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
    if taken.rows_affected() == 1 {
        return Ok(());
    }
    let row = query("SELECT credits FROM organizations WHERE id = ?")
        .bind(org_id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_error)?
        .ok_or_else(|| StoreError::NotFound(format!("organization {org_id}")))?;
    match row.get::<Option<i64>, _>("credits") {
        None => Ok(()), // no pool: unlimited
        Some(_) => Err(StoreError::NoCredits),
    }
}

#[async_trait]
impl OrgStore for SqliteStore {
    async fn ensure_org(
        &self,
        name: &str,
        credits: Option<u64>,
        now_ms: u64,
    ) -> Result<Organization, StoreError> {
        query("INSERT INTO organizations (id, name, credits, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO NOTHING")
            .bind(new_id("org_"))
            .bind(name)
            .bind(credits.map(to_i64))
            .bind(to_i64(now_ms))
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        let row = query("SELECT * FROM organizations WHERE name = ?")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(org_from(&row))
    }

    async fn org(&self, id: &str) -> Result<Option<Organization>, StoreError> {
        let row = query("SELECT * FROM organizations WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.as_ref().map(org_from))
    }

    async fn orgs(&self) -> Result<Vec<Organization>, StoreError> {
        let rows = query("SELECT * FROM organizations ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(rows.iter().map(org_from).collect())
    }

    async fn set_credits(&self, name: &str, credits: Option<u64>) -> Result<(), StoreError> {
        let done = query("UPDATE organizations SET credits = ? WHERE name = ?")
            .bind(credits.map(to_i64))
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("organization {name}")));
        }
        Ok(())
    }
}
