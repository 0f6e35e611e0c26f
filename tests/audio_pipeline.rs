//! The audio path end to end, without I/O: Opus packets as a browser sends them, through
//! `Inbound` to pcm16, through `Outbound` back to Opus, with the network's faults injected.

use viva::audio::synth::{OwnedPacket, PacketiseOptions, packetise, sine, speech_like};
use viva::audio::{
    FRAME_RTP_TICKS, Inbound, InboundConfig, InboundEvent, InboundStats, Outbound, OutboundConfig,
};

/// What an inbound run produced.
struct Run {
    pcm: Vec<i16>,
    discontinuities: Vec<u32>,
    chunk_sizes: Vec<usize>,
    stats: InboundStats,
}

fn run_inbound<'a>(
    config: InboundConfig,
    packets: impl IntoIterator<Item = &'a OwnedPacket>,
) -> Run {
    let mut inbound = Inbound::new(config).unwrap();
    let mut run = Run {
        pcm: Vec::new(),
        discontinuities: Vec::new(),
        chunk_sizes: Vec::new(),
        stats: InboundStats::default(),
    };
    let drain = |inbound: &mut Inbound, run: &mut Run| {
        while let Some(event) = inbound.poll() {
            match event {
                InboundEvent::Audio(bytes) => {
                    run.chunk_sizes.push(bytes.len());
                    run.pcm.extend(
                        bytes
                            .chunks_exact(2)
                            .map(|b| i16::from_le_bytes([b[0], b[1]])),
                    );
                }
                InboundEvent::Discontinuity { skipped_ms } => run.discontinuities.push(skipped_ms),
            }
        }
    };
    for packet in packets {
        inbound.push(packet.as_rtp());
        drain(&mut inbound, &mut run);
    }
    inbound.flush();
    drain(&mut inbound, &mut run);
    run.stats = inbound.stats();
    run
}

/// Asserts two pcm streams are sample-identical, reporting where they first differ.
fn assert_same_pcm(actual: &[i16], expected: &[i16]) {
    assert_eq!(actual.len(), expected.len(), "pcm lengths differ");
    if let Some(i) = actual.iter().zip(expected).position(|(a, b)| a != b) {
        panic!(
            "pcm differs first at sample {i}: {} vs {}",
            actual[i], expected[i]
        );
    }
}

fn inbound_24k() -> InboundConfig {
    InboundConfig::default()
}

/// Normalised cross-correlation of `output` against `reference`, at the best lag of `output`
/// behind `reference` within `max_lag` samples, over `len` samples from `start`.
fn best_correlation(
    reference: &[i16],
    output: &[i16],
    start: usize,
    len: usize,
    max_lag: usize,
) -> (f64, usize) {
    (0..=max_lag)
        .map(|lag| {
            (
                correlation(
                    &reference[start..start + len],
                    &output[start + lag..start + lag + len],
                ),
                lag,
            )
        })
        .fold((f64::MIN, 0), |best, c| if c.0 > best.0 { c } else { best })
}

fn correlation(a: &[i16], b: &[i16]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    ab / (aa.sqrt() * bb.sqrt()).max(1e-9)
}

/// Signal-to-noise ratio in dB of `output` (already aligned) against `reference`, with the
/// output's gain fitted first (a codec may change the level slightly).
fn snr_db(reference: &[i16], output: &[i16]) -> f64 {
    let (mut ro, mut oo) = (0f64, 0f64);
    for (&r, &o) in reference.iter().zip(output) {
        ro += f64::from(r) * f64::from(o);
        oo += f64::from(o) * f64::from(o);
    }
    let gain = ro / oo.max(1e-9);
    let (mut signal, mut noise) = (0f64, 0f64);
    for (&r, &o) in reference.iter().zip(output) {
        signal += f64::from(r).powi(2);
        noise += (f64::from(r) - gain * f64::from(o)).powi(2);
    }
    10.0 * (signal / noise.max(1e-9)).log10()
}

fn energy(samples: &[i16]) -> f64 {
    samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len().max(1) as f64
}

const SECOND_48K: usize = 48_000;

#[test]
fn a_sine_survives_the_inbound_path_at_24k() {
    let source = sine(48_000, 440.0, 0.5, SECOND_48K * 2);
    let packets = packetise(&source, &PacketiseOptions::default()).unwrap();
    let run = run_inbound(inbound_24k(), &packets);
    let reference = sine(24_000, 440.0, 0.5, 48_000);
    assert_eq!(run.pcm.len(), 48_000, "2 s in, 2 s out at 24 kHz");
    assert!(
        run.chunk_sizes.iter().all(|&n| n == 960),
        "20 ms chunks of 960 bytes"
    );
    let (corr, lag) = best_correlation(&reference, &run.pcm, 4_800, 24_000, 600);
    let snr = snr_db(
        &reference[4_800..28_800],
        &run.pcm[4_800 + lag..28_800 + lag],
    );
    assert!(corr > 0.99, "correlation {corr:.4} at lag {lag}");
    assert!(snr > 20.0, "SNR {snr:.1} dB");
}

#[test]
fn speech_survives_encode_inbound_outbound_and_decode() {
    let source = speech_like(48_000, SECOND_48K * 3, 7);
    let packets = packetise(&source, &PacketiseOptions::default()).unwrap();
    let run = run_inbound(inbound_24k(), &packets);
    let reference_24k = speech_like(24_000, 72_000, 7);
    let (corr, _) = best_correlation(&reference_24k, &run.pcm, 2_400, 60_000, 600);
    assert!(corr > 0.85, "inbound correlation {corr:.3}");

    // And back out: the model's side of the call, pushed in odd-sized pieces.
    let mut outbound = Outbound::new(OutboundConfig::default()).unwrap();
    let bytes: Vec<u8> = run.pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut decoder = opus::Decoder::new(48_000, opus::Channels::Mono).unwrap();
    let mut played = Vec::new();
    let mut buffer = vec![0i16; 5_760];
    for piece in bytes.chunks(777) {
        outbound.push_pcm16(piece);
        while let Some(frame) = outbound.poll_frame().unwrap() {
            assert_eq!(frame.rtp_ticks, FRAME_RTP_TICKS);
            let n = decoder.decode(frame.payload, &mut buffer, false).unwrap();
            played.extend_from_slice(&buffer[..n]);
        }
    }
    outbound.finish_response();
    while let Some(frame) = outbound.poll_frame().unwrap() {
        let n = decoder.decode(frame.payload, &mut buffer, false).unwrap();
        played.extend_from_slice(&buffer[..n]);
    }
    assert_eq!(
        played.len(),
        SECOND_48K * 3,
        "every sample sent, in whole frames"
    );
    let (corr, lag) = best_correlation(&source, &played, 4_800, 120_000, 1_500);
    assert!(corr > 0.75, "round-trip correlation {corr:.3} at lag {lag}");
}

#[test]
fn reordered_packets_within_the_window_decode_exactly_as_in_order() {
    let packets = packetise(
        &speech_like(48_000, SECOND_48K, 1),
        &PacketiseOptions::default(),
    )
    .unwrap();
    let in_order = run_inbound(inbound_24k(), &packets);
    let mut shuffled = packets.clone();
    // Pairs swapped after the first packet (the first packet sets the stream's start).
    for pair in shuffled[1..31].chunks_mut(2) {
        pair.reverse();
    }
    // And one packet three places late: 41, 42, 43, 40.
    shuffled[40..44].rotate_left(1);
    let reordered = run_inbound(inbound_24k(), &shuffled);
    assert_same_pcm(&reordered.pcm, &in_order.pcm);
    assert_eq!(reordered.stats.lost, 0);
    assert_eq!(reordered.stats.late, 0);
}

#[test]
fn duplicates_are_dropped_and_counted() {
    let packets = packetise(
        &speech_like(48_000, SECOND_48K, 2),
        &PacketiseOptions::default(),
    )
    .unwrap();
    let clean = run_inbound(inbound_24k(), &packets);
    let doubled: Vec<&OwnedPacket> = packets
        .iter()
        .flat_map(|p| [p, p])
        .chain(packets.iter().take(3))
        .collect();
    let run = run_inbound(inbound_24k(), doubled);
    assert_same_pcm(&run.pcm, &clean.pcm);
    assert_eq!(run.stats.duplicate, packets.len() as u64 + 3);
}

#[test]
fn sequence_and_timestamp_wrap_around_changes_nothing() {
    let source = speech_like(48_000, SECOND_48K, 3);
    let plain = packetise(&source, &PacketiseOptions::default()).unwrap();
    let wrapping = packetise(
        &source,
        &PacketiseOptions {
            first_sequence: 65_520,
            first_timestamp: u32::MAX - 9_599,
            ..Default::default()
        },
    )
    .unwrap();
    let a = run_inbound(inbound_24k(), &plain);
    let mut shuffled = wrapping.clone();
    shuffled.swap(15, 16); // across the sequence-number wrap
    let b = run_inbound(inbound_24k(), &shuffled);
    assert_same_pcm(&b.pcm, &a.pcm);
    assert_eq!(b.stats.lost, 0);
}

#[test]
fn a_lost_packet_is_recovered_from_fec_and_a_burst_is_concealed() {
    let source = speech_like(48_000, SECOND_48K * 2, 4);
    let packets = packetise(&source, &PacketiseOptions::default()).unwrap();
    // One lost packet inside speech (FEC), then a burst of three (PLC, PLC, FEC).
    let dropped = [11usize, 30, 31, 32];
    let lossy: Vec<&OwnedPacket> = packets
        .iter()
        .enumerate()
        .filter(|(i, _)| !dropped.contains(i))
        .map(|(_, p)| p)
        .collect();
    let run = run_inbound(inbound_24k(), lossy);
    assert_eq!(run.stats.lost, 4);
    assert_eq!(run.stats.fec_recovered + run.stats.concealed, 4);
    assert!(run.stats.fec_recovered >= 1, "{:?}", run.stats);
    assert_eq!(run.pcm.len(), 48_000, "the timeline keeps its length");
    // Concealed audio is not silence: the missing 20 ms of speech came back as sound.
    let gap = &run.pcm[11 * 480..12 * 480];
    assert!(
        energy(gap) > 0.05 * energy(&run.pcm[10 * 480..11 * 480]),
        "recovered frame is audible"
    );
}

#[test]
fn fec_recovery_is_closer_to_the_truth_than_concealment() {
    let source = speech_like(48_000, SECOND_48K * 2, 5);
    let with_fec = packetise(&source, &PacketiseOptions::default()).unwrap();
    let without_fec = packetise(
        &source,
        &PacketiseOptions {
            fec: false,
            ..Default::default()
        },
    )
    .unwrap();
    let reference = run_inbound(inbound_24k(), &with_fec).pcm;
    let losses: Vec<usize> = (5..95).step_by(6).collect();
    let lossy = |packets: &[OwnedPacket]| -> Vec<OwnedPacket> {
        packets
            .iter()
            .enumerate()
            .filter(|(i, _)| !losses.contains(i))
            .map(|(_, p)| p.clone())
            .collect()
    };
    let fec_run = run_inbound(inbound_24k(), &lossy(&with_fec));
    let plc_run = run_inbound(inbound_24k(), &lossy(&without_fec));
    assert!(fec_run.stats.fec_recovered > 10, "{:?}", fec_run.stats);
    assert_eq!(plc_run.stats.fec_recovered, 0);
    let error = |pcm: &[i16]| -> f64 {
        losses
            .iter()
            .map(|&i| {
                let range = i * 480..(i + 1) * 480;
                reference[range.clone()]
                    .iter()
                    .zip(&pcm[range])
                    .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
                    .sum::<f64>()
            })
            .sum()
    };
    assert!(
        error(&fec_run.pcm) < error(&plc_run.pcm),
        "FEC should beat PLC on the lost frames"
    );
}

#[test]
fn dtx_gaps_become_the_right_amount_of_silence() {
    let source = speech_like(48_000, SECOND_48K, 6);
    let mut packets = packetise(&source, &PacketiseOptions::default()).unwrap();
    // After packet 24 the sender goes quiet for 500 ms (DTX): sequence numbers stay
    // consecutive, timestamps jump, and the next packet carries the marker bit.
    for p in &mut packets[25..] {
        p.timestamp += 24_000;
    }
    packets[25].marker = true;
    let run = run_inbound(inbound_24k(), &packets);
    assert_eq!(run.stats.lost, 0);
    assert_eq!(run.stats.silence_ms, 500);
    assert_eq!(
        run.pcm.len(),
        24_000 + 12_000,
        "1 s of audio plus 500 ms of silence"
    );
    assert!(
        run.pcm[25 * 480 + 10..25 * 480 + 11_990]
            .iter()
            .all(|&s| s == 0)
    );
}

#[test]
fn a_long_gap_is_a_discontinuity_not_a_burst() {
    let source = speech_like(48_000, SECOND_48K, 8);
    let mut packets = packetise(&source, &PacketiseOptions::default()).unwrap();
    // A muted microphone for 30 s, 7 packets lost at the end of the gap.
    for p in &mut packets[25..] {
        p.timestamp += 48_000 * 30;
        p.sequence_number += 7;
    }
    let run = run_inbound(inbound_24k(), &packets);
    assert_eq!(run.discontinuities.len(), 1);
    let skipped = run.discontinuities[0];
    assert!((29_800..=30_200).contains(&skipped), "skipped {skipped} ms");
    assert_eq!(run.stats.lost, 7);
    // 1 s of audio, at most 100 ms of concealment and one padded chunk: no 30 s burst.
    assert!(
        run.pcm.len() <= 24_000 + 2_400 + 480,
        "{} samples",
        run.pcm.len()
    );
    assert!(run.chunk_sizes.iter().all(|&n| n == 960));
}

/// Takes every chunk `inbound` has ready, as samples.
fn drain_pcm(inbound: &mut Inbound) -> Vec<i16> {
    let mut pcm = Vec::new();
    while let Some(event) = inbound.poll() {
        if let InboundEvent::Audio(bytes) = event {
            pcm.extend(
                bytes
                    .chunks_exact(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]])),
            );
        }
    }
    pcm
}

#[test]
fn time_without_packets_is_silence_up_to_a_bound() {
    let source = speech_like(48_000, SECOND_48K, 9);
    let packets = packetise(&source, &PacketiseOptions::default()).unwrap();
    let mut inbound = Inbound::new(inbound_24k()).unwrap();
    inbound.idle(500);
    assert!(
        drain_pcm(&mut inbound).is_empty(),
        "no stream yet, no silence"
    );
    for packet in &packets {
        inbound.push(packet.as_rtp());
    }
    assert_eq!(
        drain_pcm(&mut inbound).len(),
        24_000,
        "the second of speech"
    );

    // The sender stops right after its speech: the quiet that passes comes out as silence,
    // each call adding only what is new, whole chunks as ever.
    inbound.idle(100);
    let first = drain_pcm(&mut inbound);
    assert_eq!(first.len(), 2_400, "100 ms");
    inbound.idle(100);
    assert!(drain_pcm(&mut inbound).is_empty(), "nothing new");
    for ms in (120..=600).step_by(20) {
        inbound.idle(ms);
    }
    let more = drain_pcm(&mut inbound);
    assert_eq!(more.len(), 24 * 500);
    assert!(first.iter().chain(&more).all(|&s| s == 0));
    assert_eq!(inbound.stats().silence_ms, 600);

    // Never more than the bound, however long the quiet lasts.
    let mut rest = 0;
    for ms in (620..=60_000).step_by(20) {
        inbound.idle(ms);
        rest += drain_pcm(&mut inbound).len();
    }
    assert_eq!(rest, 24 * (10_000 - 600));
    assert_eq!(inbound.stats().silence_ms, 10_000);
}

#[test]
fn packets_after_a_quiet_fill_only_what_the_quiet_did_not() {
    let source = speech_like(48_000, SECOND_48K, 10);
    let mut packets = packetise(&source, &PacketiseOptions::default()).unwrap();
    // 800 ms of DTX after packet 24 (timestamps jump, the marker starts the next spurt); the
    // reader saw 300 ms of it with no packet at all.
    for p in &mut packets[25..] {
        p.timestamp += 38_400;
    }
    packets[25].marker = true;
    let mut inbound = Inbound::new(inbound_24k()).unwrap();
    let mut pcm = Vec::new();
    for (i, packet) in packets.iter().enumerate() {
        if i == 25 {
            inbound.idle(300);
        }
        inbound.push(packet.as_rtp());
        pcm.extend(drain_pcm(&mut inbound));
    }
    inbound.flush();
    pcm.extend(drain_pcm(&mut inbound));
    assert_eq!(
        pcm.len(),
        24_000 + 24 * 800,
        "the RTP timeline, no silence twice"
    );
    assert_eq!(inbound.stats().silence_ms, 800);
}

#[test]
fn padding_only_packets_advance_the_sequence_without_audio() {
    let packets = packetise(
        &speech_like(48_000, SECOND_48K, 9),
        &PacketiseOptions::default(),
    )
    .unwrap();
    let clean = run_inbound(inbound_24k(), &packets);
    let mut padded = Vec::new();
    let mut seq = 0u16;
    for (i, p) in packets.iter().enumerate() {
        padded.push(OwnedPacket {
            sequence_number: seq,
            ..p.clone()
        });
        seq = seq.wrapping_add(1);
        if i % 10 == 5 {
            padded.push(OwnedPacket {
                sequence_number: seq,
                timestamp: p.timestamp,
                marker: false,
                payload: Vec::new(),
            });
            seq = seq.wrapping_add(1);
        }
    }
    let run = run_inbound(inbound_24k(), &padded);
    assert_same_pcm(&run.pcm, &clean.pcm);
    assert_eq!(run.stats.lost, 0);
    assert_eq!(run.stats.padding, 5);
}

#[test]
fn stereo_from_a_browser_is_folded_to_mono() {
    let left = sine(48_000, 440.0, 0.4, SECOND_48K);
    let interleaved: Vec<i16> = left.iter().flat_map(|&s| [s, s]).collect();
    let packets = packetise(
        &interleaved,
        &PacketiseOptions {
            channels: 2,
            bitrate_bps: 64_000,
            ..Default::default()
        },
    )
    .unwrap();
    let run = run_inbound(inbound_24k(), &packets);
    assert_eq!(run.pcm.len(), 24_000);
    let reference = sine(24_000, 440.0, 0.4, 24_000);
    let (corr, _) = best_correlation(&reference, &run.pcm, 2_400, 12_000, 600);
    assert!(corr > 0.98, "correlation {corr:.4}");
}

#[test]
fn frame_sizes_other_than_20_ms_work() {
    let source = speech_like(48_000, SECOND_48K * 2, 10);
    let reference = speech_like(24_000, 48_000, 10);
    for frame_ms in [10, 40, 60] {
        let packets = packetise(
            &source,
            &PacketiseOptions {
                frame_ms,
                ..Default::default()
            },
        )
        .unwrap();
        let run = run_inbound(inbound_24k(), &packets);
        let expected = packets.len() * frame_ms as usize * 24 / 480 * 480;
        assert_eq!(run.pcm.len(), expected, "{frame_ms} ms frames");
        let (corr, _) = best_correlation(&reference, &run.pcm, 2_400, 36_000, 600);
        assert!(corr > 0.85, "{frame_ms} ms frames: correlation {corr:.3}");
        // Loss of a whole 60 ms packet is concealed for its full duration.
        let mut lossy = packets.clone();
        lossy.remove(5);
        let run = run_inbound(inbound_24k(), &lossy);
        assert_eq!(run.stats.lost, 1);
        assert_eq!(run.pcm.len(), expected, "{frame_ms} ms frames with a loss");
    }
}

#[test]
fn other_upstream_rates_use_the_resampler_with_exact_lengths() {
    let source = sine(48_000, 440.0, 0.5, SECOND_48K * 2);
    let packets = packetise(&source, &PacketiseOptions::default()).unwrap();
    for rate in [16_000u32, 22_050, 44_100] {
        let run = run_inbound(
            InboundConfig {
                output_rate: rate,
                ..Default::default()
            },
            &packets,
        );
        let per_chunk = rate as usize / 50;
        assert!(
            run.chunk_sizes.iter().all(|&n| n == per_chunk * 2),
            "{rate} Hz chunks"
        );
        let expected = 2 * rate as usize;
        assert!(
            run.pcm.len() <= expected && run.pcm.len() + per_chunk + 200 >= expected,
            "{rate} Hz: {}",
            run.pcm.len()
        );
        let reference = sine(rate, 440.0, 0.5, expected);
        let (corr, _) = best_correlation(
            &reference,
            &run.pcm,
            rate as usize / 10,
            rate as usize,
            rate as usize / 40,
        );
        assert!(corr > 0.99, "{rate} Hz: correlation {corr:.4}");
    }
}

#[test]
fn forcing_the_resampler_at_24k_gives_the_same_signal() {
    let source = speech_like(48_000, SECOND_48K * 2, 11);
    let packets = packetise(&source, &PacketiseOptions::default()).unwrap();
    let direct = run_inbound(inbound_24k(), &packets);
    let resampled = run_inbound(
        InboundConfig {
            force_resampler: true,
            ..Default::default()
        },
        &packets,
    );
    let (corr, lag) = best_correlation(&direct.pcm, &resampled.pcm, 2_400, 36_000, 50);
    assert!(corr > 0.95, "direct vs 48k+rubato: {corr:.3} at lag {lag}");
}

#[test]
fn a_chunk_duration_that_is_not_whole_samples_is_refused() {
    assert!(
        Inbound::new(InboundConfig {
            output_rate: 22_050,
            chunk_ms: 10,
            ..Default::default()
        })
        .is_err()
    );
    assert!(
        Inbound::new(InboundConfig {
            output_rate: 96_000,
            ..Default::default()
        })
        .is_err()
    );
    assert!(
        Inbound::new(InboundConfig {
            chunk_ms: 0,
            ..Default::default()
        })
        .is_err()
    );
    let run = run_inbound(
        InboundConfig {
            chunk_ms: 40,
            ..Default::default()
        },
        &[],
    );
    assert!(run.pcm.is_empty());
}

#[test]
fn outbound_accepts_odd_byte_counts_and_paces_whole_frames() {
    let mut outbound = Outbound::new(OutboundConfig::default()).unwrap();
    let pcm = speech_like(24_000, 24_000, 12);
    let bytes: Vec<u8> = pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut frames = 0;
    for piece in bytes.chunks(333) {
        outbound.push_pcm16(piece);
        while outbound.poll_frame().unwrap().is_some() {
            frames += 1;
        }
    }
    assert_eq!(frames, 50, "1 s at 24 kHz is 50 frames of 20 ms");
    outbound.push_pcm16(&bytes[..481]); // 240 samples and a half
    assert!(outbound.poll_frame().unwrap().is_none());
    outbound.finish_response();
    assert!(
        outbound.poll_frame().unwrap().is_some(),
        "the tail is padded into a whole frame"
    );
    assert!(outbound.poll_frame().unwrap().is_none());
}

#[test]
fn clear_reports_what_was_played_of_the_current_response() {
    let mut outbound = Outbound::new(OutboundConfig::default()).unwrap();
    let tone: Vec<u8> = sine(24_000, 300.0, 0.3, 24_000)
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    // A first response, fully played.
    outbound.begin_response();
    outbound.push_pcm16(&tone[..9_600]); // 200 ms
    outbound.finish_response();
    while outbound.poll_frame().unwrap().is_some() {}
    // The second response: 1 s queued, 7 frames played, then the candidate barges in.
    outbound.begin_response();
    outbound.push_pcm16(&tone);
    for _ in 0..7 {
        outbound.poll_frame().unwrap().unwrap();
    }
    assert_eq!(outbound.buffered_ms(), 860);
    let report = outbound.clear();
    assert_eq!(report.played_ms, 140);
    assert_eq!(report.dropped_ms, 860);
    assert!(
        outbound.poll_frame().unwrap().is_none(),
        "nothing left to send after a clear"
    );
    assert_eq!(outbound.clear().played_ms, 0);
}

#[test]
fn clear_counts_only_the_current_response_when_an_older_one_is_still_queued() {
    let mut outbound = Outbound::new(OutboundConfig::default()).unwrap();
    let tone: Vec<u8> = sine(24_000, 300.0, 0.3, 4_800)
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    outbound.begin_response();
    outbound.push_pcm16(&tone); // 200 ms, not yet played
    outbound.finish_response();
    outbound.begin_response();
    outbound.push_pcm16(&tone);
    for _ in 0..12 {
        outbound.poll_frame().unwrap().unwrap(); // 10 frames of the first, 2 of the second
    }
    assert_eq!(outbound.clear().played_ms, 40);
}

#[test]
fn outbound_resamples_rates_libopus_cannot_take() {
    for rate in [22_050u32, 44_100] {
        let mut outbound = Outbound::new(OutboundConfig {
            input_rate: rate,
            ..Default::default()
        })
        .unwrap();
        let bytes: Vec<u8> = sine(rate, 440.0, 0.5, rate as usize)
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        outbound.push_pcm16(&bytes);
        outbound.finish_response();
        let mut decoder = opus::Decoder::new(48_000, opus::Channels::Mono).unwrap();
        let mut played = Vec::new();
        let mut buffer = vec![0i16; 5_760];
        while let Some(frame) = outbound.poll_frame().unwrap() {
            let n = decoder.decode(frame.payload, &mut buffer, false).unwrap();
            played.extend_from_slice(&buffer[..n]);
        }
        assert_eq!(played.len(), 48_000, "{rate} Hz: 1 s in, 50 frames out");
        let reference = sine(48_000, 440.0, 0.5, 48_000);
        let (corr, _) = best_correlation(&reference, &played, 4_800, 36_000, 1_000);
        assert!(corr > 0.98, "{rate} Hz: correlation {corr:.4}");
    }
}

#[test]
fn kept_packets_sit_where_their_audio_is_on_the_output_timeline() {
    let source = speech_like(48_000, SECOND_48K, 9);
    let mut packets = packetise(&source, &PacketiseOptions::default()).unwrap();
    // 500 ms of DTX after packet 24, and packets 10 and 11 swapped (reordered on the way).
    for p in &mut packets[25..] {
        p.timestamp += 24_000;
    }
    packets[25].marker = true;
    packets.swap(10, 11);
    let config = InboundConfig {
        keep_packets: true,
        ..inbound_24k()
    };
    let mut inbound = Inbound::new(config).unwrap();
    let mut kept = Vec::new();
    for packet in &packets {
        inbound.push(packet.as_rtp());
        while inbound.poll().is_some() {}
        inbound.take_packets(|k| kept.push((k.start_ticks, k.duration_ticks, k.payload.to_vec())));
    }
    inbound.flush();
    inbound.take_packets(|k| kept.push((k.start_ticks, k.duration_ticks, k.payload.to_vec())));
    assert_eq!(
        kept.len(),
        packets.len(),
        "every decoded packet is kept once"
    );
    let mut in_order = packets.clone();
    in_order.swap(10, 11);
    for (i, ((start, duration, payload), sent)) in kept.iter().zip(&in_order).enumerate() {
        let gap = if i >= 25 { 24_000 } else { 0 };
        assert_eq!(
            *start,
            i as u64 * 960 + gap,
            "packet {i} starts where its audio does"
        );
        assert_eq!(*duration, 960);
        assert_eq!(payload, &sent.payload, "packet {i} as received, in order");
    }
    let mut none = Inbound::new(inbound_24k()).unwrap();
    none.push(packets[0].as_rtp());
    let mut any = false;
    none.take_packets(|_| any = true);
    assert!(!any, "nothing is kept unless asked");
}
