//! Viva: a WebRTC voice-interview media server.
//!
//! A candidate's browser sends Opus over WebRTC; Viva decodes it to pcm16 for a realtime
//! speech model and carries the model's voice, transcripts and the interview's progress back.
//! The modules follow the path of one audio frame; see `docs` in the repository and
//! [`audio`] for the hot path.

pub mod audio;
