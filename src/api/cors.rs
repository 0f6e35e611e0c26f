//! CORS for the browser-facing realtime endpoints: a page on the integrator's own site (another
//! origin than Viva's) opens a call with an `ek_…` client secret exactly as it would with
//! OpenAI. Only the routes a page uses with a client secret get CORS; the server-key routes
//! (`/v1/realtime/client_secrets`, `GET /v1/realtime/calls/{id}`, the interview API) answer
//! preflights with no CORS headers, so browsers never let a page call them. And an API key
//! sent from a page (a request with an `Origin` header) is refused even where CORS is on.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::ApiError;
use crate::config::CorsOrigins;

/// The header openai-agents-js sends with its SDP offer (`X-OpenAI-Agents-SDK`).
const AGENTS_SDK_HEADER: HeaderName = HeaderName::from_static("x-openai-agents-sdk");

/// How long a browser may cache a preflight's answer.
const MAX_AGE: Duration = Duration::from_secs(600);

/// The CORS layer of the browser-facing routes, for `origins`.
pub(super) fn layer(origins: &CorsOrigins) -> CorsLayer {
    let allow_origin = match origins {
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(
            list.iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        ),
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            AGENTS_SDK_HEADER,
        ])
        .expose_headers([header::LOCATION])
        .max_age(MAX_AGE)
}

/// Refuses an integrator's API key sent from a browser page: a request with an `Origin` header.
/// Call it where a bearer token turned out to be an API key on a browser-facing route.
pub(super) fn refuse_api_key_from_browser(headers: &HeaderMap) -> Result<(), ApiError> {
    if headers.contains_key(header::ORIGIN) {
        return Err(ApiError::forbidden(
            "api_key_in_browser",
            "An API key must never be used from a browser page; mint an ek_… client secret \
             on your server (POST /v1/realtime/client_secrets) and give the page that.",
        ));
    }
    Ok(())
}
