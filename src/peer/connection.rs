//! Building a webrtc-rs peer connection the way both ends of a call do: Opus only, the same
//! ICE pace, mDNS off. Each end adds its own configuration, settings and addresses.

use std::sync::Arc;
use std::time::Duration;

use rtc::ice::mdns::MulticastDnsMode;
use webrtc::peer_connection::{
    PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfiguration, SettingEngine,
    SettingEngineBuilder,
};

use super::opus::opus_media_engine;

/// Pace of ICE connectivity checks: RFC 8445's Ta of 50 ms rather than webrtc-rs's 200 ms,
/// which added up to 200 ms to every call's setup (measured by `viva load`).
const ICE_CHECK_INTERVAL: Duration = Duration::from_millis(50);
/// Checks per candidate pair before it fails: the same 1.4 s window as webrtc-rs's default.
const ICE_MAX_BINDING_REQUESTS: u16 = 28;

/// The settings both ends start from: no mDNS candidates, ICE checks at RFC 8445's pace.
pub fn settings() -> SettingEngineBuilder {
    SettingEngineBuilder::new()
        .with_multicast_dns_mode(MulticastDnsMode::Disabled)
        .with_ice_connection_attempts(Some(ICE_CHECK_INTERVAL), Some(ICE_MAX_BINDING_REQUESTS))
}

/// A builder for a connection negotiating only Opus (webrtc-rs's default interceptors) with
/// `configuration`, `settings` and `handler`; the caller adds the addresses to bind.
pub fn builder(
    configuration: RTCConfiguration,
    settings: SettingEngine,
    handler: Arc<dyn PeerConnectionEventHandler>,
) -> Result<PeerConnectionBuilder<String>, webrtc::error::Error> {
    let (media, registry) = opus_media_engine()?;
    Ok(PeerConnectionBuilder::new()
        .with_configuration(configuration)
        .with_media_engine(media)
        .with_setting_engine(settings)
        .with_interceptor_registry(registry)
        .with_handler(handler))
}
