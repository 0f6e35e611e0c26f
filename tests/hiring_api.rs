//! `/api/v1/jobs`, `/api/v1/candidates`, `/api/v1/applications` over real HTTP: create, page,
//! read, patch, delete; validation; users read but do not write; another organization's rows
//! are 404 for every verb.

mod common;
#[path = "common/ws_client.rs"]
mod ws_client;

use common::*;
use reqwest::Method;
use reqwest::StatusCode;
use serde_json::{Value, json};
use viva::server::Running;
use ws_client::cleaned;

const KEY: &str = "sk_test_bootstrap";

async fn other_org_key(server: &Running) -> String {
    let store = &server.state.store;
    let now = viva::clock::unix_ms();
    let org = store.ensure_org("other", None, now).await.unwrap();
    store
        .create_api_key(&org.id, "other", false, now)
        .await
        .unwrap()
        .1
}

#[tokio::test]
async fn jobs_candidates_and_applications_are_an_organizations_own() {
    let (config, _dir) = cleaned(test_config());
    let server = start_server(config).await;
    let base = base_url(server.addr);
    let call = |method: Method, path: &str, key: &str, body: Option<Value>| {
        let (base, path, key) = (base.clone(), path.to_owned(), key.to_owned());
        async move { bearer_request(&base, method, &path, &key, body).await }
    };

    let (status, job) = call(Method::POST, "/api/v1/jobs", KEY, Some(json!({
        "title": " Senior Frontend Developer ", "company": "TechCorp Inc.", "description": "Build UIs",
        "requirements": "5 years", "location": "Remote", "salary_range": "$150k",
        "experience_level": "senior", "skills_required": ["react", " ", "node.js"], "industry": "IT"
    }))).await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    assert_eq!(job["title"], "Senior Frontend Developer");
    assert_eq!(job["skills_required"], json!(["react", "node.js"]));
    assert!(job["created_at"].as_str().unwrap().ends_with('Z'));
    let job_id = job["id"].as_str().unwrap().to_owned();
    for n in 0..3 {
        let body = json!({"id": format!("job-{n}"), "title": format!("Job {n}")});
        assert_eq!(
            call(Method::POST, "/api/v1/jobs/", KEY, Some(body)).await.0,
            StatusCode::CREATED
        );
    }
    let (status, dup) = call(
        Method::POST,
        "/api/v1/jobs",
        KEY,
        Some(json!({"id": "job-1", "title": "x"})),
    )
    .await;
    assert_eq!(
        (status, dup["detail"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("A job with this id already exists")
        )
    );
    for (body, detail) in [
        (json!({"company": "x"}), "title is required"),
        (
            json!({"title": "x", "id": "bad id!"}),
            "id must be 1 to 64 letters, digits, '-', '_' or '.'",
        ),
        (
            json!({"title": "x".repeat(201)}),
            "title must be at most 200 characters",
        ),
    ] {
        let (status, error) = call(Method::POST, "/api/v1/jobs", KEY, Some(body)).await;
        assert_eq!(
            (status, error["detail"].as_str()),
            (StatusCode::BAD_REQUEST, Some(detail))
        );
    }
    let (status, _) = call(
        Method::POST,
        "/api/v1/jobs",
        KEY,
        Some(json!({"title": "x", "colour": "red"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields are refused"
    );

    let (status, page) = call(Method::GET, "/api/v1/jobs?skip=1&limit=2", KEY, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            page["total"].as_u64(),
            page["skip"].as_u64(),
            page["limit"].as_u64()
        ),
        (Some(4), Some(1), Some(2))
    );
    let ids: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["job-0", "job-1"], "oldest first");
    assert_eq!(
        call(Method::GET, "/api/v1/jobs?limit=0", KEY, None).await.0,
        StatusCode::BAD_REQUEST
    );

    let (status, patched) = call(
        Method::PATCH,
        &format!("/api/v1/jobs/{job_id}"),
        KEY,
        Some(json!({"company": "Acme"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(
        (patched["company"].as_str(), patched["title"].as_str()),
        (Some("Acme"), Some("Senior Frontend Developer"))
    );

    let (status, candidate) = call(Method::POST, "/api/v1/candidates", KEY, Some(json!({
        "name": "Ada Lovelace", "email": "ada@example.com", "resume_text": "Engines.", "skills": ["math"]
    }))).await;
    assert_eq!(status, StatusCode::CREATED, "{candidate}");
    let candidate_id = candidate["id"].as_str().unwrap().to_owned();
    let (status, error) = call(
        Method::POST,
        "/api/v1/candidates",
        KEY,
        Some(json!({"name": "B", "email": "nope"})),
    )
    .await;
    assert_eq!(
        (status, error["detail"].as_str()),
        (StatusCode::BAD_REQUEST, Some("A valid email is required"))
    );

    let (status, application) = call(
        Method::POST,
        "/api/v1/applications",
        KEY,
        Some(json!({
            "job_id": job_id, "candidate_id": candidate_id, "industry": "IT"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{application}");
    assert_eq!(application["status"], "applied");
    let application_id = application["id"].as_str().unwrap().to_owned();
    let (status, missing) = call(
        Method::POST,
        "/api/v1/applications",
        KEY,
        Some(json!({"job_id": "nope", "candidate_id": candidate_id})),
    )
    .await;
    assert_eq!(
        (status, missing["detail"].as_str()),
        (StatusCode::NOT_FOUND, Some("Job not found"))
    );
    let (status, patched) = call(
        Method::PATCH,
        &format!("/api/v1/applications/{application_id}"),
        KEY,
        Some(json!({"status": "interviewing"})),
    )
    .await;
    assert_eq!(
        (status, patched["status"].as_str()),
        (StatusCode::OK, Some("interviewing"))
    );
    let (status, _) = call(
        Method::PATCH,
        &format!("/api/v1/applications/{application_id}"),
        KEY,
        Some(json!({"job_id": "job-0"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Another organization: every verb on these rows is 404, its lists are empty, and it
    // cannot apply with them.
    let other = other_org_key(&server).await;
    for path in [
        format!("/api/v1/jobs/{job_id}"),
        format!("/api/v1/candidates/{candidate_id}"),
        format!("/api/v1/applications/{application_id}"),
    ] {
        for method in [Method::GET, Method::PATCH, Method::DELETE] {
            let body = (method == Method::PATCH).then(|| json!({}));
            let (status, _) = call(method.clone(), &path, &other, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
        }
    }
    for list in ["/api/v1/jobs", "/api/v1/candidates", "/api/v1/applications"] {
        let (_, page) = call(Method::GET, list, &other, None).await;
        assert_eq!(
            (
                page["total"].as_u64(),
                page["items"].as_array().map(Vec::len)
            ),
            (Some(0), Some(0)),
            "{list}"
        );
    }
    let (status, _) = call(
        Method::POST,
        "/api/v1/applications",
        &other,
        Some(json!({"job_id": job_id, "candidate_id": candidate_id})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The same id may be used by another organization: ids are per organization.
    let (status, _) = call(
        Method::POST,
        "/api/v1/jobs",
        &other,
        Some(json!({"id": "job-1", "title": "Theirs"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, mine) = call(Method::GET, "/api/v1/jobs/job-1", KEY, None).await;
    assert_eq!(mine["title"], "Job 1");

    // A user's token reads but does not write.
    let (_, tokens) = call(
        Method::POST,
        "/api/v1/auth/token",
        KEY,
        Some(json!({"email": "user@example.com"})),
    )
    .await;
    let access = tokens["access"].as_str().unwrap();
    assert_eq!(
        call(Method::GET, &format!("/api/v1/jobs/{job_id}"), access, None)
            .await
            .0,
        StatusCode::OK
    );
    let (status, refused) = call(
        Method::POST,
        "/api/v1/jobs",
        access,
        Some(json!({"title": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(
        call(Method::GET, "/api/v1/jobs", "nope", None).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Deleting a job deletes its applications.
    assert_eq!(
        call(Method::DELETE, &format!("/api/v1/jobs/{job_id}"), KEY, None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(
            Method::GET,
            &format!("/api/v1/applications/{application_id}"),
            KEY,
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(Method::DELETE, &format!("/api/v1/jobs/{job_id}"), KEY, None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (status, _) = call(
        Method::DELETE,
        &format!("/api/v1/candidates/{candidate_id}"),
        KEY,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}
