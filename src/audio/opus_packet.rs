//! Reading Opus packets without decoding them (RFC 6716 §3): where the first frame is, and
//! whether it carries in-band FEC for the packet before it.

/// Whether an Opus packet carries in-band FEC (LBRR) data for the packet before it: the same
/// test as libopus's `opus_packet_has_lbrr`, in safe Rust and without allocating.
pub(super) fn has_lbrr(packet: &[u8]) -> bool {
    let Some(&toc) = packet.first() else {
        return false;
    };
    if toc & 0x80 != 0 {
        return false; // CELT-only packets carry no LBRR.
    }
    let Some(&first) = first_frame(packet).and_then(<[u8]>::first) else {
        return false;
    };
    // SILK frames in one Opus frame: 10 and 20 ms hold one, 40 ms two, 60 ms three. Hybrid
    // configurations (12–15) are 10 or 20 ms; SILK-only ones (0–11) give the size in bits 3–4.
    let config = toc >> 3;
    let silk_frames = match (config < 12).then_some(config & 0x3) {
        Some(2) => 2,
        Some(3) => 3,
        _ => 1,
    };
    let mut lbrr = (first >> (7 - silk_frames)) & 1;
    if toc & 0x04 != 0 {
        lbrr |= (first >> (6 - 2 * silk_frames)) & 1;
    }
    lbrr == 1
}

/// The first frame of an Opus packet (RFC 6716 §3.2), or `None` if the packet is malformed.
fn first_frame(packet: &[u8]) -> Option<&[u8]> {
    /// A frame length: one byte below 252, else two (RFC 6716 §3.2.1).
    fn frame_length(bytes: &[u8]) -> Option<(usize, usize)> {
        match *bytes.first()? {
            small @ 0..=251 => Some((usize::from(small), 1)),
            large => Some((usize::from(*bytes.get(1)?) * 4 + usize::from(large), 2)),
        }
    }
    let body = packet.get(1..)?;
    match packet[0] & 0x3 {
        0 => Some(body),
        1 => body.get(..body.len() / 2),
        2 => {
            let (len, used) = frame_length(body)?;
            body.get(used..used + len)
        }
        _ => {
            let count_byte = *body.first()?;
            let count = usize::from(count_byte & 0x3F);
            let mut at = 1;
            let mut padding = 0usize;
            if count_byte & 0x40 != 0 {
                loop {
                    let byte = *body.get(at)?;
                    at += 1;
                    padding += if byte == 255 { 254 } else { usize::from(byte) };
                    if byte != 255 {
                        break;
                    }
                }
            }
            let end = body.len().checked_sub(padding)?;
            if count_byte & 0x80 != 0 {
                let (len, used) = frame_length(body.get(at..)?)?;
                at += used;
                for _ in 2..count {
                    at += frame_length(body.get(at..)?)?.1;
                }
                body.get(at..(at + len).min(end))
            } else {
                let len = end.checked_sub(at)? / count.max(1);
                body.get(at..at + len)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::synth::{PacketiseOptions, packetise, speech_like};

    #[test]
    fn first_frame_matches_libopus_parsing() {
        let signal = speech_like(48_000, 48_000, 3);
        let stereo: Vec<i16> = signal.iter().flat_map(|&s| [s, s / 2]).collect();
        for (channels, frame_ms) in [(1, 10), (1, 20), (1, 40), (1, 60), (2, 20), (2, 60)] {
            let source = if channels == 2 { &stereo } else { &signal };
            let options = PacketiseOptions {
                channels,
                frame_ms,
                ..Default::default()
            };
            for packet in packetise(source, &options).unwrap() {
                let parsed = opus::packet::parse(&packet.payload).unwrap();
                assert_eq!(
                    first_frame(&packet.payload),
                    parsed.frames.first().copied(),
                    "{channels}ch {frame_ms} ms"
                );
            }
        }
    }

    #[test]
    fn lbrr_is_found_once_fec_kicks_in() {
        for frame_ms in [20, 40, 60] {
            let signal = speech_like(16_000, 32_000, 4);
            let options = PacketiseOptions {
                rate: 16_000,
                frame_ms,
                bitrate_bps: 24_000,
                ..Default::default()
            };
            let with_fec = packetise(&signal, &options).unwrap();
            let without = packetise(
                &signal,
                &PacketiseOptions {
                    fec: false,
                    ..options
                },
            )
            .unwrap();
            let found = with_fec.iter().filter(|p| has_lbrr(&p.payload)).count();
            assert!(
                found > with_fec.len() / 4,
                "{frame_ms} ms: {found} of {}",
                with_fec.len()
            );
            assert!(
                without.iter().all(|p| !has_lbrr(&p.payload)),
                "{frame_ms} ms without FEC"
            );
        }
        let signal = speech_like(48_000, 48_000, 4);
        let with_fec = packetise(&signal, &PacketiseOptions::default()).unwrap();
        let without = packetise(
            &signal,
            &PacketiseOptions {
                fec: false,
                ..Default::default()
            },
        )
        .unwrap();
        let found = with_fec.iter().filter(|p| has_lbrr(&p.payload)).count();
        assert!(found > with_fec.len() / 4, "{found} of {}", with_fec.len());
        assert!(without.iter().all(|p| !has_lbrr(&p.payload)));
    }

    #[test]
    fn malformed_packets_have_no_first_frame() {
        assert_eq!(first_frame(&[]), None);
        assert_eq!(first_frame(&[0x02]), None, "code 2 without a length");
        assert_eq!(first_frame(&[0x02, 200, 1]), None, "length past the end");
        assert_eq!(
            first_frame(&[0x03, 0x42, 255]),
            None,
            "padding past the end"
        );
        assert!(!has_lbrr(&[0x03]));
    }
}
