//! The steady state of the audio path allocates nothing: shown by counting heap allocations
//! with dhat around a stretch of inbound and outbound frames after a warm-up.
//!
//! One test per file: dhat's counters are process-wide.

use viva::audio::synth::{PacketiseOptions, packetise, speech_like};
use viva::audio::{Inbound, InboundConfig, Outbound, OutboundConfig};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

#[test]
fn steady_state_frames_allocate_nothing() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let source = speech_like(48_000, 48_000 * 8, 5);
    let mut packets = packetise(&source, &PacketiseOptions::default()).unwrap();
    // What a real network does, in the warm-up and again in the measured stretch: a swapped
    // pair, a lost packet (FEC and concealment paths) and a 200 ms DTX gap. The first gap
    // grows the chunk queue to its working size once; later ones must not allocate.
    for at in [60, 250] {
        packets.swap(at, at + 1);
        packets.remove(at + 20);
        for p in &mut packets[at + 30..] {
            p.timestamp += 9_600;
        }
    }
    let pcm_24k: Vec<u8> = speech_like(24_000, 24_000 * 4, 6)
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();

    for (config, label) in [
        (InboundConfig::default(), "24 kHz direct"),
        (
            InboundConfig {
                output_rate: 22_050,
                ..Default::default()
            },
            "22.05 kHz via rubato",
        ),
        (
            InboundConfig {
                keep_packets: true,
                ..Default::default()
            },
            "24 kHz, packets kept for the recorder",
        ),
    ] {
        let mut inbound = Inbound::new(config).unwrap();
        let mut outbound = Outbound::new(OutboundConfig::default()).unwrap();
        let mut run = |range: std::ops::Range<usize>| {
            for (i, packet) in packets[range].iter().enumerate() {
                inbound.push(packet.as_rtp());
                while inbound.poll().is_some() {}
                let mut kept = 0;
                inbound.take_packets(|packet| kept += packet.payload.len());
                std::hint::black_box(kept);
                let at = (i * 997) % (pcm_24k.len() - 1_000);
                outbound.push_pcm16(&pcm_24k[at..at + 961]); // odd sizes, as model deltas come
                while outbound.poll_frame().unwrap().is_some() {}
            }
        };
        run(0..150); // warm-up: buffers reach their working size
        let before = dhat::HeapStats::get();
        run(150..packets.len());
        let after = dhat::HeapStats::get();
        assert_eq!(
            after.total_blocks - before.total_blocks,
            0,
            "{label}: {} allocations ({} bytes) over {} frames",
            after.total_blocks - before.total_blocks,
            after.total_bytes - before.total_bytes,
            packets.len() - 150
        );
    }
}
