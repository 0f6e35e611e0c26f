//! Viva: a WebRTC voice-interview media server.
//!
//! A candidate's browser sends Opus over WebRTC; Viva decodes it to pcm16 for a realtime
//! speech model and carries the model's voice, transcripts and the interview's progress back.
//! The modules follow the path of one audio frame: [`peer`] (webrtc-rs) → [`audio`] (the
//! sans-IO hot path) → [`upstream`] (OpenAI Realtime or the local engine), tied together per
//! call by [`call`] and driven over HTTP by [`api`].

pub mod admin;
pub mod api;
pub mod assess;
pub mod audio;
pub mod call;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod drain;
pub mod http_client;
pub mod ids;
pub mod interview;
pub mod load;
pub mod metrics;
pub mod peer;
pub mod realtime;
pub mod recording;
pub mod server;
pub mod store;
pub mod stt;
pub mod turn_server;
pub mod upstream;
pub mod webhooks;
