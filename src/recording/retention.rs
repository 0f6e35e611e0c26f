//! The sweeper: removes the files of deleted interviews' recordings and of recordings older
//! than the retention period, then forgets them. It runs every minute; a failed removal is
//! retried on the next round, so nothing is forgotten while its file remains.

use std::sync::Arc;
use std::time::Duration;

use super::RecordingStore;
use crate::clock::unix_ms;
use crate::store::RecordingIndex;

/// How often the sweeper runs.
const EVERY: Duration = Duration::from_secs(60);
/// Recordings removed per round at most (the rest wait for the next).
const BATCH: u32 = 500;

/// Removes what is due, once; returns how many recordings went.
pub async fn sweep(
    index: &dyn RecordingIndex,
    files: &dyn RecordingStore,
    retention: Option<Duration>,
    now_ms: u64,
) -> usize {
    let before = retention.map(|keep| now_ms.saturating_sub(keep.as_millis() as u64));
    let due = match index.recordings_to_remove(before, BATCH).await {
        Ok(due) => due,
        Err(error) => {
            tracing::warn!(%error, "recording sweep: could not list what is due");
            return 0;
        }
    };
    let mut removed = 0;
    for recording in due {
        if let Err(error) = files.delete(&recording.key).await {
            tracing::warn!(id = %recording.id, %error, "recording sweep: could not remove a file");
            continue;
        }
        match index.forget_recording(&recording.id).await {
            Ok(()) => removed += 1,
            Err(error) => {
                tracing::warn!(id = %recording.id, %error, "recording sweep: could not forget a recording")
            }
        }
    }
    removed
}

/// Sweeps every minute, for as long as the server runs.
pub async fn run(
    index: Arc<dyn RecordingIndex>,
    files: Arc<dyn RecordingStore>,
    retention: Option<Duration>,
) {
    let mut every = tokio::time::interval(EVERY);
    loop {
        every.tick().await;
        let removed = sweep(index.as_ref(), files.as_ref(), retention, unix_ms()).await;
        if removed > 0 {
            tracing::info!(
                removed,
                "recordings removed (deleted interviews, retention)"
            );
        }
    }
}
