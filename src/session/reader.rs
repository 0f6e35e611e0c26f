//! The candidate's audio track, read as fast as it arrives: RTP straight into
//! `audio::Inbound`, pcm16 chunks on to the upstream. It runs in its own task so the peer's
//! driver never waits (webrtc-rs drops packets once 256 are queued for a slow reader).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use crate::audio::{Inbound, InboundConfig, InboundEvent, InboundStats, RtpPacket};
use crate::upstream::ToUpstream;

/// After this long without a packet, packets held behind a hole are released.
const IDLE_FLUSH: Duration = Duration::from_millis(100);

/// The process-wide counters (`crate::metrics`) are brought up to date this often (1 s).
const METRICS_EVERY_PACKETS: u64 = 50;

/// Reads `track` until it ends or the upstream goes away; returns the stream's counters.
pub(crate) async fn read_track(
    track: Arc<dyn TrackRemote>,
    upstream: mpsc::Sender<ToUpstream>,
    call_id: String,
) -> InboundStats {
    let mut inbound = match Inbound::new(InboundConfig::default()) {
        Ok(inbound) => inbound,
        Err(error) => {
            tracing::error!(%call_id, %error, "inbound pipeline setup failed");
            return InboundStats::default();
        }
    };
    let metrics = crate::metrics::media();
    let mut reported = InboundStats::default();
    loop {
        if inbound.stats().packets >= reported.packets + METRICS_EVERY_PACKETS {
            metrics.add_inbound(&inbound.stats(), &mut reported);
        }
        match tokio::time::timeout(IDLE_FLUSH, track.poll()).await {
            Ok(Some(TrackRemoteEvent::OnRtpPacket(packet))) => {
                inbound.push(RtpPacket {
                    sequence_number: packet.header.sequence_number,
                    timestamp: packet.header.timestamp,
                    marker: packet.header.marker,
                    payload: &packet.payload,
                });
            }
            Ok(Some(TrackRemoteEvent::OnEnded)) | Ok(None) => break,
            Ok(Some(_)) => continue,
            Err(_idle) => inbound.flush(),
        }
        if !forward(&mut inbound, &upstream).await {
            break;
        }
    }
    let stats = inbound.stats();
    metrics.add_inbound(&stats, &mut reported);
    tracing::debug!(%call_id, ?stats, "candidate audio track ended");
    stats
}

/// Sends every ready chunk upstream; false once the upstream is gone.
async fn forward(inbound: &mut Inbound, upstream: &mpsc::Sender<ToUpstream>) -> bool {
    while let Some(event) = inbound.poll() {
        if let InboundEvent::Audio(pcm) = event
            && upstream
                .send(ToUpstream::Audio(Bytes::copy_from_slice(pcm)))
                .await
                .is_err()
        {
            return false;
        }
    }
    true
}
