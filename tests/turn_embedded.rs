//! The embedded TURN server, driven by a real TURN client (webrtc-rs `turn` crate): relays are
//! allocated with Viva's TURN REST credentials, from the ice_servers endpoint or minted with the
//! server's secrets, and refused when expired, wrong or signed with a foreign secret; during a
//! rotation, credentials signed with the previous secret still work.

mod common;
mod turn_support;

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use common::*;
use serde_json::{Value, json};
use turn_support::allocate_and_relay;
use viva::credentials::{TurnSecrets, TurnUrls};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn no_urls() -> TurnUrls {
    TurnUrls {
        host: None,
        port: 3478,
        tls_port: 443,
        tcp: false,
        tls: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ice_servers_endpoint_hands_out_credentials_that_allocate_a_relay() {
    let server = start_server(test_config()).await;
    let turn = server.turn.expect("the embedded TURN server runs");
    assert!(turn.ip().is_loopback() && turn.port() != 0);
    let secret = mint_secret(server.addr, json!({})).await;

    let response = reqwest::Client::new()
        .get(format!("{}/v1/realtime/ice_servers", base_url(server.addr)))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let ice = &body["ice_servers"][0];
    // The advertised port is the one actually bound; the embedded server speaks UDP only.
    assert_eq!(
        ice["urls"],
        json!([
            format!("turn:127.0.0.1:{}?transport=udp", turn.port()),
            format!("stun:127.0.0.1:{}", turn.port())
        ]),
        "{body}"
    );
    let username = ice["username"].as_str().unwrap();
    let credential = ice["credential"].as_str().unwrap();
    let (expiry, opaque) = username.split_once(':').unwrap();
    assert_eq!(
        expiry.parse::<u64>().unwrap(),
        body["expires_at"].as_u64().unwrap()
    );
    assert!(expiry.parse::<u64>().unwrap() >= now() + 86_000);
    assert!(
        opaque.starts_with("cs_"),
        "opaque id is the secret's id: {username}"
    );

    let relayed = allocate_and_relay(turn, username, credential)
        .await
        .expect("valid credentials allocate a relay");
    assert!(relayed.ip().is_loopback(), "{relayed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ice_servers_endpoint_wants_a_valid_client_secret() {
    let server = start_server(test_config()).await;
    let url = format!("{}/v1/realtime/ice_servers", base_url(server.addr));
    let missing = reqwest::Client::new().get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "missing_authorization");
    let forged = reqwest::Client::new()
        .get(&url)
        .bearer_auth("ek_forged.nope")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let body: Value = forged.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_client_secret");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_wrong_and_foreign_credentials_are_refused() {
    let server = start_server(test_config()).await;
    let turn: SocketAddr = server.turn.unwrap();
    let secrets = &server.state.turn_secrets;

    let good = secrets.mint("cs_test", 600, now(), &no_urls());
    allocate_and_relay(turn, &good.username, &good.password)
        .await
        .expect("fresh credentials work");

    let expired = secrets.mint("cs_test", 60, now() - 120, &no_urls());
    let refused = allocate_and_relay(turn, &expired.username, &expired.password).await;
    assert!(refused.is_err(), "expired: {refused:?}");

    let refused = allocate_and_relay(turn, &good.username, "d3JvbmcgcGFzc3dvcmQ=").await;
    assert!(refused.is_err(), "wrong password: {refused:?}");

    let foreign =
        TurnSecrets::new("someone-elses-secret", None).mint("cs_test", 600, now(), &no_urls());
    let refused = allocate_and_relay(turn, &foreign.username, &foreign.password).await;
    assert!(refused.is_err(), "foreign secret: {refused:?}");

    // A username that is not TURN REST at all.
    let refused = allocate_and_relay(turn, "alice", &good.password).await;
    assert!(refused.is_err(), "malformed: {refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_a_rotation_the_previous_secret_still_allocates() {
    let mut config = test_config();
    config.turn_secret = Some("secret-after-rotation".into());
    config.turn_secret_previous = Some("secret-before-rotation".into());
    let server = start_server(config).await;
    let turn = server.turn.unwrap();

    let before =
        TurnSecrets::new("secret-before-rotation", None).mint("cs_old", 600, now(), &no_urls());
    allocate_and_relay(turn, &before.username, &before.password)
        .await
        .expect("a credential minted before the rotation works");

    let after = server
        .state
        .turn_secrets
        .mint("cs_new", 600, now(), &no_urls());
    assert_ne!(
        after.password,
        TurnSecrets::new("secret-before-rotation", None)
            .mint("cs_new", 600, now(), &no_urls())
            .password
    );
    allocate_and_relay(turn, &after.username, &after.password)
        .await
        .expect("a credential minted with the current secret works");

    let older =
        TurnSecrets::new("secret-two-rotations-ago", None).mint("cs_old", 600, now(), &no_urls());
    let refused = allocate_and_relay(turn, &older.username, &older.password).await;
    assert!(refused.is_err(), "a retired secret: {refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_turn_secret_is_generated_once_and_kept_in_the_data_dir() {
    let mut config = test_config();
    config.turn_secret = None;
    let dir = config.data_dir.clone();
    let first = start_server(config.clone()).await;
    let saved = std::fs::read_to_string(dir.join("turn_secret")).unwrap();
    assert_eq!(first.state.turn_secrets.current, saved.trim());
    assert!(saved.len() >= 32);
    let second = start_server(config).await;
    assert_eq!(second.state.turn_secrets.current, saved.trim());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turn_listen_off_advertises_an_external_server_and_binds_nothing() {
    let mut config = test_config();
    config.turn_listen = Some(viva::config::TurnListen::Off);
    config.turn_host = Some("turn.example.com".into());
    let server = start_server(config).await;
    assert!(server.turn.is_none());
    let creds = server.state.mint_turn("cs_x", 600);
    assert_eq!(
        creds.urls,
        [
            "turn:turn.example.com:3478?transport=udp",
            "turn:turn.example.com:3478?transport=tcp",
            "turns:turn.example.com:443?transport=tcp",
            "stun:turn.example.com:3478",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_shutdown_closes_the_turn_server() {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = viva::server::start(test_config(), async move {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    let turn = running.turn.unwrap();
    let creds = running
        .state
        .turn_secrets
        .mint("cs_x", 600, now(), &no_urls());
    allocate_and_relay(turn, &creds.username, &creds.password)
        .await
        .unwrap();
    stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), running.task)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
    // The port is free again: the TURN server's socket is closed.
    let mut rebound = false;
    for _ in 0..50 {
        if std::net::UdpSocket::bind(turn).is_ok() {
            rebound = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(rebound, "{turn} is still bound after shutdown");
}
