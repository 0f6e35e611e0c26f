//! webrtc-rs glue, and nothing else: build the candidate's PeerConnection (Opus only, one
//! sendrecv audio track, the `oai-events` data channel), answer the offer without trickle, and
//! hand everything that happens to the call as [`PeerEvent`]s over a bounded channel. The
//! driver awaits handler methods inline, so the handler only `try_send`s.
//!
//! What both ends of a call do alike is shared with `viva load`'s synthetic candidate (the
//! offerer): the connection [`builder`], the [`EventHandler`], the [`OpusTrack`] and
//! [`read_data_channel`].

mod connection;
mod data_channel;
mod events;
mod offer;
mod opus;

use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionEventHandler, RTCConfigurationBuilder, RTCSessionDescription,
    SettingEngine,
};

pub use connection::{builder, settings};
pub use data_channel::read_data_channel;
pub use events::{EventHandler, PeerEvent};
pub use offer::{MAX_OFFER_BYTES, check_offer};
pub use opus::{OpusTrack, opus_codec, opus_media_engine};

/// Capacity of the peer → call event channel. Events are few (a track, a data channel,
/// state changes); if it is ever full, a state change is dropped and logged.
const PEER_EVENT_CAPACITY: usize = 32;

/// How long ICE gathering may take before the answer goes out anyway (host candidates are
/// gathered in milliseconds).
const GATHERING_TIMEOUT: Duration = Duration::from_secs(2);

/// Where media sockets bind and what they announce.
#[derive(Debug)]
pub struct PeerSettings {
    /// IP the UDP socket (and the ICE-TCP listener) binds to.
    pub bind_ip: IpAddr,
    /// Ports to bind from, one per call; `None` for ephemeral ports.
    pub ports: Option<RangeInclusive<u16>>,
    /// IP announced in the answer's candidates instead of `bind_ip` (NAT 1:1).
    pub public_ip: Option<IpAddr>,
    /// Also offer an ICE-TCP passive host candidate (RFC 6544, RFC 4571 framing) on the same IP
    /// and port as the UDP one, for candidates whose network blocks UDP. Default: on.
    pub ice_tcp: bool,
    next_port: AtomicU32,
}

impl PeerSettings {
    /// Settings binding `bind_ip`, on `ports` if given, announcing `public_ip` if given.
    pub fn new(
        bind_ip: IpAddr,
        ports: Option<RangeInclusive<u16>>,
        public_ip: Option<IpAddr>,
    ) -> Self {
        Self {
            bind_ip,
            ports,
            public_ip,
            ice_tcp: true,
            next_port: AtomicU32::new(0),
        }
    }

    /// Bind addresses to try, in order: each port of the range once, starting after the last
    /// one handed out, or one ephemeral port. The ICE-TCP listener binds the same address (an
    /// ephemeral port of its own when the UDP one is ephemeral).
    fn candidate_addrs(&self) -> Vec<String> {
        match &self.ports {
            None => vec![format!("{}:0", self.bind_ip)],
            Some(range) => {
                let len = u32::from(*range.end() - *range.start()) + 1;
                let start = self.next_port.fetch_add(1, Ordering::Relaxed) % len;
                (0..len)
                    .map(|i| {
                        format!(
                            "{}:{}",
                            self.bind_ip,
                            u32::from(*range.start()) + (start + i) % len
                        )
                    })
                    .collect()
            }
        }
    }
}

/// Why a peer connection could not be set up or used.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// The offer is not SDP: it does not start with `v=0`.
    #[error("an SDP offer starts with \"v=0\"")]
    NotSdp,
    /// The offer has no audio section to answer.
    #[error("the offer has no audio section; Viva needs the candidate's microphone")]
    NoAudio,
    /// The offer's audio does not include Opus.
    #[error("the offer's audio does not include Opus (opus/48000/2)")]
    NoOpus,
    /// webrtc-rs could not parse the offer, apply it, or answer it.
    #[error("invalid SDP offer: {0}")]
    SdpRefused(#[source] webrtc::error::Error),
    /// Every media port is in use.
    #[error("no media port available")]
    NoPort,
    /// The connection has no local description once ICE gathering is over.
    #[error("the peer connection has no local description")]
    NoLocalDescription,
    /// Anything else inside webrtc-rs (the media engine, adding a track, writing RTP…).
    #[error("peer connection failed: {0}")]
    WebRtc(#[from] webrtc::error::Error),
}

/// A connected (or connecting) candidate peer, answered.
pub struct Peer {
    /// The connection.
    pub pc: Arc<dyn PeerConnection>,
    /// The interviewer's audio track, with the negotiated Opus payload type.
    audio: OpusTrack,
}

impl Peer {
    /// Sends one Opus frame of the interviewer's voice (see [`OpusTrack::send`]); only call
    /// this once connected.
    pub async fn send_opus(
        &self,
        sequence_number: u16,
        timestamp: u32,
        marker: bool,
        payload: Bytes,
    ) -> Result<(), PeerError> {
        Ok(self
            .audio
            .send(sequence_number, timestamp, marker, payload)
            .await?)
    }

    /// Closes the connection (idempotent).
    pub async fn close(&self) {
        if let Err(error) = self.pc.close().await {
            tracing::debug!(%error, "peer close");
        }
    }
}

/// The answerer's settings: the shared ones, and a vanished browser is noticed after 5 s + 5 s
/// instead of 5 s + 25 s.
fn setting_engine() -> SettingEngine {
    settings()
        .with_ice_timeouts(
            Some(Duration::from_secs(5)),
            Some(Duration::from_secs(5)),
            Some(Duration::from_secs(1)),
        )
        .build()
}

/// Hands each event to the call; drops (and logs) it if the call is that far behind.
fn forward_to(events: mpsc::Sender<PeerEvent>) -> impl Fn(PeerEvent) + Send + Sync + 'static {
    move |event| {
        let Err(full) = events.try_send(event) else {
            return;
        };
        match full.into_inner() {
            PeerEvent::State(state) => {
                tracing::warn!(?state, "peer event channel full; state change dropped");
            }
            PeerEvent::Track(_) => tracing::error!("peer event channel full; remote track dropped"),
            PeerEvent::DataChannel(_) => {
                tracing::error!("peer event channel full; data channel dropped");
            }
        }
    }
}

/// Builds a peer connection bound at `addr` (UDP, and TCP with [`PeerSettings::ice_tcp`]);
/// `None` when webrtc-rs could bind nothing there.
async fn build(
    settings: &PeerSettings,
    addr: &str,
    handler: Arc<dyn PeerConnectionEventHandler>,
) -> Result<Option<Arc<dyn PeerConnection>>, PeerError> {
    let tcp_addrs = if settings.ice_tcp {
        vec![addr.to_owned()]
    } else {
        vec![]
    };
    let built = builder(
        RTCConfigurationBuilder::new().build(),
        setting_engine(),
        handler,
    )?
    .with_udp_addrs(vec![addr.to_owned()])
    .with_tcp_addrs(tcp_addrs)
    .build()
    .await;
    match built {
        Ok(pc) => Ok(Some(Arc::new(pc))),
        Err(error) => {
            tracing::debug!(%addr, %error, "media port unavailable");
            Ok(None)
        }
    }
}

/// Answers a candidate's SDP offer: returns the peer, the SDP answer (all candidates
/// gathered), and the channel of its events.
pub async fn answer(
    settings: &PeerSettings,
    offer_sdp: &str,
) -> Result<(Peer, String, mpsc::Receiver<PeerEvent>), PeerError> {
    check_offer(offer_sdp)?;
    for addr in settings.candidate_addrs() {
        let description =
            RTCSessionDescription::offer(offer_sdp.to_owned()).map_err(PeerError::SdpRefused)?;
        let (events_tx, events) = mpsc::channel(PEER_EVENT_CAPACITY);
        let handler = EventHandler::new(forward_to(events_tx));
        let Some(pc) = build(settings, &addr, handler.clone()).await? else {
            continue;
        };
        let (audio, sdp) = match negotiate(&pc, description, &handler).await {
            Ok(negotiated) => negotiated,
            Err(error) => {
                let _ = pc.close().await;
                return Err(error);
            }
        };
        // webrtc-rs binds in its driver and fails `build()` only when nothing at all binds, so
        // a UDP port taken while its TCP twin is free still gives a connection, TCP only: most
        // candidates could not reach it. Such a port counts as taken. A TCP port that could not
        // be bound only costs the ICE-TCP fallback (webrtc-rs logs the bind error).
        let (udp, tcp) = offer::host_candidate_protocols(&sdp);
        if settings.ice_tcp && !udp {
            tracing::warn!(%addr, "UDP media port unavailable (its TCP twin bound); trying another");
            let _ = pc.close().await;
            continue;
        }
        if settings.ice_tcp && !tcp {
            tracing::warn!(%addr, "ICE-TCP listener could not bind; answering with UDP only");
        }
        let sdp = match settings.public_ip {
            Some(public) => offer::rewrite_candidates(&sdp, &public.to_string()),
            None => sdp,
        };
        return Ok((Peer { pc, audio }, sdp, events));
    }
    tracing::warn!("no media port could be bound");
    Err(PeerError::NoPort)
}

/// Adds the interviewer's track, answers `offer` and waits for ICE gathering; returns the
/// track (with the negotiated payload type) and the answer's SDP.
async fn negotiate<F: Fn(PeerEvent) + Send + Sync + 'static>(
    pc: &Arc<dyn PeerConnection>,
    offer: RTCSessionDescription,
    handler: &EventHandler<F>,
) -> Result<(OpusTrack, String), PeerError> {
    let mut audio = OpusTrack::new("viva", "interviewer");
    // Before the remote description, so the answer is sendrecv.
    let sender = pc.add_track(audio.local()).await?;
    pc.set_remote_description(offer)
        .await
        .map_err(PeerError::SdpRefused)?;
    let answer = pc
        .create_answer(None)
        .await
        .map_err(PeerError::SdpRefused)?;
    pc.set_local_description(answer)
        .await
        .map_err(PeerError::SdpRefused)?;
    if !handler.gathered(GATHERING_TIMEOUT).await {
        tracing::warn!("ICE gathering did not complete in time; answering with what was gathered");
    }
    let local = pc
        .local_description()
        .await
        .ok_or(PeerError::NoLocalDescription)?;
    if let Some(codec) = sender.get_parameters().await?.rtp_parameters.codecs.first() {
        audio.payload_type = codec.payload_type;
    }
    Ok((audio, local.sdp))
}
