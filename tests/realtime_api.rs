//! The realtime HTTP endpoints' contract and every error path, OpenAI-style
//! (`{"error": {"type", "code", "message", "param"}}`), plus what happens to a call when the
//! browser vanishes or the upstream drops.

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use viva::config::UpstreamKind;
use viva::credentials::SecretKey;
use viva::load::SyntheticPeer;

/// A minimal offer that passes the server's checks but no ICE: enough for admission tests.
const OPUS_OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n";

async fn post(
    url: String,
    token: Option<&str>,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut request = Client::new()
        .post(url)
        .header("Content-Type", content_type)
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
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

fn code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error body: {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_secrets_follow_openai_and_refuse_bad_requests() {
    let server = start_server(test_config()).await;
    let url = format!("{}/v1/realtime/client_secrets", base_url(server.addr));
    let (s, _, b) = post(url.clone(), None, "application/json", "{}").await;
    assert_eq!((s, code(&b)), (StatusCode::UNAUTHORIZED, "missing_api_key"));
    let (s, _, b) = post(url.clone(), Some("sk_wrong"), "application/json", "{}").await;
    assert_eq!((s, code(&b)), (StatusCode::UNAUTHORIZED, "invalid_api_key"));
    let (s, _, b) = post(
        url.clone(),
        Some("sk_test_bootstrap"),
        "application/json",
        "{nope",
    )
    .await;
    assert_eq!((s, code(&b)), (StatusCode::BAD_REQUEST, "invalid_json"));
    for seconds in [9, 7_201] {
        let body =
            json!({"expires_after": {"anchor": "created_at", "seconds": seconds}}).to_string();
        let (s, _, b) = post(
            url.clone(),
            Some("sk_test_bootstrap"),
            "application/json",
            body,
        )
        .await;
        assert_eq!(
            (s, code(&b)),
            (StatusCode::BAD_REQUEST, "invalid_expires_after")
        );
        assert_eq!(b["error"]["param"], "expires_after.seconds");
    }
    let body = json!({"session": {"type": "realtime", "audio": {"input": {"turn_detection": {"type": "shouting"}}}}}).to_string();
    let (s, _, b) = post(
        url.clone(),
        Some("sk_test_bootstrap"),
        "application/json",
        body,
    )
    .await;
    assert_eq!((s, code(&b)), (StatusCode::BAD_REQUEST, "invalid_session"));
    assert_eq!(b["error"]["param"], "session.audio.input.turn_detection");
    let (s, _, b) = post(
        url.clone(),
        Some("sk_test_bootstrap"),
        "application/json",
        vec![b' '; 70_000],
    )
    .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );

    let body = json!({"expires_after": {"anchor": "created_at", "seconds": 120}, "session": {"type": "realtime", "instructions": "Hi", "audio": {"output": {"voice": "cedar"}}}}).to_string();
    let (s, _, secret) = post(url, Some("sk_test_bootstrap"), "application/json", body).await;
    assert_eq!(s, StatusCode::OK);
    assert!(secret["value"].as_str().unwrap().starts_with("ek_"));
    let now = viva::clock::unix_secs();
    assert!((now + 118..=now + 121).contains(&secret["expires_at"].as_u64().unwrap()));
    assert_eq!(secret["session"]["object"], "realtime.session");
    assert_eq!(secret["session"]["instructions"], "Hi");
    assert_eq!(secret["session"]["audio"]["output"]["voice"], "cedar");
    assert_eq!(
        secret["session"]["audio"]["input"]["turn_detection"]["type"],
        "server_vad"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_refuse_bad_offers_and_credentials_with_stable_codes() {
    let mut config = test_config();
    config.max_calls = 1;
    let server = start_server(config).await;
    let calls = format!("{}/v1/realtime/calls", base_url(server.addr));
    let secret = mint_secret(server.addr, json!({})).await;
    let key = SecretKey::new(b"test-signing-key".to_vec());
    let (expired, _) = key.mint(
        "org_default",
        viva::realtime::SessionConfig::default(),
        None,
        10,
        1_000,
    );
    let (foreign, _) = SecretKey::new(b"another-node-key".to_vec()).mint(
        "org_default",
        viva::realtime::SessionConfig::default(),
        None,
        600,
        viva::clock::unix_secs(),
    );

    let cases: Vec<(Option<&str>, &str, String, StatusCode, &str)> = vec![
        (None, "application/sdp", OPUS_OFFER.into(), StatusCode::UNAUTHORIZED, "missing_authorization"),
        (Some("ek_forged.sig"), "application/sdp", OPUS_OFFER.into(), StatusCode::UNAUTHORIZED, "invalid_client_secret"),
        (Some(&foreign), "application/sdp", OPUS_OFFER.into(), StatusCode::UNAUTHORIZED, "invalid_client_secret"),
        (Some(&expired), "application/sdp", OPUS_OFFER.into(), StatusCode::UNAUTHORIZED, "expired_client_secret"),
        (Some(&secret), "text/plain", OPUS_OFFER.into(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_content_type"),
        (Some(&secret), "application/sdp", "hello".into(), StatusCode::BAD_REQUEST, "invalid_sdp"),
        (Some(&secret), "application/sdp", "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n".into(), StatusCode::BAD_REQUEST, "no_audio"),
        (Some(&secret), "application/sdp", "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000\r\n".into(), StatusCode::BAD_REQUEST, "no_opus"),
        (Some(&secret), "application/sdp", format!("{OPUS_OFFER}{}", "a=x\r\n".repeat(20_000)), StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
        (Some(&secret), "application/sdp", OPUS_OFFER.into(), StatusCode::BAD_REQUEST, "invalid_sdp"),
        (Some("sk_test_bootstrap"), "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"session\"\r\n\r\n{}\r\n--x--\r\n".into(), StatusCode::BAD_REQUEST, "missing_sdp"),
        (Some("sk_test_bootstrap"), "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"sdp\"\r\n\r\nnonsense\r\n--x--\r\n".into(), StatusCode::BAD_REQUEST, "invalid_sdp"),
        (Some("sk_test_bootstrap"), "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"session\"\r\n\r\n{\"type\": 1}\r\n--x--\r\n".into(), StatusCode::BAD_REQUEST, "invalid_session"),
    ];
    for (token, content_type, body, status, expected) in cases {
        let (s, _, b) = post(calls.clone(), token, content_type, body).await;
        assert_eq!((s, code(&b)), (status, expected), "{b}");
        assert!(
            b["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }

    // The multipart variant with the server key and a session part opens a call.
    let mut peer = SyntheticPeer::call_multipart(
        &base_url(server.addr),
        "sk_test_bootstrap",
        &json!({"instructions": "From multipart"}),
    )
    .await
    .expect("multipart call");
    let events = collect_until(&mut peer, Duration::from_secs(5), |seen| {
        has_event(seen, "session.created")
    })
    .await;
    let created = event_of(&events, "session.created").unwrap().clone();
    assert_eq!(created["session"]["instructions"], "From multipart");

    // At the limit: 503 with Retry-After.
    let (s, headers, b) = post(calls.clone(), Some(&secret), "application/sdp", OPUS_OFFER).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::SERVICE_UNAVAILABLE, "too_many_calls")
    );
    assert_eq!(headers.get("retry-after").unwrap(), "5");

    // Hangup: 401 without credentials, 403 with another call's secret, 404 for no such call.
    let hangup = |id: &str| format!("{}/v1/realtime/calls/{id}/hangup", base_url(server.addr));
    let (s, _, b) = post(hangup(&peer.call_id), None, "application/json", "").await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNAUTHORIZED, "missing_authorization")
    );
    let (s, _, b) = post(hangup(&peer.call_id), Some(&secret), "application/json", "").await;
    assert_eq!((s, code(&b)), (StatusCode::FORBIDDEN, "not_your_call"));
    let (s, _, b) = post(hangup("rtc_nope"), Some(&secret), "application/json", "").await;
    assert_eq!((s, code(&b)), (StatusCode::NOT_FOUND, "call_not_found"));
    let (s, _, _) = post(
        hangup(&peer.call_id),
        Some("sk_test_bootstrap"),
        "application/json",
        "",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_client_events_get_error_events_and_the_call_goes_on() {
    let server = start_server(test_config()).await;
    let secret = mint_secret(server.addr, json!({})).await;
    let mut peer = connected_call(server.addr, &secret).await;
    collect_until(&mut peer, Duration::from_secs(5), |seen| {
        seen.iter()
            .any(|e| matches!(e, viva::load::ClientEvent::DataChannelOpen))
    })
    .await;
    peer.send_event(&json!("not an object")).await.unwrap();
    peer.send_event(&json!({"type": "session.update", "event_id": "evt_7", "session": {"audio": {"input": {"turn_detection": {"type": "mumble"}}}}})).await.unwrap();
    peer.send_event(&json!({"type": "response.cancel", "event_id": "evt_8"}))
        .await
        .unwrap();
    peer.send_event(&json!({"type": "no.such.event", "event_id": "evt_9"}))
        .await
        .unwrap();
    peer.send_event(
        &json!({"type": "session.update", "session": {"audio": {"output": {"voice": "cedar"}}}}),
    )
    .await
    .unwrap();
    let events = collect_until(&mut peer, Duration::from_secs(5), |seen| {
        has_event(seen, "session.updated")
    })
    .await;
    let errors: Vec<(String, Value)> = server_events(&events)
        .into_iter()
        .filter(|e| e["type"] == "error")
        .map(|e| {
            (
                e["error"]["code"].as_str().unwrap().to_owned(),
                e["error"]["event_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            ("invalid_event".to_owned(), Value::Null),
            ("invalid_session".to_owned(), json!("evt_7")),
            ("response_cancel_not_active".to_owned(), json!("evt_8")),
            ("unknown_event_type".to_owned(), json!("evt_9")),
        ]
    );
    let updated = event_of(&events, "session.updated").unwrap().clone();
    assert_eq!(
        updated["session"]["audio"]["output"]["voice"], "cedar",
        "a good update still applies"
    );
    peer.hangup().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_browser_ends_its_call() {
    let server = start_server(test_config()).await;
    let secret = mint_secret(server.addr, json!({})).await;
    let peer = connected_call(server.addr, &secret).await;
    peer.close().await;
    let record = ended_call_record(server.addr, &peer.call_id).await;
    assert_eq!(record["live"], false, "{record}");
    assert!(
        ["peer_closed", "peer_failed"].contains(&record["end_reason"].as_str().unwrap()),
        "{record}"
    );
    let health = get_json(&format!("{}/api/health", base_url(server.addr)), None).await;
    assert_eq!(health["calls"], 0, "the call's slot is free again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_that_drops_is_reconnected_without_dropping_the_call() {
    let mut fake = FakeUpstream::start().await;
    let mut config = test_config();
    config.upstream = Some(UpstreamKind::Openai);
    config.openai_api_key = Some("sk-upstream".into());
    config.openai_url = fake.url.clone();
    let server = start_server(config).await;
    let secret = mint_secret(server.addr, json!({"session": {"instructions": "Keep me"}})).await;
    let mut peer = connected_call(server.addr, &secret).await;
    fake.handshakes.recv().await.unwrap();
    fake.wait_for(Duration::from_secs(3), |e| e["type"] == "session.update")
        .await;
    collect_until(&mut peer, Duration::from_secs(5), |seen| {
        seen.iter()
            .any(|e| matches!(e, viva::load::ClientEvent::DataChannelOpen))
    })
    .await;
    peer.send_event(
        &json!({"type": "session.update", "session": {"audio": {"output": {"voice": "cedar"}}}}),
    )
    .await
    .unwrap();
    fake.wait_for(Duration::from_secs(3), |e| {
        e["session"]["audio"]["output"]["voice"] == "cedar"
    })
    .await;

    fake.send
        .send(json!({"type": "fake.drop_connection"}))
        .unwrap();
    let again = tokio::time::timeout(Duration::from_secs(5), fake.handshakes.recv())
        .await
        .expect("reconnected")
        .unwrap();
    assert!(again.1.ends_with("sk-upstream"));
    let resent = fake
        .wait_for(Duration::from_secs(3), |e| e["type"] == "session.update")
        .await;
    let update = resent
        .iter()
        .find(|e| e["type"] == "session.update")
        .expect("session restored");
    assert_eq!(update["session"]["instructions"], "Keep me");
    assert_eq!(
        update["session"]["audio"]["output"]["voice"], "cedar",
        "the latest configuration, not the first"
    );
    // The call is still up and relays events both ways.
    fake.send
        .send(json!({"type": "response.created", "response": {"id": "resp_after"}}))
        .unwrap();
    let events = collect_until(&mut peer, Duration::from_secs(3), |seen| {
        has_event(seen, "response.created")
    })
    .await;
    assert!(has_event(&events, "response.created"));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, viva::load::ClientEvent::DataChannelClosed))
    );
    peer.hangup().await.unwrap();
}
