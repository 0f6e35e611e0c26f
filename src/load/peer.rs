//! A synthetic candidate: a webrtc-rs peer that offers Opus audio and the `oai-events` data
//! channel, posts its offer to `/v1/realtime/calls` with a client secret (asking for Viva's own
//! `viva.*` events too), sends pre-encoded
//! Opus packets, and reports what comes back (RTP packets with their arrival time, server
//! events, connection changes) as [`ClientEvent`]s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc;
use webrtc::data_channel::{DataChannel, DataChannelEvent};
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    PeerConnection, RTCConfigurationBuilder, RTCIceServer, RTCIceTransportPolicy,
    RTCPeerConnectionState, RTCSessionDescription,
};

use super::impair::{Direction, Impairer, Impairment, delay_line};
use crate::credentials::TurnCredentials;
use crate::peer::{self, EventHandler, OpusTrack, PeerError, PeerEvent};

/// Capacity of the event channel; a full channel drops RTP reports, never control events.
const EVENT_CAPACITY: usize = 4_096;

/// What a synthetic peer observes.
#[derive(Debug, Clone)]
pub enum ClientEvent {
    /// The connection state changed.
    State(RTCPeerConnectionState),
    /// The data channel opened.
    DataChannelOpen,
    /// A server event arrived on `oai-events`.
    ServerEvent(Value),
    /// An RTP packet of the interviewer's audio arrived.
    Audio {
        /// RTP sequence number.
        sequence_number: u16,
        /// RTP timestamp.
        timestamp: u32,
        /// The Opus payload.
        payload: Bytes,
        /// When it arrived.
        at: Instant,
    },
    /// The data channel closed.
    DataChannelClosed,
}

/// Why a synthetic call failed, with a stable code for reports.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered the offer with an error.
    #[error("server refused the call: HTTP {status} {code}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The error's `code`.
        code: String,
    },
    /// The server could not be reached over HTTP.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// Something inside the local peer failed.
    #[error("local peer: {0}")]
    Peer(#[from] PeerError),
}

impl From<webrtc::error::Error> for ClientError {
    fn from(error: webrtc::error::Error) -> Self {
        Self::Peer(error.into())
    }
}

impl ClientError {
    /// A stable code for counting failures by cause.
    pub fn code(&self) -> String {
        match self {
            Self::Refused { code, .. } => code.clone(),
            Self::Unreachable(_) => "unreachable".into(),
            Self::Peer(_) => "peer_error".into(),
        }
    }
}

/// Direct host candidates, or only relay candidates through `relay`.
fn rtc_configuration(relay: Option<&Relay>) -> webrtc::peer_connection::RTCConfiguration {
    match relay {
        None => RTCConfigurationBuilder::new().build(),
        Some(relay) => RTCConfigurationBuilder::new()
            .with_ice_servers(vec![RTCIceServer {
                urls: relay.urls.clone(),
                username: relay.username.clone(),
                credential: relay.credential.clone(),
            }])
            .with_ice_transport_policy(RTCIceTransportPolicy::Relay)
            .build(),
    }
}

/// How a synthetic peer reaches the server.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallOptions<'a> {
    /// Every packet through this TURN server.
    pub relay: Option<&'a Relay>,
    /// The network between peer and server, and the peer's index (mixed into the seed).
    pub impairment: Option<(Impairment, usize)>,
}

/// One RTP packet of the candidate's voice: sequence number, timestamp, marker, payload.
type OutPacket = (u16, u32, bool, Bytes);

/// Reports state changes and reads the interviewer's track as it comes, through `inbound`'s
/// impairment if there is one; the server opens no data channel of its own.
fn on_peer_event(
    events: mpsc::Sender<ClientEvent>,
    inbound: Option<Impairer>,
) -> impl Fn(PeerEvent) + Send + Sync + 'static {
    let inbound = std::sync::Mutex::new(inbound);
    move |event| match event {
        PeerEvent::State(state) => {
            let _ = events.try_send(ClientEvent::State(state));
        }
        PeerEvent::Track(track) => {
            let impairer = inbound.lock().ok().and_then(|mut i| i.take());
            tokio::spawn(read_audio(track, events.clone(), impairer));
        }
        PeerEvent::DataChannel(_) => {}
    }
}

async fn read_audio(
    track: Arc<dyn TrackRemote>,
    events: mpsc::Sender<ClientEvent>,
    impairer: Option<Impairer>,
) {
    let line = impairer.map(|impairer| {
        let events = events.clone();
        delay_line(impairer, move |audio: ClientEvent| {
            let events = events.clone();
            async move {
                if let ClientEvent::Audio {
                    sequence_number,
                    timestamp,
                    payload,
                    ..
                } = audio
                {
                    let at = Instant::now();
                    let _ = events.try_send(ClientEvent::Audio {
                        sequence_number,
                        timestamp,
                        payload,
                        at,
                    });
                }
            }
        })
    });
    while let Some(event) = track.poll().await {
        match event {
            TrackRemoteEvent::OnRtpPacket(packet) if !packet.payload.is_empty() => {
                let audio = ClientEvent::Audio {
                    sequence_number: packet.header.sequence_number,
                    timestamp: packet.header.timestamp,
                    payload: packet.payload,
                    at: Instant::now(),
                };
                let _ = match &line {
                    Some(line) => line.try_send(audio).is_ok(),
                    None => events.try_send(audio).is_ok(),
                };
            }
            TrackRemoteEvent::OnEnded => break,
            _ => {}
        }
    }
}

/// What `oai-events` brings: its opening and each server event (JSON; anything else is
/// skipped).
fn channel_event(event: DataChannelEvent) -> Option<ClientEvent> {
    match event {
        DataChannelEvent::OnOpen => Some(ClientEvent::DataChannelOpen),
        DataChannelEvent::OnMessage(message) => serde_json::from_slice(&message.data)
            .ok()
            .map(ClientEvent::ServerEvent),
        _ => None,
    }
}

/// A TURN server to send all of a call's media through (`iceTransportPolicy: "relay"`), as
/// a browser does with the TURN credentials of `POST /api/v1/interviews/{id}/credentials`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relay {
    /// `turn:host:port?transport=udp` URLs (webrtc-rs relays over UDP).
    pub urls: Vec<String>,
    /// TURN REST username (`<expiry>:<id>`).
    pub username: String,
    /// Its password.
    pub credential: String,
}

impl Relay {
    /// The UDP TURN server of a `turn_credentials` object, if it lists one.
    pub fn from_credentials(turn: &Value) -> Option<Self> {
        let turn = TurnCredentials::deserialize(turn).ok()?;
        let urls: Vec<String> = turn
            .urls
            .into_iter()
            .filter(|url| url.starts_with("turn:") && !url.contains("transport=tcp"))
            .collect();
        (!urls.is_empty()).then_some(Self {
            urls,
            username: turn.username,
            credential: turn.password,
        })
    }
}

/// A connected synthetic candidate.
pub struct SyntheticPeer {
    pc: Arc<dyn PeerConnection>,
    audio: OpusTrack,
    /// The impaired path of the candidate's voice, when the network is impaired.
    outbound: Option<mpsc::Sender<OutPacket>>,
    channel: Arc<dyn DataChannel>,
    /// What the peer observes, in order.
    pub events: mpsc::Receiver<ClientEvent>,
    /// The call id from the answer's `Location`.
    pub call_id: String,
    base_url: String,
    token: String,
    http: reqwest::Client,
    /// When the offer was posted.
    pub offer_sent_at: Instant,
    /// When the answer came back.
    pub answered_at: Instant,
}

impl SyntheticPeer {
    /// Offers a call to the server at `base_url` (`http://host:port`) with `token` (a client
    /// secret) and applies its answer. The connection completes in the background: watch
    /// `events` for `State(Connected)`.
    pub async fn call(base_url: &str, token: &str) -> Result<Self, ClientError> {
        Self::call_with(base_url, token, None, CallOptions::default()).await
    }

    /// Like [`SyntheticPeer::call`], relayed and impaired as `options` say.
    pub async fn call_with_options(
        base_url: &str,
        token: &str,
        options: CallOptions<'_>,
    ) -> Result<Self, ClientError> {
        Self::call_with(base_url, token, None, options).await
    }

    /// Like [`SyntheticPeer::call`], but posts the offer as `multipart/form-data` with a
    /// `session` part (OpenAI's server-side variant, used with the server key).
    pub async fn call_multipart(
        base_url: &str,
        server_key: &str,
        session: &Value,
    ) -> Result<Self, ClientError> {
        Self::call_with(base_url, server_key, Some(session), CallOptions::default()).await
    }

    async fn call_with(
        base_url: &str,
        token: &str,
        multipart_session: Option<&Value>,
        options: CallOptions<'_>,
    ) -> Result<Self, ClientError> {
        let relay = options.relay;
        let impairers = options
            .impairment
            .filter(|(impairment, _)| impairment.is_active())
            .map(|(impairment, index)| {
                (
                    impairment.for_peer(index, Direction::Outbound),
                    impairment.for_peer(index, Direction::Inbound),
                )
            });
        let (outbound_impairer, inbound_impairer) = impairers.unzip();
        let (events_tx, events) = mpsc::channel(EVENT_CAPACITY);
        let handler = EventHandler::new(on_peer_event(events_tx.clone(), inbound_impairer));
        let settings = peer::settings()
            // Relayed, relay pairs are all there is: no 2 s wait for a better pair (as
            // browsers, which nominate a relay pair as soon as it works).
            .with_relay_acceptance_min_wait(relay.map(|_| Duration::ZERO))
            .build();
        let pc = peer::builder(rtc_configuration(relay), settings, handler.clone())?
            .with_udp_addrs(vec!["127.0.0.1:0".to_owned()])
            .build()
            .await?;
        let pc: Arc<dyn PeerConnection> = Arc::new(pc);
        let audio = OpusTrack::new("candidate", "mic");
        pc.add_track(audio.local()).await?;
        let channel = pc.create_data_channel("oai-events", None).await?;
        tokio::spawn(peer::read_data_channel(
            channel.clone(),
            events_tx,
            channel_event,
            ClientEvent::DataChannelClosed,
        ));
        let offer = pc.create_offer(None).await?;
        pc.set_local_description(offer).await?;
        handler.gathered(Duration::from_secs(5)).await;
        let offer_sdp = pc
            .local_description()
            .await
            .ok_or(PeerError::NoLocalDescription)?
            .sdp;

        let http = crate::http_client::client();
        let offer_sent_at = Instant::now();
        let request = http
            .post(format!("{base_url}/v1/realtime/calls?viva_events=1"))
            .bearer_auth(token);
        let request = match multipart_session {
            None => request
                .header("Content-Type", "application/sdp")
                .body(offer_sdp),
            Some(session) => {
                let boundary = format!("viva{}", rand::random::<u64>());
                let body = format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"sdp\"\r\nContent-Type: application/sdp\r\n\r\n{offer_sdp}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"session\"\r\nContent-Type: application/json\r\n\r\n{session}\r\n--{boundary}--\r\n"
                );
                request
                    .header(
                        "Content-Type",
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .body(body)
            }
        };
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response
            .text()
            .await
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        if status != 201 {
            let _ = pc.close().await;
            let code = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| {
                    v.pointer("/error/code")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| format!("http_{status}"));
            return Err(ClientError::Refused { status, code });
        }
        let answered_at = Instant::now();
        let answer = RTCSessionDescription::answer(body)?;
        pc.set_remote_description(answer).await?;
        let call_id = location.rsplit('/').next().unwrap_or_default().to_owned();
        let outbound = outbound_impairer.map(|impairer| {
            let track = audio.clone();
            delay_line(impairer, move |(seq, ts, marker, payload): OutPacket| {
                let track = track.clone();
                async move {
                    let _ = track.send(seq, ts, marker, payload).await;
                }
            })
        });
        Ok(Self {
            pc,
            audio,
            outbound,
            channel,
            events,
            call_id,
            base_url: base_url.to_owned(),
            token: token.to_owned(),
            http,
            offer_sent_at,
            answered_at,
        })
    }

    /// Sends one Opus packet of the candidate's voice.
    pub async fn send_opus(
        &self,
        sequence_number: u16,
        timestamp: u32,
        marker: bool,
        payload: Bytes,
    ) -> Result<(), ClientError> {
        if let Some(outbound) = &self.outbound {
            // A full line drops the packet, as a congested network would.
            let _ = outbound.try_send((sequence_number, timestamp, marker, payload));
            return Ok(());
        }
        Ok(self
            .audio
            .send(sequence_number, timestamp, marker, payload)
            .await?)
    }

    /// Sends a client event on `oai-events`.
    pub async fn send_event(&self, event: &Value) -> Result<(), ClientError> {
        Ok(self.channel.send_text(&event.to_string()).await?)
    }

    /// Asks the server to end the call, then closes the peer.
    pub async fn hangup(&self) -> Result<(), ClientError> {
        let result = self
            .http
            .post(format!(
                "{}/v1/realtime/calls/{}/hangup",
                self.base_url, self.call_id
            ))
            .bearer_auth(&self.token)
            .send()
            .await;
        self.close().await;
        match result {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => Err(ClientError::Refused {
                status: response.status().as_u16(),
                code: "hangup_refused".into(),
            }),
            Err(e) => Err(ClientError::Unreachable(e.to_string())),
        }
    }

    /// Closes the peer without telling the server (a vanished browser).
    pub async fn close(&self) {
        let _ = self.pc.close().await;
    }
}
