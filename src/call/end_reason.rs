//! Why a call ended, as stored in its record (`end_reason`) and logged.

use serde::{Deserialize, Serialize};

/// Why a call ended. The serialised names are the stored and reported values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The candidate's client, the integrator or the server hung up through the API.
    Hangup,
    /// The candidate's data channel or peer connection closed.
    PeerClosed,
    /// The peer's event stream ended (its driver went away).
    PeerGone,
    /// ICE or DTLS failed: the candidate's network went away.
    PeerFailed,
    /// The realtime model closed its side.
    UpstreamClosed,
    /// The peer never connected.
    ConnectTimeout,
    /// The server shut down (its drain ended) while the call ran.
    ServerShutdown,
    /// The server stopped without ending the call (a crash, `kill -9`, a lost machine); the
    /// next start found it unfinished and closed it.
    ServerLost,
}

impl EndReason {
    /// The stored name (`"hangup"`, `"peer_closed"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hangup => "hangup",
            Self::PeerClosed => "peer_closed",
            Self::PeerGone => "peer_gone",
            Self::PeerFailed => "peer_failed",
            Self::UpstreamClosed => "upstream_closed",
            Self::ConnectTimeout => "connect_timeout",
            Self::ServerShutdown => "server_shutdown",
            Self::ServerLost => "server_lost",
        }
    }

    /// Reads a stored name; `None` for one this build does not know.
    pub fn parse(name: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
    }

    /// Whether the candidate's side went away (rather than someone ending the call).
    pub fn peer_went_away(self) -> bool {
        matches!(self, Self::PeerClosed | Self::PeerGone | Self::PeerFailed)
    }
}

impl std::fmt::Display for EndReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::EndReason;

    #[test]
    fn the_stored_name_is_the_serialised_one() {
        for reason in [
            EndReason::Hangup,
            EndReason::PeerClosed,
            EndReason::PeerGone,
            EndReason::PeerFailed,
            EndReason::UpstreamClosed,
            EndReason::ConnectTimeout,
            EndReason::ServerShutdown,
        ] {
            let json = serde_json::to_value(reason).unwrap();
            assert_eq!(json, reason.as_str());
            assert_eq!(serde_json::from_value::<EndReason>(json).unwrap(), reason);
        }
    }
}
