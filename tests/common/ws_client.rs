//! A WebSocket client for the interview facades' tests: JSON in and out, with timeouts; and
//! what those tests share about the server behind it (organizations, interview statuses).
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};
use viva::interview::{EventKind, Status};
use viva::server::Running;
use viva::store::EventsOf;

/// How long a reply may take.
const REPLY: Duration = Duration::from_secs(5);

/// A connected socket.
pub struct WsClient {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// `ws://addr{path}`.
pub fn ws_url(addr: SocketAddr, path: &str) -> String {
    format!("ws://{addr}{path}")
}

/// The HTTP status a refused handshake to `url` gets (panics if it is accepted).
pub async fn refused_status(url: &str) -> u16 {
    match connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("not an HTTP refusal: {other}"),
        Ok(_) => panic!("{url} was accepted"),
    }
}

impl WsClient {
    /// Connects to `url`.
    pub async fn connect(url: &str) -> Self {
        let (ws, _) = connect_async(url).await.expect("websocket connects");
        Self { ws }
    }

    /// Sends `value` as a text frame.
    pub async fn send(&mut self, value: Value) {
        self.send_text(&value.to_string()).await;
    }

    /// Sends raw text.
    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text.to_owned())).await.unwrap();
    }

    /// The next message within `wait`, if any (pings and pongs skipped); `Value::Null` when the
    /// server closed.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()?;
            match next {
                Some(Ok(Message::Text(text))) => return Some(serde_json::from_str(&text).unwrap()),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Some(Value::Null),
                Some(Ok(other)) => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// The next message (panics after 5 s).
    pub async fn recv(&mut self) -> Value {
        self.next_within(REPLY).await.expect("a reply within 5 s")
    }

    /// The next message, which must be of `kind`; its `data` (or the whole error).
    pub async fn expect(&mut self, kind: &str) -> Value {
        let message = self.recv().await;
        assert_eq!(message["type"], kind, "{message}");
        if kind == "error" {
            message
        } else {
            message["data"].clone()
        }
    }

    /// Sends `value` and expects a reply of `kind`.
    pub async fn ask(&mut self, value: Value, kind: &str) -> Value {
        self.send(value).await;
        self.expect(kind).await
    }
}

/// Removes a test server's data directory when the test ends (passed or not).
pub struct DataDir(pub std::path::PathBuf);

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `config` and the guard that removes its data directory.
pub fn cleaned(config: viva::config::ServeConfig) -> (viva::config::ServeConfig, DataDir) {
    let dir = DataDir(config.data_dir.clone());
    (config, dir)
}

/// The id of the organization named `name` (created if needed) and a new API key of it.
pub async fn org_key(server: &Running, name: &str) -> (String, String) {
    let store = &server.state.store;
    let now = viva::clock::unix_ms();
    let org = store.ensure_org(name, None, now).await.unwrap();
    let key = store
        .create_api_key(&org.id, name, false, now)
        .await
        .unwrap()
        .1;
    (org.id, key)
}

/// `POST {base}{path}` with API key `key` and JSON `body` (the request is built now, so the
/// future borrows nothing).
pub fn post_json(
    base: &str,
    path: &str,
    key: &str,
    body: Value,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> + use<> {
    reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(key)
        .json(&body)
        .send()
}

/// The JSON body of a `201 Created` (panics on any other status).
pub async fn created(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()
}

/// Waits until the interview's status is `status` (panics after 5 s).
pub async fn wait_status(server: &Running, org_id: &str, id: &str, status: Status) {
    for _ in 0..100 {
        let found = server.state.store.interview(org_id, id).await.unwrap();
        if found.as_ref().map(|i| i.status) == Some(status) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("interview {id} never became {status:?}");
}

/// The statuses the interview's events moved it to, in order.
pub async fn statuses(server: &Running, id: &str) -> Vec<Status> {
    let events = server
        .state
        .store
        .events(EventsOf::Interview(id))
        .await
        .unwrap();
    events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Updated { status } => Some(status),
            _ => None,
        })
        .collect()
}
