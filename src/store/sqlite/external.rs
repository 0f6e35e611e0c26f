//! External ids in SQLite.

use async_trait::async_trait;
use sqlx::query_scalar;

use super::{SqliteStore, db_error, to_i64};
use crate::store::{ExternalIds, StoreError};

#[async_trait]
impl ExternalIds for SqliteStore {
    async fn claim_external_id(
        &self,
        org_id: &str,
        system: &str,
        external_id: &str,
        interview_id: &str,
        now_ms: u64,
    ) -> Result<String, StoreError> {
        // One statement: the insert happens or the existing row is read, never both racing.
        let owner: String = query_scalar(
            "INSERT INTO external_ids (org_id, system, external_id, interview_id, created_at)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (org_id, system, external_id) DO UPDATE SET org_id = excluded.org_id
             RETURNING interview_id",
        )
        .bind(org_id)
        .bind(system)
        .bind(external_id)
        .bind(interview_id)
        .bind(to_i64(now_ms))
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(owner)
    }

    async fn external_interview(
        &self,
        org_id: &str,
        system: &str,
        external_id: &str,
    ) -> Result<Option<String>, StoreError> {
        query_scalar(
            "SELECT interview_id FROM external_ids WHERE org_id = ? AND system = ? AND external_id = ?",
        )
        .bind(org_id)
        .bind(system)
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)
    }
}
