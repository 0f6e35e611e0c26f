//! The realtime model a call talks to, behind one trait: OpenAI Realtime over WebSocket, or
//! the built-in local engine. Both speak the same GA event protocol.

pub mod local;
pub mod openai;

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::realtime::SessionConfig;
use crate::realtime::events::ClientEvent;

/// Capacity of the channel into an upstream: 5 s of 20 ms audio chunks. When full, the
/// sender waits (the track reader absorbs short stalls; webrtc buffers 256 more packets).
pub const TO_UPSTREAM_CAPACITY: usize = 256;
/// Capacity of the channel out of an upstream. Models send audio faster than real time in
/// pieces of ~100 ms, so this holds a long response; when full, the upstream waits.
pub const FROM_UPSTREAM_CAPACITY: usize = 1_024;

/// What the call sends to the model.
#[derive(Debug, Clone, PartialEq)]
pub enum ToUpstream {
    /// Candidate audio: pcm16 little-endian mono, 24 kHz.
    Audio(Bytes),
    /// A client event (`session.update`, `response.create`, `conversation.item.truncate`, …),
    /// already checked.
    Event(ClientEvent),
}

/// What the model sends back.
#[derive(Debug, Clone, PartialEq)]
pub enum FromUpstream {
    /// Interviewer audio (the decoded `response.output_audio.delta`): pcm16 LE mono 24 kHz.
    Audio {
        /// The response it belongs to.
        response_id: String,
        /// The assistant item it belongs to.
        item_id: String,
        /// The samples.
        pcm: Bytes,
    },
    /// Any other server event, as JSON.
    Event(Value),
}

/// The two ends of a connected upstream. Dropping `tx` ends the upstream session.
#[derive(Debug)]
pub struct UpstreamLink {
    /// Into the model.
    pub tx: mpsc::Sender<ToUpstream>,
    /// Out of the model. Closes when the upstream gives up for good.
    pub rx: mpsc::Receiver<FromUpstream>,
}

/// Why an upstream session could not start.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The model refused the connection or the session (bad key, unknown model, …).
    #[error("upstream refused: {0}")]
    Refused(String),
    /// The model could not be reached.
    #[error("upstream unreachable: {0}")]
    Unreachable(String),
}

/// A realtime model.
#[async_trait]
pub trait Upstream: Send + Sync {
    /// A short name for logs and health (`local`, `openai`).
    fn name(&self) -> &'static str;
    /// The model name reported in session objects.
    fn model(&self) -> String;
    /// Starts a session for one call with its initial configuration.
    async fn connect(
        &self,
        call_id: &str,
        session: SessionConfig,
    ) -> Result<UpstreamLink, UpstreamError>;
}
