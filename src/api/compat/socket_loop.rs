//! The loop of a facade's socket: what arrives is sorted by the shared plumbing
//! ([`super::ws::Conn`]) and handed to the protocol, which also acts on its own at a deadline
//! it names; each reply is delivered before the next message is read. An idle socket is
//! closed (1000, "idle"); when the socket ends, the protocol leaves its session.

use std::future::Future;

use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::ws::{Conn, Inbound};

/// A frame the shared limits refuse, for the protocol to answer in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refused {
    /// A text frame over the limit, of this many bytes.
    TooLarge(usize),
    /// A binary frame.
    Binary,
    /// Over the rate limit (the first refusal in a second).
    RateLimited,
}

/// A protocol spoken on one socket.
pub(super) trait Protocol: Send {
    /// What handling a message yields; the default is nothing to send.
    type Reply: Default + Send;
    /// What to send on opening (an interview attached already, say).
    fn open(&mut self) -> impl Future<Output = Self::Reply> + Send;
    /// When the protocol next acts unprompted ([`Protocol::due`]), if at all.
    fn deadline(&mut self) -> impl Future<Output = Option<Instant>> + Send;
    /// The deadline has come.
    fn due(&mut self) -> impl Future<Output = Self::Reply> + Send;
    /// A text frame within the limits.
    fn text(&mut self, text: String) -> impl Future<Output = Self::Reply> + Send;
    /// A frame the shared limits refuse.
    fn refused(&self, why: Refused) -> Self::Reply;
    /// Sends `reply` on `conn`; false if the socket is gone.
    fn deliver(&mut self, conn: &mut Conn, reply: Self::Reply)
    -> impl Future<Output = bool> + Send;
    /// The socket has ended: leaves the session, if any.
    fn leave(&mut self) -> impl Future<Output = ()> + Send;
}

/// Runs `protocol` on `conn` until the socket ends.
pub(super) async fn run<P: Protocol>(mut conn: Conn, mut protocol: P) {
    let opening = protocol.open().await;
    if protocol.deliver(&mut conn, opening).await {
        serve(&mut conn, &mut protocol).await;
    }
    protocol.leave().await;
}

/// Answers what arrives, and the protocol's deadlines, until the socket ends.
async fn serve<P: Protocol>(conn: &mut Conn, protocol: &mut P) {
    loop {
        let deadline = protocol.deadline().await;
        let reply = tokio::select! {
            inbound = conn.recv() => match inbound {
                Inbound::Text(text) => protocol.text(text).await,
                Inbound::TooLarge(bytes) => protocol.refused(Refused::TooLarge(bytes)),
                Inbound::Binary => protocol.refused(Refused::Binary),
                Inbound::Limited { notify: true } => protocol.refused(Refused::RateLimited),
                Inbound::Limited { notify: false } => P::Reply::default(),
                Inbound::Idle => {
                    conn.close(CloseCode::Normal, "idle").await;
                    return;
                }
                Inbound::Closed => return,
            },
            () = sleep_until(deadline), if deadline.is_some() => protocol.due().await,
        };
        if !protocol.deliver(conn, reply).await {
            return;
        }
    }
}

/// Sleeps until `deadline` (forever without one).
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
