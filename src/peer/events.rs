//! The peer connection's event handler, the same for both ends of a call (the server answers,
//! `viva load`'s synthetic candidate offers): it signals the end of ICE gathering and hands
//! everything else, as a [`PeerEvent`], to a callback. webrtc-rs's driver awaits the handler
//! inline, so the callback must not block (`try_send`, `spawn`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use webrtc::data_channel::DataChannel;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    PeerConnectionEventHandler, RTCIceGatheringState, RTCPeerConnectionState,
};

/// Something that happened to a peer connection.
pub enum PeerEvent {
    /// The remote audio track: its first RTP packet arrived.
    Track(Arc<dyn TrackRemote>),
    /// A data channel the remote peer opened.
    DataChannel(Arc<dyn DataChannel>),
    /// The connection's state changed.
    State(RTCPeerConnectionState),
}

/// Calls `on_event` with each [`PeerEvent`] and tells [`EventHandler::gathered`] when ICE
/// gathering completes.
pub struct EventHandler<F> {
    on_event: F,
    gathered: Notify,
}

impl<F: Fn(PeerEvent) + Send + Sync + 'static> EventHandler<F> {
    /// A handler calling `on_event`; pass a clone to `PeerConnectionBuilder::with_handler`.
    pub fn new(on_event: F) -> Arc<Self> {
        Arc::new(Self {
            on_event,
            gathered: Notify::new(),
        })
    }

    /// Waits until ICE gathering completes (or already has), at most `timeout`; whether it
    /// did.
    pub async fn gathered(&self, timeout: Duration) -> bool {
        tokio::time::timeout(timeout, self.gathered.notified())
            .await
            .is_ok()
    }
}

#[async_trait::async_trait]
impl<F: Fn(PeerEvent) + Send + Sync + 'static> PeerConnectionEventHandler for EventHandler<F> {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            self.gathered.notify_one();
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        (self.on_event)(PeerEvent::State(state));
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        (self.on_event)(PeerEvent::Track(track));
    }

    async fn on_data_channel(&self, channel: Arc<dyn DataChannel>) {
        (self.on_event)(PeerEvent::DataChannel(channel));
    }
}
