//! Live calls: one actor task per call ties the peer, the audio pipelines and the upstream
//! together; the registry admits, finds and counts them.

mod call;
mod end_reason;
mod reader;
mod registry;
mod timeline;
mod writer;

pub use call::{CallParts, Control, spawn_call};
pub use end_reason::EndReason;
pub use registry::{CallHandle, CallRegistry, Full, Slot};

/// Milliseconds since the Unix epoch, for records.
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
