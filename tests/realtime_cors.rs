//! CORS on the browser-facing realtime endpoints, over real HTTP: preflights from another
//! origin are answered on `POST /v1/realtime/calls` (and its hangup and question sub-routes)
//! and `GET /v1/realtime/ice_servers` only, a configured origin list is honoured, and an API key
//! sent from a page (with an `Origin` header) is refused with 403 `api_key_in_browser`.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use viva::config::CorsOrigins;

const PAGE: &str = "http://127.0.0.1:9";

/// `OPTIONS url` as a browser's preflight for `method` from `origin`.
async fn preflight(url: &str, method: &str, origin: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(Method::OPTIONS, url)
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type,x-openai-agents-sdk",
        )
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A header's comma-separated values, lower case.
fn values(response: &reqwest::Response, name: &str) -> Vec<String> {
    header(response, name)
        .unwrap_or_default()
        .split(',')
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .collect()
}

#[tokio::test]
async fn preflights_are_answered_on_the_browser_routes_only() {
    let server = start_server(test_config()).await;
    let base = base_url(server.addr);
    for (path, method) in [
        ("/v1/realtime/calls", "POST"),
        ("/v1/realtime/calls/rtc_x/hangup", "POST"),
        ("/v1/realtime/calls/rtc_x/question", "POST"),
        ("/v1/realtime/ice_servers", "GET"),
    ] {
        let response = preflight(&format!("{base}{path}"), method, PAGE).await;
        assert!(response.status().is_success(), "{path}: {response:?}");
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
        let methods = values(&response, "access-control-allow-methods");
        assert!(
            methods.contains(&method.to_ascii_lowercase()),
            "{path}: {methods:?}"
        );
        let headers = values(&response, "access-control-allow-headers");
        for wanted in ["authorization", "content-type", "x-openai-agents-sdk"] {
            assert!(headers.iter().any(|h| h == wanted), "{path}: {headers:?}");
        }
    }
    // Server-key routes: no CORS, so a browser never lets a page call them.
    for (path, method) in [
        ("/v1/realtime/client_secrets", "POST"),
        ("/v1/realtime/calls/rtc_x", "GET"),
        ("/api/v1/interviews/", "POST"),
    ] {
        let response = preflight(&format!("{base}{path}"), method, PAGE).await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{path}: {response:?}"
        );
    }
}

#[tokio::test]
async fn a_cross_origin_call_request_can_read_the_answer_and_its_location() {
    let server = start_server(test_config()).await;
    let secret = mint_secret(server.addr, json!({})).await;
    // An offer without audio, refused: the page can still read the error (and, on success, the
    // Location header with the call id).
    let response = reqwest::Client::new()
        .post(format!("{}/v1/realtime/calls", base_url(server.addr)))
        .header("Origin", PAGE)
        .header("Content-Type", "application/sdp")
        .bearer_auth(&secret)
        .body("v=0\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header(&response, "access-control-allow-origin"), Some("*"));
    assert!(values(&response, "access-control-expose-headers").contains(&"location".into()));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "no_audio", "{body}");
}

#[tokio::test]
async fn a_configured_origin_list_rejects_other_origins() {
    let mut config = test_config();
    config.cors_origins = "https://app.example.com, http://localhost:3000"
        .parse::<CorsOrigins>()
        .unwrap();
    let server = start_server(config).await;
    let url = format!("{}/v1/realtime/calls", base_url(server.addr));
    let allowed = preflight(&url, "POST", "https://app.example.com").await;
    assert!(allowed.status().is_success());
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert!(
        values(&allowed, "vary").contains(&"origin".into()),
        "{allowed:?}"
    );
    for other in [PAGE, "https://evil.example.com", "http://localhost:3001"] {
        let refused = preflight(&url, "POST", other).await;
        assert_eq!(
            header(&refused, "access-control-allow-origin"),
            None,
            "{other}: {refused:?}"
        );
    }
}

/// A multipart call request with `token`, from a page at `origin` if given.
async fn multipart_call(base: &str, token: &str, origin: Option<&str>) -> reqwest::Response {
    let boundary = "vivaboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"sdp\"\r\n\r\nv=0\r\n\r\n--{boundary}--\r\n"
    );
    let mut request = reqwest::Client::new()
        .post(format!("{base}/v1/realtime/calls"))
        .bearer_auth(token)
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    request.send().await.unwrap()
}

async fn error_code(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_owned(),
    )
}

#[tokio::test]
async fn an_api_key_from_a_page_is_refused() {
    let server = start_server(test_config()).await;
    let base = base_url(server.addr);

    // Opening a call (multipart, the shape that takes the server key).
    let from_page = multipart_call(&base, "sk_test_bootstrap", Some(PAGE)).await;
    assert_eq!(
        error_code(from_page).await,
        (StatusCode::FORBIDDEN, "api_key_in_browser".into())
    );
    // The same request from a server (no Origin) goes on to the offer.
    let from_server = multipart_call(&base, "sk_test_bootstrap", None).await;
    assert_eq!(
        error_code(from_server).await,
        (StatusCode::BAD_REQUEST, "no_audio".into())
    );
    // A client secret from a page is fine.
    let secret = mint_secret(server.addr, json!({})).await;
    let with_secret = multipart_call(&base, &secret, Some(PAGE)).await;
    assert_eq!(error_code(with_secret).await.1, "no_audio");

    // Hanging up a live call.
    let peer = connected_call(server.addr, &secret).await;
    let hangup = |token: String, origin: Option<&'static str>| {
        let url = format!("{base}/v1/realtime/calls/{}/hangup", peer.call_id);
        async move {
            let mut request = reqwest::Client::new().post(url).bearer_auth(token);
            if let Some(origin) = origin {
                request = request.header("Origin", origin);
            }
            request.send().await.unwrap()
        }
    };
    let from_page = hangup("sk_test_bootstrap".into(), Some(PAGE)).await;
    assert_eq!(header(&from_page, "access-control-allow-origin"), Some("*"));
    assert_eq!(
        error_code(from_page).await,
        (StatusCode::FORBIDDEN, "api_key_in_browser".into())
    );
    let with_secret = hangup(secret.clone(), Some(PAGE)).await;
    assert_eq!(with_secret.status(), StatusCode::OK);
}
