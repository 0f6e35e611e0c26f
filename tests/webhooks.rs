//! Signed webhooks over real HTTP: a receiver the test runs records what Viva POSTs. Created
//! interviews arrive as `interview.created`, signed so that the Standard Webhooks reference
//! library (Python `standardwebhooks`) accepts them and rejects a tampered one; a 500 is
//! retried and delivered once; a hanging receiver times out, is retried and ends `failed`; a
//! private address is refused without `--webhook-allow-private`; and deliveries pending when
//! Viva dies are sent after a restart on the same data directory.

mod common;
#[path = "common/webhook_receiver.rs"]
mod webhook_receiver;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use webhook_receiver::*;

const ADMIN: &str = "sk_test_bootstrap";

async fn register(base: &str, body: Value) -> Value {
    let (status, created) =
        bearer_request(base, Method::POST, "/api/v1/webhooks", ADMIN, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

/// Creates an interview of the default organization; returns its id.
async fn create_interview(base: &str) -> String {
    let (_, templates) = bearer_request(base, Method::GET, "/api/v1/templates", ADMIN, None).await;
    let template = templates[0]["id"].as_str().unwrap().to_owned();
    let body = json!({"template_id": template, "email": "sam@example.com"});
    let (status, interview) =
        bearer_request(base, Method::POST, "/api/v1/interviews/", ADMIN, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{interview}");
    interview["id"].as_str().unwrap().to_owned()
}

/// Polls the endpoint's deliveries until `done` holds for the oldest one.
async fn wait_delivery(base: &str, webhook_id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let path = format!("/api/v1/webhooks/{webhook_id}/deliveries");
    let start = Instant::now();
    loop {
        let (status, list) = bearer_request(base, Method::GET, &path, ADMIN, None).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        if let Some(first) = list.as_array().and_then(|l| l.last())
            && done(first)
        {
            return first.clone();
        }
        assert!(
            start.elapsed() < DEADLINE,
            "deliveries never got there: {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_interview_arrives_signed_for_the_reference_library() {
    let server = start_server(webhook_config(&[200])).await;
    let base = base_url(server.addr);
    let (receiver, url) = Receiver::start(&[]).await;
    let hook = register(&base, json!({"url": url, "events": ["interview.created"]})).await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{hook}");
    assert_eq!(hook["events"], json!(["interview.created"]));

    let interview_id = create_interview(&base).await;
    let got = receiver.wait_for(1).await;
    let request = &got[0];
    let body: Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(body["type"], "interview.created", "{body}");
    assert_eq!(body["data"]["interview_id"], interview_id.as_str());
    assert_eq!(body["data"]["status"], "created");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'), "{body}");
    assert_eq!(header(request, "content-type"), "application/json");
    let id = header(request, "webhook-id");
    assert!(id.starts_with("msg_"), "{id}");
    let timestamp: u64 = header(request, "webhook-timestamp").parse().unwrap();
    let signature = header(request, "webhook-signature");
    assert!(viva::webhooks::signing::verify(
        &secret,
        id,
        timestamp,
        &request.body,
        signature
    ));

    // The reference library accepts it, and rejects a wrong signature or a changed body.
    let headers = json!({"webhook-id": id, "webhook-timestamp": timestamp.to_string(), "webhook-signature": signature});
    let mut wrong = headers.clone();
    wrong["webhook-signature"] = json!("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    let other_secret = viva::webhooks::signing::generate_secret();
    let results = reference_verify(json!([
        {"secret": secret, "headers": headers, "body": request.body},
        {"secret": secret, "headers": wrong, "body": request.body},
        {"secret": secret, "headers": headers, "body": request.body.replace("created", "completed")},
        {"secret": other_secret, "headers": headers, "body": request.body},
    ]))
    .await;
    assert_eq!(results[0]["ok"], true, "{results:?}");
    assert_eq!(results[0]["payload"], body);
    for rejected in &results[1..] {
        assert_eq!(rejected["ok"], false, "{results:?}");
    }

    let delivery = wait_delivery(&base, hook["id"].as_str().unwrap(), |d| {
        d["status"] == "delivered"
    })
    .await;
    assert_eq!(delivery["id"], id);
    assert_eq!(delivery["attempts"], 1);
    assert_eq!(delivery["last_status_code"], 200);
    assert_eq!(delivery["event_type"], "interview.created");

    // Listed without its secret; deleted, it is gone and gets nothing more.
    let (_, list) = bearer_request(&base, Method::GET, "/api/v1/webhooks", ADMIN, None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert!(list[0].get("secret").is_none(), "{list}");
    let path = format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap());
    let (status, _) = bearer_request(&base, Method::DELETE, &path, ADMIN, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = bearer_request(&base, Method::DELETE, &path, ADMIN, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = bearer_request(&base, Method::GET, "/api/v1/webhooks", ADMIN, None).await;
    assert_eq!(list, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_is_retried_and_delivered_once() {
    let server = start_server(webhook_config(&[200, 200, 200])).await;
    let base = base_url(server.addr);
    let (receiver, url) = Receiver::start(&[Answer::Status(500)]).await;
    let hook = register(&base, json!({"url": url})).await;
    create_interview(&base).await;
    let delivery = wait_delivery(&base, hook["id"].as_str().unwrap(), |d| {
        d["status"] == "delivered"
    })
    .await;
    assert_eq!(delivery["attempts"], 2, "{delivery}");
    assert_eq!(delivery["last_status_code"], 200, "{delivery}");
    let got = receiver.received();
    assert_eq!(got.len(), 2, "delivered once after one retry");
    assert_eq!(header(&got[0], "webhook-id"), header(&got[1], "webhook-id"));
    assert_eq!(got[0].body, got[1].body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_times_out_is_retried_and_fails_after_the_last_attempt() {
    let server = start_server(webhook_config(&[200])).await;
    let base = base_url(server.addr);
    let (receiver, url) = Receiver::start(&[Answer::Hang, Answer::Hang]).await;
    let hook = register(&base, json!({"url": url})).await;
    create_interview(&base).await;
    let delivery = wait_delivery(&base, hook["id"].as_str().unwrap(), |d| {
        d["status"] == "failed"
    })
    .await;
    assert_eq!(delivery["attempts"], 2, "{delivery}");
    assert!(delivery["last_status_code"].is_null(), "{delivery}");
    let error = delivery["last_error"].as_str().unwrap();
    assert!(error.starts_with("timeout"), "{error}");
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_targets_are_refused_without_the_flag() {
    let server = start_server(test_config()).await;
    let base = base_url(server.addr);
    for url in [
        "http://127.0.0.1:9/hooks",
        "http://localhost/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::1]/",
        "ftp://example.com/",
    ] {
        let (status, body) = bearer_request(
            &base,
            Method::POST,
            "/api/v1/webhooks",
            ADMIN,
            Some(json!({"url": url})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        assert!(body["detail"].is_string(), "{body}");
    }
    let (status, body) = bearer_request(
        &base,
        Method::POST,
        "/api/v1/webhooks",
        ADMIN,
        Some(json!({"url": "http://127.0.0.1:9/", "events": ["interview.nope"]})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = bearer_request(
        &base,
        Method::POST,
        "/api/v1/webhooks",
        ADMIN,
        Some(json!({"url": "http://127.0.0.1:9/", "secret": "hunter2"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

/// A free loopback port (bound, then released).
fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

#[test]
fn deliveries_pending_when_viva_dies_are_sent_after_a_restart() {
    let mut config = webhook_config(&[200; 50]);
    let down = free_port();
    let url = format!("http://{down}/hooks");

    // Viva runs while nothing listens: the delivery fails and stays pending; then Viva dies
    // (its runtime is dropped with every task in it).
    let first = tokio::runtime::Runtime::new().unwrap();
    let (hook_id, msg_id) = first.block_on(async {
        let server = start_server(config.clone()).await;
        let base = base_url(server.addr);
        let hook = register(&base, json!({"url": url})).await;
        let hook_id = hook["id"].as_str().unwrap().to_owned();
        create_interview(&base).await;
        let pending = wait_delivery(&base, &hook_id, |d| {
            d["status"] == "pending" && d["attempts"].as_u64() >= Some(1)
        })
        .await;
        let error = pending["last_error"].as_str().unwrap();
        assert!(error.starts_with("connect"), "{error}");
        (hook_id, pending["id"].as_str().unwrap().to_owned())
    });
    first.shutdown_timeout(Duration::from_secs(5));

    // The receiver comes up; a new Viva on the same data directory delivers it.
    config.webhook_schedule.retries = vec![Duration::from_millis(200); 50];
    let second = tokio::runtime::Runtime::new().unwrap();
    second.block_on(async {
        let (receiver, _) = Receiver::start_on(down, &[]).await;
        let server = start_server(config).await;
        let base = base_url(server.addr);
        let got = receiver.wait_for(1).await;
        assert_eq!(header(&got[0], "webhook-id"), msg_id);
        let body: Value = serde_json::from_str(&got[0].body).unwrap();
        assert_eq!(body["type"], "interview.created");
        let delivered = wait_delivery(&base, &hook_id, |d| d["status"] == "delivered").await;
        assert_eq!(delivered["id"], msg_id.as_str());
        assert_eq!(receiver.received().len(), 1, "sent once");
    });
}
