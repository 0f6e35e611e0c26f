//! The call service: the one way to start a live call and to reach it afterwards (the shape of
//! LiveKit's `RoomManager` between its HTTP service and its RTC code). It owns what a call is
//! made of: the media settings, the interviewer voice's encoder settings, the upstream, the
//! registry and the store. An HTTP handler (native API or a facade) parses its wire format
//! into a [`CallRequest`] and maps a [`StartError`] back into its own errors.

use std::sync::Arc;

use super::{CallParts, CallRegistry, Control, spawn_call};
use crate::audio::OutboundConfig;
use crate::clock::unix_ms;
use crate::ids::new_id;
use crate::interview::{EventBus, InterviewError, InterviewEvent};
use crate::peer::{self, PeerError, PeerSettings};
use crate::realtime::SessionConfig;
use crate::recording::Recorders;
use crate::store::{NewCall, Store, StoreError};
use crate::upstream::{Upstream, UpstreamError};

pub use crate::peer::MAX_OFFER_BYTES;

/// What a call is started with.
#[derive(Debug, Clone)]
pub struct CallRequest {
    /// The candidate's SDP offer.
    pub offer: String,
    /// The model's session configuration.
    pub session: SessionConfig,
    /// The id of the client secret (or `server_key`) that opens the call.
    pub secret_id: String,
    /// The organization of that secret or key: the call is its.
    pub org_id: String,
    /// The interview the secret is bound to, if any: it must exist and not be completed.
    pub interview_id: Option<String>,
    /// The client wants Viva's own `viva.*` events.
    pub viva_events: bool,
}

/// A started call.
#[derive(Debug, Clone)]
pub struct CallAnswer {
    /// Its id (`rtc_…`).
    pub call_id: String,
    /// The SDP answer, every candidate gathered.
    pub sdp: String,
}

/// Why a call could not start. Each wire format maps these onto its own errors.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The offer could not be answered: the SDP, a media port, or webrtc-rs.
    #[error(transparent)]
    Peer(#[from] PeerError),
    /// The server is at its limit of calls.
    #[error("the server is at its limit of {max} calls")]
    TooManyCalls {
        /// The limit.
        max: usize,
    },
    /// The interview the secret is bound to cannot be joined (gone, or completed).
    #[error(transparent)]
    Interview(#[from] InterviewError),
    /// The model refused the session, or cannot be reached.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// Whose side a [`StartError`] is on: what every wire format needs to pick its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The offer cannot be answered (400).
    Offer,
    /// No room now: calls or media ports (503, retry shortly).
    Capacity,
    /// The secret's interview cannot be joined (403).
    Interview,
    /// The realtime model failed (502).
    Upstream,
    /// Viva failed (500).
    Internal,
}

impl StartError {
    /// The stable code every wire format reports.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Peer(PeerError::NotSdp | PeerError::SdpRefused(_)) => "invalid_sdp",
            Self::Peer(PeerError::NoAudio) => "no_audio",
            Self::Peer(PeerError::NoOpus) => "no_opus",
            Self::Peer(PeerError::NoPort) => "no_media_port",
            Self::TooManyCalls { .. } => "too_many_calls",
            Self::Interview(InterviewError::NotFound) => "interview_not_found",
            Self::Interview(InterviewError::Completed) => "interview_completed",
            Self::Upstream(UpstreamError::Refused(_)) => "upstream_refused",
            Self::Upstream(UpstreamError::Unreachable(_)) => "upstream_unavailable",
            Self::Store(_) | Self::Peer(PeerError::NoLocalDescription | PeerError::WebRtc(_)) => {
                "internal_error"
            }
        }
    }

    /// Whose side it is on.
    pub fn refusal(&self) -> Refusal {
        match self.code() {
            "invalid_sdp" | "no_audio" | "no_opus" => Refusal::Offer,
            "no_media_port" | "too_many_calls" => Refusal::Capacity,
            "interview_not_found" | "interview_completed" => Refusal::Interview,
            "upstream_refused" | "upstream_unavailable" => Refusal::Upstream,
            _ => Refusal::Internal,
        }
    }
}

/// The call is not live (never was, or has ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no such live call")]
pub struct NotLive;

/// Live calls: starts them and carries controls to them.
pub struct Calls {
    registry: Arc<CallRegistry>,
    upstream: Arc<dyn Upstream>,
    store: Arc<dyn Store>,
    peer: PeerSettings,
    outbound: OutboundConfig,
    max_calls: usize,
    events: EventBus,
    recorders: Option<Recorders>,
}

impl Calls {
    /// A service admitting at most `max_calls` calls at once, publishing their events on
    /// `events` (once stored).
    pub fn new(
        max_calls: usize,
        upstream: Arc<dyn Upstream>,
        store: Arc<dyn Store>,
        peer: PeerSettings,
        outbound: OutboundConfig,
        events: EventBus,
    ) -> Self {
        Self {
            registry: CallRegistry::new(max_calls),
            upstream,
            store,
            peer,
            outbound,
            max_calls,
            events,
            recorders: None,
        }
    }

    /// Records every call's candidate audio with `recorders`.
    pub fn with_recorders(mut self, recorders: Recorders) -> Self {
        self.recorders = Some(recorders);
        self
    }

    /// Every interview event of every call from now on (joined, questions, answers, transcript
    /// lines, ends), in the order each call produced them.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<InterviewEvent> {
        self.events.subscribe()
    }

    /// Starts a call: checks the offer and the interview, takes a slot, connects the upstream,
    /// answers the peer, records the call and spawns its actor.
    pub async fn start(&self, request: CallRequest) -> Result<CallAnswer, StartError> {
        peer::check_offer(&request.offer)?;
        let interview_id = match &request.interview_id {
            Some(id) => Some(self.check_interview_open(&request.org_id, id).await?),
            None => None,
        };
        let slot = self
            .registry
            .reserve()
            .map_err(|_| StartError::TooManyCalls {
                max: self.max_calls,
            })?;
        let call_id = new_id("rtc_");
        let upstream = self
            .upstream
            .connect(&call_id, request.session.clone())
            .await?;
        let (peer, sdp, peer_events) = peer::answer(&self.peer, &request.offer).await?;
        self.store
            .call_started(&NewCall {
                call_id: &call_id,
                secret_id: &request.secret_id,
                org_id: &request.org_id,
                interview_id: interview_id.as_deref(),
                at_ms: unix_ms(),
            })
            .await?;
        spawn_call(CallParts {
            call_id: call_id.clone(),
            secret_id: request.secret_id,
            org_id: request.org_id,
            interview_id,
            peer,
            peer_events,
            upstream,
            session: request.session,
            store: self.store.clone(),
            outbound: self.outbound.clone(),
            slot,
            viva_events: request.viva_events,
            events: self.events.clone(),
            recorders: self.recorders.clone(),
        });
        tracing::info!(%call_id, "call answered");
        Ok(CallAnswer { call_id, sdp })
    }

    /// Interview-bound secrets work only while their interview exists and is not completed;
    /// returns the interview's id.
    pub async fn check_interview_open(
        &self,
        org_id: &str,
        interview_id: &str,
    ) -> Result<String, StartError> {
        let interview = self
            .store
            .interview(org_id, interview_id)
            .await?
            .ok_or(InterviewError::NotFound)?;
        interview.check_open()?;
        Ok(interview.id)
    }

    /// Sends `control` to the live call `call_id`: the one way to reach a call.
    pub async fn send(&self, call_id: &str, control: Control) -> Result<(), NotLive> {
        let call = self.registry.get(call_id).ok_or(NotLive)?;
        call.control.send(control).await.map_err(|_| NotLive)
    }

    /// The live call `call_id`: who opened it and its interview.
    pub fn get(&self, call_id: &str) -> Option<super::CallHandle> {
        self.registry.get(call_id)
    }

    /// Calls live or being set up.
    pub fn len(&self) -> usize {
        self.registry.len()
    }

    /// Whether no call is live or being set up.
    pub fn is_empty(&self) -> bool {
        self.registry.is_empty()
    }

    /// The most calls admitted at once.
    pub fn max_calls(&self) -> usize {
        self.max_calls
    }

    /// Ends every live call of `org_id`'s interview `interview_id`, telling each candidate
    /// `reason` first; returns how many there were.
    pub async fn end_interview(&self, org_id: &str, interview_id: &str, reason: &str) -> usize {
        let mut ended = 0;
        for id in self.registry.ids() {
            let Some(call) = self.registry.get(&id) else {
                continue;
            };
            if call.org_id == org_id && call.interview_id.as_deref() == Some(interview_id) {
                let end = Control::End {
                    reason: reason.to_owned(),
                };
                if call.control.send(end).await.is_ok() {
                    ended += 1;
                }
            }
        }
        ended
    }

    /// Sends `control` to every live call; how many took it.
    pub async fn tell_all(&self, control: Control) -> usize {
        let mut told = 0;
        for id in self.registry.ids() {
            if self.send(&id, control.clone()).await.is_ok() {
                told += 1;
            }
        }
        told
    }

    /// Ends every live call for a shutdown (the candidates are told) and waits up to `grace`
    /// for them to finish: their messages, recordings and interviews stored.
    pub async fn shut_down_all(&self, grace: std::time::Duration) {
        self.tell_all(Control::Shutdown).await;
        let _ = tokio::time::timeout(grace, self.idle()).await;
    }

    /// Resolves once no call is live.
    pub async fn idle(&self) {
        while !self.registry.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}
