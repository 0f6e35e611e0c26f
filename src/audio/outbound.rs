//! Model → candidate: pcm16 little-endian mono at the upstream's rate in pieces of any size,
//! 20 ms Opus frames out, one per call of [`Outbound::poll_frame`] (the caller's 20 ms pacer).
//!
//! libopus encodes from 8, 12, 16, 24 and 48 kHz directly; other rates go through rubato to
//! 48 kHz first. Encoding happens when a frame is taken, so [`Outbound::clear`] (barge-in)
//! drops raw samples, never frames already paid for.

use std::collections::VecDeque;

use super::error::check_rate;
use super::pcm::Pcm16Bytes;
use super::resample::StreamResampler;
use super::{AudioError, RTP_CLOCK_RATE, is_opus_native_rate, samples_in};

/// Duration of one outbound frame.
pub const FRAME_MS: u32 = 20;

/// RTP timestamp increment of one 20 ms frame at the 48 kHz Opus clock.
pub const FRAME_RTP_TICKS: u32 = RTP_CLOCK_RATE / 1000 * FRAME_MS;

/// Room for the largest Opus packet (1275 bytes per frame, RFC 6716 §3.4).
const MAX_PACKET_BYTES: usize = 1_500;

/// Settings of an [`Outbound`] pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundConfig {
    /// The upstream's sample rate (default 24 kHz).
    pub input_rate: u32,
    /// Target bitrate in bits per second (default 32 000: transparent wideband speech).
    pub bitrate_bps: u32,
    /// Encoder complexity 0–10 (default 5). The encoder dominates the server's CPU; see
    /// BENCHMARKS.md for the cost of each step.
    pub complexity: u8,
    /// Opus in-band FEC, so the browser can recover a lost packet from the next (default on).
    pub inband_fec: bool,
    /// Expected packet loss in percent, which sizes the FEC (default 10).
    pub expected_loss_pct: u8,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        Self {
            input_rate: 24_000,
            bitrate_bps: 32_000,
            complexity: 5,
            inband_fec: true,
            expected_loss_pct: 10,
        }
    }
}

/// One encoded 20 ms frame, ready for the RTP packetiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodedFrame<'a> {
    /// The Opus packet.
    pub payload: &'a [u8],
    /// How far the RTP timestamp advances after this frame (960 at 48 kHz).
    pub rtp_ticks: u32,
}

/// What a barge-in removed, from [`Outbound::clear`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClearReport {
    /// Milliseconds of the current response handed out before the clear: the `audio_end_ms`
    /// of `conversation.item.truncate`.
    pub played_ms: u32,
    /// Milliseconds of audio dropped unsent.
    pub dropped_ms: u32,
}

/// Counters of an outbound stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboundStats {
    /// Frames encoded and handed out.
    pub frames: u64,
    /// Opus payload bytes handed out.
    pub bytes: u64,
    /// Milliseconds of audio dropped by [`Outbound::clear`].
    pub cleared_ms: u64,
}

/// The outbound pipeline of one call.
pub struct Outbound {
    config: OutboundConfig,
    encoder: opus::Encoder,
    encode_rate: u32,
    frame_samples: usize,
    bytes: Pcm16Bytes,
    /// Samples at the input rate waiting for the resampler (only when one is needed).
    raw: VecDeque<i16>,
    resampler: Option<StreamResampler>,
    /// Samples at the encoder's rate waiting to be encoded.
    pending: VecDeque<i16>,
    frame: Vec<i16>,
    packet: Vec<u8>,
    /// Encoder-rate samples ever queued, and ever handed out, in this stream.
    queued_total: u64,
    sent_total: u64,
    /// Where the current response starts, in queued samples.
    response_start: u64,
    stats: OutboundStats,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("config", &self.config)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Outbound {
    /// Builds the pipeline and its encoder.
    pub fn new(config: OutboundConfig) -> Result<Self, AudioError> {
        let input_rate = check_rate(config.input_rate)?;
        let encode_rate = if is_opus_native_rate(input_rate) {
            input_rate
        } else {
            RTP_CLOCK_RATE
        };
        let frame_samples =
            samples_in(FRAME_MS, encode_rate).ok_or(AudioError::UnsupportedRate(encode_rate))?;
        let mut encoder =
            opus::Encoder::new(encode_rate, opus::Channels::Mono, opus::Application::Voip)?;
        encoder.set_bitrate(opus::Bitrate::Bits(
            config.bitrate_bps.clamp(6_000, 510_000) as i32,
        ))?;
        encoder.set_complexity(i32::from(config.complexity.min(10)))?;
        encoder.set_signal(opus::Signal::Voice)?;
        encoder.set_inband_fec(config.inband_fec)?;
        encoder.set_packet_loss_perc(i32::from(config.expected_loss_pct.min(100)))?;
        let resampler = (encode_rate != input_rate)
            .then(|| StreamResampler::new(input_rate, encode_rate))
            .transpose()?;
        Ok(Self {
            encoder,
            encode_rate,
            frame_samples,
            bytes: Pcm16Bytes::default(),
            raw: VecDeque::with_capacity(if resampler.is_some() {
                frame_samples * 4
            } else {
                0
            }),
            resampler,
            // Two seconds before the queue first grows; model audio arrives faster than real time.
            pending: VecDeque::with_capacity(frame_samples * 100),
            frame: vec![0; frame_samples],
            packet: vec![0; MAX_PACKET_BYTES],
            queued_total: 0,
            sent_total: 0,
            response_start: 0,
            stats: OutboundStats::default(),
            config,
        })
    }

    /// The settings this pipeline was built with.
    pub fn config(&self) -> &OutboundConfig {
        &self.config
    }

    /// Counters so far.
    pub fn stats(&self) -> OutboundStats {
        self.stats
    }

    /// Marks the start of a new response: [`Outbound::clear`] reports how much of it was
    /// played. Audio of an earlier response still queued keeps playing first.
    pub fn begin_response(&mut self) {
        self.bytes.reset();
        self.response_start = self.queued_total;
    }

    /// Appends pcm16 little-endian mono at the input rate. Any byte count works; an odd
    /// trailing byte waits for the next call.
    pub fn push_pcm16(&mut self, bytes: &[u8]) {
        match &mut self.resampler {
            None => {
                let before = self.pending.len();
                self.bytes.decode_into(bytes, &mut self.pending);
                self.queued_total += (self.pending.len() - before) as u64;
            }
            Some(resampler) => {
                self.bytes.decode_into(bytes, &mut self.raw);
                let before = self.pending.len();
                let (a, b) = self.raw.as_slices();
                // Chunk sizes are fixed at construction, so this cannot fail.
                resampler
                    .push(a, &mut self.pending)
                    .expect("fixed-size resampler chunk");
                resampler
                    .push(b, &mut self.pending)
                    .expect("fixed-size resampler chunk");
                self.raw.clear();
                self.queued_total += (self.pending.len() - before) as u64;
            }
        }
    }

    /// Ends the current response: the tail still inside the resampler is flushed and the last
    /// partial frame is completed with silence, so every sample gets sent.
    pub fn finish_response(&mut self) {
        self.bytes.reset();
        let before = self.pending.len();
        if let Some(resampler) = &mut self.resampler {
            resampler
                .flush(&mut self.pending)
                .expect("fixed-size resampler chunk");
        }
        let partial = self.pending.len() % self.frame_samples;
        if partial != 0 {
            self.pending
                .extend(std::iter::repeat_n(0, self.frame_samples - partial));
        }
        self.queued_total += (self.pending.len() - before) as u64;
    }

    /// Milliseconds of audio queued and not yet handed out.
    pub fn buffered_ms(&self) -> u32 {
        let samples = self.pending.len() as u64
            + self.raw.len() as u64 * u64::from(self.encode_rate)
                / u64::from(self.config.input_rate);
        (samples * 1000 / u64::from(self.encode_rate)) as u32
    }

    /// Encodes and hands out the next 20 ms frame, if a whole one is queued. Call it once per
    /// pacer tick.
    pub fn poll_frame(&mut self) -> Result<Option<EncodedFrame<'_>>, AudioError> {
        if self.pending.len() < self.frame_samples {
            return Ok(None);
        }
        for (dst, src) in self
            .frame
            .iter_mut()
            .zip(self.pending.drain(..self.frame_samples))
        {
            *dst = src;
        }
        let len = self.encoder.encode(&self.frame, &mut self.packet)?;
        self.sent_total += self.frame_samples as u64;
        self.stats.frames += 1;
        self.stats.bytes += len as u64;
        Ok(Some(EncodedFrame {
            payload: &self.packet[..len],
            rtp_ticks: FRAME_RTP_TICKS,
        }))
    }

    /// Barge-in: drops everything not yet handed out and reports how much of the current
    /// response was played.
    pub fn clear(&mut self) -> ClearReport {
        let rate = u64::from(self.encode_rate);
        let played = self.sent_total.saturating_sub(self.response_start);
        let dropped = self.pending.len() as u64
            + self.raw.len() as u64 * rate / u64::from(self.config.input_rate);
        self.pending.clear();
        self.raw.clear();
        self.bytes.reset();
        if let Some(resampler) = &mut self.resampler {
            resampler.reset();
        }
        self.queued_total = self.sent_total;
        self.response_start = self.sent_total;
        let report = ClearReport {
            played_ms: (played * 1000 / rate) as u32,
            dropped_ms: (dropped * 1000 / rate) as u32,
        };
        self.stats.cleared_ms += u64::from(report.dropped_ms);
        report
    }
}
