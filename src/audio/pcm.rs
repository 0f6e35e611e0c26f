//! Sample format helpers: pcm16 little-endian bytes, i16 samples and f32 samples.

use std::collections::VecDeque;

/// Converts a pcm16 sample to f32 in `[-1, 1)`.
#[inline]
pub(crate) fn i16_to_f32(sample: i16) -> f32 {
    f32::from(sample) / 32_768.0
}

/// Converts an f32 sample to pcm16, rounding and saturating.
#[inline]
pub(crate) fn f32_to_i16(sample: f32) -> i16 {
    // `as` saturates on overflow and maps NaN to 0.
    (sample * 32_768.0).round() as i16
}

/// Turns a byte stream of pcm16 little-endian samples, cut at arbitrary byte boundaries,
/// into whole samples. An odd trailing byte is carried over to the next call.
#[derive(Debug, Default, Clone)]
pub(crate) struct Pcm16Bytes {
    carry: Option<u8>,
}

impl Pcm16Bytes {
    /// Appends the whole samples of `bytes` (plus any carried byte) to `out`.
    pub(crate) fn decode_into(&mut self, mut bytes: &[u8], out: &mut VecDeque<i16>) {
        if let Some(low) = self.carry.take() {
            let Some((&high, rest)) = bytes.split_first() else {
                self.carry = Some(low);
                return;
            };
            out.push_back(i16::from_le_bytes([low, high]));
            bytes = rest;
        }
        let pairs = bytes.chunks_exact(2);
        self.carry = pairs.remainder().first().copied();
        out.extend(pairs.map(|pair| i16::from_le_bytes([pair[0], pair[1]])));
    }

    /// Drops a carried half sample (the end of a response or a barge-in).
    pub(crate) fn reset(&mut self) {
        self.carry = None;
    }
}

/// Moves `count` samples from the front of `queue` into `out` as pcm16 little-endian bytes.
pub(crate) fn drain_le_bytes(queue: &mut VecDeque<i16>, count: usize, out: &mut [u8]) {
    for (sample, bytes) in queue.drain(..count).zip(out.chunks_exact_mut(2)) {
        bytes.copy_from_slice(&sample.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_byte_counts_are_carried_across_calls() {
        let samples: Vec<i16> = vec![1, -2, 300, -32_768, 32_767];
        let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        let mut decoder = Pcm16Bytes::default();
        let mut out = VecDeque::new();
        for piece in [
            &bytes[..1],
            &bytes[1..4],
            &bytes[4..4],
            &bytes[4..9],
            &bytes[9..],
        ] {
            decoder.decode_into(piece, &mut out);
        }
        assert_eq!(out, samples);
    }

    #[test]
    fn conversions_round_trip_and_saturate() {
        for s in [i16::MIN, -1, 0, 1, 12_345, i16::MAX] {
            assert_eq!(f32_to_i16(i16_to_f32(s)), s);
        }
        assert_eq!(f32_to_i16(2.0), i16::MAX);
        assert_eq!(f32_to_i16(-2.0), i16::MIN);
        assert_eq!(f32_to_i16(f32::NAN), 0);
    }

    #[test]
    fn draining_writes_little_endian() {
        let mut queue: VecDeque<i16> = [0x0102, -2].into_iter().collect();
        let mut out = [0u8; 4];
        drain_le_bytes(&mut queue, 2, &mut out);
        assert_eq!(out, [0x02, 0x01, 0xFE, 0xFF]);
        assert!(queue.is_empty());
    }
}
