//! Measures the quality side of two audio-path choices, to go with the cost figures of
//! `benches/audio.rs`:
//!
//! 1. Inbound to 24 kHz: libopus decoding straight to 24 kHz, against decoding at 48 kHz and
//!    resampling with rubato. Both are compared with the source signal band-limited to 24 kHz.
//! 2. Outbound encoder complexity: SNR of encode → decode against the 24 kHz input.
//!
//! Run with `cargo run --release --example audio_quality`.

use viva::audio::synth::{PacketiseOptions, packetise, sine, speech_like};
use viva::audio::{Inbound, InboundConfig, InboundEvent, Outbound, OutboundConfig};

/// Makes a test signal at a rate, of a length.
type SignalMaker = Box<dyn Fn(u32, usize) -> Vec<i16>>;

fn main() {
    println!("# Inbound: Opus 32 kb/s from a 48 kHz source, decoded to 24 kHz");
    println!("| signal | path | correlation | SNR dB |");
    println!("|---|---|---|---|");
    let signals: [(&str, SignalMaker); 3] = [
        ("speech-like", Box::new(|rate, n| speech_like(rate, n, 7))),
        ("sine 440 Hz", Box::new(|rate, n| sine(rate, 440.0, 0.5, n))),
        (
            "sine 3 kHz",
            Box::new(|rate, n| sine(rate, 3_000.0, 0.5, n)),
        ),
    ];
    for (name, make) in &signals {
        let source = make(48_000, 48_000 * 5);
        // The same synthetic signal generated at 24 kHz is the band-limited truth.
        let reference = make(24_000, 24_000 * 5);
        let packets = packetise(&source, &PacketiseOptions::default()).unwrap();
        for (path, force_resampler) in [("libopus direct 24k", false), ("48k + rubato Fft", true)] {
            let mut inbound = Inbound::new(InboundConfig {
                force_resampler,
                ..Default::default()
            })
            .unwrap();
            let mut out = Vec::new();
            for p in &packets {
                inbound.push(p.as_rtp());
                while let Some(InboundEvent::Audio(bytes)) = inbound.poll() {
                    out.extend(
                        bytes
                            .chunks_exact(2)
                            .map(|b| i16::from_le_bytes([b[0], b[1]])),
                    );
                }
            }
            let (corr, snr) = compare(&reference, &out, 600);
            println!("| {name} | {path} | {corr:.5} | {snr:.2} |");
        }
    }

    println!();
    println!("# Outbound: 24 kHz speech-like input, Opus 32 kb/s voice, decoded at 24 kHz");
    println!("| complexity | correlation | SNR dB | mean bytes/frame |");
    println!("|---|---|---|---|");
    let input = speech_like(24_000, 24_000 * 5, 9);
    let bytes: Vec<u8> = input.iter().flat_map(|s| s.to_le_bytes()).collect();
    for complexity in [0u8, 3, 5, 8, 10] {
        let mut outbound = Outbound::new(OutboundConfig {
            complexity,
            ..Default::default()
        })
        .unwrap();
        let mut decoder = opus::Decoder::new(24_000, opus::Channels::Mono).unwrap();
        let mut buffer = vec![0i16; 2_880];
        let mut out = Vec::new();
        let mut payload_bytes = 0;
        let mut frames = 0;
        outbound.push_pcm16(&bytes);
        outbound.finish_response();
        while let Some(frame) = outbound.poll_frame().unwrap() {
            payload_bytes += frame.payload.len();
            frames += 1;
            let n = decoder.decode(frame.payload, &mut buffer, false).unwrap();
            out.extend_from_slice(&buffer[..n]);
        }
        let (corr, snr) = compare(&input, &out, 600);
        println!(
            "| {complexity} | {corr:.4} | {snr:.2} | {} |",
            payload_bytes / frames
        );
    }
}

/// Best correlation over lags of `output` behind `reference`, and the SNR at that lag with
/// the gain fitted, over the middle of the signal.
fn compare(reference: &[i16], output: &[i16], max_lag: usize) -> (f64, f64) {
    let start = reference.len() / 10;
    let len = reference.len() * 7 / 10;
    let (mut best, mut best_lag) = (f64::MIN, 0);
    for lag in 0..=max_lag {
        let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
        for n in start..start + len {
            let (x, y) = (f64::from(reference[n]), f64::from(output[n + lag]));
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }
        let c = ab / (aa * bb).sqrt().max(1e-9);
        if c > best {
            (best, best_lag) = (c, lag);
        }
    }
    let (mut ro, mut oo) = (0f64, 0f64);
    for n in start..start + len {
        ro += f64::from(reference[n]) * f64::from(output[n + best_lag]);
        oo += f64::from(output[n + best_lag]).powi(2);
    }
    let gain = ro / oo.max(1e-9);
    let (mut signal, mut noise) = (0f64, 0f64);
    for n in start..start + len {
        let r = f64::from(reference[n]);
        signal += r * r;
        noise += (r - gain * f64::from(output[n + best_lag])).powi(2);
    }
    (best, 10.0 * (signal / noise.max(1e-9)).log10())
}
