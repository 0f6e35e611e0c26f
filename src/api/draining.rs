//! Liveness and readiness (`/livez`, `/readyz`), and the layer that refuses new calls and new
//! interviews with 503 `draining` while the server drains (see [`crate::drain`]). Everything
//! else (status, results, ending a session, hanging up) goes on being served.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::AppState;

/// What a refused client is told to wait before trying again (another node, or this one
/// restarted), seconds.
pub(super) const RETRY_AFTER_S: u32 = 30;

/// The routes that start something new: refused while draining. `(method, route template)`;
/// a template ending in `*` covers everything under it.
const NEW_WORK: &[(Method, &str)] = &[
    (Method::POST, "/v1/realtime/calls"),
    (Method::POST, "/v1/realtime/client_secrets"),
    (Method::POST, "/api/demo/client_secret"),
    (Method::POST, "/api/v1/interviews"),
    (Method::POST, "/api/v1/interviews/"),
    (
        Method::POST,
        "/api/v1/interviews/{interview_id}/credentials",
    ),
    (
        Method::GET,
        "/api/v1/interviews/{interview_id}/questions/{question_number}/token",
    ),
    (Method::POST, "/v1/partners/mock-interviews"),
    (Method::POST, "/v1/partners/mock-interviews/"),
    (Method::POST, "/api/tezhire/interview-sessions"),
    (Method::POST, "/api/v1/openhire/sessions"),
    (Method::GET, "/ws/*"),
    (Method::GET, "/interview/*"),
];

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
}

/// `GET /livez`: the process answers.
async fn livez() -> Json<serde_json::Value> {
    Json(json!({ "status": "alive" }))
}

/// `GET /readyz`: 200 while it takes new calls, 503 `draining` once it drains.
async fn readyz(State(state): State<AppState>) -> Response {
    let calls = state.calls.len();
    if state.drain.is_draining() {
        let body = json!({ "status": "draining", "calls": calls });
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    let body = json!({ "status": "ready", "calls": calls, "max_calls": state.config.max_calls });
    Json(body).into_response()
}

/// Whether `method route` starts new work.
fn is_new_work(method: &Method, route: &str) -> bool {
    NEW_WORK.iter().any(|(m, template)| {
        m == method
            && match template.strip_suffix('*') {
                Some(prefix) => route.starts_with(prefix),
                None => route == *template,
            }
    })
}

/// The layer: while draining, new work gets 503 `draining` with `Retry-After`, in its API's
/// error shape.
pub(super) async fn refuse_new_work(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !state.drain.is_draining() {
        return next.run(request).await;
    }
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_default();
    if !is_new_work(request.method(), &route) {
        return next.run(request).await;
    }
    refused(&route)
}

fn refused(route: &str) -> Response {
    let message = "The server is draining for a restart and takes no new calls or interviews; \
                   try again shortly.";
    super::error::unavailable_for(route, "draining", message, RETRY_AFTER_S)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_work_is_told_apart_from_the_rest() {
        assert!(is_new_work(&Method::POST, "/v1/realtime/calls"));
        assert!(is_new_work(
            &Method::POST,
            "/api/tezhire/interview-sessions"
        ));
        assert!(is_new_work(&Method::GET, "/ws/interview/{session_id}"));
        assert!(!is_new_work(&Method::GET, "/api/v1/interviews/"));
        assert!(!is_new_work(
            &Method::POST,
            "/api/tezhire/interview-sessions/{session_id}/end"
        ));
        assert!(!is_new_work(
            &Method::POST,
            "/v1/realtime/calls/{call_id}/hangup"
        ));
    }
}
