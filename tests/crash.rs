//! `kill -9` of a real `viva serve` while it writes: a voice call is under way (one answer
//! stored) and four integrators create interviews as fast as they can. After the kill the
//! SQLite file passes `PRAGMA integrity_check`, a restart serves every interview whose
//! creation was acknowledged, keeps the stored answer with its recording, and closes the cut
//! call as `server_lost`, its interview incomplete.

mod common;
#[path = "common/viva_process.rs"]
mod viva_process;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Row;
use viva_process::*;

const PARTNER: &str = "/v1/partners/mock-interviews/";

fn new_interview(n: usize) -> Value {
    json!({"focus_area": "SKILL", "email": format!("crash{n}@example.com"), "topic": "SQL",
           "difficulty_level": 2, "number_of_questions": 3})
}

/// The interview's messages as its candidate reads them.
async fn messages(base: &str, id: &str, access: &str) -> Value {
    let path = format!("{PARTNER}{id}/messages/");
    let (status, messages) = bearer_request(base, Method::GET, &path, access, None).await;
    assert_eq!(status, StatusCode::OK, "{messages}");
    messages
}

fn has_message(messages: &Value, item_id: &str) -> bool {
    messages["results"]
        .as_array()
        .is_some_and(|r| r.iter().any(|m| m["id"] == item_id))
}

/// Creates interviews until the server stops answering; returns the ids it acknowledged.
async fn create_until_gone(base: String, writer: usize, acked: Arc<Mutex<Vec<String>>>) {
    let http = reqwest::Client::new();
    for n in 0.. {
        let sent = http
            .post(format!("{base}{PARTNER}"))
            .bearer_auth(ADMIN)
            .json(&new_interview(writer * 100_000 + n))
            .send()
            .await;
        let Ok(response) = sent else { return };
        if response.status() != StatusCode::CREATED {
            return;
        }
        let Ok(body) = response.json::<Value>().await else {
            return; // cut mid-answer: not acknowledged
        };
        acked
            .lock()
            .unwrap()
            .push(body["interview_details"]["id"].as_str().unwrap().to_owned());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_writes_keeps_every_acknowledged_write_and_ends_the_cut_call() {
    let data_dir: PathBuf =
        std::env::temp_dir().join(format!("viva-test-{}", viva::ids::new_id("")));
    std::fs::create_dir_all(&data_dir).unwrap();
    // Writers at full speed: no per-key rate limit.
    let unlimited = ["--rate-limit-per-minute", "0"];
    let viva = Viva::start_with(&data_dir, &unlimited).await;
    let base = base_url(viva.addr);

    // A call under way, its first answer stored.
    let (status, created) =
        bearer_request(&base, Method::POST, PARTNER, ADMIN, Some(new_interview(0))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (id, access, secret) = embed_secret(&base, &created).await;
    let mut peer = connected_call(viva.addr, &secret).await;
    first_interviewer_line(&mut peer).await;
    let mut speech = speech_48k("I would add an index on the customer column.");
    speech.extend(std::iter::repeat_n(0, 48 * 20_000));
    let mut events = take_events(&mut peer);
    let peer = Arc::new(peer);
    let _sender = send_paced(peer.clone(), speech_packets(&speech, 1_500));
    let answer = wait_event(&mut events, "input_audio_buffer.speech_stopped").await;
    let answer = answer["item_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(15);
    while !has_message(&messages(&base, &id, &access).await, &answer) {
        assert!(Instant::now() < deadline, "the answer was never stored");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Writers at full speed, then the kill.
    let acked = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = (1..=4)
        .map(|w| tokio::spawn(create_until_gone(base.clone(), w, acked.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    viva.kill_9();
    let Viva { mut child, .. } = viva;
    let exit = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("killed")
        .unwrap();
    assert!(!exit.success(), "{exit:?}");
    for writer in writers {
        writer.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 50, "writes were under way: {}", acked.len());
    println!("{} interviews acknowledged before the kill", acked.len());

    // The database survived the kill.
    let url = format!(
        "sqlite://{}",
        viva::server::database_path(&data_dir).display()
    );
    let db = sqlx::SqlitePool::connect(&url).await.unwrap();
    let check: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(check, "ok");
    db.close().await;

    // A restart serves every acknowledged write and closes the cut call.
    let viva = Viva::start_with(&data_dir, &unlimited).await;
    let base = base_url(viva.addr);
    for written in &acked {
        let path = format!("{PARTNER}{written}/");
        let (status, body) = bearer_request(&base, Method::GET, &path, ADMIN, None).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "acknowledged {written} was lost: {body}"
        );
    }
    assert!(
        has_message(&messages(&base, &id, &access).await, &answer),
        "the stored answer survived"
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let details = loop {
        let path = format!("{PARTNER}{id}/");
        let (_, details) = bearer_request(&base, Method::GET, &path, ADMIN, None).await;
        if details["status"] == "INCOMPLETE" || Instant::now() > deadline {
            break details;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        details["status"], "INCOMPLETE",
        "the cut call's interview: {details}"
    );
    let db = sqlx::SqlitePool::connect(&url).await.unwrap();
    let reasons: Vec<Option<String>> =
        sqlx::query("SELECT end_reason FROM calls WHERE interview_id = ?")
            .bind(&id)
            .fetch_all(&db)
            .await
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
    assert_eq!(reasons, [Some("server_lost".to_owned())]);
    db.close().await;
    drop((viva, peer));
    let _ = std::fs::remove_dir_all(&data_dir);
}
