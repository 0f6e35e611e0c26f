//! Organizations are a security boundary: a second organization's key, user and tokens try
//! every native route against the first one's interview, template and live call, and get 404
//! (never 403, never the data, never a count that includes it). Also: the lifecycle a call
//! drives (created → in progress → incomplete) and credits over HTTP.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

const ADMIN: &str = "sk_test_bootstrap";

/// A key of a new organization `name` (with `credits`).
async fn org_key(server: &viva::server::Running, name: &str, credits: Option<u64>) -> String {
    let store = &server.state.store;
    let org = store.ensure_org(name, credits, 1).await.unwrap();
    store
        .create_api_key(&org.id, name, true, 1)
        .await
        .unwrap()
        .1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_route_crosses_from_one_organization_to_another() {
    let mut config = test_config();
    config.webhook_allow_private = true; // A's webhook below goes to a closed loopback port
    let server = start_server(config).await;
    let base = base_url(server.addr);
    let a = org_key(&server, "acme", None).await;
    let b = org_key(&server, "globex", None).await;
    let get = |path: String, token: &'static str| {
        let base = base.clone();
        async move { bearer_request(&base, Method::GET, &path, token, None).await }
    };
    let (a, b): (&'static str, &'static str) = (a.leak(), b.leak());

    // A's own template and interview, and a live call of it.
    let tpl = json!({"title": "Acme SRE", "focus_area": "ops", "duration_minutes": 10, "questions": ["What is an SLO?"]});
    let (s, template) =
        bearer_request(&base, Method::POST, "/api/v1/templates", a, Some(tpl)).await;
    assert_eq!(s, StatusCode::CREATED, "{template}");
    let template_id = template["id"].as_str().unwrap().to_owned();
    let body = json!({"template_id": template_id, "email": "sam@example.com"});
    let (s, interview) =
        bearer_request(&base, Method::POST, "/api/v1/interviews/", a, Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{interview}");
    let id = interview["id"].as_str().unwrap().to_owned();
    let (s, creds) = bearer_request(
        &base,
        Method::POST,
        &format!("/api/v1/interviews/{id}/credentials"),
        a,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{creds}");
    let secret = creds["session_token"]["client_secret"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let peer = connected_call(server.addr, &secret).await;
    let call_id = peer.call_id.clone();
    let hook = json!({"url": "http://127.0.0.1:9/hooks"});
    let (s, webhook) = bearer_request(&base, Method::POST, "/api/v1/webhooks", a, Some(hook)).await;
    assert_eq!(s, StatusCode::CREATED, "{webhook}");
    let webhook_id = webhook["id"].as_str().unwrap().to_owned();

    // B's user with the same email is another person.
    let (s, a_user) = bearer_request(
        &base,
        Method::POST,
        "/api/v1/auth/token",
        a,
        Some(json!({"email": "sam@example.com"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b_user) = bearer_request(
        &base,
        Method::POST,
        "/api/v1/auth/token",
        b,
        Some(json!({"email": "sam@example.com"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_ne!(a_user["user_id"], b_user["user_id"]);
    assert_eq!(a_user["user_id"], interview["user_id"]);
    let b_jwt: &'static str = b_user["access"].as_str().unwrap().to_owned().leak();

    // Every interview and template route, as B's key and as B's user.
    for token in [b, b_jwt] {
        for (method, path, body) in [
            (Method::GET, format!("/api/v1/interviews/{id}"), None),
            (
                Method::PATCH,
                format!("/api/v1/interviews/{id}"),
                Some(json!({"status": "completed"})),
            ),
            (Method::DELETE, format!("/api/v1/interviews/{id}"), None),
            (
                Method::POST,
                format!("/api/v1/interviews/{id}/credentials"),
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/interviews/{id}/questions/1/token"),
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/interviews/{id}/results"),
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/templates/{template_id}"),
                None,
            ),
        ] {
            let (s, answer) = bearer_request(&base, method.clone(), &path, token, body).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
            assert!(!answer.to_string().contains(&id), "{answer}");
        }
        let (s, list) = get("/api/v1/interviews/".into(), token).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list, json!([]), "B lists nothing of A's");
        let (s, templates) = get("/api/v1/templates".into(), token).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!templates.to_string().contains(&template_id));
    }
    // A's webhook: B's key finds neither it nor its deliveries; users manage no webhooks.
    for (method, path) in [
        (Method::DELETE, format!("/api/v1/webhooks/{webhook_id}")),
        (
            Method::GET,
            format!("/api/v1/webhooks/{webhook_id}/deliveries"),
        ),
    ] {
        let (s, answer) = bearer_request(&base, method.clone(), &path, b, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
        let (s, answer) = bearer_request(&base, method.clone(), &path, b_jwt, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{method} {path}: {answer}");
    }
    let (s, hooks) = get("/api/v1/webhooks".into(), b).await;
    assert_eq!(
        (s, hooks),
        (StatusCode::OK, json!([])),
        "B lists nothing of A's"
    );
    let (s, _) = get("/api/v1/webhooks".into(), b_jwt).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Creating an interview from A's template is as if it did not exist.
    let body = json!({"template_id": template_id, "email": "x@example.com"});
    let (s, _) = bearer_request(&base, Method::POST, "/api/v1/interviews/", b, Some(body)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The live call: B's key can neither read it nor hang it up; B's question token cannot
    // switch it.
    let (s, _) = get(format!("/v1/realtime/calls/{call_id}"), b).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = bearer_request(
        &base,
        Method::POST,
        &format!("/v1/realtime/calls/{call_id}/hangup"),
        b,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let b_tpl = &get("/api/v1/templates".into(), b).await.1[0]["id"];
    let (_, b_interview) = bearer_request(
        &base,
        Method::POST,
        "/api/v1/interviews/",
        b,
        Some(json!({"template_id": b_tpl, "email": "y@example.com"})),
    )
    .await;
    let b_id = b_interview["id"].as_str().unwrap();
    let (s, q) = get(format!("/api/v1/interviews/{b_id}/questions/1/token"), b).await;
    assert_eq!(s, StatusCode::OK, "{q}");
    let b_secret = q["client_secret"]["value"].as_str().unwrap();
    let (s, _) = bearer_request(
        &base,
        Method::POST,
        &format!("/v1/realtime/calls/{call_id}/question"),
        b_secret,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A's data is untouched and A reaches all of it.
    let (s, still) = get(format!("/api/v1/interviews/{id}"), a).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(still["status"], "in-progress");
    let (s, results) = get(format!("/api/v1/interviews/{id}/results"), a).await;
    assert_eq!(
        (s, results["state"].clone()),
        (StatusCode::OK, json!("not_ready"))
    );
    let (s, record) = get(format!("/v1/realtime/calls/{call_id}"), a).await;
    assert_eq!((s, record["live"].clone()), (StatusCode::OK, json!(true)));
    let (s, list) = get("/api/v1/interviews/".into(), a).await;
    assert_eq!(
        (s, list.as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );
    let (s, hooks) = get("/api/v1/webhooks".into(), a).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(hooks[0]["id"], webhook_id.as_str(), "{hooks}");
    let (s, deliveries) = get(format!("/api/v1/webhooks/{webhook_id}/deliveries"), a).await;
    assert_eq!(s, StatusCode::OK, "{deliveries}");
    peer.hangup().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_moves_its_interview_along_and_credits_run_out() {
    let server = start_server(test_config()).await;
    let base = base_url(server.addr);
    let key = org_key(&server, "small", Some(2)).await;
    let (_, templates) = bearer_request(&base, Method::GET, "/api/v1/templates", &key, None).await;
    let template_id = templates[0]["id"].clone();
    let create = || {
        bearer_request(
            &base,
            Method::POST,
            "/api/v1/interviews/",
            &key,
            Some(json!({"template_id": template_id, "email": "c@example.com"})),
        )
    };
    let (s, interview) = create().await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(create().await.0, StatusCode::CREATED);
    let (s, refused) = create().await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("credits"),
        "{refused}"
    );

    // created → in progress when the candidate joins → incomplete when the call ends early.
    let id = interview["id"].as_str().unwrap().to_owned();
    let org = server
        .state
        .store
        .ensure_org("small", None, 1)
        .await
        .unwrap();
    let status = || async {
        server
            .state
            .store
            .interview(&org.id, &id)
            .await
            .unwrap()
            .unwrap()
            .status
    };
    assert_eq!(status().await, viva::interview::Status::Created);
    let (_, creds) = bearer_request(
        &base,
        Method::POST,
        &format!("/api/v1/interviews/{id}/credentials"),
        &key,
        None,
    )
    .await;
    let secret = creds["session_token"]["client_secret"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let peer = connected_call(server.addr, &secret).await;
    wait_for_status(&status, viva::interview::Status::InProgress).await;
    peer.hangup().await.unwrap();
    wait_for_status(&status, viva::interview::Status::Incomplete).await;
    // Each transition was stored as an event of the interview.
    let events = server
        .state
        .store
        .events(viva::store::EventsOf::Interview(&id))
        .await
        .unwrap();
    let updates: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            viva::interview::EventKind::Updated { status } => Some(*status),
            _ => None,
        })
        .collect();
    assert_eq!(
        updates,
        [
            viva::interview::Status::InProgress,
            viva::interview::Status::Incomplete
        ]
    );
    // Seed 001 still says "in-progress": it may be joined again.
    let (_, seen) = bearer_request(
        &base,
        Method::GET,
        &format!("/api/v1/interviews/{id}"),
        &key,
        None,
    )
    .await;
    assert_eq!(seen["status"], "in-progress");
    // The admin key of the default organization sees none of this.
    let (_, list) = bearer_request(&base, Method::GET, "/api/v1/interviews/", ADMIN, None).await;
    assert_eq!(list, json!([]));
}

async fn wait_for_status<F, Fut>(status: &F, want: viva::interview::Status)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = viva::interview::Status>,
{
    for _ in 0..100 {
        if status().await == want {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "the interview never became {want:?}; it is {:?}",
        status().await
    );
}
