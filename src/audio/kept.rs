//! The Opus packets the inbound pipeline decoded, kept for a recorder: each with where its
//! audio starts on the output timeline (the timeline the model's `audio_start_ms` counts on),
//! so a recording can be cut to an answer without decoding or re-encoding anything.
//! Buffers are reused, so keeping packets allocates nothing in steady state.

use std::ops::Range;

/// One decoded packet, as kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeptPacket<'a> {
    /// Where its audio starts on the output timeline, in ticks of the 48 kHz Opus clock.
    pub start_ticks: u64,
    /// How long it plays, in ticks of the 48 kHz clock.
    pub duration_ticks: u32,
    /// The Opus packet as received.
    pub payload: &'a [u8],
}

/// Packets kept since the caller last took them.
#[derive(Debug, Default)]
pub(super) struct KeptPackets {
    bytes: Vec<u8>,
    spans: Vec<(u64, u32, Range<usize>)>,
}

impl KeptPackets {
    pub(super) fn keep(&mut self, start_ticks: u64, duration_ticks: u32, payload: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(payload);
        self.spans
            .push((start_ticks, duration_ticks, start..self.bytes.len()));
    }

    /// Hands every kept packet to `each`, oldest first, and forgets them.
    pub(super) fn take(&mut self, mut each: impl FnMut(KeptPacket<'_>)) {
        for (start_ticks, duration_ticks, range) in self.spans.drain(..) {
            each(KeptPacket {
                start_ticks,
                duration_ticks,
                payload: &self.bytes[range],
            });
        }
        self.bytes.clear();
    }
}
