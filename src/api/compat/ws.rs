//! WebSocket plumbing the interview facades share (seeds 003 and 004): the upgrade, and a
//! connection that sorts what arrives into what a protocol must answer. Limits:
//!
//! - a text frame over [`MAX_TEXT_BYTES`] (64 KiB) is refused with the protocol's error, the
//!   socket stays open; a message over [`MAX_TRANSPORT_BYTES`] closes it (1009);
//! - binary frames are refused with the protocol's error;
//! - at most [`RATE_BURST`] messages at once and [`RATE_PER_S`] a second after that; more are
//!   refused (one notice a second), the socket stays open;
//! - a socket that sends nothing for `--ws-idle-secs` (default 300 s) is closed (1000, "idle");
//! - pings are answered with pongs.

use std::future::Future;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

/// The largest text frame a protocol reads; a larger one gets the protocol's error.
pub(super) const MAX_TEXT_BYTES: usize = 64 * 1024;
/// The largest message the transport takes at all; a larger one closes the socket.
pub(super) const MAX_TRANSPORT_BYTES: usize = 1024 * 1024;
/// Messages a socket may send at once.
pub(super) const RATE_BURST: f64 = 30.0;
/// Messages a socket may send per second, sustained.
pub(super) const RATE_PER_S: f64 = 20.0;

/// A server-side WebSocket.
pub(super) type Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// Answers a WebSocket handshake with 101 and runs `serve` on the socket once upgraded; a
/// request that is no WebSocket handshake is answered 400 (426 for a wrong version).
pub(super) fn upgrade<F, Fut>(mut request: Request, serve: F) -> Response
where
    F: FnOnce(Socket) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let headers = request.headers();
    let has = |name: header::HeaderName, token: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|v| v.trim().eq_ignore_ascii_case(token))
    };
    if !has(header::UPGRADE, "websocket") || !has(header::CONNECTION, "upgrade") {
        return (StatusCode::BAD_REQUEST, "Expected a WebSocket handshake").into_response();
    }
    if headers.get(header::SEC_WEBSOCKET_VERSION) != Some(&HeaderValue::from_static("13")) {
        let mut response = (
            StatusCode::UPGRADE_REQUIRED,
            "WebSocket version 13 is required",
        )
            .into_response();
        response.headers_mut().insert(
            header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        );
        return response;
    }
    let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY) else {
        return (StatusCode::BAD_REQUEST, "Sec-WebSocket-Key is missing").into_response();
    };
    let accept = derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let config = WebSocketConfig::default()
                    .max_message_size(Some(MAX_TRANSPORT_BYTES))
                    .max_frame_size(Some(MAX_TRANSPORT_BYTES));
                let socket = WebSocketStream::from_raw_socket(
                    TokioIo::new(upgraded),
                    Role::Server,
                    Some(config),
                )
                .await;
                serve(socket).await;
            }
            Err(error) => tracing::debug!(%error, "websocket upgrade failed"),
        }
    });
    let mut response = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let headers = response.headers_mut();
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(accept) = HeaderValue::from_str(&accept) {
        headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    response
}

/// What arrived on a [`Conn`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Inbound {
    /// A text frame within the limits.
    Text(String),
    /// A text frame over [`MAX_TEXT_BYTES`], of this many bytes.
    TooLarge(usize),
    /// A binary frame.
    Binary,
    /// Over the rate limit; `notify` is set for the first refusal in a second.
    Limited {
        /// Whether to tell the client (at most once a second).
        notify: bool,
    },
    /// Nothing arrived within the idle time.
    Idle,
    /// The client closed, or the transport failed.
    Closed,
}

/// A token bucket per socket.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
    notified_at: Option<Instant>,
}

impl Bucket {
    fn take(&mut self, now: Instant) -> Result<(), bool> {
        let refill = now.duration_since(self.at).as_secs_f64() * RATE_PER_S;
        self.tokens = (self.tokens + refill).min(RATE_BURST);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        let notify = self
            .notified_at
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1));
        if notify {
            self.notified_at = Some(now);
        }
        Err(notify)
    }
}

/// A socket with the shared limits.
pub(super) struct Conn {
    socket: Socket,
    bucket: Bucket,
    idle: Duration,
}

impl Conn {
    /// `socket`, closed after `idle` without a message.
    pub(super) fn new(socket: Socket, idle: Duration) -> Self {
        Self {
            socket,
            bucket: Bucket {
                tokens: RATE_BURST,
                at: Instant::now(),
                notified_at: None,
            },
            idle,
        }
    }

    /// The next thing to answer; pings, pongs and raw frames are handled here. Cancel-safe.
    pub(super) async fn recv(&mut self) -> Inbound {
        loop {
            let next = match tokio::time::timeout(self.idle, self.socket.next()).await {
                Err(_) => return Inbound::Idle,
                Ok(None | Some(Err(_))) => return Inbound::Closed,
                Ok(Some(Ok(message))) => message,
            };
            let counted = matches!(next, Message::Text(_) | Message::Binary(_));
            if counted && let Err(notify) = self.bucket.take(Instant::now()) {
                return Inbound::Limited { notify };
            }
            return match next {
                Message::Text(text) if text.len() > MAX_TEXT_BYTES => Inbound::TooLarge(text.len()),
                Message::Text(text) => Inbound::Text(text.as_str().to_owned()),
                Message::Binary(_) => Inbound::Binary,
                Message::Close(_) => Inbound::Closed,
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            };
        }
    }

    /// Sends one text message; false if the socket is gone.
    pub(super) async fn send(&mut self, text: String) -> bool {
        self.socket.send(Message::text(text)).await.is_ok()
    }

    /// Sends `texts` in order; false if the socket is gone.
    pub(super) async fn send_all(&mut self, texts: Vec<String>) -> bool {
        for text in texts {
            if !self.send(text).await {
                return false;
            }
        }
        true
    }

    /// Closes the socket with `code` and `reason`.
    pub(super) async fn close(&mut self, code: CloseCode, reason: &str) {
        let frame = CloseFrame {
            code,
            reason: reason.to_owned().into(),
        };
        let _ = self.socket.send(Message::Close(Some(frame))).await;
        let _ = self.socket.close(None).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_allows_a_burst_then_the_rate_and_notifies_once_a_second() {
        let start = Instant::now();
        let mut bucket = Bucket {
            tokens: RATE_BURST,
            at: start,
            notified_at: None,
        };
        for _ in 0..RATE_BURST as usize {
            assert_eq!(bucket.take(start), Ok(()));
        }
        assert_eq!(bucket.take(start), Err(true));
        assert_eq!(bucket.take(start), Err(false));
        let later = start + Duration::from_millis(1_000);
        assert_eq!(bucket.take(later), Ok(()), "refilled");
    }
}
