//! Keys, users, templates and interviews in SQLite.

use async_trait::async_trait;
use sqlx::query;

use super::calls::append_event;
use super::orgs::take_credit;
use super::{
    SqliteStore, db_error, interview_from, key_from, key_hash, template_from, to_i64, user_from,
};
use crate::ids::{new_id, random_bytes};
use crate::interview::{Interview, InterviewEvent, Status, Template};
use crate::store::{ApiKeyInfo, IntegratorStore, InterviewFilter, StoreError, User};

/// `,a,b,` for a filter on statuses `a` and `b` (`instr` matches one); `None` for any.
fn status_set(statuses: &[Status]) -> Option<String> {
    (!statuses.is_empty()).then(|| {
        let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
        format!(",{},", names.join(","))
    })
}

#[async_trait]
impl IntegratorStore for SqliteStore {
    async fn user_for_email(
        &self,
        org_id: &str,
        email: &str,
        now_ms: u64,
    ) -> Result<User, StoreError> {
        let email = email.trim().to_ascii_lowercase();
        query("INSERT INTO users (id, org_id, email, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(org_id, email) DO NOTHING")
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(org_id)
            .bind(&email)
            .bind(to_i64(now_ms))
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        let row = query("SELECT id, org_id, email FROM users WHERE org_id = ? AND email = ?")
            .bind(org_id)
            .bind(&email)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(user_from(&row))
    }

    async fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        let row = query("SELECT id, org_id, email FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.as_ref().map(user_from))
    }

    async fn create_api_key(
        &self,
        org_id: &str,
        name: &str,
        admin: bool,
        now_ms: u64,
    ) -> Result<(ApiKeyInfo, String), StoreError> {
        use base64::Engine;
        let secret = format!(
            "sk_{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes(32))
        );
        let info = ApiKeyInfo {
            id: new_id("key_"),
            org_id: org_id.to_owned(),
            name: name.to_owned(),
            prefix: secret.chars().take(10).collect(),
            admin,
            created_at_ms: now_ms,
            revoked_at_ms: None,
        };
        query("INSERT INTO api_keys (id, org_id, name, prefix, hash, admin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(&info.id)
            .bind(org_id)
            .bind(&info.name)
            .bind(&info.prefix)
            .bind(key_hash(&secret))
            .bind(i64::from(admin))
            .bind(to_i64(now_ms))
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok((info, secret))
    }

    async fn api_key_for_secret(&self, secret: &str) -> Result<Option<ApiKeyInfo>, StoreError> {
        let row = query("SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL")
            .bind(key_hash(secret))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(key_from).transpose()
    }

    async fn api_keys(&self) -> Result<Vec<ApiKeyInfo>, StoreError> {
        let rows = query("SELECT * FROM api_keys ORDER BY created_at")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(key_from).collect()
    }

    async fn revoke_api_key(&self, id_or_prefix: &str, now_ms: u64) -> Result<bool, StoreError> {
        let done = query("UPDATE api_keys SET revoked_at = ? WHERE (id = ? OR prefix = ?) AND revoked_at IS NULL")
            .bind(to_i64(now_ms))
            .bind(id_or_prefix)
            .bind(id_or_prefix)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn seed_templates(&self, templates: &[Template], now_ms: u64) -> Result<(), StoreError> {
        for template in templates {
            let exists = query("SELECT 1 FROM templates WHERE id = ?")
                .bind(&template.id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
            if exists.is_none() {
                self.create_template(None, template, now_ms).await?;
            }
        }
        Ok(())
    }

    async fn templates(&self, org_id: &str) -> Result<Vec<Template>, StoreError> {
        let rows = query("SELECT * FROM templates WHERE org_id IS NULL OR org_id = ? ORDER BY builtin DESC, created_at, title")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(template_from).collect()
    }

    async fn template(&self, org_id: &str, id: &str) -> Result<Option<Template>, StoreError> {
        let row = query("SELECT * FROM templates WHERE id = ? AND (org_id IS NULL OR org_id = ?)")
            .bind(id)
            .bind(org_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(template_from).transpose()
    }

    async fn create_template(
        &self,
        org_id: Option<&str>,
        t: &Template,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        query("INSERT INTO templates (id, org_id, title, focus_area, question_kinds, questions, question_count, duration_minutes, instructions, builtin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(&t.id)
            .bind(org_id)
            .bind(&t.title)
            .bind(&t.focus_area)
            .bind(serde_json::to_string(&t.question_kinds).map_err(db_error)?)
            .bind(serde_json::to_string(&t.questions).map_err(db_error)?)
            .bind(i64::try_from(t.question_count).unwrap_or(0))
            .bind(i64::from(t.duration_minutes))
            .bind(&t.instructions)
            .bind(i64::from(t.builtin))
            .bind(to_i64(now_ms))
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn create_interview(
        &self,
        i: &Interview,
        event: &InterviewEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        take_credit(&mut tx, &i.org_id).await?;
        query("INSERT INTO interviews (id, org_id, user_id, template_id, status, started_at, completed_at, progress_data, questions, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(&i.id)
            .bind(&i.org_id)
            .bind(&i.user_id)
            .bind(&i.template_id)
            .bind(i.status.as_str())
            .bind(to_i64(i.started_at_ms))
            .bind(i.completed_at_ms.map(to_i64))
            .bind(i.progress_data.to_string())
            .bind(serde_json::to_string(&i.questions).map_err(db_error)?)
            .bind(&i.context)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        append_event(&mut tx, event).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn interview(&self, org_id: &str, id: &str) -> Result<Option<Interview>, StoreError> {
        let row = query("SELECT * FROM interviews WHERE id = ? AND org_id = ?")
            .bind(id)
            .bind(org_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(interview_from).transpose()
    }

    async fn interviews(
        &self,
        org_id: &str,
        filter: &InterviewFilter,
    ) -> Result<Vec<Interview>, StoreError> {
        let rows = query(
            "SELECT * FROM interviews WHERE org_id = ?5 AND (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR instr(?2, ',' || status || ',') > 0) ORDER BY started_at, id LIMIT ?3 OFFSET ?4",
        )
        .bind(&filter.user_id)
        .bind(status_set(&filter.statuses))
        .bind(i64::from(filter.limit))
        .bind(i64::from(filter.skip))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(interview_from).collect()
    }

    async fn update_interview(
        &self,
        i: &Interview,
        event: &InterviewEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let done = query(
            "UPDATE interviews SET status = ?, completed_at = ?, progress_data = ? WHERE id = ? AND org_id = ?",
        )
        .bind(i.status.as_str())
        .bind(i.completed_at_ms.map(to_i64))
        .bind(i.progress_data.to_string())
        .bind(&i.id)
        .bind(&i.org_id)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("interview {}", i.id)));
        }
        append_event(&mut tx, event).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn update_interview_from(
        &self,
        i: &Interview,
        from: crate::interview::Status,
        event: &InterviewEvent,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let done = query(
            "UPDATE interviews SET status = ?, completed_at = ?, progress_data = ?
             WHERE id = ? AND org_id = ? AND status = ?",
        )
        .bind(i.status.as_str())
        .bind(i.completed_at_ms.map(to_i64))
        .bind(i.progress_data.to_string())
        .bind(&i.id)
        .bind(&i.org_id)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        append_event(&mut tx, event).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn delete_interview(
        &self,
        org_id: &str,
        id: &str,
        event: &InterviewEvent,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let done = query("DELETE FROM interviews WHERE id = ? AND org_id = ?")
            .bind(id)
            .bind(org_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        // Its messages go with it: the items of its calls.
        query("DELETE FROM call_items WHERE call_id IN (SELECT call_id FROM calls WHERE interview_id = ? AND org_id = ?)")
            .bind(id)
            .bind(org_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        query("DELETE FROM external_ids WHERE interview_id = ? AND org_id = ?")
            .bind(id)
            .bind(org_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        // Its recordings are marked; the sweeper removes the files, then the rows.
        query("UPDATE recordings SET deleted_at = ? WHERE interview_id = ? AND org_id = ? AND deleted_at IS NULL")
            .bind(to_i64(event.at_ms))
            .bind(id)
            .bind(org_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        // And its result (its answers cascade).
        query("DELETE FROM interview_results WHERE interview_id = ? AND org_id = ?")
            .bind(id)
            .bind(org_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        append_event(&mut tx, event).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }
}
