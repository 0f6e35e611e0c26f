//! A bounded reorder buffer keyed by extended RTP sequence number.
//!
//! Packets are released strictly in sequence order. A hole (a missing packet) holds the
//! packets behind it until either the missing one arrives or more than `hold` newer packets
//! have piled up; then the hole is skipped and the caller sees the gap in sequence numbers.
//! There is no clock: time passes as packets arrive, and [`ReorderBuffer::pop_any`]
//! releases everything when the caller decides the stream has gone quiet.

/// How many packets the ring can hold ahead of the next one to release (640 ms of 20 ms
/// packets; a longer hole is drained at once).
pub(crate) const CAPACITY: u64 = 32;

/// Payload room reserved in a slot on first use: Opus voice packets are 40–300 bytes, so
/// later packets fit without reallocating.
const PAYLOAD_RESERVE: usize = 512;

/// One buffered packet. The payload buffer is reused across packets.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    pub(crate) seq: u64,
    pub(crate) ts: u64,
    pub(crate) marker: bool,
    pub(crate) payload: Vec<u8>,
    filled: bool,
}

/// What became of an inserted packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Insert {
    /// Stored for release in order.
    Accepted,
    /// The same sequence number was already stored or released.
    Duplicate,
    /// Its place in the sequence was already skipped as lost.
    Late,
    /// Too far ahead of the next packet to release: drain the buffer, then insert again.
    TooFarAhead,
}

/// Orders packets by sequence number within a bounded window.
#[derive(Debug)]
pub(crate) struct ReorderBuffer {
    slots: Vec<Slot>,
    /// Lowest sequence number not yet released; `None` before the first packet.
    next: Option<u64>,
    highest: u64,
    buffered: usize,
    hold: u64,
    /// Bit `i` set: sequence number `next - 1 - i` was released (not skipped).
    released_mask: u64,
}

impl ReorderBuffer {
    /// A buffer that waits for at most `hold` newer packets before skipping a hole.
    pub(crate) fn new(hold: u16) -> Self {
        Self {
            slots: (0..CAPACITY).map(|_| Slot::default()).collect(),
            next: None,
            highest: 0,
            buffered: 0,
            hold: u64::from(hold).clamp(0, CAPACITY - 1),
            released_mask: 0,
        }
    }

    /// Stores a packet, copying its payload into a reused buffer.
    pub(crate) fn insert(&mut self, seq: u64, ts: u64, marker: bool, payload: &[u8]) -> Insert {
        let next = *self.next.get_or_insert(seq);
        if seq < next {
            let age = next - seq;
            return if age <= 64 && self.released_mask & (1 << (age - 1)) != 0 {
                Insert::Duplicate
            } else {
                Insert::Late
            };
        }
        if seq >= next + CAPACITY {
            return Insert::TooFarAhead;
        }
        let slot = &mut self.slots[(seq % CAPACITY) as usize];
        if slot.filled {
            return Insert::Duplicate;
        }
        slot.seq = seq;
        slot.ts = ts;
        slot.marker = marker;
        slot.payload.clear();
        slot.payload.reserve(payload.len().max(PAYLOAD_RESERVE));
        slot.payload.extend_from_slice(payload);
        slot.filled = true;
        self.buffered += 1;
        self.highest = self.highest.max(seq);
        Insert::Accepted
    }

    /// Releases the next packet in order if it is here, or skips a hole that has waited long
    /// enough. The caller swaps the payload out of the returned slot.
    pub(crate) fn pop(&mut self) -> Option<&mut Slot> {
        let next = self.next?;
        if self.buffered == 0 {
            return None;
        }
        if !self.slots[(next % CAPACITY) as usize].filled && self.highest - next <= self.hold {
            return None;
        }
        self.pop_any()
    }

    /// Releases the oldest buffered packet, skipping any hole before it.
    pub(crate) fn pop_any(&mut self) -> Option<&mut Slot> {
        let next = self.next?;
        if self.buffered == 0 {
            return None;
        }
        let seq = (next..next + CAPACITY).find(|s| self.slots[(s % CAPACITY) as usize].filled)?;
        let advance = seq + 1 - next;
        self.released_mask = if advance >= 64 {
            0
        } else {
            self.released_mask << advance
        } | 1;
        self.next = Some(seq + 1);
        self.buffered -= 1;
        let slot = &mut self.slots[(seq % CAPACITY) as usize];
        slot.filled = false;
        Some(slot)
    }

    /// Forgets the sequence position (after a drain), so the next packet starts afresh.
    pub(crate) fn resync(&mut self) {
        debug_assert_eq!(self.buffered, 0, "resync with packets still buffered");
        self.next = None;
        self.released_mask = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn released(buf: &mut ReorderBuffer) -> Vec<u64> {
        std::iter::from_fn(|| buf.pop().map(|s| s.seq)).collect()
    }

    #[test]
    fn in_order_packets_pass_straight_through() {
        let mut buf = ReorderBuffer::new(3);
        for seq in 10..15 {
            assert_eq!(buf.insert(seq, 0, false, b"x"), Insert::Accepted);
            assert_eq!(released(&mut buf), vec![seq]);
        }
    }

    #[test]
    fn a_swapped_pair_is_put_back_in_order() {
        let mut buf = ReorderBuffer::new(3);
        buf.insert(1, 0, false, b"a");
        assert_eq!(released(&mut buf), vec![1]);
        buf.insert(3, 0, false, b"c");
        assert_eq!(released(&mut buf), Vec::<u64>::new());
        buf.insert(2, 0, false, b"b");
        assert_eq!(released(&mut buf), vec![2, 3]);
    }

    #[test]
    fn a_hole_is_skipped_after_hold_packets_and_the_straggler_is_late() {
        let mut buf = ReorderBuffer::new(2);
        buf.insert(1, 0, false, b"a");
        released(&mut buf);
        buf.insert(3, 0, false, b"c");
        assert!(released(&mut buf).is_empty());
        buf.insert(4, 0, false, b"d");
        assert!(
            released(&mut buf).is_empty(),
            "two newer packets: still waiting"
        );
        buf.insert(5, 0, false, b"e");
        assert_eq!(released(&mut buf), vec![3, 4, 5]);
        assert_eq!(buf.insert(2, 0, false, b"b"), Insert::Late);
        assert_eq!(buf.insert(4, 0, false, b"d"), Insert::Duplicate);
    }

    #[test]
    fn duplicates_are_recognised_while_buffered_and_after_release() {
        let mut buf = ReorderBuffer::new(3);
        buf.insert(5, 0, false, b"a");
        buf.insert(7, 0, false, b"c");
        assert_eq!(buf.insert(7, 0, false, b"c"), Insert::Duplicate);
        released(&mut buf);
        assert_eq!(buf.insert(5, 0, false, b"a"), Insert::Duplicate);
    }

    #[test]
    fn far_jumps_ask_for_a_drain() {
        let mut buf = ReorderBuffer::new(3);
        buf.insert(1, 0, false, b"a");
        buf.insert(3, 0, false, b"c");
        assert_eq!(
            buf.insert(1 + CAPACITY, 0, false, b"z"),
            Insert::TooFarAhead
        );
        assert_eq!(buf.pop_any().map(|s| s.seq), Some(1));
        assert_eq!(buf.pop_any().map(|s| s.seq), Some(3));
        buf.resync();
        assert_eq!(buf.insert(1 + CAPACITY, 0, false, b"z"), Insert::Accepted);
    }
}
