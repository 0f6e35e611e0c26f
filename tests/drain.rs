//! Draining a real `viva serve` process: SIGTERM during a voice call turns `/readyz` 503 and
//! refuses new calls and interviews with 503 `draining` (each API in its error shape, with
//! `Retry-After`), tells the candidate on the data channel, and lets the call go on; a second
//! SIGTERM ends it (the candidate is told), the process exits cleanly, and a restart on the
//! same data directory reads the interview back as incomplete with its answer and recording.
//! A call still live when `--drain-timeout` passes is ended the same way (in-process).

mod common;
#[path = "common/viva_process.rs"]
mod viva_process;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use viva_process::*;

const PARTNER: &str = "/v1/partners/mock-interviews/";

async fn status_of(url: &str) -> StatusCode {
    reqwest::get(url).await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_a_live_call_and_a_restart_reads_it_back() {
    let data_dir: PathBuf =
        std::env::temp_dir().join(format!("viva-test-{}", viva::ids::new_id("")));
    std::fs::create_dir_all(&data_dir).unwrap();
    let viva = Viva::start(&data_dir).await;
    let base = base_url(viva.addr);
    let body = json!({"focus_area": "SKILL", "email": "drain@example.com", "topic": "SQL",
                      "difficulty_level": 2, "number_of_questions": 3});
    let (status, created) =
        bearer_request(&base, Method::POST, PARTNER, ADMIN, Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (id, access, secret) = embed_secret(&base, &created).await;
    assert_eq!(status_of(&viva.url("/readyz")).await, StatusCode::OK);

    // The candidate answers, pauses (the drain begins then), and answers again.
    let mut peer = connected_call(viva.addr, &secret).await;
    first_interviewer_line(&mut peer).await;
    let mut speech = speech_48k("I would add an index on the customer column.");
    speech.extend(std::iter::repeat_n(0, 48 * 5_000));
    speech.extend(speech_48k("Then I would check the query plan again."));
    let mut events = take_events(&mut peer);
    let peer = Arc::new(peer); // held to the end: dropping it would hang up
    let sender = send_paced(peer.clone(), speech_packets(&speech, 1_500));
    let first_answer = wait_event(&mut events, "input_audio_buffer.speech_stopped").await;
    let first_item = first_answer["item_id"].as_str().unwrap().to_owned();
    viva.signal_term();

    // Draining: not ready, alive, new work refused in each API's shape, reads still served.
    let deadline = Instant::now() + Duration::from_secs(5);
    while status_of(&viva.url("/readyz")).await != StatusCode::SERVICE_UNAVAILABLE {
        assert!(Instant::now() < deadline, "/readyz never turned unready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status_of(&viva.url("/livez")).await, StatusCode::OK);
    let refused = reqwest::Client::new()
        .post(viva.url(PARTNER))
        .bearer_auth(ADMIN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers()["retry-after"], "30");
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["code"], "draining", "{refused}");
    let secret_refused = reqwest::Client::new()
        .post(viva.url("/v1/realtime/client_secrets"))
        .bearer_auth(ADMIN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(secret_refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let secret_refused: Value = secret_refused.json().await.unwrap();
    assert_eq!(secret_refused["error"]["code"], "draining");
    let (status, _) =
        bearer_request(&base, Method::GET, &format!("{PARTNER}{id}/"), ADMIN, None).await;
    assert_eq!(status, StatusCode::OK, "reads go on while draining");

    // The candidate is told, and the call goes on: the second answer is heard.
    let notice = wait_event(&mut events, "viva.server.draining").await;
    assert!(
        notice["message"].as_str().unwrap().contains("restarting"),
        "{notice}"
    );
    let second = wait_event(&mut events, "input_audio_buffer.speech_started").await;
    assert_ne!(
        second["item_id"],
        first_item.as_str(),
        "a new answer during the drain"
    );
    sender.await.unwrap();

    // A second signal ends the call at once, telling the candidate; the process exits cleanly.
    viva.signal_term();
    let ended = wait_event(&mut events, "viva.call.ended").await;
    assert!(
        ended["reason"].as_str().unwrap().contains("restarting"),
        "{ended}"
    );
    let Viva { mut child, .. } = viva;
    let exit = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("viva exits after the second signal")
        .unwrap();
    assert!(exit.success(), "{exit:?}");

    // A restart reads everything back: the interview incomplete, the answer and its recording.
    let viva = Viva::start(&data_dir).await;
    let base = base_url(viva.addr);
    let (status, details) =
        bearer_request(&base, Method::GET, &format!("{PARTNER}{id}/"), ADMIN, None).await;
    assert_eq!(status, StatusCode::OK, "{details}");
    assert_eq!(details["status"], "INCOMPLETE", "{details}");
    let path = format!("{PARTNER}{id}/messages/");
    let (_, messages) = bearer_request(&base, Method::GET, &path, &access, None).await;
    let answer = messages["results"]
        .as_array()
        .and_then(|r| r.iter().find(|m| m["id"] == first_item.as_str()))
        .unwrap_or_else(|| panic!("the first answer was kept: {messages}"));
    let audio = reqwest::get(answer["audio_url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(audio.status(), StatusCode::OK);
    assert!(audio.bytes().await.unwrap().starts_with(b"OggS"));
    drop((viva, peer));
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_outliving_the_drain_timeout_is_ended_and_stored() {
    let mut config = test_config();
    config.drain_timeout = 1;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = viva::server::start(config, async move {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    let base = base_url(server.addr);
    let body = json!({"focus_area": "SKILL", "email": "late@example.com", "topic": "SQL",
                      "difficulty_level": 2, "number_of_questions": 3});
    let (_, created) = bearer_request(&base, Method::POST, PARTNER, ADMIN, Some(body)).await;
    let (id, _, secret) = embed_secret(&base, &created).await;
    let mut peer = connected_call(server.addr, &secret).await;
    first_interviewer_line(&mut peer).await;
    let mut events = take_events(&mut peer);
    stop.send(()).unwrap();
    wait_event(&mut events, "viva.server.draining").await;
    let ended = wait_event(&mut events, "viva.call.ended").await;
    assert!(ended["reason"].as_str().unwrap().contains("restarting"));
    tokio::time::timeout(Duration::from_secs(30), server.task)
        .await
        .expect("the server stops after the drain")
        .unwrap()
        .unwrap();
    let interview = server
        .state
        .store
        .interview(viva::store::DEFAULT_ORG_ID, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(interview.status, viva::interview::Status::Incomplete);
}
