//! Cost of the audio path per 20 ms frame, beside bare libopus doing the same codec work, so
//! the overhead of our code is a ratio. Run with `cargo bench --bench audio`; figures are in
//! BENCHMARKS.md.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use viva::audio::synth::{OwnedPacket, PacketiseOptions, packetise, speech_like};
use viva::audio::{Inbound, InboundConfig, Outbound, OutboundConfig, RtpPacket};
use viva::recording::ogg_opus::OggOpusWriter;
use viva::recording::window::{PacketWindow, TimedPacket};

/// Ten seconds of speech-like audio as a browser would send it: 500 Opus packets.
fn speech_packets() -> Vec<OwnedPacket> {
    packetise(
        &speech_like(48_000, 480_000, 42),
        &PacketiseOptions::default(),
    )
    .unwrap()
}

/// An endless in-order packet stream cycling through `packets`.
struct Stream<'a> {
    packets: &'a [OwnedPacket],
    index: u32,
}

impl<'a> Stream<'a> {
    fn next(&mut self) -> RtpPacket<'a> {
        let p = &self.packets[self.index as usize % self.packets.len()];
        let packet = RtpPacket {
            sequence_number: self.index as u16,
            timestamp: self.index.wrapping_mul(960),
            marker: false,
            payload: &p.payload,
        };
        self.index = self.index.wrapping_add(1);
        packet
    }
}

fn inbound(c: &mut Criterion) {
    let packets = speech_packets();
    let mut group = c.benchmark_group("inbound_20ms");
    for rate in [24_000u32, 48_000] {
        group.bench_function(BenchmarkId::new("libopus_decode", rate), |b| {
            let mut decoder = opus::Decoder::new(rate, opus::Channels::Mono).unwrap();
            let mut out = vec![0i16; 5_760];
            let mut i = 0;
            b.iter(|| {
                let n = decoder
                    .decode(&packets[i % packets.len()].payload, &mut out, false)
                    .unwrap();
                i += 1;
                black_box(&out[..n]);
            });
        });
    }
    for (label, config) in [
        ("viva_direct_24k", InboundConfig::default()),
        (
            "viva_48k_rubato_24k",
            InboundConfig {
                force_resampler: true,
                ..Default::default()
            },
        ),
        (
            "viva_48k_rubato_22050",
            InboundConfig {
                output_rate: 22_050,
                ..Default::default()
            },
        ),
    ] {
        group.bench_function(label, |b| {
            let mut inbound = Inbound::new(config.clone()).unwrap();
            let mut stream = Stream {
                packets: &packets,
                index: 0,
            };
            b.iter(|| {
                inbound.push(stream.next());
                while let Some(event) = inbound.poll() {
                    black_box(event);
                }
            });
        });
    }
    group.finish();
}

fn outbound(c: &mut Criterion) {
    let pcm: Vec<u8> = speech_like(24_000, 240_000, 43)
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    let frames: Vec<&[u8]> = pcm.chunks_exact(960).collect();
    let mut group = c.benchmark_group("outbound_20ms");
    for complexity in [0u8, 3, 5, 8, 10] {
        group.bench_function(BenchmarkId::new("libopus_encode_24k", complexity), |b| {
            let mut encoder =
                opus::Encoder::new(24_000, opus::Channels::Mono, opus::Application::Voip).unwrap();
            encoder.set_bitrate(opus::Bitrate::Bits(32_000)).unwrap();
            encoder.set_complexity(i32::from(complexity)).unwrap();
            encoder.set_signal(opus::Signal::Voice).unwrap();
            encoder.set_inband_fec(true).unwrap();
            encoder.set_packet_loss_perc(10).unwrap();
            let samples: Vec<Vec<i16>> = frames
                .iter()
                .map(|f| {
                    f.chunks_exact(2)
                        .map(|b| i16::from_le_bytes([b[0], b[1]]))
                        .collect()
                })
                .collect();
            let mut out = vec![0u8; 1_500];
            let mut i = 0;
            b.iter(|| {
                let n = encoder
                    .encode(&samples[i % samples.len()], &mut out)
                    .unwrap();
                i += 1;
                black_box(&out[..n]);
            });
        });
        group.bench_function(BenchmarkId::new("viva_outbound_24k", complexity), |b| {
            let mut outbound = Outbound::new(OutboundConfig {
                complexity,
                ..Default::default()
            })
            .unwrap();
            let mut i = 0;
            b.iter(|| {
                outbound.push_pcm16(frames[i % frames.len()]);
                i += 1;
                black_box(outbound.poll_frame().unwrap());
            });
        });
    }
    group.bench_function("viva_outbound_22050_c5", |b| {
        let pcm: Vec<u8> = speech_like(22_050, 220_500, 44)
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let mut outbound = Outbound::new(OutboundConfig {
            input_rate: 22_050,
            ..Default::default()
        })
        .unwrap();
        let mut chunks = pcm.chunks_exact(882).cycle();
        b.iter(|| {
            outbound.push_pcm16(chunks.next().unwrap());
            black_box(outbound.poll_frame().unwrap());
        });
    });
    group.finish();
}

/// What recording adds per packet: the inbound path keeping the packet for the recorder (the
/// reader's share, beside `inbound_20ms/viva_direct_24k`), and the recorder task's work on it
/// (the copy sent to it, the answer window, the whole call's Ogg pages; disk writes excluded).
fn recording(c: &mut Criterion) {
    let packets = speech_packets();
    let mut group = c.benchmark_group("recording_20ms");
    group.bench_function("viva_direct_24k_keeping_packets", |b| {
        let config = InboundConfig {
            keep_packets: true,
            ..Default::default()
        };
        let mut inbound = Inbound::new(config).unwrap();
        let mut stream = Stream {
            packets: &packets,
            index: 0,
        };
        b.iter(|| {
            inbound.push(stream.next());
            while let Some(event) = inbound.poll() {
                black_box(event);
            }
            inbound.take_packets(|kept| {
                black_box(kept);
            });
        });
    });
    group.bench_function("recorder_per_packet", |b| {
        let mut window = PacketWindow::default();
        let mut whole = OggOpusWriter::new(1, 0);
        let mut i = 0u64;
        b.iter(|| {
            let payload = &packets[i as usize % packets.len()].payload;
            let packet = TimedPacket {
                start_ticks: i * 960,
                duration_ticks: 960,
                payload: bytes::Bytes::copy_from_slice(payload),
            };
            whole.push(&packet.payload, 960);
            black_box(whole.take_bytes());
            window.push(packet);
            i += 1;
        });
    });
    group.bench_function("cut_10s_answer", |b| {
        let mut window = PacketWindow::default();
        for (i, p) in packets.iter().enumerate() {
            window.push(TimedPacket {
                start_ticks: i as u64 * 960,
                duration_ticks: 960,
                payload: bytes::Bytes::copy_from_slice(&p.payload),
            });
        }
        b.iter(|| black_box(window.cut("item", 0, 9_980, 1)));
    });
    group.finish();
}

criterion_group!(benches, inbound, outbound, recording);
criterion_main!(benches);
