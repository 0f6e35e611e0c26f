//! A fake OpenAI HTTP API for the assessment tests: `POST /v1/chat/completions` records each
//! request (its Authorization header and JSON body) and answers from a script.
#![allow(dead_code, unreachable_pub)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// What the fake answers to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A completion whose content is this assessment.
    Assessment(Value),
    /// A completion whose content is this text.
    Content(String),
    /// This status, with an OpenAI-style error body.
    Status(u16),
    /// Never answers.
    Hang,
    /// As a server that takes no `response_format` (llama.cpp's, say): 400 naming it to a
    /// request that has one; else this assessment in a Markdown code fence.
    NoResponseFormat(Value),
}

#[derive(Clone, Default)]
struct Script {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    /// Every request: its Authorization header and JSON body.
    requests: Arc<Mutex<Vec<(String, Value)>>>,
}

/// A fake OpenAI HTTP API on loopback.
pub struct FakeOpenAi {
    /// `http://127.0.0.1:port/v1`.
    pub base: String,
    script: Script,
}

impl FakeOpenAi {
    pub async fn start() -> Self {
        let script = Script::default();
        let app = axum::Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v1", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, script }
    }

    /// Answers the next requests with `replies`, in order (then the last one again).
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        *self.script.replies.lock().unwrap() = replies.into_iter().collect();
    }

    pub fn requests(&self) -> Vec<(String, Value)> {
        self.script.requests.lock().unwrap().clone()
    }
}

async fn completions(State(script): State<Script>, headers: HeaderMap, body: String) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    script.requests.lock().unwrap().push((auth, body.clone()));
    let reply = {
        let mut replies = script.replies.lock().unwrap();
        if replies.len() > 1 {
            replies.pop_front()
        } else {
            replies.front().cloned()
        }
    };
    let content = match reply {
        Some(Reply::Assessment(value)) => value.to_string(),
        Some(Reply::Content(text)) => text,
        Some(Reply::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap();
            let error = json!({"error": {"message": "scripted failure", "type": "server_error"}});
            return (status, axum::Json(error)).into_response();
        }
        Some(Reply::Hang) => std::future::pending().await,
        Some(Reply::NoResponseFormat(_)) if body.get("response_format").is_some() => {
            let error = json!({"error": {"message": "Unrecognized request argument supplied: response_format", "type": "invalid_request_error"}});
            return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
        }
        Some(Reply::NoResponseFormat(value)) => format!("```json\n{value}\n```"),
        None => panic!("the fake OpenAI server has no script"),
    };
    axum::Json(json!({
        "id": "chatcmpl-fake", "object": "chat.completion", "model": "gpt-fake",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content, "refusal": null}}],
    }))
    .into_response()
}
