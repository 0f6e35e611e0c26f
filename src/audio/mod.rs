//! The hot audio path: RTP/Opus from the candidate to pcm16 for the model, and pcm16 from the
//! model to Opus frames for the candidate.
//!
//! This module is pure computation. It never touches tokio, sockets or clocks: RTP fields and
//! payloads come in as values, samples and encoded frames go out as values, and anything that
//! depends on time (an idle stream, the 20 ms pacer) is the caller's to decide. That makes it
//! testable exhaustively and measurable on its own (`benches/audio.rs`).
//!
//! ```no_run
//! use viva::audio::{Inbound, InboundConfig, InboundEvent, RtpPacket};
//!
//! let mut inbound = Inbound::new(InboundConfig::default())?;
//! # let (seq, ts, payload) = (0u16, 0u32, &[0u8][..]);
//! inbound.push(RtpPacket { sequence_number: seq, timestamp: ts, marker: false, payload });
//! while let Some(event) = inbound.poll() {
//!     match event {
//!         InboundEvent::Audio(pcm16_le) => { /* 960 bytes: 20 ms at 24 kHz */ }
//!         InboundEvent::Discontinuity { skipped_ms } => { /* a long silence was skipped */ }
//!     }
//! }
//! # Ok::<(), viva::audio::AudioError>(())
//! ```

mod error;
mod inbound;
mod kept;
mod opus_packet;
mod outbound;
mod pcm;
mod reorder;
mod resample;
mod seq;
pub mod synth;
pub mod vad;
pub mod wav;

pub use error::AudioError;
pub use inbound::{Inbound, InboundConfig, InboundEvent, InboundStats, RtpPacket};
pub use kept::KeptPacket;
pub use outbound::{
    ClearReport, EncodedFrame, FRAME_MS, FRAME_RTP_TICKS, Outbound, OutboundConfig, OutboundStats,
};
pub use resample::resample_clip;

/// The RTP clock rate of Opus, whatever the codec's internal rate (RFC 7587).
pub const RTP_CLOCK_RATE: u32 = 48_000;

/// The longest Opus packet: 120 ms.
pub const MAX_PACKET_MS: u32 = 120;

/// Sample rates libopus decodes to and encodes from natively.
pub const OPUS_NATIVE_RATES: [u32; 5] = [8_000, 12_000, 16_000, 24_000, 48_000];

/// Whether libopus handles `rate` itself, without a resampler.
pub fn is_opus_native_rate(rate: u32) -> bool {
    OPUS_NATIVE_RATES.contains(&rate)
}

/// The number of samples in `ms` milliseconds at `rate`, if it is a whole number.
pub(crate) fn samples_in(ms: u32, rate: u32) -> Option<usize> {
    let total = u64::from(ms) * u64::from(rate);
    (total % 1000 == 0).then_some((total / 1000) as usize)
}
