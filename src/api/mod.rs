//! The HTTP API: axum routers, one file per resource, one error type that renders JSON.

mod auth;
mod cors;
mod detail;
mod error;
mod interviews;
mod metrics;
mod realtime;
mod secret_auth;
mod templates;
mod web;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::routing::get;
use serde_json::json;

pub use auth::Principal;
pub use detail::DetailError;
pub use error::ApiError;

use crate::config::ServeConfig;
use crate::credentials::{JwtKeys, SecretKey, TurnCredentials, TurnSecrets, TurnUrls};
use crate::session::Calls;
use crate::store::Store;
use crate::upstream::Upstream;

/// The largest request body accepted anywhere (SDP offers are 3–8 KB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState(pub Arc<AppContext>);

/// The shared services behind [`AppState`].
pub struct AppContext {
    /// Settings.
    pub config: ServeConfig,
    /// The bootstrap server API key.
    pub api_key: String,
    /// Signs and verifies client secrets.
    pub secrets: SecretKey,
    /// Signs TURN REST credentials (shared with the TURN server).
    pub turn_secrets: TurnSecrets,
    /// Where clients reach TURN: the embedded server or coturn.
    pub turn_urls: TurnUrls,
    /// Live calls: starts them and reaches them.
    pub calls: Calls,
    /// The realtime model.
    pub upstream: Arc<dyn Upstream>,
    /// Signs and verifies users' JWTs.
    pub jwt: JwtKeys,
    /// Everything persisted: keys, users, templates, interviews, calls.
    pub store: Arc<dyn Store>,
}

impl std::ops::Deref for AppState {
    type Target = AppContext;

    fn deref(&self) -> &AppContext {
        &self.0
    }
}

/// The whole API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .merge(realtime::browser_router().layer(cors::layer(&state.config.cors_origins)))
        .merge(realtime::server_router())
        .merge(auth::router())
        .merge(templates::router())
        .merge(interviews::router())
        .merge(metrics::router())
        .merge(web::router())
        .fallback(|| async { ApiError::not_found("not_found", "No such endpoint.") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> axum::Json<serde_json::Value> {
    axum::Json(json!({
        "status": "ok",
        "upstream": state.upstream.name(),
        "model": state.upstream.model(),
        "calls": state.calls.len(),
        "max_calls": state.config.max_calls,
    }))
}

/// The bearer token of a request, if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Constant-time comparison, for keys.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl AppState {
    /// TURN REST credentials for `opaque_id` (an id, never personal data), valid for `ttl`
    /// seconds from now, with the advertised TURN URLs.
    pub fn mint_turn(&self, opaque_id: &str, ttl: u64) -> TurnCredentials {
        let now = crate::clock::unix_secs();
        self.turn_secrets.mint(opaque_id, ttl, now, &self.turn_urls)
    }

    /// Checks for an integrator's API key: the bootstrap key or a stored, unrevoked one.
    pub(crate) async fn require_server_key(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(key) = bearer(headers) else {
            return Err(ApiError::unauthorized(
                "missing_api_key",
                "Send the server API key as `Authorization: Bearer <key>`.",
            ));
        };
        self.is_api_key(key)
            .await?
            .then_some(())
            .ok_or_else(|| ApiError::unauthorized("invalid_api_key", "Incorrect API key provided."))
    }

    /// Whether `token` is an integrator's API key.
    pub(crate) async fn is_api_key(&self, token: &str) -> Result<bool, ApiError> {
        match self.api_key(token).await {
            Ok(found) => Ok(found.is_some()),
            Err(error) => Err(ApiError::internal(error.detail)),
        }
    }
}
