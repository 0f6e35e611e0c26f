//! Recordings of the candidate: each answer and the whole call as Ogg Opus files made from
//! the packets as received (no decode, no re-encode), written off the call's actor, kept in a
//! [`RecordingStore`] (the data directory by default; the trait leaves room for S3-compatible
//! storage), indexed in the store, served by signed, expiring URLs and removed after a
//! retention period.

mod files;
pub mod ogg_opus;
mod recorder;
pub mod retention;
pub mod signed_url;
pub mod window;

use std::io;
use std::path::{Path, PathBuf};

use async_trait::async_trait;

pub use files::FileRecordings;
pub use recorder::{CallRecorder, PACKETS_DROPPED, PacketSender, Recorders};

/// Where a stored recording can be read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A file on this machine.
    File(PathBuf),
}

/// Where recording files live, by key (`org/call/rec_….ogg`).
#[async_trait]
pub trait RecordingStore: Send + Sync {
    /// Stores a whole file under `key`.
    async fn put(&self, key: &str, bytes: Vec<u8>) -> io::Result<()>;
    /// Stores the file at `spooled` (written into [`RecordingStore::spool_dir`]) under `key`,
    /// taking it over.
    async fn put_file(&self, key: &str, spooled: &Path) -> io::Result<()>;
    /// Where `key` can be read from.
    fn locate(&self, key: &str) -> Location;
    /// Removes `key`; removing what is not there is not an error.
    async fn delete(&self, key: &str) -> io::Result<()>;
    /// A local directory for files still being written.
    fn spool_dir(&self) -> &Path;
}
