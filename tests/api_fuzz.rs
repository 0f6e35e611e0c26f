//! Hostile bodies on every route that takes one, through the real router in-process: random
//! JSON (and JSON shaped like each route's own, with fields of the wrong type), bytes that
//! are not JSON or not UTF-8, and mangled SDP offers. Properties: never a 5xx for the
//! client's fault, and every refusal is JSON carrying a stable error code.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use tower::ServiceExt;

const KEY: &str = "sk_test_bootstrap";

/// Field names the routes read, so that generated objects reach past "not an object".
const FIELDS: [&str; 30] = [
    "template_id",
    "email",
    "focus_area",
    "topic",
    "difficulty_level",
    "number_of_questions",
    "title",
    "questions",
    "context",
    "status",
    "url",
    "events",
    "secret",
    "name",
    "job_id",
    "candidate_id",
    "session",
    "expires_after",
    "model",
    "candidateEmail",
    "candidateName",
    "jobTitle",
    "callbackUrl",
    "resume_text",
    "skills",
    "industry",
    "application_id",
    "interview_id",
    "refresh_token",
    "voice",
];

/// A JSON value of any shape, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(&FIELDS[..]), inner), 0..8).prop_map(
                |pairs| {
                    Value::Object(
                        pairs
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect::<Map<_, _>>(),
                    )
                }
            ),
        ]
    })
}

/// A request body: JSON of any shape, or bytes that may not even be text.
fn any_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => any_json().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        1 => ".{0,80}".prop_map(String::into_bytes),
    ]
}

/// An SDP offer mangled: lines of a real one dropped, repeated, swapped for junk.
fn mangled_sdp() -> impl Strategy<Value = String> {
    const LINES: [&str; 12] = [
        "v=0",
        "o=- 1 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "c=IN IP4 0.0.0.0",
        "a=rtpmap:111 opus/48000/2",
        "a=ice-ufrag:abcd",
        "a=ice-pwd:abcdefghijklmnopqrstuvwx",
        "a=fingerprint:sha-256 00:11",
        "a=setup:actpass",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
    ];
    let line = prop_oneof![
        4 => prop::sample::select(&LINES[..]).prop_map(str::to_owned),
        1 => "[a-z]=.{0,30}",
        1 => ".{0,30}",
    ];
    prop::collection::vec(line, 0..16).prop_map(|lines| lines.join("\r\n"))
}

/// Whether a refusal carries a stable code (`code`, `error_code` or `error.code`, as each
/// API shapes its errors).
fn has_code(body: &Value) -> bool {
    let code = |v: &Value| v.as_str().is_some_and(|c| !c.trim().is_empty());
    // The sessions facade (seed 002) puts its code in `error` itself: `unauthorized`, …
    let code_word = |v: &Value| {
        v.as_str().is_some_and(|c| {
            !c.is_empty() && c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')
        })
    };
    code(&body["code"])
        || code(&body["error_code"])
        || code(&body["error"]["code"])
        || code_word(&body["error"])
}

struct Api {
    app: Router,
    rt: tokio::runtime::Runtime,
    /// Routes that take a JSON body, with ids of real resources in their paths.
    routes: Vec<(Method, String)>,
}

impl Api {
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (app, routes) = rt.block_on(async {
            let mut config = common::test_config();
            config.rate_limit_per_minute = 0; // every case reaches the handler
            let state = viva::server::build_state(config).await.expect("state");
            let app = viva::api::router(state);
            let api = |method, path: &str, body: Value| {
                let app = app.clone();
                let path = path.to_owned();
                async move {
                    send(
                        &app,
                        method,
                        &path,
                        body.to_string().into_bytes(),
                        "application/json",
                    )
                    .await
                }
            };
            let (_, templates) = api(Method::GET, "/api/v1/templates", Value::Null).await;
            let body = json!({"template_id": templates[0]["id"], "email": "fuzz@example.com"});
            let (status, interview) = api(Method::POST, "/api/v1/interviews/", body).await;
            assert_eq!(status, StatusCode::CREATED, "{interview}");
            let interview = interview["id"].as_str().unwrap().to_owned();
            let (status, job) = api(
                Method::POST,
                "/api/v1/jobs",
                json!({"title": "Fuzzer", "company": "Viva"}),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{job}");
            let job = job["id"].as_str().unwrap().to_owned();
            let routes = [
                (Method::POST, "/v1/realtime/client_secrets".to_owned()),
                (Method::POST, "/api/v1/interviews/".to_owned()),
                (Method::PATCH, format!("/api/v1/interviews/{interview}")),
                (
                    Method::POST,
                    format!("/api/v1/interviews/{interview}/credentials"),
                ),
                (Method::POST, "/api/v1/templates/".to_owned()),
                (Method::POST, "/api/v1/auth/token".to_owned()),
                (Method::POST, "/api/v1/auth/refresh".to_owned()),
                (Method::POST, "/api/v1/webhooks/".to_owned()),
                (Method::POST, "/api/v1/jobs/".to_owned()),
                (Method::PATCH, format!("/api/v1/jobs/{job}")),
                (Method::POST, "/api/v1/candidates/".to_owned()),
                (Method::POST, "/api/v1/applications/".to_owned()),
                (Method::POST, "/v1/partners/mock-interviews/".to_owned()),
                (Method::POST, "/api/tezhire/interview-sessions".to_owned()),
                (Method::POST, "/api/tezhire/webhooks".to_owned()),
                (Method::POST, "/api/v1/openhire/sessions".to_owned()),
                (Method::POST, "/api/v1/aiinterview/sessions".to_owned()),
            ];
            (app, routes.to_vec())
        });
        Self { app, rt, routes }
    }

    fn send(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> (StatusCode, Value) {
        self.rt
            .block_on(send(&self.app, method, path, body, content_type))
    }
}

/// One request with the server key (as bearer and `X-API-Key`): status and body as JSON
/// (`null` if not JSON).
async fn send(
    app: &Router,
    method: Method,
    path: &str,
    body: Vec<u8>,
    content_type: &str,
) -> (StatusCode, Value) {
    send_as(app, KEY, method, path, body, content_type).await
}

/// [`send`] with `token` as the bearer.
async fn send_as(
    app: &Router,
    token: &str,
    method: Method,
    path: &str,
    body: Vec<u8>,
    content_type: &str,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("x-api-key", KEY)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn check(route: &str, status: StatusCode, body: &Value) -> Result<(), TestCaseError> {
    prop_assert!(
        !status.is_server_error(),
        "{route} answered {status} to a client's fault: {body}"
    );
    if status.is_client_error() {
        prop_assert!(
            has_code(body),
            "{route} refused with no stable code: {status} {body}"
        );
    }
    Ok(())
}

/// A runner of `cases` cases (a failure is printed, not saved to a file).
fn runner(cases: u32) -> proptest::test_runner::TestRunner {
    proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    })
}

#[test]
fn no_body_on_any_route_gets_a_5xx_and_every_refusal_has_a_code() {
    let api = Api::new();
    let mut failures = Vec::new();
    for (method, path) in &api.routes {
        let seen = std::sync::Mutex::new(std::collections::BTreeMap::<u16, u32>::new());
        let run = runner(48).run(&any_body(), |body| {
            let (status, answer) = api.send(method.clone(), path, body, "application/json");
            *seen.lock().unwrap().entry(status.as_u16()).or_default() += 1;
            check(&format!("{method} {path}"), status, &answer)
        });
        if let Err(error) = run {
            failures.push(format!("{method} {path}: {error}"));
        }
        let seen = seen.into_inner().unwrap();
        println!("{method} {path}: {seen:?}");
        if !seen.keys().any(|s| ![401, 403, 404, 405].contains(s)) {
            failures.push(format!(
                "{method} {path} never reached its handler: {seen:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn mangled_sdp_offers_are_refused_with_a_code() {
    let api = Api::new();
    let seen = std::sync::Mutex::new(std::collections::BTreeMap::<u16, u32>::new());
    runner(64)
        .run(&mangled_sdp(), |sdp| {
            let (status, answer) = api.rt.block_on(async {
                let (_, secret) = send(
                    &api.app,
                    Method::POST,
                    "/v1/realtime/client_secrets",
                    b"{}".to_vec(),
                    "application/json",
                )
                .await;
                let secret = secret["value"]
                    .as_str()
                    .expect("a client secret")
                    .to_owned();
                let calls = "/v1/realtime/calls";
                let sdp = sdp.into_bytes();
                send_as(
                    &api.app,
                    &secret,
                    Method::POST,
                    calls,
                    sdp,
                    "application/sdp",
                )
                .await
            });
            *seen.lock().unwrap().entry(status.as_u16()).or_default() += 1;
            check("POST /v1/realtime/calls", status, &answer)
        })
        .unwrap();
    let seen = seen.into_inner().unwrap();
    println!("POST /v1/realtime/calls: {seen:?}");
    assert!(
        seen.contains_key(&400),
        "mangled offers reached the offer check: {seen:?}"
    );
}
