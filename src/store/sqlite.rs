//! The embedded store: one SQLite file (WAL), schema from `migrations/` embedded in the binary.

use std::path::Path;
use std::str::FromStr;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, query};

use super::{
    ApiKeyInfo, CallRecord, CallStore, IntegratorStore, InterviewFilter, Role, StoreError,
    TranscriptItem, User,
};
use crate::ids::{new_id, random_bytes};
use crate::interview::{Interview, Status, Template};

fn db_error(error: impl std::fmt::Display) -> StoreError {
    StoreError(error.to_string())
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// SHA-256 of an API key: keys are long random strings, so a fast hash is the right one
/// (as for GitHub tokens); only the hash is stored.
fn key_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(db_error)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(db_error)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(db_error)?;
        Ok(Self { pool })
    }

    /// Closes the connections (waits for them to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

fn template_from(row: &SqliteRow) -> Result<Template, StoreError> {
    let questions = json_list(row.try_get("questions").map_err(db_error)?);
    Ok(Template {
        id: row.try_get("id").map_err(db_error)?,
        title: row.try_get("title").map_err(db_error)?,
        focus_area: row.try_get("focus_area").map_err(db_error)?,
        question_count: usize::try_from(row.try_get::<i64, _>("question_count").map_err(db_error)?)
            .unwrap_or(0),
        question_kinds: json_list(row.try_get("question_kinds").map_err(db_error)?),
        duration_minutes: u32::try_from(
            row.try_get::<i64, _>("duration_minutes")
                .map_err(db_error)?,
        )
        .unwrap_or(0),
        instructions: row.try_get("instructions").map_err(db_error)?,
        questions,
        builtin: row.try_get::<i64, _>("builtin").map_err(db_error)? != 0,
    })
}

fn interview_from(row: &SqliteRow) -> Result<Interview, StoreError> {
    let status: String = row.try_get("status").map_err(db_error)?;
    let progress: String = row.try_get("progress_data").map_err(db_error)?;
    Ok(Interview {
        id: row.try_get("id").map_err(db_error)?,
        user_id: row.try_get("user_id").map_err(db_error)?,
        template_id: row.try_get("template_id").map_err(db_error)?,
        status: Status::parse(&status)
            .ok_or_else(|| StoreError(format!("unknown status {status}")))?,
        started_at_ms: to_u64(row.try_get("started_at").map_err(db_error)?),
        completed_at_ms: row
            .try_get::<Option<i64>, _>("completed_at")
            .map_err(db_error)?
            .map(to_u64),
        progress_data: serde_json::from_str(&progress).map_err(db_error)?,
        questions: json_list(row.try_get("questions").map_err(db_error)?),
        context: row.try_get("context").map_err(db_error)?,
    })
}

fn key_from(row: &SqliteRow) -> Result<ApiKeyInfo, StoreError> {
    Ok(ApiKeyInfo {
        id: row.try_get("id").map_err(db_error)?,
        name: row.try_get("name").map_err(db_error)?,
        prefix: row.try_get("prefix").map_err(db_error)?,
        admin: row.try_get::<i64, _>("admin").map_err(db_error)? != 0,
        created_at_ms: to_u64(row.try_get("created_at").map_err(db_error)?),
        revoked_at_ms: row
            .try_get::<Option<i64>, _>("revoked_at")
            .map_err(db_error)?
            .map(to_u64),
    })
}

#[async_trait]
impl IntegratorStore for SqliteStore {
    async fn user_for_email(&self, email: &str, now_ms: u64) -> Result<User, StoreError> {
        let email = email.trim().to_ascii_lowercase();
        query("INSERT INTO users (id, email, created_at) VALUES (?, ?, ?) ON CONFLICT(email) DO NOTHING")
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(&email)
            .bind(to_i64(now_ms))
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        let row = query("SELECT id, email FROM users WHERE email = ?")
            .bind(&email)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(User {
            id: row.get("id"),
            email: row.get("email"),
        })
    }

    async fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        let row = query("SELECT id, email FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.map(|row| User {
            id: row.get("id"),
            email: row.get("email"),
        }))
    }

    async fn create_api_key(
        &self,
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
            name: name.to_owned(),
            prefix: secret.chars().take(10).collect(),
            admin,
            created_at_ms: now_ms,
            revoked_at_ms: None,
        };
        query("INSERT INTO api_keys (id, name, prefix, hash, admin, created_at) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(&info.id)
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
                self.create_template(template, now_ms).await?;
            }
        }
        Ok(())
    }

    async fn templates(&self) -> Result<Vec<Template>, StoreError> {
        let rows = query("SELECT * FROM templates ORDER BY builtin DESC, created_at, title")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(template_from).collect()
    }

    async fn template(&self, id: &str) -> Result<Option<Template>, StoreError> {
        let row = query("SELECT * FROM templates WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(template_from).transpose()
    }

    async fn create_template(&self, t: &Template, now_ms: u64) -> Result<(), StoreError> {
        query("INSERT INTO templates (id, title, focus_area, question_kinds, questions, question_count, duration_minutes, instructions, builtin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(&t.id)
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

    async fn create_interview(&self, i: &Interview) -> Result<(), StoreError> {
        query("INSERT INTO interviews (id, user_id, template_id, status, started_at, completed_at, progress_data, questions, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(&i.id)
            .bind(&i.user_id)
            .bind(&i.template_id)
            .bind(i.status.as_str())
            .bind(to_i64(i.started_at_ms))
            .bind(i.completed_at_ms.map(to_i64))
            .bind(i.progress_data.to_string())
            .bind(serde_json::to_string(&i.questions).map_err(db_error)?)
            .bind(&i.context)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn interview(&self, id: &str) -> Result<Option<Interview>, StoreError> {
        let row = query("SELECT * FROM interviews WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(interview_from).transpose()
    }

    async fn interviews(&self, filter: &InterviewFilter) -> Result<Vec<Interview>, StoreError> {
        let rows = query(
            "SELECT * FROM interviews WHERE (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR status = ?2) ORDER BY started_at, id LIMIT ?3 OFFSET ?4",
        )
        .bind(&filter.user_id)
        .bind(filter.status.map(Status::as_str))
        .bind(i64::from(filter.limit))
        .bind(i64::from(filter.skip))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(interview_from).collect()
    }

    async fn update_interview(&self, i: &Interview) -> Result<(), StoreError> {
        query("UPDATE interviews SET status = ?, completed_at = ?, progress_data = ? WHERE id = ?")
            .bind(i.status.as_str())
            .bind(i.completed_at_ms.map(to_i64))
            .bind(i.progress_data.to_string())
            .bind(&i.id)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn delete_interview(&self, id: &str) -> Result<bool, StoreError> {
        let done = query("DELETE FROM interviews WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected() > 0)
    }
}

#[async_trait]
impl CallStore for SqliteStore {
    async fn call_started(
        &self,
        call_id: &str,
        secret_id: &str,
        interview_id: Option<&str>,
        at_ms: u64,
    ) -> Result<(), StoreError> {
        query(
            "INSERT INTO calls (call_id, secret_id, interview_id, started_at) VALUES (?, ?, ?, ?)",
        )
        .bind(call_id)
        .bind(secret_id)
        .bind(interview_id)
        .bind(to_i64(at_ms))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn call_ended(&self, call_id: &str, reason: &str, at_ms: u64) -> Result<(), StoreError> {
        query("UPDATE calls SET ended_at = ?, end_reason = ? WHERE call_id = ?")
            .bind(to_i64(at_ms))
            .bind(reason)
            .bind(call_id)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn upsert_item(&self, call_id: &str, item: TranscriptItem) -> Result<(), StoreError> {
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
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn call(&self, call_id: &str) -> Result<Option<CallRecord>, StoreError> {
        let Some(row) = query("SELECT * FROM calls WHERE call_id = ?")
            .bind(call_id)
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
        let items = items
            .iter()
            .map(|r| TranscriptItem {
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
            })
            .collect();
        Ok(Some(CallRecord {
            call_id: row.get("call_id"),
            secret_id: row.get("secret_id"),
            interview_id: row.get("interview_id"),
            started_at_ms: to_u64(row.get("started_at")),
            ended_at_ms: row.get::<Option<i64>, _>("ended_at").map(to_u64),
            end_reason: row.get("end_reason"),
            items,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interview::builtin_templates;

    async fn store() -> (SqliteStore, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!("viva-store-{}.db", new_id("")));
        (SqliteStore::open(&path).await.unwrap(), path)
    }

    #[tokio::test]
    async fn keys_are_found_by_secret_until_revoked() {
        let (store, _) = store().await;
        let (info, secret) = store.create_api_key("ci", false, 1).await.unwrap();
        assert!(secret.starts_with("sk_"));
        assert_eq!(
            store.api_key_for_secret(&secret).await.unwrap(),
            Some(info.clone())
        );
        assert_eq!(store.api_key_for_secret("sk_other").await.unwrap(), None);
        assert!(store.revoke_api_key(&info.prefix, 2).await.unwrap());
        assert_eq!(store.api_key_for_secret(&secret).await.unwrap(), None);
        assert!(
            !store.revoke_api_key(&info.id, 3).await.unwrap(),
            "already revoked"
        );
    }

    #[tokio::test]
    async fn interviews_persist_across_reopening() {
        let (store, path) = store().await;
        store.seed_templates(&builtin_templates(), 1).await.unwrap();
        store.seed_templates(&builtin_templates(), 2).await.unwrap();
        assert_eq!(
            store.templates().await.unwrap().len(),
            builtin_templates().len()
        );
        let user = store.user_for_email("Ada@Example.com", 1).await.unwrap();
        assert_eq!(
            store.user_for_email("ada@example.com", 2).await.unwrap(),
            user
        );
        let template = &builtin_templates()[0];
        let interview = Interview {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: user.id.clone(),
            template_id: template.id.clone(),
            status: Status::InProgress,
            started_at_ms: 5,
            completed_at_ms: None,
            progress_data: Interview::initial_progress(),
            questions: template.plan(),
            context: None,
        };
        store.create_interview(&interview).await.unwrap();
        store.close().await;
        let reopened = SqliteStore::open(&path).await.unwrap();
        assert_eq!(
            reopened.interview(&interview.id).await.unwrap(),
            Some(interview.clone())
        );
        let filter = InterviewFilter {
            user_id: Some(user.id.clone()),
            status: Some(Status::InProgress),
            skip: 0,
            limit: 10,
        };
        assert_eq!(reopened.interviews(&filter).await.unwrap().len(), 1);
        let filter = InterviewFilter {
            status: Some(Status::Completed),
            limit: 10,
            ..Default::default()
        };
        assert!(reopened.interviews(&filter).await.unwrap().is_empty());
        assert!(reopened.delete_interview(&interview.id).await.unwrap());
        assert!(!reopened.delete_interview(&interview.id).await.unwrap());
    }

    #[tokio::test]
    async fn call_items_keep_their_order_and_merge_updates() {
        let (store, _) = store().await;
        store.call_started("rtc_1", "cs_1", None, 1).await.unwrap();
        let item = |id: &str, text: Option<&str>, audio| TranscriptItem {
            item_id: id.into(),
            role: Role::User,
            text: text.map(str::to_owned),
            audio_ms: audio,
            truncated_at_ms: None,
            at_ms: 2,
        };
        store
            .upsert_item("rtc_1", item("a", None, Some(900)))
            .await
            .unwrap();
        store
            .upsert_item("rtc_1", item("b", Some("hi"), None))
            .await
            .unwrap();
        store
            .upsert_item("rtc_1", item("a", Some("hello"), None))
            .await
            .unwrap();
        let call = store.call("rtc_1").await.unwrap().unwrap();
        let texts: Vec<_> = call
            .items
            .iter()
            .map(|i| (i.item_id.as_str(), i.text.as_deref(), i.audio_ms))
            .collect();
        assert_eq!(
            texts,
            vec![("a", Some("hello"), Some(900)), ("b", Some("hi"), None)]
        );
    }
}
