//! Seed 002's interview-sessions API (`/api/tezhire/…`) over real HTTP against a running
//! server with a real SQLite file: the seed's create body, idempotent session ids, field-naming
//! 400s, auth and organizations, and a voice interview held through the `joinUrl` by a
//! webrtc-rs peer that speaks, ended by the integrator (the candidate is told why), with its
//! results: the questions asked, the answer's duration, no invented transcript or score, the
//! recording and the transcript download.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use viva::server::Running;

const SESSIONS: &str = "/api/tezhire/interview-sessions";

/// An API key of a new organization named `name` with `credits`.
async fn org_key(server: &Running, name: &str, credits: Option<u64>) -> String {
    let store = &server.state.store;
    let now = viva::clock::unix_ms();
    let org = store.ensure_org(name, credits, now).await.unwrap();
    store
        .create_api_key(&org.id, name, false, now)
        .await
        .unwrap()
        .1
}

/// `method path` with `X-API-Key: key` (none when `None`): status and JSON body.
async fn send(
    server: &Running,
    method: reqwest::Method,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Client::new().request(method, format!("{}{path}", base_url(server.addr)));
    if let Some(key) = key {
        request = request.header("X-API-Key", key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The seed's create body, filled in.
fn seed_body(session_id: &str) -> Value {
    json!({
        "session": {"sessionId": session_id, "callbackUrl": "https://hooks.example.com/tezhire"},
        "candidate": {
            "candidateId": "cand-1", "name": "Ada Lovelace", "email": "ada@example.com",
            "phone": "+44 20 0000 0000",
            "resumeData": {
                "skills": ["Rust", "SQL"],
                "experience": [{"company": "Analytical Engines", "role": "Engineer",
                                "duration": "3 years", "description": "Built the mill."}],
                "education": [{"institution": "Home", "degree": "None", "fieldOfStudy": "Mathematics", "year": 1833}],
                "projects": [{"name": "Note G", "description": "Bernoulli numbers", "technologies": ["punch cards"]}],
                "rawText": "Ada Lovelace, engineer."
            }
        },
        "job": {
            "jobId": "job-9", "companyId": "co-3", "recruiterUserId": "rec-1",
            "title": "Backend engineer", "department": "Payments",
            "description": "Design and run payment APIs.",
            "requirements": ["Rust", "PostgreSQL"], "responsibilities": ["Own the ledger service"],
            "location": "Remote", "employmentType": "full-time", "experienceLevel": "senior",
            "salaryRange": {"min": 100000, "max": 150000, "currency": "EUR"}
        },
        "interview": {
            "duration": 15, "difficultyLevel": "medium", "topicsToFocus": ["API design"],
            "topicsToAvoid": ["salary"], "customQuestions": ["Why payments?"],
            "interviewStyle": "conversational", "feedbackDetail": "detailed"
        },
        "configuration": {"language": "en", "voiceId": "alloy", "enableTranscription": true,
                          "audioQuality": "high", "timeZone": "Europe/London"}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_created_once_validated_and_kept_per_organization() {
    let server = start_server(test_config()).await;
    let key = org_key(&server, "hiring", Some(5)).await;
    let other = org_key(&server, "elsewhere", None).await;
    let post = reqwest::Method::POST;

    let (status, first) = send(
        &server,
        post.clone(),
        SESSIONS,
        Some(&key),
        Some(seed_body("s-1")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["success"], true);
    assert_eq!(first["sessionId"], "s-1");
    assert_eq!(first["status"], "created");
    assert!(
        first["joinUrl"]
            .as_str()
            .unwrap()
            .contains("/embed/ai-interview/")
    );
    assert!(
        time::OffsetDateTime::parse(
            first["expiry"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok()
    );
    // The same id again is the same session, and takes no second credit.
    let (status, again) = send(
        &server,
        post.clone(),
        SESSIONS,
        Some(&key),
        Some(seed_body("s-1")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let interview_of = |v: &Value| {
        let url = v["joinUrl"].as_str().unwrap();
        url.split("/embed/ai-interview/")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(interview_of(&again), interview_of(&first));
    let org = server.state.store.orgs().await.unwrap();
    let hiring = org.iter().find(|o| o.name == "hiring").unwrap();
    assert_eq!(hiring.credits, Some(4), "one session, one credit");

    // Bad input names the field; no key or a wrong one is 401; all in {error, details}.
    let mut no_email = seed_body("s-2");
    no_email["candidate"]["email"] = Value::Null;
    let (status, body) = send(&server, post.clone(), SESSIONS, Some(&key), Some(no_email)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["details"]
            .as_str()
            .unwrap()
            .contains("candidate.email"),
        "{body}"
    );
    let mut bad_type = seed_body("s-2");
    bad_type["candidate"]["resumeData"]["skills"] = json!([1]);
    let (status, body) = send(&server, post.clone(), SESSIONS, Some(&key), Some(bad_type)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["details"]
            .as_str()
            .unwrap()
            .contains("candidate.resumeData.skills[0]"),
        "{body}"
    );
    let mut no_title = seed_body("s-2");
    no_title["job"].as_object_mut().unwrap().remove("title");
    let (_, body) = send(&server, post.clone(), SESSIONS, Some(&key), Some(no_title)).await;
    assert_eq!(body["details"], "job.title is required");
    let (status, body) = send(
        &server,
        post.clone(),
        SESSIONS,
        None,
        Some(seed_body("s-3")),
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::UNAUTHORIZED, &json!("unauthorized"))
    );
    let (status, _) = send(
        &server,
        post.clone(),
        SESSIONS,
        Some("sk_wrong"),
        Some(seed_body("s-3")),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = send(
        &server,
        post.clone(),
        SESSIONS,
        Some(&key),
        Some(json!("[]")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // Another organization sees no such session, and its own "s-1" is another session.
    let get = reqwest::Method::GET;
    let path = format!("{SESSIONS}/s-1");
    let (status, body) = send(&server, get.clone(), &path, Some(&other), None).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::NOT_FOUND, &json!("session_not_found"))
    );
    for sub in ["/end", "/results"] {
        let method = if sub == "/end" {
            post.clone()
        } else {
            get.clone()
        };
        let (status, _) = send(
            &server,
            method,
            &format!("{path}{sub}"),
            Some(&other),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{sub}");
    }
    let (_, theirs) = send(
        &server,
        post.clone(),
        SESSIONS,
        Some(&other),
        Some(seed_body("s-1")),
    )
    .await;
    assert_ne!(interview_of(&theirs), interview_of(&first));

    // The demo page is served, with its script.
    let page = reqwest::get(format!("{}/tezhire", base_url(server.addr)))
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("/assets/tezhire.js"));

    // The status before anyone joined, and results before the end.
    let (status, view) = send(&server, get.clone(), &path, Some(&key), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["status"], "created");
    assert_eq!(
        (&view["candidateId"], &view["jobId"]),
        (&json!("cand-1"), &json!("job-9"))
    );
    assert_eq!(
        (&view["startTime"], &view["progress"]),
        (&Value::Null, &json!(0))
    );
    let (status, body) = send(&server, get, &format!("{path}/results"), Some(&key), None).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::CONFLICT, &json!("interview_not_finished"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_held_through_its_join_url_ended_and_its_results_read() {
    let server = start_server(test_config()).await;
    let key = org_key(&server, "voice", None).await;
    let (post, get) = (reqwest::Method::POST, reqwest::Method::GET);
    let (status, created) = send(
        &server,
        post.clone(),
        SESSIONS,
        Some(&key),
        Some(seed_body("live-1")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");

    // What the candidate page does with the joinUrl: its token fetches the credentials.
    let url = reqwest::Url::parse(created["joinUrl"].as_str().unwrap()).unwrap();
    let id = url
        .path()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let join = url
        .query_pairs()
        .find(|(k, _)| k == "access")
        .unwrap()
        .1
        .into_owned();
    let base = base_url(server.addr);
    let credentials = format!("/api/v1/interviews/{id}/credentials");
    let (status, creds) = bearer_request(&base, post.clone(), &credentials, &join, None).await;
    assert_eq!(status, StatusCode::OK, "{creds}");
    let secret = creds["session_token"]["client_secret"]["value"]
        .as_str()
        .unwrap();

    let mut peer = connected_call(server.addr, secret).await;
    let events = first_interviewer_line(&mut peer).await;
    let said = event_of(&events, "response.output_audio_transcript.done").unwrap();
    assert!(
        said["transcript"]
            .as_str()
            .unwrap()
            .contains("Why payments?"),
        "custom question first: {said}"
    );

    // The candidate answers.
    let peer = Arc::new(peer);
    let speech = speech_48k("Because money should move safely and fast.");
    send_paced(peer.clone(), speech_packets(&speech, 1_200))
        .await
        .unwrap();
    let mut peer = Arc::into_inner(peer).unwrap();
    let events = collect_until(&mut peer, Duration::from_secs(10), |seen| {
        has_event(seen, "input_audio_buffer.speech_stopped")
    })
    .await;
    assert!(
        has_event(&events, "input_audio_buffer.speech_stopped"),
        "{:?}",
        server_events(&events)
    );
    let path = format!("{SESSIONS}/live-1");
    let (_, view) = send(&server, get.clone(), &path, Some(&key), None).await;
    assert_eq!(view["status"], "in_progress", "{view}");
    assert!(view["startTime"].is_string());
    assert!(view["questionsAsked"].as_u64().unwrap() >= 1, "{view}");

    // The integrator ends it: the page is told why, and the call ends.
    let reason = "The position has been filled.";
    let (status, ended) = send(
        &server,
        post.clone(),
        &format!("{path}/end"),
        Some(&key),
        Some(json!({"reason": reason})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ended}");
    assert_eq!(
        (&ended["success"], &ended["status"]),
        (&json!(true), &json!("ended"))
    );
    let told = collect_until(&mut peer, Duration::from_secs(5), |seen| {
        has_event(seen, "viva.call.ended")
    })
    .await;
    let notice = event_of(&told, "viva.call.ended").expect("the page is told");
    assert_eq!(notice["reason"], reason);
    let (_, again) = send(
        &server,
        post.clone(),
        &format!("{path}/end"),
        Some(&key),
        Some(json!({})),
    )
    .await;
    assert_eq!(again["status"], "ended", "ending twice is no error");
    let (_, view) = send(&server, get.clone(), &path, Some(&key), None).await;
    assert_eq!(
        (&view["status"], &view["endReason"]),
        (&json!("ended"), &json!(reason))
    );
    assert!(view["endTime"].is_string());

    // Results: what happened, nothing invented.
    let mut results = Value::Null;
    for _ in 0..100 {
        let (status, body) = send(
            &server,
            get.clone(),
            &format!("{path}/results"),
            Some(&key),
            None,
        )
        .await;
        results = body;
        let recorded = results["audio"]["url"].is_string();
        if status == StatusCode::OK && recorded {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(results["sessionId"], "live-1", "{results:#}");
    assert_eq!(results["companyId"], "co-3");
    assert_eq!(results["overallScore"], Value::Null);
    let first = &results["questions"][0];
    assert!(
        first["question"]
            .as_str()
            .unwrap()
            .contains("Why payments?"),
        "{results:#}"
    );
    assert_eq!(
        first["answerTranscript"],
        Value::Null,
        "the local engine transcribes nothing"
    );
    assert!(first["answerDuration"].as_f64().unwrap() > 1.0, "{first}");
    assert!(
        results["transcript"]["full"]
            .as_str()
            .unwrap()
            .contains("Candidate: [answer not transcribed]")
    );
    let audio = reqwest::get(results["audio"]["url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(audio.headers()["content-type"], "audio/ogg");
    assert!(audio.bytes().await.unwrap().starts_with(b"OggS"));
    let text_url = results["transcript"]["url"].as_str().unwrap();
    let text = reqwest::get(text_url).await.unwrap();
    assert_eq!(text.status(), StatusCode::OK);
    assert!(text.text().await.unwrap().contains("Interviewer: "));
    let forged = text_url.replace("sig=", "sig=0");
    assert_eq!(
        reqwest::get(&forged).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
}
