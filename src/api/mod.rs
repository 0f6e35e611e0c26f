//! The HTTP API: axum routers, one file per resource, one error type that renders JSON.

mod auth;
mod compat;
mod cors;
mod detail;
mod draining;
mod error;
mod hiring;
mod interviews;
mod metrics;
mod rate_limit;
mod realtime;
mod recordings;
mod secret_auth;
mod templates;
mod web;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use serde_json::json;
use tower_http::LatencyUnit;
use tower_http::trace::{DefaultOnFailure, DefaultOnRequest, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use auth::Principal;
pub use detail::DetailError;
pub use error::ApiError;
pub(crate) use recordings::recording_url;

use crate::call::Calls;
use crate::config::ServeConfig;
use crate::credentials::{JwtKeys, SecretKey, TurnCredentials, TurnSecrets, TurnUrls};
use crate::store::Store;
use crate::upstream::Upstream;

/// The largest request body accepted anywhere (SDP offers are 3–8 KB). The router's
/// [`DefaultBodyLimit`] layer sets it, and every handler reads its body through an extractor
/// that honours it (JSON, multipart, bytes): a larger body is answered 413, `body_too_large` on
/// the realtime API and `{"detail"}` on the interview API.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

// The body limit must never refuse an SDP offer that the call service accepts.
const _: () = assert!(crate::call::MAX_OFFER_BYTES <= MAX_BODY_BYTES);

/// How long a request may take before it is answered 503 (`request_timeout`, or `{"detail"}`
/// on the interview API) and its handler dropped. The routes of [`UNTIMED`] are exempt.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The routes the request timeout leaves alone. `POST /v1/realtime/calls` negotiates a call:
/// it connects the upstream (bounded at 10 s there), gathers ICE (bounded at 2 s) and records
/// the call, and dropping it part-way would abandon a half-built call. No route streams (no
/// WebSocket, no server-sent events): a call's media and events go over WebRTC.
const UNTIMED: &[(Method, &str)] = &[(Method::POST, "/v1/realtime/calls")];

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
    /// Changes interviews: stored with their events, then published.
    pub interviews: crate::interview::Interviews,
    /// Where recording files are.
    pub recording_files: Arc<dyn crate::recording::RecordingStore>,
    /// Signs and checks recording URLs.
    pub recording_urls: crate::recording::signed_url::UrlSigner,
    /// Whether the server is draining (refusing new calls and interviews).
    pub drain: Arc<crate::drain::Drain>,
}

impl std::ops::Deref for AppState {
    type Target = AppContext;

    fn deref(&self) -> &AppContext {
        &self.0
    }
}

/// The whole API, with its edges as layers: per route, outermost first, a trace span, the body
/// limit ([`MAX_BODY_BYTES`]), CORS on the browser routes, and the request timeout
/// ([`REQUEST_TIMEOUT`]; inside CORS, so that a page can read its 503).
pub fn router(state: AppState) -> Router {
    let browser = realtime::browser_router()
        .layer(middleware::from_fn_with_state(REQUEST_TIMEOUT, time_limit))
        .layer(cors::layer(&state.config.cors_origins));
    Router::new()
        .route("/api/health", get(health))
        .merge(draining::router())
        .merge(realtime::server_router())
        .merge(auth::router())
        .merge(templates::router())
        .merge(interviews::router())
        .merge(hiring::router())
        .merge(compat::router(&state.config))
        .merge(metrics::router())
        .merge(recordings::router())
        .merge(web::router())
        .merge(webhooks::router())
        .fallback(|| async { ApiError::not_found("not_found", "No such endpoint.") })
        .layer(middleware::from_fn_with_state(REQUEST_TIMEOUT, time_limit))
        .merge(browser)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            draining::refuse_new_work,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(
            // One span per request: its method and route template, never the URI (a join link
            // carries a client secret in its query), headers or body. Its end is logged at info
            // with status and latency; 5xx answers again at warn (tune with
            // `VIVA_LOG=tower_http=warn`).
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let route = request.extensions().get::<MatchedPath>();
                    tracing::info_span!(
                        "http",
                        method = %request.method(),
                        route = route.map(MatchedPath::as_str),
                    )
                })
                .on_request(DefaultOnRequest::new().level(Level::DEBUG))
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Millis),
                )
                .on_failure(
                    DefaultOnFailure::new()
                        .level(Level::WARN)
                        .latency_unit(LatencyUnit::Millis),
                ),
        )
        .with_state(state)
}

/// The request timeout, as middleware (state: the limit): a request still unanswered after
/// `limit` gets a 503 in its API's error shape and its handler is dropped, except on the
/// [`UNTIMED`] routes.
async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let untimed = UNTIMED
        .iter()
        .any(|(method, path)| method == request.method() && route.as_deref() == Some(*path));
    if untimed {
        return next.run(request).await;
    }
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => timed_out(route.as_deref().unwrap_or_default(), limit),
    }
}

/// The 503 of a request to `route` that took longer than `limit`, in its API's error shape:
/// `{"detail"}` on the interview API, `{"error": "…"}` on the partner facade, else the realtime
/// API's `{"error": {…}}` with its stable code `request_timeout`.
/// Seconds a client is told to wait after a request timed out.
const TIMEOUT_RETRY_AFTER_S: u32 = 5;

fn timed_out(route: &str, limit: Duration) -> Response {
    let message = format!("The server did not answer within {limit:?}; try again.");
    error::unavailable_for(route, "request_timeout", &message, TIMEOUT_RETRY_AFTER_S)
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

    /// Checks for an integrator's API key (the bootstrap key or a stored, unrevoked one) and
    /// returns its organization.
    pub(crate) async fn require_server_key(&self, headers: &HeaderMap) -> Result<String, ApiError> {
        let Some(key) = bearer(headers) else {
            return Err(ApiError::unauthorized(
                "missing_api_key",
                "Send the server API key as `Authorization: Bearer <key>`.",
            ));
        };
        self.api_key_org(key)
            .await?
            .ok_or_else(|| ApiError::unauthorized("invalid_api_key", "Incorrect API key provided."))
    }

    /// The organization of `token` if it is an integrator's API key.
    pub(crate) async fn api_key_org(&self, token: &str) -> Result<Option<String>, ApiError> {
        match self.api_key(token).await {
            Ok(found) => Ok(found.map(|p| p.org_id().to_owned())),
            Err(error) => Err(ApiError::internal(error.detail)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use axum::middleware::from_fn_with_state;
    use axum::routing::post;
    use serde_json::Value;
    use tower::ServiceExt;

    use super::time_limit;

    const LIMIT: Duration = Duration::from_millis(50);

    /// Routes answering 201 after `delay`, behind a request timeout of [`LIMIT`].
    fn slow_routes(delay: Duration) -> Router {
        let slow = move || async move {
            tokio::time::sleep(delay).await;
            StatusCode::CREATED
        };
        Router::new()
            .route("/v1/realtime/calls", post(slow))
            .route("/v1/realtime/client_secrets", post(slow))
            .route("/api/v1/interviews/", post(slow))
            .route("/v1/partners/mock-interviews/", post(slow))
            .layer(from_fn_with_state(LIMIT, time_limit))
    }

    async fn post_to(router: Router, path: &str) -> (StatusCode, Option<String>, Value) {
        let request = Request::post(path).body(Body::empty()).unwrap();
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            retry_after,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    #[tokio::test]
    async fn a_slow_request_gets_a_503_in_its_apis_error_shape() {
        let started = Instant::now();
        let (status, retry_after, body) = post_to(
            slow_routes(Duration::from_secs(10)),
            "/v1/realtime/client_secrets",
        )
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"]["code"], "request_timeout");
        assert_eq!(body["error"]["type"], "server_error");
        assert_eq!(retry_after.as_deref(), Some("5"));
        assert!(started.elapsed() < Duration::from_secs(5));

        let (status, _, body) =
            post_to(slow_routes(Duration::from_secs(10)), "/api/v1/interviews/").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(body["detail"].is_string(), "{body}");
        assert!(body.get("error").is_none(), "{body}");

        let (status, _, body) = post_to(
            slow_routes(Duration::from_secs(10)),
            "/v1/partners/mock-interviews/",
        )
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(body["error"].is_string(), "{body}");
    }

    #[tokio::test]
    async fn a_quick_request_is_untouched() {
        let (status, _, _) =
            post_to(slow_routes(Duration::ZERO), "/v1/realtime/client_secrets").await;
        assert_eq!(status, StatusCode::CREATED);
    }

    #[tokio::test]
    async fn starting_a_call_is_never_timed_out() {
        let (status, _, body) = post_to(slow_routes(LIMIT * 4), "/v1/realtime/calls").await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}
