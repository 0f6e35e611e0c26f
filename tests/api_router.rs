//! The app router in-process, through `tower::ServiceExt::oneshot`: no socket, the real router
//! (`viva::api::router`) over a state with a temporary SQLite file. The edges: the health
//! route, the JSON 404, authentication failures with their stable codes, the body limit (413
//! `body_too_large`, also for streamed bodies and with CORS headers on a browser route), and
//! CORS preflights. The timeout's answers are tested next to the layer (`src/api/mod.rs`).

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;
use viva::api::MAX_BODY_BYTES;

const SERVER_KEY: &str = "sk_test_bootstrap";
const PAGE: &str = "http://127.0.0.1:9";
const OPUS_OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n";

/// The app's router over a fresh data directory.
async fn app() -> Router {
    let config = common::test_config();
    let state = viva::server::build_state(config).await.expect("state");
    viva::api::router(state)
}

/// A request with `token` as the bearer token if given.
fn request(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: impl Into<Body>,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder.body(body.into()).unwrap()
}

/// Sends `request` through a clone of `app`: status, headers, body as JSON (`null` if not).
async fn send(app: &Router, request: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// The stable code of a realtime-API error body.
fn code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error body: {body}"))
}

fn with_content_type(mut request: Request<Body>, content_type: &str) -> Request<Body> {
    request
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type.parse().unwrap());
    request
}

/// A client secret minted through the router with the server key.
async fn mint_secret(app: &Router) -> String {
    let request = with_content_type(
        request(
            Method::POST,
            "/v1/realtime/client_secrets",
            Some(SERVER_KEY),
            "{}",
        ),
        "application/json",
    );
    let (status, _, body) = send(app, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["value"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn health_reports_the_upstream_and_the_calls() {
    let app = app().await;
    let (status, headers, body) = send(
        &app,
        request(Method::GET, "/api/health", None, Body::empty()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["upstream"], "local");
    assert_eq!(body["calls"], 0);
    assert_eq!(body["max_calls"], 50);
}

#[tokio::test]
async fn unknown_routes_get_a_json_404() {
    let app = app().await;
    for (method, path) in [
        (Method::GET, "/v1/nothing"),
        (Method::POST, "/api/nothing/here"),
    ] {
        let (status, _, body) = send(&app, request(method, path, None, Body::empty())).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            body,
            json!({"error": {"type": "invalid_request_error", "code": "not_found", "message": "No such endpoint.", "param": null}}),
            "{path}"
        );
    }
}

#[tokio::test]
async fn missing_and_forged_credentials_get_401_with_stable_codes() {
    let app = app().await;
    let cases = [
        (
            Method::POST,
            "/v1/realtime/client_secrets",
            None,
            "missing_api_key",
        ),
        (
            Method::POST,
            "/v1/realtime/client_secrets",
            Some("sk_forged"),
            "invalid_api_key",
        ),
        (
            Method::GET,
            "/v1/realtime/calls/rtc_x",
            None,
            "missing_api_key",
        ),
        (
            Method::GET,
            "/v1/realtime/calls/rtc_x",
            Some("sk_forged"),
            "invalid_api_key",
        ),
        (
            Method::GET,
            "/v1/realtime/ice_servers",
            None,
            "missing_authorization",
        ),
        (
            Method::GET,
            "/v1/realtime/ice_servers",
            Some("ek_forged.sig"),
            "invalid_client_secret",
        ),
    ];
    for (method, path, token, expected) in cases {
        let (status, _, body) = send(&app, request(method, path, token, "{}")).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNAUTHORIZED, expected),
            "{path} {token:?}"
        );
        assert_eq!(body["error"]["type"], "authentication_error");
    }
    for (token, expected) in [
        (None, "missing_authorization"),
        (Some("ek_forged.sig"), "invalid_client_secret"),
    ] {
        let call = with_content_type(
            request(Method::POST, "/v1/realtime/calls", token, OPUS_OFFER),
            "application/sdp",
        );
        let (status, _, body) = send(&app, call).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNAUTHORIZED, expected),
            "{token:?}"
        );
    }
    // The interview API answers in its own shape, `{"detail"}`, with `WWW-Authenticate`.
    for (token, expected) in [
        (None, "Not authenticated"),
        (Some("forged.jwt.token"), "Could not validate credentials"),
    ] {
        let (status, headers, body) = send(
            &app,
            request(Method::GET, "/api/v1/interviews/", token, Body::empty()),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(body, json!({"detail": expected, "code": "unauthorized"}));
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    }
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_body_too_large() {
    let app = app().await;
    let secrets = "/v1/realtime/client_secrets";
    // A blank body is an empty request: exactly at the limit it is read and accepted.
    let at_limit = with_content_type(
        request(
            Method::POST,
            secrets,
            Some(SERVER_KEY),
            vec![b' '; MAX_BODY_BYTES],
        ),
        "application/json",
    );
    let (status, _, body) = send(&app, at_limit).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let over = with_content_type(
        request(
            Method::POST,
            secrets,
            Some(SERVER_KEY),
            vec![b' '; MAX_BODY_BYTES + 1],
        ),
        "application/json",
    );
    let (status, _, body) = send(&app, over).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&MAX_BODY_BYTES.to_string())
    );

    // Streamed, with no Content-Length: refused once the limit is passed.
    let chunks = (0..=MAX_BODY_BYTES / 1024)
        .map(|_| Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b' '; 1024])));
    let streamed = with_content_type(
        request(
            Method::POST,
            secrets,
            Some(SERVER_KEY),
            Body::from_stream(futures_util::stream::iter(chunks)),
        ),
        "application/json",
    );
    assert!(streamed.headers().get(header::CONTENT_LENGTH).is_none());
    let (status, _, body) = send(&app, streamed).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );

    // Credentials are checked before a body is read.
    let anonymous = with_content_type(
        request(Method::POST, secrets, None, vec![b' '; MAX_BODY_BYTES + 1]),
        "application/json",
    );
    let (status, _, body) = send(&app, anonymous).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "missing_api_key")
    );

    // An SDP offer from a page: the 413 carries CORS headers, so the page can read it.
    let secret = mint_secret(&app).await;
    let mut offer = with_content_type(
        request(
            Method::POST,
            "/v1/realtime/calls",
            Some(&secret),
            format!("{OPUS_OFFER}{}", "a=x\r\n".repeat(MAX_BODY_BYTES / 5)),
        ),
        "application/sdp",
    );
    offer
        .headers_mut()
        .insert(header::ORIGIN, PAGE.parse().unwrap());
    let (status, headers, body) = send(&app, offer).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");

    // A multipart offer too.
    let multipart = with_content_type(
        request(
            Method::POST,
            "/v1/realtime/calls",
            Some(SERVER_KEY),
            format!(
                "--x\r\nContent-Disposition: form-data; name=\"sdp\"\r\n\r\n{OPUS_OFFER}{}\r\n--x--\r\n",
                "a=x\r\n".repeat(MAX_BODY_BYTES / 5)
            ),
        ),
        "multipart/form-data; boundary=x",
    );
    let (status, _, body) = send(&app, multipart).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );

    // The interview API: 413 in its own shape.
    let big = json!({"template_id": "x", "email": "a@example.com", "context": "x".repeat(MAX_BODY_BYTES)});
    let interview = with_content_type(
        request(
            Method::POST,
            "/api/v1/interviews/",
            Some(SERVER_KEY),
            big.to_string(),
        ),
        "application/json",
    );
    let (status, _, body) = send(&app, interview).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body["detail"].is_string(), "{body}");
}

#[tokio::test]
async fn preflights_pass_on_browser_routes_only() {
    let app = app().await;
    let preflight = |path: &str, method: &str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri(path)
            .header(header::ORIGIN, PAGE)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, method)
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,content-type",
            )
            .body(Body::empty())
            .unwrap()
    };
    for (path, method) in [
        ("/v1/realtime/calls", "POST"),
        ("/v1/realtime/ice_servers", "GET"),
    ] {
        let (status, headers, _) = send(&app, preflight(path, method)).await;
        assert!(status.is_success(), "{path}: {status}");
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*", "{path}");
    }
    let (_, headers, _) = send(&app, preflight("/v1/realtime/client_secrets", "POST")).await;
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

#[tokio::test]
async fn pages_and_their_scripts_carry_security_headers() {
    let app = app().await;
    for path in [
        "/",
        "/join",
        "/assets/app.js",
        "/assets/style.css",
        "/interview_test.html",
    ] {
        let (status, headers, _) =
            send(&app, request(Method::GET, path, None, Body::empty())).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer", "{path}");
    }
}
