//! Properties of the audio path over generated inputs: no panic on any input, and the
//! timeline stays exact whatever the network does to the packets.

use std::sync::OnceLock;

use proptest::prelude::*;
use viva::audio::synth::{OwnedPacket, PacketiseOptions, packetise, speech_like};
use viva::audio::{Inbound, InboundConfig, InboundEvent, Outbound, OutboundConfig};

/// Two seconds of speech-like audio as 100 Opus packets, encoded once.
fn speech_packets() -> &'static [OwnedPacket] {
    static PACKETS: OnceLock<Vec<OwnedPacket>> = OnceLock::new();
    PACKETS.get_or_init(|| {
        packetise(
            &speech_like(48_000, 96_000, 21),
            &PacketiseOptions::default(),
        )
        .unwrap()
    })
}

/// Pushes packets, polls everything, flushes; returns (samples out, chunk sizes ok).
fn drive(inbound: &mut Inbound, packets: impl IntoIterator<Item = OwnedPacket>) -> usize {
    let mut samples = 0;
    let chunk_bytes =
        inbound.config().output_rate as usize / 1000 * inbound.config().chunk_ms as usize * 2;
    let mut drain = |inbound: &mut Inbound| {
        while let Some(event) = inbound.poll() {
            if let InboundEvent::Audio(bytes) = event {
                assert_eq!(bytes.len(), chunk_bytes);
                samples += bytes.len() / 2;
            }
        }
    };
    for packet in packets {
        inbound.push(packet.as_rtp());
        drain(inbound);
    }
    inbound.flush();
    drain(inbound);
    samples
}

fn arbitrary_packet() -> impl Strategy<Value = OwnedPacket> {
    (
        any::<u16>(),
        any::<u32>(),
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..120),
    )
        .prop_map(
            |(sequence_number, timestamp, marker, payload)| OwnedPacket {
                sequence_number,
                timestamp,
                marker,
                payload,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Garbage payloads, random sequence numbers and timestamps: counted, never a panic.
    #[test]
    fn any_packets_in_any_order_never_panic(packets in prop::collection::vec(arbitrary_packet(), 0..60)) {
        let mut inbound = Inbound::new(InboundConfig::default()).unwrap();
        let n = packets.len() as u64;
        drive(&mut inbound, packets);
        let stats = inbound.stats();
        prop_assert_eq!(stats.packets, n);
        prop_assert!(stats.concealed + stats.fec_recovered <= stats.lost);
    }

    /// Real Opus packets with random sequence numbers and timestamps nearby (small jumps,
    /// wraps, repeats): never a panic, and never more than the silence cap per packet.
    #[test]
    fn real_payloads_with_scrambled_headers_never_panic(
        headers in prop::collection::vec((any::<u16>(), -3i32..40, any::<bool>()), 1..80),
        start_ts in any::<u32>(),
    ) {
        let mut inbound = Inbound::new(InboundConfig::default()).unwrap();
        let mut ts = start_ts;
        let packets: Vec<OwnedPacket> = headers.iter().zip(speech_packets().iter().cycle()).map(|(&(seq, step, marker), p)| {
            ts = ts.wrapping_add_signed(step * 960);
            OwnedPacket { sequence_number: seq % 64, timestamp: ts, marker, payload: p.payload.clone() }
        }).collect();
        let samples = drive(&mut inbound, packets);
        // Each packet adds at most its own 20 ms plus a capped gap fill of 2 s.
        prop_assert!(samples <= headers.len() * (480 + 48_000) + 480);
    }

    /// Reordering within the window, loss and duplication: the output is exactly as long as
    /// the stream's RTP time, and every missing packet is accounted for.
    #[test]
    fn the_timeline_is_exact_under_reorder_loss_and_duplication(
        displacement in prop::collection::vec(0usize..=3, 100),
        drop in prop::collection::vec(prop::bool::weighted(0.1), 100),
        duplicate in prop::collection::vec(prop::bool::weighted(0.05), 100),
        first_sequence in any::<u16>(),
        first_timestamp in any::<u32>(),
    ) {
        let base = speech_packets();
        let mut order: Vec<(usize, usize)> = (0..base.len())
            // The first and last packets stay: they define the stream's span.
            .filter(|&i| i == 0 || i == base.len() - 1 || !drop[i])
            .map(|i| (if i == 0 { 0 } else { i + displacement[i] }, i))
            .collect();
        order.sort();
        let dropped = base.len() - order.len();
        let packets = order.iter().flat_map(|&(_, i)| {
            let p = OwnedPacket {
                sequence_number: base[i].sequence_number.wrapping_add(first_sequence),
                timestamp: base[i].timestamp.wrapping_add(first_timestamp),
                ..base[i].clone()
            };
            let copies = if duplicate[i] { 2 } else { 1 };
            std::iter::repeat_n(p, copies)
        }).collect::<Vec<_>>();
        let mut inbound = Inbound::new(InboundConfig::default()).unwrap();
        let samples = drive(&mut inbound, packets);
        prop_assert_eq!(samples, base.len() * 480, "2 s of RTP time is 2 s of audio");
        let stats = inbound.stats();
        // A packet displaced past the reorder window is late: its place was already skipped.
        prop_assert!(stats.lost >= dropped as u64, "{:?}", stats);
        prop_assert!(stats.lost <= dropped as u64 + stats.late, "{:?}", stats);
    }

    /// Outbound accepts any split of the byte stream and sends every sample.
    #[test]
    fn outbound_frames_account_for_every_sample(pieces in prop::collection::vec(0usize..2_000, 0..40)) {
        let mut outbound = Outbound::new(OutboundConfig { complexity: 0, ..Default::default() }).unwrap();
        let total: usize = pieces.iter().sum();
        let bytes = vec![0x11u8; total];
        let mut frames = 0;
        let mut at = 0;
        for len in pieces {
            outbound.push_pcm16(&bytes[at..at + len]);
            at += len;
            while outbound.poll_frame().unwrap().is_some() {
                frames += 1;
            }
        }
        prop_assert_eq!(frames, total / 2 / 480);
        outbound.finish_response();
        while outbound.poll_frame().unwrap().is_some() {
            frames += 1;
        }
        prop_assert_eq!(frames, (total / 2).div_ceil(480));
    }
}
