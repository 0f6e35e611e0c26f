//! webrtc-rs glue, and nothing else: build the candidate's PeerConnection (Opus only, one
//! sendrecv audio track, the `oai-events` data channel), answer the offer without trickle, and
//! hand everything that happens to the call as [`PeerEvent`]s over a bounded channel. The
//! driver awaits handler methods inline, so the handler only `try_send`s.

mod offer;

use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bytes::Bytes;
use rtc::ice::mdns::MulticastDnsMode;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::media_engine::MIME_TYPE_OPUS;
use rtc::rtp;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
    RtpCodecKind,
};
use tokio::sync::{Notify, mpsc};
use webrtc::data_channel::DataChannel;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCConfigurationBuilder, RTCIceGatheringState, RTCPeerConnectionState, RTCSessionDescription,
    Registry, SettingEngine, SettingEngineBuilder, register_default_interceptors,
};

pub use offer::{MAX_OFFER_BYTES, check_offer};

/// Capacity of the peer → call event channel. Events are few (a track, a data channel,
/// state changes); if it is ever full, a state change is dropped and logged.
const PEER_EVENT_CAPACITY: usize = 32;

/// How long ICE gathering may take before the answer goes out anyway (host candidates are
/// gathered in milliseconds).
const GATHERING_TIMEOUT: Duration = Duration::from_secs(2);

/// Pace of ICE connectivity checks: RFC 8445's Ta of 50 ms rather than webrtc-rs's 200 ms,
/// which added up to 200 ms to every call's setup (measured by `viva load`).
pub(crate) const ICE_CHECK_INTERVAL: Duration = Duration::from_millis(50);
/// Checks per candidate pair before it fails: the same 1.4 s window as webrtc-rs's default.
pub(crate) const ICE_MAX_BINDING_REQUESTS: u16 = 28;

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

/// Something that happened to a peer connection.
pub enum PeerEvent {
    /// The candidate's audio track: its first RTP packet arrived.
    Track(Arc<dyn TrackRemote>),
    /// The candidate's data channel (already open).
    DataChannel(Arc<dyn DataChannel>),
    /// The connection's state changed.
    State(RTCPeerConnectionState),
}

/// Why an offer could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// The offer is not valid SDP, or webrtc-rs refused it.
    #[error("invalid SDP offer: {0}")]
    InvalidSdp(String),
    /// The offer has no audio section to answer.
    #[error("the offer has no audio section; Viva needs the candidate's microphone")]
    NoAudio,
    /// The offer's audio does not include Opus.
    #[error("the offer's audio does not include Opus (opus/48000/2)")]
    NoOpus,
    /// Every media port is in use.
    #[error("no media port available")]
    NoPort,
    /// Anything else inside webrtc-rs.
    #[error("peer connection failed: {0}")]
    Internal(String),
}

/// A connected (or connecting) candidate peer, answered.
pub struct Peer {
    /// The connection.
    pub pc: Arc<dyn PeerConnection>,
    /// The interviewer's audio track.
    pub track: Arc<TrackLocalStaticRTP>,
    /// SSRC of that track.
    pub ssrc: u32,
    /// Negotiated Opus payload type (from the offer: 111 in Chrome, 109 in Firefox).
    pub payload_type: u8,
}

impl Peer {
    /// Sends one Opus frame as an RTP packet with our own sequence number and timestamp.
    /// webrtc-rs reports success even when it drops the packet (before the connection is up),
    /// so only call this once connected.
    pub async fn send_opus(
        &self,
        sequence_number: u16,
        timestamp: u32,
        marker: bool,
        payload: Bytes,
    ) -> Result<(), PeerError> {
        let header = rtp::Header {
            version: 2,
            marker,
            payload_type: self.payload_type,
            sequence_number,
            timestamp,
            ssrc: self.ssrc,
            ..Default::default()
        };
        self.track
            .write_rtp(rtp::Packet { header, payload })
            .await
            .map_err(|e| PeerError::Internal(e.to_string()))
    }

    /// Closes the connection (idempotent).
    pub async fn close(&self) {
        if let Err(error) = self.pc.close().await {
            tracing::debug!(%error, "peer close");
        }
    }
}

/// Opus as Viva negotiates it: 48 kHz stereo signalling (RFC 7587), in-band FEC.
pub fn opus_codec() -> RTCRtpCodecParameters {
    RTCRtpCodecParameters {
        payload_type: 111,
        rtp_codec: RTCRtpCodec {
            mime_type: MIME_TYPE_OPUS.to_owned(),
            clock_rate: 48_000,
            channels: 2,
            sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
            rtcp_feedback: vec![],
        },
    }
}

/// A media engine offering only Opus, with webrtc-rs's default interceptors.
pub fn opus_media_engine() -> Result<(MediaEngine, Registry), String> {
    let mut media = MediaEngine::default();
    media
        .register_codec(opus_codec(), RtpCodecKind::Audio)
        .map_err(|e| e.to_string())?;
    let registry =
        register_default_interceptors(Registry::new(), &mut media).map_err(|e| e.to_string())?;
    Ok((media, registry))
}

/// An Opus audio track we write RTP packets to ourselves, with `ssrc`.
pub fn opus_track(ssrc: u32, stream_id: &str, track_id: &str) -> Arc<TrackLocalStaticRTP> {
    let encoding = RTCRtpEncodingParameters {
        rtp_coding_parameters: RTCRtpCodingParameters {
            ssrc: Some(ssrc),
            ..Default::default()
        },
        codec: opus_codec().rtp_codec,
        ..Default::default()
    };
    let track = MediaStreamTrack::new(
        stream_id.into(),
        track_id.into(),
        track_id.into(),
        RtpCodecKind::Audio,
        vec![encoding],
    );
    Arc::new(TrackLocalStaticRTP::new(track))
}

fn setting_engine() -> SettingEngine {
    SettingEngineBuilder::new()
        .with_multicast_dns_mode(MulticastDnsMode::Disabled)
        // A vanished browser is noticed after 5 s + 5 s instead of 5 s + 25 s.
        .with_ice_timeouts(
            Some(Duration::from_secs(5)),
            Some(Duration::from_secs(5)),
            Some(Duration::from_secs(1)),
        )
        .with_ice_connection_attempts(Some(ICE_CHECK_INTERVAL), Some(ICE_MAX_BINDING_REQUESTS))
        .build()
}

struct Handler {
    events: mpsc::Sender<PeerEvent>,
    gathered: Arc<Notify>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            self.gathered.notify_one();
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        if self.events.try_send(PeerEvent::State(state)).is_err() {
            tracing::warn!(?state, "peer event channel full; state change dropped");
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        if self.events.try_send(PeerEvent::Track(track)).is_err() {
            tracing::error!("peer event channel full; remote track dropped");
        }
    }

    async fn on_data_channel(&self, channel: Arc<dyn DataChannel>) {
        if self
            .events
            .try_send(PeerEvent::DataChannel(channel))
            .is_err()
        {
            tracing::error!("peer event channel full; data channel dropped");
        }
    }
}

/// Builds a peer connection bound at `addr` (UDP, and TCP with [`PeerSettings::ice_tcp`]);
/// `None` when webrtc-rs could bind nothing there.
async fn build(
    settings: &PeerSettings,
    addr: &str,
    handler: Arc<Handler>,
) -> Result<Option<Arc<dyn PeerConnection>>, PeerError> {
    let (media, registry) = opus_media_engine().map_err(PeerError::Internal)?;
    let tcp_addrs = if settings.ice_tcp {
        vec![addr.to_owned()]
    } else {
        vec![]
    };
    let built = PeerConnectionBuilder::new()
        .with_configuration(RTCConfigurationBuilder::new().build())
        .with_media_engine(media)
        .with_setting_engine(setting_engine())
        .with_interceptor_registry(registry)
        .with_handler(handler)
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
        let description = RTCSessionDescription::offer(offer_sdp.to_owned())
            .map_err(|e| PeerError::InvalidSdp(e.to_string()))?;
        let (events_tx, events) = mpsc::channel(PEER_EVENT_CAPACITY);
        let gathered = Arc::new(Notify::new());
        let handler = Arc::new(Handler {
            events: events_tx,
            gathered: gathered.clone(),
        });
        let Some(pc) = build(settings, &addr, handler).await? else {
            continue;
        };
        let (track, ssrc, payload_type, sdp) = match negotiate(&pc, description, &gathered).await {
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
        return Ok((
            Peer {
                pc,
                track,
                ssrc,
                payload_type,
            },
            sdp,
            events,
        ));
    }
    tracing::warn!("no media port could be bound");
    Err(PeerError::NoPort)
}

async fn negotiate(
    pc: &Arc<dyn PeerConnection>,
    offer: RTCSessionDescription,
    gathered: &Notify,
) -> Result<(Arc<TrackLocalStaticRTP>, u32, u8, String), PeerError> {
    let ssrc = rand::random::<u32>();
    let track = opus_track(ssrc, "viva", "interviewer");
    // Before the remote description, so the answer is sendrecv.
    let sender = pc
        .add_track(track.clone() as Arc<dyn TrackLocal>)
        .await
        .map_err(|e| PeerError::Internal(e.to_string()))?;
    pc.set_remote_description(offer)
        .await
        .map_err(|e| PeerError::InvalidSdp(e.to_string()))?;
    let answer = pc
        .create_answer(None)
        .await
        .map_err(|e| PeerError::InvalidSdp(e.to_string()))?;
    pc.set_local_description(answer)
        .await
        .map_err(|e| PeerError::InvalidSdp(e.to_string()))?;
    if tokio::time::timeout(GATHERING_TIMEOUT, gathered.notified())
        .await
        .is_err()
    {
        tracing::warn!("ICE gathering did not complete in time; answering with what was gathered");
    }
    let local = pc
        .local_description()
        .await
        .ok_or_else(|| PeerError::Internal("no local description".into()))?;
    let payload_type = sender
        .get_parameters()
        .await
        .map_err(|e| PeerError::Internal(e.to_string()))?
        .rtp_parameters
        .codecs
        .first()
        .map_or(111, |codec| codec.payload_type);
    Ok((track, ssrc, payload_type, local.sdp))
}
