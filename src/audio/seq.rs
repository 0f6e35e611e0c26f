//! Extension of wrapping RTP counters (16-bit sequence numbers, 32-bit timestamps) to 64 bits.

/// Extends a wrapping counter of `BITS` bits to a monotonic 64-bit value.
///
/// Values within half the counter's range of the highest value seen are placed next to it,
/// so wrap-around in either direction and reordering both come out right. The first value
/// is offset by one full range so that slightly older values never underflow.
#[derive(Debug, Clone, Default)]
pub(crate) struct Unwrapper<const BITS: u32> {
    highest: Option<u64>,
}

/// Extends 16-bit RTP sequence numbers.
pub(crate) type SeqUnwrapper = Unwrapper<16>;
/// Extends 32-bit RTP timestamps.
pub(crate) type TsUnwrapper = Unwrapper<32>;

impl<const BITS: u32> Unwrapper<BITS> {
    const RANGE: u64 = 1 << BITS;
    const HALF: i64 = 1 << (BITS - 1);

    /// Returns the 64-bit extension of `value` (only its low `BITS` bits are read).
    pub(crate) fn extend(&mut self, value: u64) -> u64 {
        let value = value & (Self::RANGE - 1);
        let Some(highest) = self.highest else {
            let extended = value + Self::RANGE;
            self.highest = Some(extended);
            return extended;
        };
        let mut diff = (value.wrapping_sub(highest) & (Self::RANGE - 1)) as i64;
        if diff >= Self::HALF {
            diff -= Self::RANGE as i64;
        }
        // `highest >= RANGE` and `diff >= -HALF`, so this never goes below zero.
        let extended = highest.wrapping_add_signed(diff);
        if extended > highest {
            self.highest = Some(extended);
        }
        extended
    }

    /// Forgets the history: the next value starts a new stream.
    pub(crate) fn reset(&mut self) {
        self.highest = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_wrap_forward_and_tolerate_reordering() {
        let mut seq = SeqUnwrapper::default();
        let a = seq.extend(65_534);
        assert_eq!(seq.extend(65_535), a + 1);
        assert_eq!(seq.extend(1), a + 3);
        assert_eq!(seq.extend(0), a + 2, "late packet from before the wrap");
        assert_eq!(seq.extend(2), a + 4);
    }

    #[test]
    fn values_before_the_first_do_not_underflow() {
        let mut seq = SeqUnwrapper::default();
        let first = seq.extend(0);
        assert_eq!(seq.extend(65_535), first - 1);
        assert_eq!(seq.extend(1), first + 1);
    }

    #[test]
    fn timestamps_wrap() {
        let mut ts = TsUnwrapper::default();
        let a = ts.extend(u32::MAX as u64 - 959);
        assert_eq!(ts.extend(0), a + 960);
        assert_eq!(ts.extend(960), a + 1920);
    }
}
