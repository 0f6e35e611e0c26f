//! Seed 002's interview-sessions API (`/api/tezhire/…`) over real HTTP against a running
//! server with a real SQLite file: the seed's create body, idempotent session ids, field-naming
//! 400s, auth and organizations, and a voice interview held through the `joinUrl` by a
//! webrtc-rs peer that speaks, ended by the integrator (the candidate is told why), with its
//! results: the questions asked, the answer's duration, no invented transcript or score, the
//! recording and the transcript download.

mod common;
#[path = "common/webhook_receiver.rs"]
mod webhook_receiver;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use viva::server::Running;
use webhook_receiver::*;

const SESSIONS: &str = "/api/tezhire/interview-sessions";
const WEBHOOKS: &str = "/api/tezhire/webhooks";
/// The organization webhook's secret: plain text, the key as its bytes.
const PLAIN_SECRET: &str = "tezhire-shared-secret-0123456789";

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

/// What the candidate page does with a session's `joinUrl`: its join token fetches the
/// interview's credentials. The interview id and the credentials.
async fn join_credentials(server: &Running, created: &Value) -> (String, Value) {
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
    let credentials = format!("/api/v1/interviews/{id}/credentials");
    let base = base_url(server.addr);
    let (status, creds) =
        bearer_request(&base, reqwest::Method::POST, &credentials, &join, None).await;
    assert_eq!(status, StatusCode::OK, "{creds}");
    (id, creds)
}

/// The seed's create body, filled in.
fn seed_body(session_id: &str) -> Value {
    json!({
        "session": {"sessionId": session_id},
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

    // A private callbackUrl or webhook target is refused (no --webhook-allow-private here).
    let mut private = seed_body("s-4");
    private["session"]["callbackUrl"] = json!("http://127.0.0.1:9/hooks");
    let (status, body) = send(&server, post.clone(), SESSIONS, Some(&key), Some(private)).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_url"))
    );
    assert!(
        body["details"]
            .as_str()
            .unwrap()
            .starts_with("session.callbackUrl"),
        "{body}"
    );
    let hook =
        json!({"url": "http://10.0.0.1/hooks", "secret": "a-long-enough-secret", "events": []});
    let (status, body) = send(&server, post.clone(), WEBHOOKS, Some(&key), Some(hook)).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_url"))
    );
    let bad_event = json!({"url": "https://hooks.invalid/x", "events": ["interview.exploded"]});
    let (status, body) = send(&server, post.clone(), WEBHOOKS, Some(&key), Some(bad_event)).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_event"))
    );
    let (status, body) = send(&server, reqwest::Method::GET, WEBHOOKS, None, None).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::UNAUTHORIZED, &json!("unauthorized"))
    );

    // configuration.voiceId and enableTranscription reach the realtime session; an unknown
    // voice leaves the default.
    for (voice, transcribe, want) in [("verse", false, "verse"), ("nova-ultra", true, "alloy")] {
        let mut body = seed_body(&format!("s-voice-{voice}"));
        body["configuration"]["voiceId"] = json!(voice);
        body["configuration"]["enableTranscription"] = json!(transcribe);
        let (status, created) = send(&server, post.clone(), SESSIONS, Some(&key), Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{created}");
        let (_, creds) = join_credentials(&server, &created).await;
        let token = &creds["session_token"];
        assert_eq!(token["voice"], want, "{token}");
        assert_eq!(
            token["input_audio_transcription"].is_null(),
            !transcribe,
            "{token}"
        );
    }

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
    let server = start_server(webhook_config(&[200, 200, 200])).await;
    let key = org_key(&server, "voice", None).await;
    let other = org_key(&server, "bystander", None).await;
    let (post, get) = (reqwest::Method::POST, reqwest::Method::GET);

    // The organization's webhook, and the session's own callbackUrl, each at a receiver.
    let (org_hooks, org_url) = Receiver::start(&[]).await;
    let (session_hooks, session_url) = Receiver::start(&[Answer::Status(500)]).await;
    let hook = json!({"url": org_url, "secret": PLAIN_SECRET, "events": EVENTS});
    let (status, registered) = send(&server, post.clone(), WEBHOOKS, Some(&key), Some(hook)).await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    assert_eq!(
        (
            &registered["success"],
            &registered["message"],
            &registered["url"]
        ),
        (
            &json!(true),
            &json!("Webhook configured successfully"),
            &json!(org_url)
        )
    );
    let mut sorted = EVENTS.to_vec();
    sorted.sort_unstable();
    assert_eq!(registered["events"], json!(sorted));
    let webhook_id = registered["webhookId"].as_str().unwrap().to_owned();
    assert!(
        registered.get("secret").is_none(),
        "the integrator's own secret is not echoed"
    );
    let mut body = seed_body("live-1");
    body["session"]["callbackUrl"] = json!(session_url);
    let (status, created) = send(&server, post.clone(), SESSIONS, Some(&key), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let callback_secret = created["callbackSecret"].as_str().unwrap().to_owned();
    assert!(callback_secret.starts_with("whsec_"), "{created}");

    // Another organization neither sees nor deletes them.
    let (_, theirs) = send(&server, get.clone(), WEBHOOKS, Some(&other), None).await;
    assert_eq!(theirs["webhooks"], json!([]), "{theirs}");
    let hook_path = format!("{WEBHOOKS}/{webhook_id}");
    let (status, _) = send(
        &server,
        reqwest::Method::DELETE,
        &hook_path,
        Some(&other),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, ours) = send(&server, get.clone(), WEBHOOKS, Some(&key), None).await;
    assert_eq!(ours["webhooks"].as_array().unwrap().len(), 2, "{ours}");

    // What the candidate page does with the joinUrl: its token fetches the credentials.
    let (id, creds) = join_credentials(&server, &created).await;
    assert_eq!(creds["session_token"]["voice"], "alloy", "voiceId");
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

    // Both receivers got the session's events in order, each signed for the reference library
    // (the callback's first attempt got a 500 and was retried, still in order).
    let order = [
        "interview.created",
        "interview.started",
        "interview.cancelled",
        "results.available",
    ];
    for (receiver, secret, raw) in [
        (&org_hooks, PLAIN_SECRET, true),
        (&session_hooks, callback_secret.as_str(), false),
    ] {
        let wanted = if raw { order.len() } else { order.len() + 1 };
        let got = receiver.wait_for(wanted).await;
        let cases: Vec<Value> = got
            .iter()
            .map(|r| {
                json!({"secret": secret, "raw": raw, "body": r.body, "headers": {
                    "webhook-id": header(r, "webhook-id"),
                    "webhook-timestamp": header(r, "webhook-timestamp"),
                    "webhook-signature": header(r, "webhook-signature"),
                }})
            })
            .collect();
        let verdicts = reference_verify(Value::from(cases)).await;
        let mut types = Vec::new();
        let mut ids = Vec::new();
        for (verdict, request) in verdicts.iter().zip(&got) {
            assert_eq!(verdict["ok"], true, "{verdict}");
            let payload = &verdict["payload"];
            assert_eq!(payload["data"]["sessionId"], "live-1", "{payload}");
            assert_eq!(payload["data"]["interview_id"], id.as_str());
            let webhook_id = header(request, "webhook-id").to_owned();
            if !ids.contains(&webhook_id) {
                ids.push(webhook_id);
                types.push(payload["type"].as_str().unwrap().to_owned());
            }
        }
        assert_eq!(types, order, "raw secret: {raw}");
        assert_eq!(
            verdicts.last().unwrap()["payload"]["data"]["status"],
            "unavailable",
            "no model here, so the result says it could not judge"
        );
    }
    // A wrong secret fails the library's check.
    let first = &org_hooks.received()[0];
    let wrong = json!([{"secret": "not-the-secret-at-all-0000", "raw": true, "body": first.body,
        "headers": {"webhook-id": header(first, "webhook-id"),
                    "webhook-timestamp": header(first, "webhook-timestamp"),
                    "webhook-signature": header(first, "webhook-signature")}}]);
    assert_eq!(reference_verify(wrong).await[0]["ok"], false);

    // Deleted, the organization's endpoint is gone from the list.
    let (status, deleted) = send(
        &server,
        reqwest::Method::DELETE,
        &hook_path,
        Some(&key),
        None,
    )
    .await;
    assert_eq!(
        (status, &deleted["success"]),
        (StatusCode::OK, &json!(true))
    );
    let (status, _) = send(
        &server,
        reqwest::Method::DELETE,
        &hook_path,
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, ours) = send(&server, get, WEBHOOKS, Some(&key), None).await;
    assert_eq!(
        ours["webhooks"].as_array().unwrap().len(),
        1,
        "the session's own remains"
    );
}

/// Every event the sessions API offers.
const EVENTS: [&str; 6] = [
    "interview.created",
    "interview.started",
    "interview.completed",
    "interview.cancelled",
    "interview.error",
    "results.available",
];
