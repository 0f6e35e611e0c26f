//! Candidate → model: RTP packets carrying Opus in, pcm16 little-endian mono chunks out.
//!
//! The path of one packet: 64-bit sequence and timestamp extension, the reorder buffer
//! (duplicates and late packets dropped), loss handling (Opus in-band FEC from the following
//! packet when it carries it, else libopus packet-loss concealment, both capped), silence for
//! gaps that were not loss (DTX, a muted microphone) or a discontinuity marker for long ones,
//! silence for time that passes with no packets at all (a stalled network, a sender that stopped;
//! the caller says how long, see [`Inbound::idle`]),
//! Opus decode to mono (a stereo stream is folded by libopus), rate conversion, and fixed-size
//! chunking. libopus decodes straight to every rate it supports (8, 12, 16, 24, 48 kHz); rubato
//! converts from 48 kHz for any other rate.

use std::collections::VecDeque;

use super::error::check_rate;
use super::kept::{KeptPacket, KeptPackets};
use super::opus_packet::has_lbrr;
use super::pcm::drain_le_bytes;
use super::reorder::{Insert, ReorderBuffer};
use super::resample::StreamResampler;
use super::seq::{SeqUnwrapper, TsUnwrapper};
use super::{AudioError, MAX_PACKET_MS, RTP_CLOCK_RATE, is_opus_native_rate, samples_in};

/// Sequence jumps beyond this many packets (a minute of 20 ms packets) start a new stream
/// rather than counting as loss.
const MAX_DROPOUT: u64 = 3_000;

/// Opus frames are multiples of 2.5 ms: 120 ticks of the 48 kHz RTP clock.
const OPUS_TICK: u64 = 120;

/// One RTP packet as it arrives from the track: header fields and the Opus payload.
#[derive(Debug, Clone, Copy)]
pub struct RtpPacket<'a> {
    /// RTP sequence number (wraps at 65536).
    pub sequence_number: u16,
    /// RTP timestamp at the 48 kHz Opus clock (wraps at 2^32).
    pub timestamp: u32,
    /// RTP marker bit: for Opus, the first packet of a talk spurt after DTX.
    pub marker: bool,
    /// The Opus packet. Empty payloads (padding-only RTP) advance the sequence and are not decoded.
    pub payload: &'a [u8],
}

/// Settings of an [`Inbound`] pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundConfig {
    /// The upstream's sample rate (default 24 kHz).
    pub output_rate: u32,
    /// Duration of each output chunk in milliseconds (default 20 ms: 960 bytes at 24 kHz).
    pub chunk_ms: u32,
    /// How many newer packets may arrive while a missing one is awaited before it is declared
    /// lost (default 3: at most 60 ms of added delay, and only while a packet is missing).
    pub reorder_window: u16,
    /// The longest stretch of lost audio concealed with FEC or PLC (default 100 ms); the rest
    /// of a longer loss is silence, so the decoder does not invent speech.
    pub max_conceal_ms: u32,
    /// The longest gap (DTX, a muted microphone, a long loss) filled with silence (default
    /// 2000 ms). A longer gap yields [`InboundEvent::Discontinuity`] instead of a burst.
    pub max_silence_fill_ms: u32,
    /// The most audio kept waiting for [`Inbound::poll`] before the oldest chunks are dropped
    /// (default 5000 ms).
    pub max_backlog_ms: u32,
    /// The longest stretch of time without any packet that [`Inbound::idle`] turns into silence
    /// (default 10 000 ms: longer than any turn detector waits, semantic VAD's 8 s included,
    /// so a turn ends even when the sender stops for good). After it the stream goes quiet.
    pub max_idle_silence_ms: u32,
    /// Decode at 48 kHz and resample with rubato even where libopus could decode to
    /// `output_rate` directly. Only for comparison; the direct path is faster and as good
    /// (see BENCHMARKS.md).
    pub force_resampler: bool,
    /// Keep each decoded packet with its place on the output timeline, for a recorder to take
    /// with [`Inbound::take_packets`] (default off). Take them after every push, or they pile up.
    pub keep_packets: bool,
}

impl Default for InboundConfig {
    fn default() -> Self {
        Self {
            output_rate: 24_000,
            chunk_ms: 20,
            reorder_window: 3,
            max_conceal_ms: 100,
            max_silence_fill_ms: 2_000,
            max_backlog_ms: 5_000,
            max_idle_silence_ms: 10_000,
            force_resampler: false,
            keep_packets: false,
        }
    }
}

/// What [`Inbound::poll`] yields, in stream order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundEvent<'a> {
    /// One chunk of pcm16 little-endian mono at the output rate, `chunk_ms` long.
    Audio(&'a [u8]),
    /// A gap longer than `max_silence_fill_ms` was skipped here rather than filled. The chunk
    /// before it was completed with silence.
    Discontinuity {
        /// How long the skipped gap was.
        skipped_ms: u32,
    },
}

/// Counters of an inbound stream, for metrics and call reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboundStats {
    /// Packets pushed, including duplicates, late and padding packets.
    pub packets: u64,
    /// Packets never received (holes in the sequence when released).
    pub lost: u64,
    /// Lost packets replaced by packet-loss concealment.
    pub concealed: u64,
    /// Lost packets recovered from the in-band FEC of the packet after them.
    pub fec_recovered: u64,
    /// Packets that arrived after their place had been declared lost.
    pub late: u64,
    /// Packets received twice.
    pub duplicate: u64,
    /// Padding-only packets (empty payload), skipped.
    pub padding: u64,
    /// Payloads libopus could not decode.
    pub decode_errors: u64,
    /// Milliseconds of silence inserted for gaps (DTX, muted microphone, unconcealed loss).
    pub silence_ms: u64,
    /// Gaps too long to fill, reported as [`InboundEvent::Discontinuity`].
    pub discontinuities: u64,
    /// Jumps in sequence number or timestamp treated as the start of a new stream.
    pub resyncs: u64,
    /// Milliseconds of audio dropped because nobody polled them in time.
    pub dropped_ms: u64,
}

/// The inbound pipeline of one call. See the module docs for the path of a packet.
pub struct Inbound {
    config: InboundConfig,
    decoder: opus::Decoder,
    /// RTP ticks (48 kHz) per decoded sample.
    ticks_per_sample: u64,
    seq: SeqUnwrapper,
    ts: TsUnwrapper,
    reorder: ReorderBuffer,
    /// The payload being processed, swapped out of its reorder slot.
    current: Vec<u8>,
    last_seq: Option<u64>,
    /// The RTP time the next packet should start at, if it continues the stream.
    next_ts: Option<u64>,
    /// Lost packets not yet accounted for by a gap in the audio.
    pending_lost: u64,
    /// RTP ticks of silence [`Inbound::idle`] has added since the last packet arrived.
    idle_filled: u64,
    decoded: Vec<i16>,
    sink: ChunkSink,
    kept: KeptPackets,
    stats: InboundStats,
}

impl std::fmt::Debug for Inbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbound")
            .field("config", &self.config)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Inbound {
    /// Builds the pipeline; fails on a rate or chunk duration it cannot honour.
    pub fn new(config: InboundConfig) -> Result<Self, AudioError> {
        let output_rate = check_rate(config.output_rate)?;
        let direct = is_opus_native_rate(output_rate) && !config.force_resampler;
        let decode_rate = if direct { output_rate } else { RTP_CLOCK_RATE };
        let chunk_samples = samples_in(config.chunk_ms, output_rate)
            .filter(|&n| n > 0 && config.chunk_ms <= 1_000)
            .ok_or(AudioError::BadDuration {
                ms: config.chunk_ms,
                rate: output_rate,
            })?;
        let resampler = (!direct)
            .then(|| StreamResampler::new(RTP_CLOCK_RATE, output_rate))
            .transpose()?;
        let max_backlog = samples_in(config.max_backlog_ms, output_rate)
            .unwrap_or(usize::MAX)
            .max(chunk_samples);
        Ok(Self {
            decoder: opus::Decoder::new(decode_rate, opus::Channels::Mono)?,
            ticks_per_sample: u64::from(RTP_CLOCK_RATE / decode_rate),
            seq: SeqUnwrapper::default(),
            ts: TsUnwrapper::default(),
            reorder: ReorderBuffer::new(config.reorder_window),
            current: Vec::new(),
            last_seq: None,
            next_ts: None,
            pending_lost: 0,
            idle_filled: 0,
            decoded: vec![0; (decode_rate * MAX_PACKET_MS / 1000) as usize],
            sink: ChunkSink::new(resampler, output_rate, chunk_samples, max_backlog),
            kept: KeptPackets::default(),
            stats: InboundStats::default(),
            config,
        })
    }

    /// The settings this pipeline was built with.
    pub fn config(&self) -> &InboundConfig {
        &self.config
    }

    /// Counters so far.
    pub fn stats(&self) -> InboundStats {
        InboundStats {
            dropped_ms: self.sink.dropped_ms(),
            ..self.stats
        }
    }

    /// The constant delay added by rate conversion, in output samples (0 when libopus decodes
    /// to the output rate itself). It is trimmed from the stream's start, so the output's
    /// timeline matches RTP time.
    pub fn resampler_delay(&self) -> usize {
        self.sink
            .resampler
            .as_ref()
            .map_or(0, StreamResampler::delay)
    }

    /// Takes one packet as it arrived. Output becomes available from [`Inbound::poll`].
    pub fn push(&mut self, packet: RtpPacket<'_>) {
        self.stats.packets += 1;
        self.idle_filled = 0;
        let seq = self.seq.extend(packet.sequence_number.into());
        let ts = self.ts.extend(packet.timestamp.into());
        if let Some(last) = self.last_seq
            && seq.abs_diff(last) > MAX_DROPOUT
        {
            self.restart_stream();
        }
        loop {
            match self.reorder.insert(seq, ts, packet.marker, packet.payload) {
                Insert::Accepted => break,
                Insert::Duplicate => return self.stats.duplicate += 1,
                Insert::Late => return self.stats.late += 1,
                Insert::TooFarAhead => {
                    self.release(true);
                    self.reorder.resync();
                }
            }
        }
        self.release(false);
    }

    /// Releases every packet held back behind a missing one, declaring the holes lost. Call it
    /// when the stream has gone quiet (no packet for a few frame durations) or has ended.
    pub fn flush(&mut self) {
        self.release(true);
    }

    /// No packet has arrived for `since_last_packet_ms`: releases what is held (as
    /// [`Inbound::flush`]) and reports the time that passed as silence, up to
    /// `max_idle_silence_ms`, so a turn detector downstream sees the candidate stop talking
    /// even when their packets stop with the speech (a muted track, a stalled network, a peer
    /// that stopped sending). Call it as time passes; each call adds only what is new. When
    /// packets return, the gap they leave is filled only for what this has not covered.
    pub fn idle(&mut self, since_last_packet_ms: u32) {
        self.release(true);
        let Some(next) = self.next_ts else {
            return; // No audio yet: there is no stream to continue.
        };
        let due = u64::from(since_last_packet_ms.min(self.config.max_idle_silence_ms))
            * u64::from(RTP_CLOCK_RATE)
            / 1000;
        let ticks =
            due.saturating_sub(self.idle_filled) / self.ticks_per_sample * self.ticks_per_sample;
        if ticks == 0 {
            return;
        }
        self.idle_filled += ticks;
        self.next_ts = Some(next + ticks);
        self.push_silence(ticks);
    }

    /// Hands the packets decoded since the last call to `each`, in stream order (only with
    /// [`InboundConfig::keep_packets`]).
    pub fn take_packets(&mut self, each: impl FnMut(KeptPacket<'_>)) {
        self.kept.take(each);
    }

    /// The next chunk of audio or discontinuity marker, in stream order.
    pub fn poll(&mut self) -> Option<InboundEvent<'_>> {
        self.sink.poll()
    }

    /// A jump no reordering or loss explains (a restarted sender): drain what is held and start
    /// the timeline afresh.
    fn restart_stream(&mut self) {
        self.release(true);
        self.reorder.resync();
        self.seq.reset();
        self.ts.reset();
        self.last_seq = None;
        self.next_ts = None;
        self.pending_lost = 0;
        self.stats.resyncs += 1;
    }

    fn release(&mut self, everything: bool) {
        loop {
            let slot = if everything {
                self.reorder.pop_any()
            } else {
                self.reorder.pop()
            };
            let Some(slot) = slot else { break };
            std::mem::swap(&mut slot.payload, &mut self.current);
            let (seq, ts, marker) = (slot.seq, slot.ts, slot.marker);
            self.process(seq, ts, marker);
        }
    }

    /// Handles one packet in sequence order: accounts for what is missing before it, then
    /// decodes it.
    fn process(&mut self, seq: u64, ts: u64, marker: bool) {
        if let Some(last) = self.last_seq {
            let lost = seq.saturating_sub(last + 1);
            self.stats.lost += lost;
            self.pending_lost += lost;
        }
        self.last_seq = Some(seq);
        if self.current.is_empty() {
            self.stats.padding += 1;
            return;
        }
        if let Some(expected) = self.next_ts {
            if ts > expected {
                self.fill_gap(ts - expected, marker);
            } else if expected - ts > u64::from(RTP_CLOCK_RATE) {
                // The timestamp went back by more than a second: a new timeline, not overlap.
                self.stats.resyncs += 1;
            }
        }
        self.pending_lost = 0;
        match self.decoder.decode(&self.current, &mut self.decoded, false) {
            Ok(samples) => {
                if self.config.keep_packets {
                    let start_ticks = self.sink.position() * u64::from(RTP_CLOCK_RATE)
                        / u64::from(self.sink.rate);
                    let duration = samples as u64 * self.ticks_per_sample;
                    self.kept.keep(start_ticks, duration as u32, &self.current);
                }
                self.sink.push(&self.decoded[..samples]);
                self.next_ts = Some(ts + samples as u64 * self.ticks_per_sample);
            }
            // The gap it leaves is filled when the next packet arrives.
            Err(_) => self.stats.decode_errors += 1,
        }
    }

    /// Fills `gap` RTP ticks of missing audio before the current packet: lost packets are
    /// concealed (FEC from the current packet for the last of them, if it carries any; PLC
    /// before that) up to `max_conceal_ms`; the rest is silence or a discontinuity.
    fn fill_gap(&mut self, gap: u64, marker: bool) {
        let mut remaining = gap;
        let lost = self.pending_lost;
        // After DTX the marker bit starts a talk spurt: what is missing was silence, not speech.
        if lost > 0 && !marker {
            let per_packet = ((gap / lost) / OPUS_TICK * OPUS_TICK)
                .clamp(OPUS_TICK, u64::from(MAX_PACKET_MS) * 48);
            let budget = u64::from(self.config.max_conceal_ms) * 48;
            let concealable = (budget / per_packet).min(lost).min(gap / per_packet);
            let fec = concealable == lost && has_lbrr(&self.current);
            let frame = (per_packet / self.ticks_per_sample) as usize;
            for i in 0..concealable {
                let use_fec = fec && i + 1 == concealable;
                let input: &[u8] = if use_fec { &self.current } else { &[] };
                match self
                    .decoder
                    .decode(input, &mut self.decoded[..frame], use_fec)
                {
                    Ok(samples) => self.sink.push(&self.decoded[..samples]),
                    Err(_) => {
                        self.stats.decode_errors += 1;
                        break;
                    }
                }
                if use_fec {
                    self.stats.fec_recovered += 1;
                } else {
                    self.stats.concealed += 1;
                }
                remaining -= per_packet;
            }
        }
        if remaining == 0 {
            return;
        }
        let ms = remaining * 1000 / u64::from(RTP_CLOCK_RATE);
        if ms > u64::from(self.config.max_silence_fill_ms) {
            self.stats.discontinuities += 1;
            self.sink
                .discontinuity(u32::try_from(ms).unwrap_or(u32::MAX));
        } else {
            self.push_silence(remaining);
        }
    }

    /// Adds `ticks` RTP ticks of silence to the stream.
    fn push_silence(&mut self, ticks: u64) {
        self.stats.silence_ms += ticks * 1000 / u64::from(RTP_CLOCK_RATE);
        self.decoded.fill(0);
        let mut samples = (ticks / self.ticks_per_sample) as usize;
        while samples > 0 {
            let n = samples.min(self.decoded.len());
            self.sink.push(&self.decoded[..n]);
            samples -= n;
        }
    }
}

/// Collects decoded samples at the output rate and cuts them into fixed chunks.
struct ChunkSink {
    resampler: Option<StreamResampler>,
    queue: VecDeque<i16>,
    chunk_samples: usize,
    chunk: Vec<u8>,
    /// Samples handed out or dropped so far: always a whole number of chunks.
    taken: u64,
    /// Discontinuities as (sample position, skipped ms), each at a chunk boundary.
    markers: VecDeque<(u64, u32)>,
    max_backlog: usize,
    dropped: u64,
    rate: u32,
}

impl ChunkSink {
    fn new(
        resampler: Option<StreamResampler>,
        rate: u32,
        chunk_samples: usize,
        max_backlog: usize,
    ) -> Self {
        Self {
            rate,
            resampler,
            queue: VecDeque::with_capacity(chunk_samples * 8),
            chunk_samples,
            chunk: vec![0; chunk_samples * 2],
            taken: 0,
            markers: VecDeque::with_capacity(8),
            max_backlog,
            dropped: 0,
        }
    }

    fn push(&mut self, samples: &[i16]) {
        match &mut self.resampler {
            // Chunk sizes are fixed at construction, so this cannot fail.
            Some(resampler) => resampler
                .push(samples, &mut self.queue)
                .expect("fixed-size resampler chunk"),
            None => self.queue.extend(samples),
        }
        self.trim_backlog();
    }

    /// Completes the current chunk with silence and marks a discontinuity after it.
    fn discontinuity(&mut self, skipped_ms: u32) {
        if let Some(resampler) = &mut self.resampler {
            resampler
                .flush(&mut self.queue)
                .expect("fixed-size resampler chunk");
        }
        let partial = self.queue.len() % self.chunk_samples;
        if partial != 0 {
            self.queue
                .extend(std::iter::repeat_n(0, self.chunk_samples - partial));
        }
        let position = self.taken + self.queue.len() as u64;
        match self.markers.back_mut() {
            Some((at, ms)) if *at == position => *ms = ms.saturating_add(skipped_ms),
            _ => self.markers.push_back((position, skipped_ms)),
        }
        self.trim_backlog();
    }

    fn trim_backlog(&mut self) {
        while self.queue.len() > self.max_backlog {
            self.queue.drain(..self.chunk_samples);
            self.taken += self.chunk_samples as u64;
            self.dropped += self.chunk_samples as u64;
        }
    }

    /// Output samples so far, handed out, dropped or waiting: where the next sample goes.
    fn position(&self) -> u64 {
        self.taken + self.queue.len() as u64
    }

    fn dropped_ms(&self) -> u64 {
        self.dropped * 1000 / u64::from(self.rate)
    }

    fn poll(&mut self) -> Option<InboundEvent<'_>> {
        if let Some(&(at, skipped_ms)) = self.markers.front()
            && at <= self.taken
        {
            self.markers.pop_front();
            return Some(InboundEvent::Discontinuity { skipped_ms });
        }
        if self.queue.len() < self.chunk_samples {
            return None;
        }
        drain_le_bytes(&mut self.queue, self.chunk_samples, &mut self.chunk);
        self.taken += self.chunk_samples as u64;
        Some(InboundEvent::Audio(&self.chunk))
    }
}
