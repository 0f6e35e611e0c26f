//! Live calls: one actor task per call ties the peer, the audio pipelines and the upstream
//! together; the registry admits, finds and counts them.

mod actor;
mod core;
mod end_reason;
mod playback;
mod reader;
mod registry;
mod service;
mod timeline;
mod writer;

pub use actor::{CallParts, Control, spawn_call};
pub use end_reason::EndReason;
pub use registry::{CallHandle, CallRegistry, Full, Slot};
pub use service::{CallAnswer, CallRequest, Calls, MAX_OFFER_BYTES, NotLive, Refusal, StartError};
