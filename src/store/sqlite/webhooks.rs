//! Webhook endpoints, the dispatcher (outbox → deliveries, with its cursor, in one
//! transaction) and delivery attempts, in SQLite.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, query};

use super::{SqliteStore, db_error, json_list, to_i64, to_u64};
use crate::ids::new_id;
use crate::store::{
    AttemptNext, AttemptRecord, Delivery, DeliveryStatus, DueDelivery, EventMapper, OutboxEvent,
    StoreError, WebhookEndpoint, WebhookStore,
};

fn endpoint_from(row: &SqliteRow) -> Result<WebhookEndpoint, StoreError> {
    Ok(WebhookEndpoint {
        id: row.try_get("id").map_err(db_error)?,
        org_id: row.try_get("org_id").map_err(db_error)?,
        url: row.try_get("url").map_err(db_error)?,
        secret: row.try_get("secret").map_err(db_error)?,
        events: json_list(row.try_get("events").map_err(db_error)?),
        interview_id: row.try_get("interview_id").map_err(db_error)?,
        created_at_ms: to_u64(row.try_get("created_at").map_err(db_error)?),
        disabled_at_ms: row
            .try_get::<Option<i64>, _>("disabled_at")
            .map_err(db_error)?
            .map(to_u64),
    })
}

fn delivery_from(row: &SqliteRow) -> Result<Delivery, StoreError> {
    let status: String = row.try_get("status").map_err(db_error)?;
    let interview_id: String = row.try_get("interview_id").map_err(db_error)?;
    Ok(Delivery {
        id: row.try_get("id").map_err(db_error)?,
        endpoint_id: row.try_get("endpoint_id").map_err(db_error)?,
        org_id: row.try_get("org_id").map_err(db_error)?,
        event_seq: to_u64(row.try_get("event_seq").map_err(db_error)?),
        event_type: row.try_get("event_type").map_err(db_error)?,
        interview_id: (!interview_id.is_empty()).then_some(interview_id),
        payload: row.try_get("payload").map_err(db_error)?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| StoreError::Backend(format!("unknown delivery status {status}")))?,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts").map_err(db_error)?).unwrap_or(0),
        next_attempt_at_ms: to_u64(row.try_get("next_attempt_at").map_err(db_error)?),
        last_status_code: row
            .try_get::<Option<i64>, _>("last_status_code")
            .map_err(db_error)?
            .and_then(|c| u16::try_from(c).ok()),
        last_error: row.try_get("last_error").map_err(db_error)?,
        last_attempt_at_ms: row
            .try_get::<Option<i64>, _>("last_attempt_at")
            .map_err(db_error)?
            .map(to_u64),
        created_at_ms: to_u64(row.try_get("created_at").map_err(db_error)?),
        delivered_at_ms: row
            .try_get::<Option<i64>, _>("delivered_at")
            .map_err(db_error)?
            .map(to_u64),
    })
}

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn create_webhook(&self, endpoint: &WebhookEndpoint) -> Result<(), StoreError> {
        let events = serde_json::to_string(&endpoint.events).map_err(db_error)?;
        query(
            "INSERT INTO webhook_endpoints
               (id, org_id, url, secret, events, interview_id, created_at, disabled_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&endpoint.id)
        .bind(&endpoint.org_id)
        .bind(&endpoint.url)
        .bind(&endpoint.secret)
        .bind(events)
        .bind(&endpoint.interview_id)
        .bind(to_i64(endpoint.created_at_ms))
        .bind(endpoint.disabled_at_ms.map(to_i64))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn webhooks(&self, org_id: &str) -> Result<Vec<WebhookEndpoint>, StoreError> {
        query(
            "SELECT * FROM webhook_endpoints WHERE org_id = ? AND disabled_at IS NULL
             ORDER BY created_at, id",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?
        .iter()
        .map(endpoint_from)
        .collect()
    }

    async fn webhook(&self, org_id: &str, id: &str) -> Result<Option<WebhookEndpoint>, StoreError> {
        query("SELECT * FROM webhook_endpoints WHERE id = ? AND org_id = ? AND disabled_at IS NULL")
            .bind(id)
            .bind(org_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?
            .as_ref()
            .map(endpoint_from)
            .transpose()
    }

    async fn delete_webhook(
        &self,
        org_id: &str,
        id: &str,
        now_ms: u64,
    ) -> Result<bool, StoreError> {
        let done = query(
            "UPDATE webhook_endpoints SET disabled_at = ?
             WHERE id = ? AND org_id = ? AND disabled_at IS NULL",
        )
        .bind(to_i64(now_ms))
        .bind(id)
        .bind(org_id)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn dispatch(
        &self,
        batch: u32,
        map: &EventMapper,
        now_ms: u64,
    ) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        // A write first, so this transaction holds the write lock: two dispatchers (or a
        // restart racing an old one) cannot read the same cursor.
        query("UPDATE webhook_cursor SET last_seq = last_seq WHERE id = 1")
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        let cursor: i64 = query("SELECT last_seq FROM webhook_cursor WHERE id = 1")
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?
            .try_get("last_seq")
            .map_err(db_error)?;
        let rows = query(
            "SELECT e.seq, e.event,
                   (SELECT json_group_object(x.system, x.external_id) FROM external_ids x
                    WHERE x.interview_id = e.interview_id) AS external_ids
                 FROM interview_events e WHERE e.seq > ? ORDER BY e.seq LIMIT ?",
        )
        .bind(cursor)
        .bind(i64::from(batch))
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        let mut last = cursor;
        for row in &rows {
            let seq: i64 = row.try_get("seq").map_err(db_error)?;
            last = seq;
            let text: String = row.try_get("event").map_err(db_error)?;
            let Ok(event) = serde_json::from_str(&text) else {
                tracing::warn!(seq, "an interview event is not JSON; no webhook for it");
                continue;
            };
            let external: Option<String> = row.try_get("external_ids").map_err(db_error)?;
            let external_ids = external
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or_default();
            let Some(new) = map(&OutboxEvent {
                seq: to_u64(seq),
                event,
                external_ids,
            }) else {
                continue;
            };
            let endpoints = query(
                "SELECT * FROM webhook_endpoints WHERE org_id = ? AND disabled_at IS NULL
                       AND (interview_id IS NULL OR interview_id = ?)",
            )
            .bind(&new.org_id)
            .bind(new.interview_id.as_deref().unwrap_or_default())
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?;
            for endpoint in endpoints.iter().map(endpoint_from) {
                let endpoint = endpoint?;
                if !endpoint.events.is_empty() && !endpoint.events.contains(&new.event_type) {
                    continue;
                }
                query(
                    "INSERT INTO webhook_deliveries
                       (id, endpoint_id, org_id, event_seq, event_type, interview_id, payload,
                        status, attempts, next_attempt_at, created_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)
                     ON CONFLICT(endpoint_id, event_seq) DO NOTHING",
                )
                .bind(new_id("msg_"))
                .bind(&endpoint.id)
                .bind(&new.org_id)
                .bind(seq)
                .bind(&new.event_type)
                .bind(new.interview_id.as_deref().unwrap_or_default())
                .bind(&new.payload)
                .bind(to_i64(now_ms))
                .bind(to_i64(now_ms))
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
            }
        }
        query("UPDATE webhook_cursor SET last_seq = ? WHERE id = 1")
            .bind(last)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(rows.len())
    }

    async fn due_deliveries(
        &self,
        now_ms: u64,
        limit: u32,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let rows = query(
            "SELECT d.*, e.url AS endpoint_url, e.secret AS endpoint_secret
             FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
             WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND e.disabled_at IS NULL
               AND NOT EXISTS (
                 SELECT 1 FROM webhook_deliveries p
                 WHERE p.endpoint_id = d.endpoint_id AND p.interview_id = d.interview_id
                   AND p.status = 'pending' AND p.event_seq < d.event_seq)
             ORDER BY d.next_attempt_at, d.event_seq LIMIT ?",
        )
        .bind(to_i64(now_ms))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|row| {
                Ok(DueDelivery {
                    delivery: delivery_from(row)?,
                    url: row.try_get("endpoint_url").map_err(db_error)?,
                    secret: row.try_get("endpoint_secret").map_err(db_error)?,
                })
            })
            .collect()
    }

    async fn record_attempt(&self, id: &str, attempt: &AttemptRecord) -> Result<(), StoreError> {
        let (status, next_at, delivered_at) = match attempt.next {
            AttemptNext::Delivered => (
                DeliveryStatus::Delivered,
                attempt.at_ms,
                Some(attempt.at_ms),
            ),
            AttemptNext::RetryAt(at) => (DeliveryStatus::Pending, at, None),
            AttemptNext::Failed => (DeliveryStatus::Failed, attempt.at_ms, None),
        };
        query(
            "UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1,
               next_attempt_at = ?, last_status_code = ?, last_error = ?, last_attempt_at = ?,
               delivered_at = ?
             WHERE id = ?",
        )
        .bind(status.as_str())
        .bind(to_i64(next_at))
        .bind(attempt.status_code.map(i64::from))
        .bind(&attempt.error)
        .bind(to_i64(attempt.at_ms))
        .bind(delivered_at.map(to_i64))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn deliveries(
        &self,
        org_id: &str,
        endpoint_id: &str,
    ) -> Result<Vec<Delivery>, StoreError> {
        query(
            "SELECT * FROM webhook_deliveries WHERE org_id = ? AND endpoint_id = ?
             ORDER BY event_seq DESC LIMIT 100",
        )
        .bind(org_id)
        .bind(endpoint_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?
        .iter()
        .map(delivery_from)
        .collect()
    }
}
