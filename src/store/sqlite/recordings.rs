//! The recording index in SQLite.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, query};

use super::{SqliteStore, db_error, to_i64, to_u64};
use crate::store::{Recording, RecordingIndex, StoreError};

fn recording_row(row: &SqliteRow) -> Recording {
    Recording {
        id: row.get("id"),
        org_id: row.get("org_id"),
        call_id: row.get("call_id"),
        interview_id: row.get("interview_id"),
        item_id: row.get("item_id"),
        key: row.get("key"),
        duration_ms: to_u64(row.get("duration_ms")),
        bytes: to_u64(row.get("bytes")),
        created_at_ms: to_u64(row.get("created_at")),
    }
}

#[async_trait]
impl RecordingIndex for SqliteStore {
    async fn add_recording(&self, r: &Recording) -> Result<(), StoreError> {
        query(
            "INSERT INTO recordings (id, org_id, call_id, interview_id, item_id, key, duration_ms, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&r.id)
        .bind(&r.org_id)
        .bind(&r.call_id)
        .bind(&r.interview_id)
        .bind(&r.item_id)
        .bind(&r.key)
        .bind(to_i64(r.duration_ms))
        .bind(to_i64(r.bytes))
        .bind(to_i64(r.created_at_ms))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn recording(&self, id: &str) -> Result<Option<Recording>, StoreError> {
        let row = query(
            "SELECT id, org_id, call_id, interview_id, item_id, key, duration_ms, bytes, created_at FROM recordings WHERE id = ? AND deleted_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(row.as_ref().map(recording_row))
    }

    async fn interview_recordings(
        &self,
        org_id: &str,
        interview_id: &str,
    ) -> Result<Vec<Recording>, StoreError> {
        let rows = query(
            "SELECT id, org_id, call_id, interview_id, item_id, key, duration_ms, bytes, created_at FROM recordings
             WHERE org_id = ? AND interview_id = ? AND deleted_at IS NULL
             ORDER BY created_at, id",
        )
        .bind(org_id)
        .bind(interview_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(rows.iter().map(recording_row).collect())
    }

    async fn recordings_to_remove(
        &self,
        created_before_ms: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Recording>, StoreError> {
        let rows = query(
            "SELECT id, org_id, call_id, interview_id, item_id, key, duration_ms, bytes, created_at FROM recordings
             WHERE deleted_at IS NOT NULL OR created_at < ?
             ORDER BY created_at LIMIT ?",
        )
        .bind(created_before_ms.map_or(i64::MIN, to_i64))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(rows.iter().map(recording_row).collect())
    }

    async fn forget_recording(&self, id: &str) -> Result<(), StoreError> {
        query("DELETE FROM recordings WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }
}
