//! Seed 000's usage limits on the partner mock-interview API, over real HTTP against a running
//! server: requests per minute per API key or token (429 `{"error"}` with `Retry-After`, the
//! `RateLimit-*` headers on every answer, other keys and other APIs untouched, wrong tokens
//! limited too) and 10 MB per request (413 `{"error"}`).
//!
//! The limit is set low (3 a minute: one request comes back every 20 s) so that a test's few
//! requests fit well inside one replenish interval; nothing here measures time.

mod common;

use common::*;
use reqwest::header::HeaderMap;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use viva::server::Running;

const PATH: &str = "/v1/partners/mock-interviews/";

/// An API key of a new organization named `name`.
async fn org_key(server: &Running, name: &str) -> String {
    let store = &server.state.store;
    let now = viva::clock::unix_ms();
    let org = store.ensure_org(name, None, now).await.unwrap();
    let (_, secret) = store
        .create_api_key(&org.id, name, false, now)
        .await
        .unwrap();
    secret
}

/// A server whose facade takes `per_minute` requests per minute per credential.
async fn server_limited(per_minute: u32) -> Running {
    let mut config = test_config();
    config.rate_limit_per_minute = per_minute;
    start_server(config).await
}

/// `method path` with `token` as bearer: status, headers and JSON body (null when none).
async fn send(
    server: &Running,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    let mut request = Client::new()
        .request(method, format!("{}{path}", base_url(server.addr)))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let text = response.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

/// A header as a number.
fn number(headers: &HeaderMap, name: &str) -> u64 {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {headers:?}"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number: {headers:?}"))
}

#[tokio::test]
async fn the_request_over_the_limit_gets_429_and_other_keys_do_not() {
    let server = server_limited(3).await;
    let a = org_key(&server, "org-a").await;
    let b = org_key(&server, "org-b").await;

    // Three a minute, each answered with what is left.
    for left in [2, 1, 0] {
        let (status, headers, body) = send(&server, Method::GET, PATH, &a, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(number(&headers, "ratelimit-limit"), 3);
        assert_eq!(number(&headers, "ratelimit-remaining"), left, "{headers:?}");
        let reset = number(&headers, "ratelimit-reset");
        assert!((1..=60).contains(&reset), "{headers:?}");
        assert_eq!(headers["ratelimit-policy"], "3;w=60");
        assert!(headers.get("retry-after").is_none());
    }

    // The fourth, on any of the facade's routes, is refused before it is run.
    let create = json!({"focus_area": "SKILL", "email": "ada@example.com", "topic": "SQL"});
    for (method, path, body) in [
        (Method::GET, PATH.trim_end_matches('/'), None),
        (Method::POST, PATH, Some(create.clone())),
        (
            Method::GET,
            "/v1/partners/mock-interviews/nope/messages/",
            None,
        ),
    ] {
        let (status, headers, body) = send(&server, method.clone(), path, &a, body).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{method} {path}");
        let message = body["error"].as_str().unwrap_or_else(|| panic!("{body}"));
        assert!(message.contains("3 requests per minute"), "{message}");
        assert_eq!(body["code"], "rate_limited", "{body}");
        assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
        let retry_after = number(&headers, "retry-after");
        assert!((1..=20).contains(&retry_after), "{headers:?}");
        assert!(
            message.contains(&format!("Retry in {retry_after} s")),
            "{message}"
        );
        assert_eq!(number(&headers, "ratelimit-limit"), 3);
        assert_eq!(number(&headers, "ratelimit-remaining"), 0);
        assert!(number(&headers, "ratelimit-reset") >= retry_after);
    }
    // Nothing was created by the refused POST.
    let (_, _, seen) = send(&server, Method::GET, PATH, &b, None).await;
    assert_eq!(seen["pagination"]["total"], 0, "{seen}");

    // Another key has its own quota (that GET was its first).
    let (status, headers, body) = send(&server, Method::POST, PATH, &b, Some(create)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(number(&headers, "ratelimit-remaining"), 1);

    // The candidate's token from that create is a credential of its own.
    let access = body["tokens"]["access"].as_str().unwrap();
    let (status, headers, _) = send(&server, Method::GET, PATH, access, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(number(&headers, "ratelimit-remaining"), 2);
    // The embed page counts against the token its link carries (a join token of its own).
    let id = body["interview_details"]["id"].as_str().unwrap();
    let url = body["interview_url"].as_str().unwrap();
    assert!(url.contains(&format!("/embed/ai-interview/{id}/?access=")));
    for remaining in ["2", "1"] {
        let page = reqwest::get(url).await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()["ratelimit-remaining"], remaining);
    }

    // The limit is the facade's: the same key still reaches Viva's own API.
    let (status, headers, body) = send(&server, Method::GET, "/api/v1/templates", &a, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(headers.get("ratelimit-limit").is_none());
}

#[tokio::test]
async fn wrong_tokens_are_limited_too() {
    let server = server_limited(3).await;
    for _ in 0..3 {
        let (status, headers, body) = send(&server, Method::GET, PATH, "sk_guess", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            body,
            json!({"error": "Invalid API key", "code": "unauthorized"})
        );
        assert!(headers.get("ratelimit-remaining").is_some());
    }
    let (status, headers, _) = send(&server, Method::GET, PATH, "sk_guess", None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(number(&headers, "retry-after") >= 1);
    // A valid key is not held back by someone else's guesses.
    let (status, _, body) = send(&server, Method::GET, PATH, "sk_test_bootstrap", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_default_is_the_seeds_hundred_a_minute_and_zero_turns_it_off() {
    let server = start_server(test_config()).await;
    let (status, headers, _) = send(&server, Method::GET, PATH, "sk_test_bootstrap", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(number(&headers, "ratelimit-limit"), 100);
    assert_eq!(number(&headers, "ratelimit-remaining"), 99);
    assert_eq!(headers["ratelimit-policy"], "100;w=60");

    let server = server_limited(0).await;
    for _ in 0..5 {
        let (status, headers, _) =
            send(&server, Method::GET, PATH, "sk_test_bootstrap", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("ratelimit-limit").is_none(), "{headers:?}");
    }
}

#[tokio::test]
async fn an_eleven_megabyte_body_gets_413_in_the_facades_shape() {
    let server = server_limited(3).await;
    let key = org_key(&server, "big").await;
    let resume = "x".repeat(11 * 1024 * 1024);
    let huge = json!({"focus_area": "RESUME", "email": "big@example.com", "resume": resume});
    let response = Client::new()
        .post(format!("{}{PATH}", base_url(server.addr)))
        .bearer_auth(&key)
        .header("Content-Type", "application/json")
        .body(huge.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.headers()["ratelimit-remaining"], "2");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "The request body is larger than 10 MB", "code": "body_too_large"})
    );

    // Just under the limit is taken: the facade's limit, not the server-wide 64 KB.
    let resume = "Built payment systems. ".repeat(9 * 1024 * 1024 / 23);
    let body = json!({"focus_area": "RESUME", "email": "big@example.com", "resume": resume});
    let (status, _, created) = send(&server, Method::POST, PATH, &key, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{}", created["error"]);
    let (_, _, list) = send(&server, Method::GET, PATH, &key, None).await;
    assert_eq!(list["pagination"]["total"], 1);
}
