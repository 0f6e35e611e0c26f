//! The integrator's Interview API (seed 001) over real HTTP against a running server with a
//! real SQLite file: auth (API keys, user JWTs), ownership, templates, interviews, session and
//! question tokens, every error path, and a restart that loses nothing.

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use viva::config::ServeConfig;
use viva::server::{Running, start};

const ADMIN: &str = "sk_test_bootstrap";

struct Api {
    base: String,
    http: Client,
}

impl Api {
    fn new(running: &Running) -> Self {
        Self {
            base: base_url(running.addr),
            http: Client::new(),
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Tokens for a user, minted with an API key.
    async fn user(&self, email: &str) -> (String, String, String) {
        let (status, body) = self
            .post("/api/v1/auth/token", ADMIN, json!({"email": email}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (
            body["access"].as_str().unwrap().into(),
            body["refresh"].as_str().unwrap().into(),
            body["user_id"].as_str().unwrap().into(),
        )
    }
}

fn assert_detail(status: StatusCode, body: &Value, expected: StatusCode) {
    assert_eq!(status, expected, "{body}");
    assert!(
        body["detail"].is_string(),
        "errors are {{\"detail\": …}}: {body}"
    );
}

async fn first_template(api: &Api, token: &str) -> String {
    let (status, templates) = api.get("/api/v1/templates", token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        templates.as_array().unwrap().len() >= 3,
        "built-in templates are seeded"
    );
    templates[0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_own_their_interviews_and_every_error_has_a_detail() {
    let server = start_server(test_config()).await;
    let api = Api::new(&server);
    let (ada, ada_refresh, ada_id) = api.user("ada@example.com").await;
    let (bob, _, _) = api.user("bob@example.com").await;
    let template = first_template(&api, &ada).await;

    // Auth failures.
    let (s, b) = api
        .call(Method::GET, "/api/v1/interviews/", None, None)
        .await;
    assert_detail(s, &b, StatusCode::UNAUTHORIZED);
    let (s, b) = api.get("/api/v1/interviews/", "garbage").await;
    assert_detail(s, &b, StatusCode::UNAUTHORIZED);
    let (s, b) = api.get("/api/v1/interviews/", "sk_not_a_key").await;
    assert_detail(s, &b, StatusCode::UNAUTHORIZED);
    let (s, b) = api.get("/api/v1/interviews/", &ada_refresh).await;
    assert_detail(s, &b, StatusCode::UNAUTHORIZED);
    let (s, b) = api
        .post(
            "/api/v1/auth/token",
            &ada,
            json!({"email": "eve@example.com"}),
        )
        .await;
    assert_detail(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = api
        .post(
            "/api/v1/auth/token",
            ADMIN,
            json!({"email": "not-an-email"}),
        )
        .await;
    assert_detail(s, &b, StatusCode::BAD_REQUEST);

    // Refresh gives a working pair; an access token is not a refresh token.
    let (s, refreshed) = api
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh": ada_refresh})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(refreshed["user_id"], ada_id);
    let (s, _) = api
        .get("/api/v1/interviews/", refreshed["access"].as_str().unwrap())
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = api
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh": ada})),
        )
        .await;
    assert_detail(s, &b, StatusCode::UNAUTHORIZED);

    // Create: the seed's shape.
    let (s, created) = api
        .post(
            "/api/v1/interviews/",
            &ada,
            json!({"template_id": template}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["user_id"], ada_id);
    assert_eq!(created["template_id"], template);
    assert_eq!(created["status"], "in-progress");
    assert_eq!(created["completed_at"], Value::Null);
    assert_eq!(
        created["progress_data"],
        json!({"current_question": 1, "questions_completed": []})
    );
    assert!(created["started_at"].as_str().unwrap().ends_with('Z'));
    let id = created["id"].as_str().unwrap().to_owned();
    let (s, b) = api
        .post("/api/v1/interviews/", &ada, json!({"template_id": "nope"}))
        .await;
    assert_detail(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api
        .post("/api/v1/interviews/", &ada, json!({"template": template}))
        .await;
    assert_detail(s, &b, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, b) = api
        .post(
            "/api/v1/interviews/",
            ADMIN,
            json!({"template_id": template}),
        )
        .await;
    assert_detail(s, &b, StatusCode::BAD_REQUEST);
    let (s, for_carol) = api.post("/api/v1/interviews/", ADMIN, json!({"template_id": template, "email": "carol@example.com", "context": "Senior role at Acme"})).await;
    assert_eq!(s, StatusCode::CREATED);

    // Ownership: 403 for someone else's, 404 for none.
    let path = format!("/api/v1/interviews/{id}");
    let (s, got) = api.get(&path, &ada).await;
    assert_eq!((s, got.clone()), (StatusCode::OK, created.clone()));
    let (s, b) = api.get(&path, &bob).await;
    assert_detail(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = api
        .get(
            "/api/v1/interviews/00000000-0000-0000-0000-000000000000",
            &ada,
        )
        .await;
    assert_detail(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = api
        .call(
            Method::PATCH,
            &path,
            Some(&bob),
            Some(json!({"status": "completed"})),
        )
        .await;
    assert_detail(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = api.call(Method::DELETE, &path, Some(&bob), None).await;
    assert_detail(s, &b, StatusCode::FORBIDDEN);

    // Listing: own only for users; user_id filtering is admin-only; paging and status.
    let (_, mine) = api.get("/api/v1/interviews/", &ada).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let (_, bobs) = api.get("/api/v1/interviews", &bob).await;
    assert!(bobs.as_array().unwrap().is_empty());
    let (s, b) = api
        .get(&format!("/api/v1/interviews/?user_id={ada_id}"), &ada)
        .await;
    assert_detail(s, &b, StatusCode::FORBIDDEN);
    let (s, filtered) = api
        .get(&format!("/api/v1/interviews/?user_id={ada_id}"), ADMIN)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(filtered.as_array().unwrap().len(), 1);
    let (_, all) = api.get("/api/v1/interviews/", ADMIN).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (_, page) = api.get("/api/v1/interviews/?skip=1&limit=1", ADMIN).await;
    assert_eq!(page[0]["id"], for_carol["id"]);
    let (s, b) = api.get("/api/v1/interviews/?status=paused", ADMIN).await;
    assert_detail(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api.get("/api/v1/interviews/?limit=0", ADMIN).await;
    assert_detail(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api.get("/api/v1/interviews/?skip=-1", ADMIN).await;
    assert_detail(s, &b, StatusCode::BAD_REQUEST);

    // Patch: progress, completion sets completed_at; bad values refused.
    let progress = json!({"current_question": 4, "questions_completed": [1, 2, 3, 4]});
    let (s, b) = api
        .call(
            Method::PATCH,
            &path,
            Some(&ada),
            Some(json!({"status": "paused"})),
        )
        .await;
    assert_detail(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api
        .call(
            Method::PATCH,
            &path,
            Some(&ada),
            Some(json!({"progress_data": [1]})),
        )
        .await;
    assert_detail(s, &b, StatusCode::BAD_REQUEST);
    let (s, updated) = api
        .call(
            Method::PATCH,
            &path,
            Some(&ada),
            Some(json!({"status": "completed", "progress_data": progress})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{updated}");
    assert_eq!(updated["status"], "completed");
    assert!(updated["completed_at"].is_string());
    assert_eq!(updated["progress_data"], progress);
    let (_, completed) = api.get("/api/v1/interviews/?status=completed", &ada).await;
    assert_eq!(completed.as_array().unwrap().len(), 1);

    // A completed interview issues no more tokens.
    let (s, b) = api
        .post(&format!("{path}/credentials"), &ada, json!({}))
        .await;
    assert_detail(s, &b, StatusCode::BAD_REQUEST);

    // Delete: 204, then 404.
    let (s, _) = api.call(Method::DELETE, &path, Some(&ada), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = api.get(&path, &ada).await;
    assert_detail(s, &b, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_and_question_tokens_open_calls_until_the_interview_ends() {
    let server = start_server(test_config()).await;
    let api = Api::new(&server);
    let (ada, _, ada_id) = api.user("ada@example.com").await;
    let template = first_template(&api, &ada).await;
    let (_, interview) = api
        .post(
            "/api/v1/interviews/",
            &ada,
            json!({"template_id": template, "context": "Backend team at Acme"}),
        )
        .await;
    let id = interview["id"].as_str().unwrap().to_owned();

    let (s, credentials) = api
        .post(
            &format!("/api/v1/interviews/{id}/credentials"),
            &ada,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{credentials}");
    let turn = &credentials["turn_credentials"];
    let (expiry, opaque) = turn["username"]
        .as_str()
        .unwrap()
        .split_once(':')
        .expect("<expiry>:<opaque id>");
    assert_eq!(
        expiry.parse::<u64>().unwrap(),
        turn["expiration"].as_u64().unwrap()
    );
    assert_eq!(
        opaque, id,
        "the opaque id names the interview, not the candidate"
    );
    assert!(turn["ttl"].as_u64().unwrap() > 0);
    let secrets = &server.state.turn_secrets;
    let now = viva::clock::unix_secs();
    assert_eq!(
        secrets
            .verify(turn["username"].as_str().unwrap(), now)
            .unwrap(),
        turn["password"].as_str().unwrap(),
        "password = base64(HMAC-SHA1(secret, username))"
    );
    let urls: Vec<&str> = turn["urls"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        urls.iter()
            .any(|u| u.starts_with("turn:") && u.ends_with("?transport=udp")),
        "{urls:?}"
    );
    assert!(urls.iter().any(|u| u.starts_with("stun:")), "{urls:?}");
    let token = &credentials["session_token"];
    assert_eq!(token["object"], "realtime.session");
    assert_eq!(token["interview_id"], id);
    assert_eq!(token["user_id"], ada_id);
    assert_eq!(token["input_audio_format"], "pcm16");
    assert_eq!(token["ttl"], 3_600);
    assert!(token["instructions"].as_str().unwrap().contains("Acme"));
    let secret = token["client_secret"]["value"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("ek_"));
    assert!(
        token["client_secret"]["expires_at"].as_u64().unwrap() > viva::clock::unix_secs() + 3_500
    );

    // Question tokens: bounds on n and ttl.
    let q = |n: &str, ttl: &str| format!("/api/v1/interviews/{id}/questions/{n}/token{ttl}");
    let (s, q2) = api.get(&q("2", "?ttl=600"), &ada).await;
    assert_eq!(s, StatusCode::OK, "{q2}");
    assert_eq!(q2["question_number"], 2);
    assert_eq!(q2["ttl"], 600);
    assert!(q2["id"].as_str().unwrap().ends_with("_2"));
    let count = interview_questions(&api, &ada, &template).await;
    for (n, ttl, status) in [
        ("0", "", 400),
        (&*(count + 1).to_string(), "", 400),
        ("x", "", 400),
        ("1", "?ttl=299", 400),
        ("1", "?ttl=7201", 400),
        ("1", "?ttl=abc", 400),
    ] {
        let (s, b) = api.get(&q(n, ttl), &ada).await;
        assert_detail(s, &b, StatusCode::from_u16(status).unwrap());
    }
    let (bob, _, _) = api.user("bob@example.com").await;
    let (s, b) = api.get(&q("1", ""), &bob).await;
    assert_detail(s, &b, StatusCode::FORBIDDEN);

    // The session token opens a call (its secret is a realtime client secret).
    let mut peer = viva::load::SyntheticPeer::call(&base_url(server.addr), &secret)
        .await
        .expect("session token opens a call");
    connected(&mut peer).await;
    let (s, record) = api
        .get(&format!("/v1/realtime/calls/{}", peer.call_id), ADMIN)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(record["interview_id"], id);

    // A question token switches the live call to its question: a session.update reaches the
    // model (the local engine answers session.updated) and the call goes on.
    let q2_secret = q2["client_secret"]["value"].as_str().unwrap();
    let switch_url = format!(
        "{}/v1/realtime/calls/{}/question",
        base_url(server.addr),
        peer.call_id
    );
    let switch = |secret: &str| {
        let http = Client::new();
        let url = switch_url.clone();
        let secret = secret.to_owned();
        async move { http.post(url).bearer_auth(secret).send().await.unwrap() }
    };
    let response = switch(q2_secret).await;
    assert_eq!(response.status(), StatusCode::OK);
    let events = collect_until(&mut peer, Duration::from_secs(5), |seen| {
        has_event(seen, "session.updated")
    })
    .await;
    let updated = event_of(&events, "session.updated")
        .cloned()
        .expect("session.updated");
    assert!(
        updated["session"]["instructions"]
            .as_str()
            .unwrap()
            .contains("question 2 of"),
        "{updated}"
    );
    assert!(
        updated["session"].get("viva").is_none(),
        "Viva's plan extension stays internal"
    );
    let (_, now) = api.get(&format!("/api/v1/interviews/{id}"), &ada).await;
    assert_eq!(now["progress_data"]["current_question"], 2);
    // Not a question token, or another interview's: refused.
    assert_eq!(switch(&secret).await.status(), StatusCode::BAD_REQUEST);
    let (_, other) = api
        .post(
            "/api/v1/interviews/",
            &ada,
            json!({"template_id": template}),
        )
        .await;
    let (_, other_q) = api
        .get(
            &format!(
                "/api/v1/interviews/{}/questions/1/token",
                other["id"].as_str().unwrap()
            ),
            &ada,
        )
        .await;
    assert_eq!(
        switch(other_q["client_secret"]["value"].as_str().unwrap())
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    peer.hangup().await.unwrap();

    // Completed or deleted: the tokens are refused.
    api.call(
        Method::PATCH,
        &format!("/api/v1/interviews/{id}"),
        Some(&ada),
        Some(json!({"status": "completed"})),
    )
    .await;
    let refused = viva::load::SyntheticPeer::call(&base_url(server.addr), &secret)
        .await
        .err()
        .expect("refused");
    assert_eq!(refused.code(), "interview_completed");
    let other_secret = other_q["client_secret"]["value"].as_str().unwrap();
    api.call(
        Method::DELETE,
        &format!("/api/v1/interviews/{}", other["id"].as_str().unwrap()),
        Some(&ada),
        None,
    )
    .await;
    let refused = viva::load::SyntheticPeer::call(&base_url(server.addr), other_secret)
        .await
        .err()
        .expect("refused");
    assert_eq!(refused.code(), "interview_not_found");
}

async fn interview_questions(api: &Api, token: &str, template_id: &str) -> usize {
    let (_, template) = api
        .get(&format!("/api/v1/templates/{template_id}"), token)
        .await;
    template["question_count"].as_u64().unwrap() as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn templates_can_be_added_and_are_validated() {
    let server = start_server(test_config()).await;
    let api = Api::new(&server);
    let (ada, _, _) = api.user("ada@example.com").await;
    let body = json!({"title": "SRE", "focus_area": "on-call", "duration_minutes": 20, "instructions": "Be calm.", "question_kinds": ["technical"], "questions": ["What is an SLO?", "Describe a postmortem."]});
    let (s, b) = api.post("/api/v1/templates", &ada, body.clone()).await;
    assert_detail(s, &b, StatusCode::FORBIDDEN);
    let (s, created) = api.post("/api/v1/templates", ADMIN, body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["question_count"], 2);
    assert_eq!(created["builtin"], false);
    let (s, fetched) = api
        .get(
            &format!("/api/v1/templates/{}", created["id"].as_str().unwrap()),
            &ada,
        )
        .await;
    assert_eq!((s, &fetched), (StatusCode::OK, &created));
    let mut bad = body.clone();
    bad["questions"] = json!([]);
    let (s, b) = api.post("/api/v1/templates", ADMIN, bad).await;
    assert_detail(s, &b, StatusCode::BAD_REQUEST);
    let mut bad = body;
    bad["question_count"] = json!(11);
    let (s, b) = api.post("/api/v1/templates", ADMIN, bad).await;
    assert_detail(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = api.get("/api/v1/templates/missing", &ada).await;
    assert_detail(s, &b, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_loses_nothing_and_revoked_keys_stop_working() {
    let config = test_config();
    let data_dir = config.data_dir.clone();
    let run = |config: ServeConfig| async move {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = start(config, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
        (running, stop)
    };
    let (first, stop) = run(config.clone()).await;
    let api = Api::new(&first);
    let store = viva::server::open_store(&data_dir).await.unwrap();
    let (key, secret) =
        viva::store::IntegratorStore::create_api_key(&*store, "org_default", "partner", false, 1)
            .await
            .unwrap();
    let (s, _) = api.get("/api/v1/templates", &secret).await;
    assert_eq!(s, StatusCode::OK, "a stored key works");
    let (s, created) = api
        .post(
            "/api/v1/interviews/",
            &secret,
            json!({"template_id": first_template(&api, ADMIN).await, "email": "dan@example.com"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, b) = api
        .get(
            &format!(
                "/api/v1/interviews/?user_id={}",
                created["user_id"].as_str().unwrap()
            ),
            &secret,
        )
        .await;
    assert_detail(s, &b, StatusCode::FORBIDDEN);
    let (dan, _, _) = api.user("dan@example.com").await;
    stop.send(()).unwrap();
    let viva::server::Running { task, state, .. } = first;
    task.await.unwrap().unwrap();
    drop(state);

    let (second, _stop) = run(config).await;
    let api = Api::new(&second);
    let path = format!("/api/v1/interviews/{}", created["id"].as_str().unwrap());
    let (s, again) = api.get(&path, &secret).await;
    assert_eq!(
        (s, &again),
        (StatusCode::OK, &created),
        "the interview survived the restart"
    );
    let (s, own) = api.get(&path, &dan).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "users and their JWTs survive too (same signing key): {own}"
    );
    viva::store::IntegratorStore::revoke_api_key(&*store, &key.id, 2)
        .await
        .unwrap();
    let (s, b) = api.get("/api/v1/templates", &secret).await;
    assert_detail(s, &b, StatusCode::UNAUTHORIZED);
}
