//! OpenAI Realtime (GA) over WebSocket: `wss://api.openai.com/v1/realtime?model=…` with the
//! server's API key, which never leaves the server.
//!
//! The call's session goes up as `session.update`, candidate audio as base64
//! `input_audio_buffer.append`, and every server event comes back; `response.output_audio.delta`
//! is decoded to pcm16 for the call's outbound pipeline. If the socket drops mid-call, the
//! session is re-established with backoff and the latest configuration, without ending the
//! candidate's call; audio sent meanwhile is dropped (there is no session to append it to).

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{
    FROM_UPSTREAM_CAPACITY, FromUpstream, TO_UPSTREAM_CAPACITY, ToUpstream, Upstream,
    UpstreamError, UpstreamLink,
};
use crate::realtime::SessionConfig;
use crate::realtime::events::{ClientEvent, ClientKind, error_event, event_type};

/// Reconnection delays after a dropped socket; then the upstream gives up.
const BACKOFF: [Duration; 6] = [
    Duration::from_millis(100),
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The OpenAI upstream.
#[derive(Clone)]
pub struct OpenAiUpstream {
    url: String,
    api_key: String,
    model: String,
}

impl std::fmt::Debug for OpenAiUpstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiUpstream")
            .field("url", &self.url)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl OpenAiUpstream {
    /// An upstream at `url` (`wss://api.openai.com/v1/realtime`) with `model`.
    pub fn new(
        url: impl Into<String>,
        api_key: impl Into<String>,
        model: impl Into<String>,
    ) -> Self {
        Self {
            url: url.into(),
            api_key: api_key.into(),
            model: model.into(),
        }
    }

    async fn open(&self, session: &SessionConfig) -> Result<Socket, UpstreamError> {
        let separator = if self.url.contains('?') { '&' } else { '?' };
        let url = format!("{}{separator}model={}", self.url, self.model);
        let mut request = url
            .into_client_request()
            .map_err(|e| UpstreamError::Refused(format!("bad upstream URL: {e}")))?;
        let auth = HeaderValue::from_str(&format!("Bearer {}", self.api_key)).map_err(|_| {
            UpstreamError::Refused("the OpenAI API key is not a valid header value".into())
        })?;
        request.headers_mut().insert("Authorization", auth);
        let (mut socket, _) = tokio::time::timeout(
            Duration::from_secs(10),
            tokio_tungstenite::connect_async(request),
        )
        .await
        .map_err(|_| UpstreamError::Unreachable("connect timed out".into()))?
        .map_err(|e| match e {
            tokio_tungstenite::tungstenite::Error::Http(response) => {
                UpstreamError::Refused(format!("HTTP {}", response.status()))
            }
            other => UpstreamError::Unreachable(other.to_string()),
        })?;
        let update = json!({ "type": "session.update", "session": upstream_session(session) });
        socket
            .send(Message::text(update.to_string()))
            .await
            .map_err(|e| UpstreamError::Unreachable(e.to_string()))?;
        Ok(socket)
    }
}

/// The session as OpenAI takes it: `type` set, the model left to the URL.
fn upstream_session(session: &SessionConfig) -> Value {
    let mut map = session.0.clone();
    map.insert("type".into(), json!("realtime"));
    map.remove("model");
    // Viva's own extension (the local engine's question plan): OpenAI rejects unknown fields.
    map.remove("viva");
    Value::Object(map)
}

#[async_trait]
impl Upstream for OpenAiUpstream {
    fn name(&self) -> &'static str {
        "openai"
    }

    fn model(&self) -> String {
        self.model.clone()
    }

    async fn connect(
        &self,
        call_id: &str,
        session: SessionConfig,
    ) -> Result<UpstreamLink, UpstreamError> {
        let socket = self.open(&session).await?;
        let (tx, to_model) = mpsc::channel(TO_UPSTREAM_CAPACITY);
        let (from_model, rx) = mpsc::channel(FROM_UPSTREAM_CAPACITY);
        let relay = Relay {
            upstream: self.clone(),
            session,
            call_id: call_id.to_owned(),
            out: from_model,
        };
        tokio::spawn(relay.run(socket, to_model));
        Ok(UpstreamLink { tx, rx })
    }
}

struct Relay {
    upstream: OpenAiUpstream,
    session: SessionConfig,
    call_id: String,
    out: mpsc::Sender<FromUpstream>,
}

/// Why the relay loop stopped.
enum Stop {
    /// The call is over.
    CallEnded,
    /// The socket dropped; reconnect.
    SocketLost(String),
}

impl Relay {
    async fn run(mut self, mut socket: Socket, mut input: mpsc::Receiver<ToUpstream>) {
        loop {
            match self.pump(&mut socket, &mut input).await {
                Stop::CallEnded => {
                    let _ = socket.close(None).await;
                    return;
                }
                Stop::SocketLost(reason) => {
                    tracing::warn!(call_id = %self.call_id, %reason, "upstream socket lost; reconnecting");
                    match self.reconnect(&mut input).await {
                        Some(fresh) => socket = fresh,
                        None => {
                            let message =
                                "The realtime model is unreachable; the call cannot continue.";
                            let _ = self
                                .out
                                .send(FromUpstream::Event(error_event(
                                    "server_error",
                                    "upstream_unavailable",
                                    message,
                                    None,
                                )))
                                .await;
                            return;
                        }
                    }
                }
            }
        }
    }

    async fn reconnect(&mut self, input: &mut mpsc::Receiver<ToUpstream>) -> Option<Socket> {
        for delay in BACKOFF {
            // Wait, dropping audio meanwhile but keeping configuration changes.
            let deadline = tokio::time::sleep(delay);
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    _ = &mut deadline => break,
                    message = input.recv() => match message {
                        None => return None,
                        Some(ToUpstream::Event(event)) => self.remember(&event),
                        Some(ToUpstream::Audio(_)) => {}
                    },
                }
            }
            match self.upstream.open(&self.session).await {
                Ok(socket) => {
                    tracing::info!(call_id = %self.call_id, "upstream reconnected");
                    return Some(socket);
                }
                Err(error) => {
                    tracing::warn!(call_id = %self.call_id, %error, "upstream reconnect failed")
                }
            }
        }
        None
    }

    /// Keeps the latest session configuration, to restore it after a reconnect.
    fn remember(&mut self, event: &ClientEvent) {
        if let ClientKind::SessionUpdate(patch) = &event.kind {
            let _ = self.session.merge(patch);
        }
    }

    async fn pump(&mut self, socket: &mut Socket, input: &mut mpsc::Receiver<ToUpstream>) -> Stop {
        loop {
            tokio::select! {
                message = input.recv() => {
                    let text = match message {
                        None => return Stop::CallEnded,
                        Some(ToUpstream::Audio(pcm)) => {
                            json!({ "type": "input_audio_buffer.append", "audio": STANDARD.encode(&pcm) }).to_string()
                        }
                        Some(ToUpstream::Event(event)) => {
                            self.remember(&event);
                            let mut json = event.json;
                            if let ClientKind::SessionUpdate(session) = &event.kind {
                                json["session"] = upstream_session(session);
                            }
                            json.to_string()
                        }
                    };
                    if let Err(e) = socket.send(Message::text(text)).await {
                        return Stop::SocketLost(e.to_string());
                    }
                }
                frame = socket.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(message) = parse_server_event(&text)
                            && self.out.send(message).await.is_err() {
                                return Stop::CallEnded;
                            }
                    }
                    Some(Ok(Message::Close(frame))) => return Stop::SocketLost(format!("closed by upstream: {frame:?}")),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Stop::SocketLost(e.to_string()),
                    None => return Stop::SocketLost("stream ended".into()),
                },
            }
        }
    }
}

/// Turns a server event into what the call handles: audio deltas decoded, the rest as JSON.
fn parse_server_event(text: &str) -> Option<FromUpstream> {
    let event: Value = serde_json::from_str(text).ok()?;
    if event_type(&event) == "response.output_audio.delta" {
        let pcm = STANDARD.decode(event.get("delta")?.as_str()?).ok()?;
        let field = |name: &str| {
            event
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        return Some(FromUpstream::Audio {
            response_id: field("response_id"),
            item_id: field("item_id"),
            pcm: Bytes::from(pcm),
        });
    }
    Some(FromUpstream::Event(event))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_deltas_are_decoded_and_other_events_pass_through() {
        let delta = json!({"type": "response.output_audio.delta", "response_id": "r", "item_id": "i", "delta": STANDARD.encode([1u8, 2, 3, 4])});
        assert_eq!(
            parse_server_event(&delta.to_string()),
            Some(FromUpstream::Audio {
                response_id: "r".into(),
                item_id: "i".into(),
                pcm: Bytes::from_static(&[1, 2, 3, 4])
            })
        );
        let other = json!({"type": "response.created"});
        assert_eq!(
            parse_server_event(&other.to_string()),
            Some(FromUpstream::Event(other))
        );
        assert_eq!(parse_server_event("not json"), None);
    }

    #[test]
    fn the_session_sent_upstream_has_a_type_and_no_model() {
        let session =
            SessionConfig::from_value(json!({"model": "x", "instructions": "hi"}), "session")
                .unwrap();
        let sent = upstream_session(&session);
        assert_eq!(sent["type"], "realtime");
        assert!(sent.get("model").is_none());
        assert_eq!(sent["instructions"], "hi");
    }
}
