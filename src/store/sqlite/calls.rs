//! Calls, their items and the interview events in SQLite.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction, query};

use super::{SqliteStore, db_error, to_i64, to_u64};
use crate::call::EndReason;
use crate::interview::InterviewEvent;
use crate::store::{
    CallChanges, CallRecord, CallStore, EventsOf, NewCall, Role, StoreError, TranscriptItem,
    UnfinishedCall,
};

/// Appends `event` to the interview events in `tx`.
pub(super) async fn append_event(
    tx: &mut Transaction<'_, Sqlite>,
    event: &InterviewEvent,
) -> Result<(), StoreError> {
    let json = serde_json::to_value(event).map_err(db_error)?;
    query("INSERT INTO interview_events (interview_id, call_id, kind, event, at_ms) VALUES (?, ?, ?, ?, ?)")
        .bind(&event.interview_id)
        .bind(&event.call_id)
        .bind(json["type"].as_str().unwrap_or_default())
        .bind(json.to_string())
        .bind(to_i64(event.at_ms))
        .execute(&mut **tx)
        .await
        .map_err(db_error)?;
    Ok(())
}

async fn upsert_item(
    tx: &mut Transaction<'_, Sqlite>,
    call_id: &str,
    item: &TranscriptItem,
) -> Result<(), StoreError> {
    let role = match item.role {
        Role::User => "user",
        Role::Assistant => "assistant",
    };
    query(
        "INSERT INTO call_items (call_id, item_id, position, role, text, audio_ms, truncated_at_ms, at_ms)
         VALUES (?1, ?2, (SELECT COUNT(*) FROM call_items WHERE call_id = ?1), ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(call_id, item_id) DO UPDATE SET
           text = COALESCE(excluded.text, text),
           audio_ms = COALESCE(excluded.audio_ms, audio_ms),
           truncated_at_ms = COALESCE(excluded.truncated_at_ms, truncated_at_ms)",
    )
    .bind(call_id)
    .bind(&item.item_id)
    .bind(role)
    .bind(&item.text)
    .bind(item.audio_ms.map(i64::from))
    .bind(item.truncated_at_ms.map(i64::from))
    .bind(to_i64(item.at_ms))
    .execute(&mut **tx)
    .await
    .map_err(db_error)?;
    Ok(())
}

fn item_from(r: &SqliteRow) -> TranscriptItem {
    TranscriptItem {
        item_id: r.get("item_id"),
        role: if r.get::<String, _>("role") == "user" {
            Role::User
        } else {
            Role::Assistant
        },
        text: r.get("text"),
        audio_ms: r
            .get::<Option<i64>, _>("audio_ms")
            .and_then(|v| u32::try_from(v).ok()),
        truncated_at_ms: r
            .get::<Option<i64>, _>("truncated_at_ms")
            .and_then(|v| u32::try_from(v).ok()),
        at_ms: to_u64(r.get("at_ms")),
    }
}

#[async_trait]
impl CallStore for SqliteStore {
    async fn call_started(&self, call: &NewCall<'_>) -> Result<(), StoreError> {
        query(
            "INSERT INTO calls (call_id, secret_id, org_id, interview_id, started_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(call.call_id)
        .bind(call.secret_id)
        .bind(call.org_id)
        .bind(call.interview_id)
        .bind(to_i64(call.at_ms))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn record_call(&self, call_id: &str, changes: &CallChanges) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        for item in &changes.items {
            upsert_item(&mut tx, call_id, item).await?;
        }
        if let Some((reason, at_ms)) = changes.ended {
            let done = query("UPDATE calls SET ended_at = ?, end_reason = ? WHERE call_id = ?")
                .bind(to_i64(at_ms))
                .bind(reason.as_str())
                .bind(call_id)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("call {call_id}")));
            }
        }
        for event in &changes.events {
            append_event(&mut tx, event).await?;
        }
        tx.commit().await.map_err(db_error)
    }

    async fn unfinished_calls(&self) -> Result<Vec<UnfinishedCall>, StoreError> {
        let rows = query(
            "SELECT call_id, org_id, interview_id FROM calls WHERE ended_at IS NULL ORDER BY started_at",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|row| {
                Ok(UnfinishedCall {
                    call_id: row.try_get("call_id").map_err(db_error)?,
                    org_id: row.try_get("org_id").map_err(db_error)?,
                    interview_id: row.try_get("interview_id").map_err(db_error)?,
                })
            })
            .collect()
    }

    async fn interviews_left_in_progress(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = query(
            "SELECT i.org_id, i.id FROM interviews i \
             WHERE i.status = 'in_progress' \
               AND EXISTS (SELECT 1 FROM calls c WHERE c.interview_id = i.id) \
               AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.interview_id = i.id AND c.ended_at IS NULL)",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get(0).map_err(db_error)?,
                    row.try_get(1).map_err(db_error)?,
                ))
            })
            .collect()
    }

    async fn call(&self, org_id: &str, call_id: &str) -> Result<Option<CallRecord>, StoreError> {
        let Some(row) = query("SELECT * FROM calls WHERE call_id = ? AND org_id = ?")
            .bind(call_id)
            .bind(org_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?
        else {
            return Ok(None);
        };
        let items = query("SELECT * FROM call_items WHERE call_id = ? ORDER BY position")
            .bind(call_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(Some(CallRecord {
            call_id: row.get("call_id"),
            secret_id: row.get("secret_id"),
            interview_id: row.get("interview_id"),
            started_at_ms: to_u64(row.get("started_at")),
            ended_at_ms: row.get::<Option<i64>, _>("ended_at").map(to_u64),
            end_reason: row
                .get::<Option<String>, _>("end_reason")
                .as_deref()
                .and_then(EndReason::parse),
            items: items.iter().map(item_from).collect(),
        }))
    }

    async fn interview_items(
        &self,
        org_id: &str,
        interview_id: &str,
    ) -> Result<Vec<TranscriptItem>, StoreError> {
        let rows = query(
            "SELECT i.* FROM call_items i JOIN calls c ON c.call_id = i.call_id
             WHERE c.org_id = ? AND c.interview_id = ? ORDER BY c.started_at, c.call_id, i.position",
        )
        .bind(org_id)
        .bind(interview_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(rows.iter().map(item_from).collect())
    }

    async fn events(&self, of: EventsOf<'_>) -> Result<Vec<InterviewEvent>, StoreError> {
        let (sql, id) = match of {
            EventsOf::Call(id) => (
                "SELECT event FROM interview_events WHERE call_id = ? ORDER BY seq",
                id,
            ),
            EventsOf::Interview(id) => (
                "SELECT event FROM interview_events WHERE interview_id = ? ORDER BY seq",
                id,
            ),
        };
        let rows = query(sql)
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter()
            .map(|r| serde_json::from_str(r.get("event")).map_err(db_error))
            .collect()
    }

    async fn first_joined_at(&self, interview_id: &str) -> Result<Option<u64>, StoreError> {
        let at: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(at_ms) FROM interview_events WHERE interview_id = ? AND kind = 'joined'",
        )
        .bind(interview_id)
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(at.map(to_u64))
    }
}
