//! The candidate's audio track, read as fast as it arrives: RTP straight into
//! `audio::Inbound`, pcm16 chunks on to the upstream. It runs in its own task so the peer's
//! driver never waits (webrtc-rs drops packets once 256 are queued for a slow reader). When
//! packets stop, the time that passes goes on upstream as silence (`Inbound::idle`), so the
//! model's turn detector hears the candidate stop talking.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use super::timeline::InputMark;
use crate::audio::{Inbound, InboundConfig, InboundEvent, InboundStats, RtpPacket};
use crate::recording::PacketSender;
use crate::upstream::ToUpstream;

/// After this long without a packet, packets held behind a hole are released and the quiet
/// starts counting as silence.
const IDLE_FLUSH: Duration = Duration::from_millis(100);

/// While no packets arrive, silence is added at this pace (one chunk).
const IDLE_TICK: Duration = Duration::from_millis(20);

/// The process-wide counters (`crate::metrics`) are brought up to date this often (1 s).
const METRICS_EVERY_PACKETS: u64 = 50;

/// Bytes of pcm16 at 24 kHz per ms.
const PCM_BYTES_PER_MS: u64 = 48;

/// Reads `track` until it ends or the upstream goes away, telling the call when each chunk
/// was forwarded (`marks`; dropped rather than waited for if the call is behind); returns the
/// stream's counters.
pub(crate) async fn read_track(
    track: Arc<dyn TrackRemote>,
    upstream: mpsc::Sender<ToUpstream>,
    marks: mpsc::Sender<InputMark>,
    recorder: Option<PacketSender>,
    call_id: String,
) -> InboundStats {
    let config = InboundConfig {
        keep_packets: recorder.is_some(),
        ..InboundConfig::default()
    };
    let mut inbound = match Inbound::new(config) {
        Ok(inbound) => inbound,
        Err(error) => {
            tracing::error!(%call_id, %error, "inbound pipeline setup failed");
            return InboundStats::default();
        }
    };
    let metrics = crate::metrics::media();
    let mut reported = InboundStats::default();
    let mut position = Position {
        forwarded_ms: 0,
        rtp_timestamp: 0,
        read_at: Instant::now(),
    };
    let mut last_packet_at = Instant::now();
    loop {
        if inbound.stats().packets >= reported.packets + METRICS_EVERY_PACKETS {
            metrics.add_inbound(&inbound.stats(), &mut reported);
        }
        let quiet = last_packet_at.elapsed();
        let wait = IDLE_FLUSH.checked_sub(quiet).unwrap_or(IDLE_TICK);
        match tokio::time::timeout(wait, track.poll()).await {
            Ok(Some(TrackRemoteEvent::OnRtpPacket(packet))) => {
                last_packet_at = Instant::now();
                position.rtp_timestamp = packet.header.timestamp;
                position.read_at = last_packet_at;
                inbound.push(RtpPacket {
                    sequence_number: packet.header.sequence_number,
                    timestamp: packet.header.timestamp,
                    marker: packet.header.marker,
                    payload: &packet.payload,
                });
            }
            Ok(Some(TrackRemoteEvent::OnEnded)) | Ok(None) => break,
            Ok(Some(_)) => continue,
            Err(_idle) => {
                let quiet = last_packet_at.elapsed();
                inbound.idle(u32::try_from(quiet.as_millis()).unwrap_or(u32::MAX));
                // The silence is "read" now, not when the last packet came.
                position.read_at = Instant::now();
            }
        }
        if let Some(recorder) = &recorder {
            inbound.take_packets(|kept| {
                recorder.send(kept.start_ticks, kept.duration_ticks, kept.payload)
            });
        }
        if !forward(&mut inbound, &upstream, &marks, &mut position).await {
            break;
        }
    }
    let stats = inbound.stats();
    metrics.add_inbound(&stats, &mut reported);
    tracing::debug!(%call_id, ?stats, "candidate audio track ended");
    stats
}

/// Where the stream is: audio forwarded so far and the packet read last.
struct Position {
    forwarded_ms: u64,
    rtp_timestamp: u32,
    read_at: Instant,
}

/// Sends every ready chunk upstream and marks it; false once the upstream is gone.
async fn forward(
    inbound: &mut Inbound,
    upstream: &mpsc::Sender<ToUpstream>,
    marks: &mpsc::Sender<InputMark>,
    position: &mut Position,
) -> bool {
    while let Some(event) = inbound.poll() {
        let InboundEvent::Audio(pcm) = event else {
            continue;
        };
        let ms = pcm.len() as u64 / PCM_BYTES_PER_MS;
        if upstream
            .send(ToUpstream::Audio(Bytes::copy_from_slice(pcm)))
            .await
            .is_err()
        {
            return false;
        }
        position.forwarded_ms += ms;
        let _ = marks.try_send(InputMark {
            end_ms: position.forwarded_ms,
            rtp_timestamp: position.rtp_timestamp,
            read_at: position.read_at,
            forwarded_at: Instant::now(),
        });
    }
    true
}
