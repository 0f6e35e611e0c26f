//! Seed 000's partner mock-interview API (`/v1/partners/mock-interviews/`) over real HTTP
//! against a running server with a real SQLite file: the seed's own JavaScript SDK class run
//! by node (`tests/compat/skillora.mjs`), organizations that never see each other's
//! interviews, credits that run out, the 10 MB body limit, and the `interview_url` holding a
//! real voice interview of the plan whose transcript the messages endpoint then returns.

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use viva::server::Running;

const NOT_FOUND: &str = "Mock assessment not found";
const PATH: &str = "/v1/partners/mock-interviews/";

/// An API key of a new organization named `name` with `credits`.
async fn org_key(server: &Running, name: &str, credits: Option<u64>) -> String {
    let store = &server.state.store;
    let now = viva::clock::unix_ms();
    let org = store.ensure_org(name, credits, now).await.unwrap();
    let (_, secret) = store
        .create_api_key(&org.id, name, false, now)
        .await
        .unwrap();
    secret
}

/// A request with `token` as bearer; the status and JSON body (null when none).
async fn call(
    server: &Running,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    bearer_request(&base_url(server.addr), method, path, token, body).await
}

async fn create(server: &Running, key: &str, body: Value) -> (StatusCode, Value) {
    call(server, Method::POST, PATH, key, Some(body)).await
}

fn skill(email: &str) -> Value {
    json!({"focus_area": "SKILL", "email": email, "topic": "SQL", "difficulty_level": 2})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeds_js_sdk_runs_every_route() {
    let server = start_server(test_config()).await;
    let key = org_key(&server, "acme", Some(50)).await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat");
    let mut command = tokio::process::Command::new("node");
    command
        .arg("skillora.mjs")
        .current_dir(&script)
        .env("SKILLORA_BASE_URL", format!("{}/v1", base_url(server.addr)))
        .env("SKILLORA_API_KEY", &key);
    let (s, output) = run_json_script(command, Duration::from_secs(60)).await;
    println!("skillora.mjs: {s}");
    assert!(output.status.success() && s["ok"] == true, "{s:#}");
    assert!(s["checks"].as_u64() > Some(20), "{s:#}");
    // Five areas with the key, one more with the candidate's JWT.
    assert_eq!(s["credits"], json!([49, 48, 47, 46, 45]), "{s:#}");
    assert_eq!(s["list_total"], 6, "{s:#}");
    assert_eq!(s["jwt_list_total"], 2, "the JOB candidate's two: {s:#}");
    let f = &s["filters"];
    assert_eq!(
        (
            &f["UNATTEMPTED"],
            &f["IN_PROGRESS"],
            &f["COMPLETED"],
            &f["INCOMPLETE"]
        ),
        (&json!(6), &json!(0), &json!(0), &json!(0)),
        "{f}"
    );
    assert_eq!(
        (&f["JOB"], &f["TOPIC"], &f["SKILL"]),
        (&json!(1), &json!(2), &json!(2))
    );
    assert_eq!((&f["RESUME"], &f["UNIVERSITY"]), (&json!(1), &json!(1)));
    assert_eq!(
        (&f["BEHAVIORAL"], &f["BEHAVIOURAL"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(
        s["pages"],
        json!([{"n": 4, "has_next": true, "has_previous": false, "pages": 2},
               {"n": 2, "has_next": false, "has_previous": true, "pages": 2}])
    );
    assert_eq!(s["messages_total"], 0);
    let e = &s["errors"];
    let expect = |name: &str, status: u16, message: &str| {
        assert_eq!(e[name]["status"], status, "{name}: {e:#}");
        assert_eq!(e[name]["body"]["error"], message, "{name}");
        assert!(e[name]["body"]["code"].is_string(), "a stable code: {name}");
    };
    expect(
        "invalid_focus_area",
        400,
        "Invalid focus_area. Must be one of: JOB, SKILL, RESUME, UNIVERSITY, BEHAVIOURAL",
    );
    expect("missing_field", 400, "job_description is required");
    expect(
        "no_email",
        400,
        "email is required when authenticating with an API key",
    );
    expect("bad_key", 401, "Invalid API key");
    expect("bad_key_list", 401, "Invalid API key");
    expect("get_missing", 404, NOT_FOUND);
    expect("delete_missing", 404, NOT_FOUND);
    expect("messages_missing", 404, NOT_FOUND);
    expect(
        "bad_status",
        400,
        "Invalid status. Must be one of: UNATTEMPTED, IN_PROGRESS, COMPLETED, INCOMPLETE",
    );
    assert_eq!(s["deleted"]["success"], true, "{s:#}");
    assert_eq!(s["after_delete"]["status"], 404);
    assert_eq!(s["list_total_after_delete"], 5);
    let embed = &s["embed"];
    assert_eq!(embed["status"], 200, "{embed}");
    assert_eq!(embed["csp"], "frame-ancestors *");
    assert!(
        embed["content_type"]
            .as_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(embed["is_page"], true);
    assert_eq!(embed["secret_ok"], true, "{embed}");
    assert_eq!(embed["instructions_carry_plan"], true);
    assert_eq!(embed["instructions_carry_context"], true);
}

#[tokio::test]
async fn another_organization_gets_404_and_never_sees_it() {
    let server = start_server(test_config()).await;
    let a = org_key(&server, "org-a", None).await;
    let b = org_key(&server, "org-b", None).await;
    let (status, created) = create(&server, &a, skill("ada@example.com")).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["organization"]["name"], "org-a");
    assert_eq!(created["organization"]["remaining_credits"], Value::Null);
    let id = created["interview_details"]["id"].as_str().unwrap();
    create(&server, &b, skill("bob@example.com")).await;

    for slash in ["/", ""] {
        for (method, path) in [
            (Method::GET, format!("{PATH}{id}{slash}")),
            (Method::DELETE, format!("{PATH}{id}{slash}")),
            (Method::GET, format!("{PATH}{id}/messages{slash}")),
        ] {
            let (status, body) = call(&server, method.clone(), &path, &b, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
            assert_eq!(body, json!({"error": NOT_FOUND, "code": "not_found"}));
        }
    }
    let list = |key: String| {
        let server = &server;
        async move {
            call(server, Method::GET, PATH.trim_end_matches('/'), &key, None)
                .await
                .1
        }
    };
    let (seen_a, seen_b) = (list(a.clone()).await, list(b.clone()).await);
    assert_eq!(seen_a["pagination"]["total"], 1, "{seen_a}");
    assert_eq!(seen_b["pagination"]["total"], 1, "{seen_b}");
    assert_eq!(seen_a["results"][0]["id"], id);
    assert_ne!(seen_b["results"][0]["id"], id);
    assert_eq!(seen_a["results"][0]["user"]["email"], "ada@example.com");
    // B's delete did not touch it.
    let (status, got) = call(&server, Method::GET, &format!("{PATH}{id}/"), &a, None).await;
    assert_eq!((status, got["id"].as_str()), (StatusCode::OK, Some(id)));
    // The candidate's own token: its interview, not B's or anyone else's.
    let access = created["tokens"]["access"].as_str().unwrap();
    let mine = call(&server, Method::GET, PATH, access, None).await.1;
    assert_eq!(mine["pagination"]["total"], 1, "{mine}");
    let (status, _) = call(&server, Method::DELETE, &format!("{PATH}{id}/"), &a, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list(a).await["pagination"]["total"], 0);
}

#[tokio::test]
async fn credits_count_down_and_the_third_create_is_refused() {
    let server = start_server(test_config()).await;
    let key = org_key(&server, "tiny", Some(2)).await;
    let mut remaining = Vec::new();
    for n in 0..2 {
        let (status, body) = create(&server, &key, skill(&format!("c{n}@example.com"))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        remaining.push(body["organization"]["remaining_credits"].clone());
    }
    assert_eq!(remaining, [json!(1), json!(0)]);
    // (Without the trailing slash: every route takes both.)
    let no_slash = PATH.trim_end_matches('/');
    let third = Some(skill("c3@example.com"));
    let (status, body) = call(&server, Method::POST, no_slash, &key, third).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(
        body,
        json!({"error": "Organization has no mock interview credits available", "code": "no_credits"})
    );
    let list = call(&server, Method::GET, PATH, &key, None).await.1;
    assert_eq!(list["pagination"]["total"], 2, "{list}");
    assert_eq!(list["organization"]["remaining_credits"], 0);
}

#[tokio::test]
async fn bodies_up_to_ten_megabytes_are_taken() {
    let server = start_server(test_config()).await;
    // Far above the server-wide 64 KB limit: a long resume.
    let resume = "Built payment systems for six years. ".repeat(6_000);
    let body = json!({"focus_area": "RESUME", "email": "long@example.com", "resume": resume});
    let (status, created) = create(&server, "sk_test_bootstrap", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["interview_details"]["resume"]
            .as_str()
            .unwrap()
            .len(),
        resume.trim().len()
    );
    assert_eq!(created["organization"]["id"], "org_default");

    let huge = format!(
        "{{\"focus_area\": \"RESUME\", \"resume\": \"{}\"}}",
        "x".repeat(10 * 1024 * 1024)
    );
    let response = Client::new()
        .post(format!("{}{PATH}", base_url(server.addr)))
        .bearer_auth("sk_test_bootstrap")
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("10 MB"), "{body}");

    let response = Client::new()
        .post(format!("{}{PATH}", base_url(server.addr)))
        .bearer_auth("sk_test_bootstrap")
        .body("focus_area=JOB")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(response.json::<Value>().await.unwrap()["error"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_interview_url_holds_the_plans_interview_and_messages_show_it() {
    let server = start_server(test_config()).await;
    let key = org_key(&server, "voice", None).await;
    let (status, created) = create(
        &server,
        &key,
        json!({"focus_area": "UNIVERSITY", "email": "stu@example.com", "university": "Stanford University",
               "program": "Computer Science PhD", "number_of_questions": 2}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let details = &created["interview_details"];
    let id = details["id"].as_str().unwrap();
    let first = details["questions"][0].as_str().unwrap().to_owned();
    assert_eq!(
        first,
        "Why do you want to study Computer Science PhD at Stanford University?"
    );

    // What the embed page does with its link: the page, then the interview's client secret
    // with the link's access token.
    let url = reqwest::Url::parse(created["interview_url"].as_str().unwrap()).unwrap();
    let page = reqwest::get(url.clone()).await.unwrap();
    assert_eq!(
        page.headers()["content-security-policy"],
        "frame-ancestors *"
    );
    assert!(page.text().await.unwrap().contains("/assets/app.js"));
    let (_, access, secret) = embed_secret(&base_url(server.addr), &created).await;
    let secret = secret.as_str();

    // The voice interview: the local engine asks the plan's first question.
    let mut peer = connected_call(server.addr, secret).await;
    let events = first_interviewer_line(&mut peer).await;
    let said = event_of(&events, "response.output_audio_transcript.done")
        .map(|e| e["transcript"].as_str().unwrap_or_default().to_owned());
    assert!(
        said.as_deref().is_some_and(|s| s.contains(&first)),
        "{said:?}"
    );

    let (_, during) = call(&server, Method::GET, &format!("{PATH}{id}/"), &key, None).await;
    assert!(during["started_at"].is_string(), "{during}");
    assert_eq!(during["status"], "IN_PROGRESS", "{during}");
    peer.hangup().await.unwrap();

    // The transcript, as messages: the interviewer's question, word for word.
    let path = format!("{PATH}{id}/messages/?include_video_urls=true");
    let mut messages = Value::Null;
    for _ in 0..50 {
        messages = call(&server, Method::GET, &path, &access, None).await.1;
        let found = messages["results"].as_array().is_some_and(|r| {
            r.iter().any(|m| {
                m["role"] == "assistant"
                    && m["content"].as_str().is_some_and(|c| c.contains(&first))
            })
        });
        if found {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let results = messages["results"].as_array().expect("results");
    let asked = results
        .iter()
        .find(|m| m["role"] == "assistant")
        .unwrap_or_else(|| panic!("no assistant message: {messages:#}"));
    assert!(
        asked["content"].as_str().unwrap().contains(&first),
        "{asked}"
    );
    assert_eq!(
        asked["html_content"],
        format!("<p>{}</p>", asked["content"].as_str().unwrap())
    );
    assert_eq!(
        (&asked["audio_url"], &asked["video_presigned_url"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(messages["pagination"]["total"], results.len());
    // The call changed the interview's progress, not its own fields.
    let (_, after) = call(&server, Method::GET, &format!("{PATH}{id}"), &key, None).await;
    assert_eq!(after["focus_area"], "UNIVERSITY", "{after}");
    assert_eq!(after["program"], "Computer Science PhD");
    assert_ne!(after["status"], "UNATTEMPTED");
    // Candidate turns (if any) carry no invented text.
    assert!(
        results
            .iter()
            .filter(|m| m["role"] == "user")
            .all(|m| m["content"] == "")
    );
}

#[tokio::test]
async fn the_links_token_joins_its_own_interview_only_and_lasts_days() {
    let server = start_server(test_config()).await;
    let key = org_key(&server, "links", None).await;
    let (_, first) = create(&server, &key, skill("link@example.com")).await;
    let (_, second) = create(&server, &key, skill("link@example.com")).await;
    let link = |created: &Value| {
        let url = reqwest::Url::parse(created["interview_url"].as_str().unwrap()).unwrap();
        let join = url.query_pairs().find(|(k, _)| k == "access").unwrap().1;
        join.into_owned()
    };
    let (join, other_id) = (
        link(&first),
        second["interview_details"]["id"].as_str().unwrap(),
    );
    let first_id = first["interview_details"]["id"].as_str().unwrap();
    let credentials = |id: &str| format!("/api/v1/interviews/{id}/credentials");
    let (status, _) = call(&server, Method::POST, &credentials(first_id), &join, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&server, Method::POST, &credentials(other_id), &join, None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the same user's other interview"
    );
    for path in [
        format!("{PATH}{first_id}/"),
        format!("{PATH}{first_id}/messages/"),
    ] {
        let (status, _) = call(&server, Method::GET, &path, &join, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: it only joins");
    }
    // Valid for the configured week, unlike the create's 15-minute access token.
    let claims = server
        .state
        .jwt
        .verify(&join, viva::credentials::jwt::TokenKind::Join, 0)
        .unwrap();
    assert_eq!(claims.exp - claims.iat, 7 * 86_400);
    assert!(claims.email.is_empty(), "no email in a link");
}
