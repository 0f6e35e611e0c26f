//! The HTTP API: axum routers, one file per resource, one error type that renders JSON.

mod error;
mod metrics;
mod realtime;
mod web;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::routing::get;
use serde_json::json;

pub use error::ApiError;

use crate::audio::OutboundConfig;
use crate::config::ServeConfig;
use crate::credentials::SecretKey;
use crate::peer::PeerSettings;
use crate::session::CallRegistry;
use crate::store::CallStore;
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
    /// Live calls.
    pub calls: Arc<CallRegistry>,
    /// The realtime model.
    pub upstream: Arc<dyn Upstream>,
    /// Transcripts and call records.
    pub store: Arc<dyn CallStore>,
    /// Media sockets.
    pub peer: PeerSettings,
    /// The interviewer voice's encoder settings.
    pub outbound: OutboundConfig,
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
        .merge(realtime::router())
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
    /// Checks the server API key.
    pub(crate) fn require_server_key(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        match bearer(headers) {
            None => Err(ApiError::unauthorized(
                "missing_api_key",
                "Send the server API key as `Authorization: Bearer <key>`.",
            )),
            Some(key) if same_secret(key, &self.api_key) => Ok(()),
            Some(_) => Err(ApiError::unauthorized(
                "invalid_api_key",
                "Incorrect API key provided.",
            )),
        }
    }
}
