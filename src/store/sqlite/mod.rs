//! The embedded store: one SQLite file (WAL), schema from `migrations/` embedded in the binary.
//! Row mapping lives here; the trait implementations are in `integrator.rs` and `calls.rs`.

mod calls;
mod external;
mod hiring;
mod integrator;
mod orgs;
mod recordings;
mod results;
#[cfg(test)]
mod tests;
mod webhooks;

use std::path::Path;
use std::str::FromStr;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};

use super::{ApiKeyInfo, Store, StoreError, User};
use crate::interview::{Interview, Status, Template};

/// What can go wrong below the store, as a [`StoreError`].
trait Failure: std::fmt::Display {
    fn into_store_error(self) -> StoreError
    where
        Self: Sized,
    {
        StoreError::Backend(self.to_string())
    }
}

impl Failure for sqlx::Error {
    fn into_store_error(self) -> StoreError {
        match &self {
            sqlx::Error::RowNotFound => StoreError::NotFound(self.to_string()),
            sqlx::Error::Database(e) if e.is_unique_violation() => {
                StoreError::Conflict(e.message().to_owned())
            }
            _ => StoreError::Backend(self.to_string()),
        }
    }
}
impl Failure for sqlx::migrate::MigrateError {}
impl Failure for serde_json::Error {}

fn db_error(error: impl Failure) -> StoreError {
    error.into_store_error()
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
}

#[async_trait]
impl Store for SqliteStore {
    async fn close(&self) {
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
        org_id: row.try_get("org_id").map_err(db_error)?,
        user_id: row.try_get("user_id").map_err(db_error)?,
        template_id: row.try_get("template_id").map_err(db_error)?,
        status: Status::parse(&status)
            .ok_or_else(|| StoreError::Backend(format!("unknown status {status}")))?,
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

fn user_from(row: &SqliteRow) -> User {
    User {
        id: row.get("id"),
        org_id: row.get("org_id"),
        email: row.get("email"),
    }
}

fn key_from(row: &SqliteRow) -> Result<ApiKeyInfo, StoreError> {
    Ok(ApiKeyInfo {
        id: row.try_get("id").map_err(db_error)?,
        org_id: row.try_get("org_id").map_err(db_error)?,
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
