//! A call's record goes to the store from its own task, in order, so the call's actor never
//! waits on the database: a write that queues behind other calls' writes (SQLite has one
//! writer) would otherwise hold back the 20 ms pacer and leave a gap in the interviewer's
//! voice (found by `viva load`). What is queued is written in one transaction: the items and
//! the events that describe them together; the events are published after that write, so a
//! subscriber that reads the store agrees with what it heard. A write that fails is logged and
//! its events are still published: live subscribers are not kept from what happened.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::EndReason;
use crate::interview::{EventBus, InterviewEvent};
use crate::store::{CallChanges, CallStore, TranscriptItem};

/// Writes a call may have waiting for the store; beyond this, they are dropped and logged.
const QUEUE_MAX: usize = 256;
/// How long the end of a call waits for its last writes before it frees its slot (a call
/// shown as not live has its end reason stored, unless the store is stuck this long).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// One thing to write.
enum Write {
    Item(TranscriptItem),
    Event(InterviewEvent),
    End(EndReason, InterviewEvent),
}

/// The writer of one call's record.
pub(super) struct CallWriter {
    call_id: String,
    tx: mpsc::Sender<Write>,
    task: JoinHandle<()>,
}

impl CallWriter {
    /// Starts the writer of `call_id`'s record into `store`, publishing on `bus`.
    pub(super) fn spawn(call_id: String, store: Arc<dyn CallStore>, bus: EventBus) -> Self {
        let (tx, rx) = mpsc::channel::<Write>(QUEUE_MAX);
        let task = tokio::spawn(write_all(call_id.clone(), rx, store, bus));
        Self { call_id, tx, task }
    }

    /// Queues `item` without waiting.
    pub(super) fn item(&self, item: TranscriptItem) {
        self.queue(Write::Item(item));
    }

    /// Queues `event` without waiting.
    pub(super) fn event(&self, event: InterviewEvent) {
        self.queue(Write::Event(event));
    }

    fn queue(&self, write: Write) {
        if let Err(error) = self.tx.try_send(write) {
            tracing::warn!(call_id = %self.call_id, %error, "call record write dropped: the store is behind");
        }
    }

    /// Writes what is queued, then the end of the call with its event.
    pub(super) async fn finish(self, reason: EndReason, ended: InterviewEvent) {
        let Self { call_id, tx, task } = self;
        // The queue may be full: the end is the one write that waits.
        if tx.send(Write::End(reason, ended)).await.is_err() {
            tracing::warn!(%call_id, "the call's writer is gone");
        }
        drop(tx);
        if tokio::time::timeout(DRAIN_TIMEOUT, task).await.is_err() {
            tracing::warn!(%call_id, "call record still unwritten at the end of the call");
        }
    }
}

/// The writer's task: everything queued at once goes in one transaction.
async fn write_all(
    call_id: String,
    mut rx: mpsc::Receiver<Write>,
    store: Arc<dyn CallStore>,
    bus: EventBus,
) {
    while let Some(first) = rx.recv().await {
        let mut changes = CallChanges::default();
        let mut next = Some(first);
        while let Some(write) = next {
            match write {
                Write::Item(item) => changes.items.push(item),
                Write::Event(event) => changes.events.push(event),
                Write::End(reason, event) => {
                    changes.ended = Some((reason, event.at_ms));
                    changes.events.push(event);
                }
            }
            next = rx.try_recv().ok();
        }
        if let Err(error) = store.record_call(&call_id, &changes).await {
            tracing::warn!(%call_id, %error, "could not store the call's record");
        }
        for event in changes.events {
            bus.publish(event);
        }
    }
}
