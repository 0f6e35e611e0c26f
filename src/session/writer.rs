//! A call's transcript goes to the store from its own task, in order, so the call's actor
//! never waits on the database: a write that queues behind other calls' writes (SQLite has one
//! writer) would otherwise hold back the 20 ms pacer and leave a gap in the interviewer's
//! voice (found by `viva load`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::EndReason;
use crate::store::{CallStore, TranscriptItem};

/// Items a call may have waiting for the store; beyond this, items are dropped and logged.
const QUEUE_MAX: usize = 256;
/// How long the end of a call waits for its last items to be written.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// The writer of one call's transcript.
pub(super) struct TranscriptWriter {
    call_id: String,
    tx: mpsc::Sender<TranscriptItem>,
    task: JoinHandle<()>,
    store: Arc<dyn CallStore>,
}

impl TranscriptWriter {
    /// Starts the writer of `call_id`'s items into `store`.
    pub(super) fn spawn(call_id: String, store: Arc<dyn CallStore>) -> Self {
        let (tx, mut rx) = mpsc::channel::<TranscriptItem>(QUEUE_MAX);
        let task = tokio::spawn({
            let (store, call_id) = (store.clone(), call_id.clone());
            async move {
                while let Some(item) = rx.recv().await {
                    if let Err(error) = store.upsert_item(&call_id, item).await {
                        tracing::warn!(%call_id, %error, "could not store a transcript item");
                    }
                }
            }
        });
        Self {
            call_id,
            tx,
            task,
            store,
        }
    }

    /// Queues `item` without waiting.
    pub(super) fn write(&self, item: TranscriptItem) {
        if let Err(error) = self.tx.try_send(item) {
            tracing::warn!(call_id = %self.call_id, %error, "transcript item dropped: the store is behind");
        }
    }

    /// Writes what is queued, then records the end of the call.
    pub(super) async fn finish(self, reason: EndReason, at_ms: u64) {
        let Self {
            call_id,
            tx,
            task,
            store,
        } = self;
        drop(tx);
        if tokio::time::timeout(DRAIN_TIMEOUT, task).await.is_err() {
            tracing::warn!(%call_id, "transcript items still unwritten at the end of the call");
        }
        if let Err(error) = store.call_ended(&call_id, reason.as_str(), at_ms).await {
            tracing::warn!(%call_id, %error, "could not record the end of the call");
        }
    }
}
