//! Opus as both ends of a call negotiate and send it: the codec, a media engine offering only
//! it, and the local track we write RTP packets to ourselves.

use std::sync::Arc;

use bytes::Bytes;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::media_engine::MIME_TYPE_OPUS;
use rtc::rtp;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
    RtpCodecKind,
};
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::peer_connection::{MediaEngine, Registry, register_default_interceptors};

/// Opus's payload type in our offers and answers (and Chrome's).
const OPUS_PAYLOAD_TYPE: u8 = 111;

/// Opus as Viva negotiates it: 48 kHz stereo signalling (RFC 7587), in-band FEC.
pub fn opus_codec() -> RTCRtpCodecParameters {
    RTCRtpCodecParameters {
        payload_type: OPUS_PAYLOAD_TYPE,
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
pub fn opus_media_engine() -> Result<(MediaEngine, Registry), webrtc::error::Error> {
    let mut media = MediaEngine::default();
    media.register_codec(opus_codec(), RtpCodecKind::Audio)?;
    let registry = register_default_interceptors(Registry::new(), &mut media)?;
    Ok((media, registry))
}

/// Our Opus audio track, with a random SSRC, and the header fields of the packets sent on it.
#[derive(Clone)]
pub struct OpusTrack {
    track: Arc<TrackLocalStaticRTP>,
    ssrc: u32,
    /// Payload type of the packets: 111 until the answerer learns the negotiated one (from the
    /// offer: 111 in Chrome, 109 in Firefox).
    pub payload_type: u8,
}

impl OpusTrack {
    /// A new track in stream `stream_id`.
    pub fn new(stream_id: &str, track_id: &str) -> Self {
        let ssrc = rand::random::<u32>();
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
        Self {
            track: Arc::new(TrackLocalStaticRTP::new(track)),
            ssrc,
            payload_type: OPUS_PAYLOAD_TYPE,
        }
    }

    /// The track, for `PeerConnection::add_track`.
    pub fn local(&self) -> Arc<dyn TrackLocal> {
        self.track.clone()
    }

    /// Sends one Opus frame as an RTP packet with our own sequence number and timestamp.
    /// webrtc-rs reports success even when it drops the packet (before the connection is up),
    /// so only call this once connected.
    pub async fn send(
        &self,
        sequence_number: u16,
        timestamp: u32,
        marker: bool,
        payload: Bytes,
    ) -> Result<(), webrtc::error::Error> {
        let header = rtp::Header {
            version: 2,
            marker,
            payload_type: self.payload_type,
            sequence_number,
            timestamp,
            ssrc: self.ssrc,
            ..Default::default()
        };
        self.track.write_rtp(rtp::Packet { header, payload }).await
    }
}
