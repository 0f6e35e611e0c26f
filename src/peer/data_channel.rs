//! Reading a data channel into a task's queue: the one reader of the channel, so nothing else
//! may poll it.

use std::sync::Arc;

use tokio::sync::mpsc;
use webrtc::data_channel::{DataChannel, DataChannelEvent};

/// Reads `channel` until it closes, sending `to_message(event)` of each event on to `messages`
/// (skipping events it maps to `None`), then `closed`. Stops, without `closed`, once
/// `messages`' receiver is gone.
pub async fn read_data_channel<T>(
    channel: Arc<dyn DataChannel>,
    messages: mpsc::Sender<T>,
    to_message: impl Fn(DataChannelEvent) -> Option<T>,
    closed: T,
) {
    while let Some(event) = channel.poll().await {
        if matches!(event, DataChannelEvent::OnClose) {
            break;
        }
        let Some(message) = to_message(event) else {
            continue;
        };
        if messages.send(message).await.is_err() {
            return;
        }
    }
    let _ = messages.send(closed).await;
}
