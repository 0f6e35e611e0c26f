//! Synthetic signals and Opus packet streams: the inputs of tests, benches and load peers.
//!
//! Deterministic (a seeded generator, no clock), so a failing test fails the same way twice.

use std::f32::consts::TAU;

use super::AudioError;
use super::pcm::f32_to_i16;

/// A sine tone of `freq` Hz at `amplitude` (0–1 of full scale).
pub fn sine(rate: u32, freq: f32, amplitude: f32, samples: usize) -> Vec<i16> {
    (0..samples)
        .map(|n| f32_to_i16(amplitude * (TAU * freq * n as f32 / rate as f32).sin()))
        .collect()
}

/// A speech-like signal: a glottal pulse train with a wandering pitch (100–180 Hz) shaped
/// by three formant resonators, in syllables of about 200 ms with short pauses between
/// words. Not intelligible, but it has speech's spectrum, dynamics and pauses, which is what
/// a codec, a VAD and a resampler react to.
pub fn speech_like(rate: u32, samples: usize, seed: u64) -> Vec<i16> {
    let mut rng = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut next_random = move || {
        rng = rng
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((rng >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
    };
    let formants = [(700.0, 130.0), (1_220.0, 70.0), (2_600.0, 160.0)];
    let mut resonators: Vec<Resonator> = formants
        .iter()
        .map(|&(freq, bw)| Resonator::new(rate as f32, freq, bw))
        .collect();
    let syllable = rate as usize / 5;
    let mut out = Vec::with_capacity(samples);
    let mut phase = 0.0f32;
    for n in 0..samples {
        let syllable_index = n / syllable;
        let in_syllable = (n % syllable) as f32 / syllable as f32;
        // Every fourth syllable is a pause between words.
        let voiced = syllable_index % 4 != 3;
        let envelope = if voiced {
            (std::f32::consts::PI * in_syllable).sin().powf(0.7)
        } else {
            0.0
        };
        let t = n as f32 / rate as f32;
        let pitch = 140.0 + 40.0 * (TAU * 0.7 * t).sin() + 10.0 * (TAU * 3.1 * t).sin();
        phase += pitch / rate as f32;
        let pulse = if phase >= 1.0 {
            phase -= 1.0;
            1.0
        } else {
            0.0
        };
        let excitation = pulse + 0.02 * next_random();
        let shaped: f32 = resonators.iter_mut().map(|r| r.process(excitation)).sum();
        out.push(f32_to_i16((0.35 * envelope * shaped).clamp(-0.95, 0.95)));
    }
    out
}

/// A two-pole resonator (one formant).
struct Resonator {
    a1: f32,
    a2: f32,
    gain: f32,
    y1: f32,
    y2: f32,
}

impl Resonator {
    fn new(rate: f32, freq: f32, bandwidth: f32) -> Self {
        let r = (-std::f32::consts::PI * bandwidth / rate).exp();
        let theta = TAU * freq / rate;
        Self {
            a1: 2.0 * r * theta.cos(),
            a2: -r * r,
            gain: 1.0 - r,
            y1: 0.0,
            y2: 0.0,
        }
    }

    fn process(&mut self, x: f32) -> f32 {
        let y = self.gain * x + self.a1 * self.y1 + self.a2 * self.y2;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

/// One RTP packet with an owned payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedPacket {
    /// RTP sequence number.
    pub sequence_number: u16,
    /// RTP timestamp (48 kHz clock).
    pub timestamp: u32,
    /// RTP marker bit.
    pub marker: bool,
    /// The Opus packet.
    pub payload: Vec<u8>,
}

impl OwnedPacket {
    /// Borrows it as the inbound pipeline takes it.
    pub fn as_rtp(&self) -> super::RtpPacket<'_> {
        super::RtpPacket {
            sequence_number: self.sequence_number,
            timestamp: self.timestamp,
            marker: self.marker,
            payload: &self.payload,
        }
    }
}

/// How to packetise a signal.
#[derive(Debug, Clone)]
pub struct PacketiseOptions {
    /// Rate of the input signal, one libopus supports (default 48 kHz).
    pub rate: u32,
    /// Channels of the input signal, interleaved (1 or 2; default 1).
    pub channels: u8,
    /// Opus frame duration in ms: 10, 20, 40 or 60 (default 20).
    pub frame_ms: u32,
    /// Encoder bitrate (default 32 kb/s).
    pub bitrate_bps: i32,
    /// In-band FEC with 10 % expected loss (default on, as browsers send it).
    pub fec: bool,
    /// The first sequence number (default 0).
    pub first_sequence: u16,
    /// The first timestamp (default 0).
    pub first_timestamp: u32,
}

impl Default for PacketiseOptions {
    fn default() -> Self {
        Self {
            rate: 48_000,
            channels: 1,
            frame_ms: 20,
            bitrate_bps: 32_000,
            fec: true,
            first_sequence: 0,
            first_timestamp: 0,
        }
    }
}

/// Opus-encodes `signal` (interleaved if stereo) into consecutive RTP packets, as a browser
/// would send them. A trailing partial frame is dropped.
pub fn packetise(
    signal: &[i16],
    options: &PacketiseOptions,
) -> Result<Vec<OwnedPacket>, AudioError> {
    let channels = if options.channels == 2 {
        opus::Channels::Stereo
    } else {
        opus::Channels::Mono
    };
    let mut encoder = opus::Encoder::new(options.rate, channels, opus::Application::Voip)?;
    encoder.set_bitrate(opus::Bitrate::Bits(options.bitrate_bps))?;
    encoder.set_inband_fec(options.fec)?;
    encoder.set_packet_loss_perc(if options.fec { 10 } else { 0 })?;
    let frame =
        (options.rate * options.frame_ms / 1000) as usize * usize::from(options.channels.max(1));
    let ticks = 48 * options.frame_ms;
    let mut out = Vec::with_capacity(signal.len() / frame);
    let mut buffer = vec![0u8; 4_000];
    for (i, pcm) in signal.chunks_exact(frame).enumerate() {
        let len = encoder.encode(pcm, &mut buffer)?;
        out.push(OwnedPacket {
            sequence_number: options.first_sequence.wrapping_add(i as u16),
            timestamp: options
                .first_timestamp
                .wrapping_add(ticks.wrapping_mul(i as u32)),
            marker: i == 0,
            payload: buffer[..len].to_vec(),
        });
    }
    Ok(out)
}
