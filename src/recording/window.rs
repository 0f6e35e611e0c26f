//! The candidate's recent packets, kept so that an answer can be cut out once the turn detector
//! has closed it (it closes after the silence that ends it, and reports a start that lies in
//! the past). Everything since the start of an open answer is kept; with none open, only a
//! short look-back, and never more than a bound.

use std::collections::VecDeque;

use bytes::Bytes;

use super::ogg_opus::{GRANULE_RATE, OggOpusWriter};

/// Audio kept while no answer is open: more than any turn detector reports back (prefix
/// padding, a late `speech_started` from a remote model).
const LOOKBACK_TICKS: u64 = 10 * GRANULE_RATE;

/// The longest answer kept whole (about 3 MB of Opus at 40 kb/s); an answer longer than this
/// keeps its last ten minutes.
const MAX_KEPT_TICKS: u64 = 10 * 60 * GRANULE_RATE;

/// One packet on the call's audio timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedPacket {
    /// Where it starts, in 48 kHz ticks since the call's first audio.
    pub start_ticks: u64,
    /// How long it plays, in 48 kHz ticks.
    pub duration_ticks: u32,
    /// The Opus packet.
    pub payload: Bytes,
}

impl TimedPacket {
    fn end_ticks(&self) -> u64 {
        self.start_ticks + u64::from(self.duration_ticks)
    }
}

/// An answer cut out of the stream: a whole Ogg Opus file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    /// The file.
    pub ogg: Vec<u8>,
    /// Its playable duration in ms.
    pub duration_ms: u64,
    /// Part of the answer had already been let go (it was longer than the bound).
    pub truncated: bool,
}

/// Recent packets, oldest first.
#[derive(Debug, Default)]
pub struct PacketWindow {
    packets: VecDeque<TimedPacket>,
    /// Starts (ticks) of answers begun and not yet cut.
    open: Vec<(String, u64)>,
    /// The end of the newest packet let go.
    dropped_until: u64,
}

impl PacketWindow {
    /// Adds the newest packet and lets go of what no answer can still need.
    pub fn push(&mut self, packet: TimedPacket) {
        let now = packet.end_ticks();
        self.packets.push_back(packet);
        let keep_from = self
            .open
            .iter()
            .map(|(_, start)| *start)
            .min()
            .map_or(now.saturating_sub(LOOKBACK_TICKS), |start| {
                start.min(now.saturating_sub(LOOKBACK_TICKS))
            })
            .max(now.saturating_sub(MAX_KEPT_TICKS));
        while self
            .packets
            .front()
            .is_some_and(|p| p.end_ticks() <= keep_from)
        {
            if let Some(dropped) = self.packets.pop_front() {
                self.dropped_until = dropped.end_ticks();
            }
        }
    }

    /// An answer began at `start_ms` on the call's timeline: keep everything from there.
    pub fn answer_started(&mut self, item_id: &str, start_ms: u64) {
        self.open.retain(|(id, _)| id != item_id);
        self.open.push((item_id.to_owned(), ticks(start_ms)));
    }

    /// Cuts the answer `item_id` from `start_ms` to `end_ms` out as an Ogg Opus file, gaps
    /// filled with silence, the packet just before the start kept as decoder warm-up
    /// (pre-skip). `None` when none of it is kept.
    pub fn cut(&mut self, item_id: &str, start_ms: u64, end_ms: u64, serial: u32) -> Option<Cut> {
        self.open.retain(|(id, _)| id != item_id);
        let (start, end) = (ticks(start_ms), ticks(end_ms));
        let inside = |p: &&TimedPacket| p.start_ticks < end && p.end_ticks() > start;
        let first = self.packets.iter().find(inside)?;
        let truncated = self.dropped_until > start;
        let warm_up = self
            .packets
            .iter()
            .rev()
            .find(|p| p.end_ticks() <= first.start_ticks)
            .filter(|p| p.end_ticks() == first.start_ticks);
        let pre_skip = warm_up.map_or(0, |p| u16::try_from(p.duration_ticks).unwrap_or(0));
        let mut writer = OggOpusWriter::new(serial, pre_skip);
        if let Some(warm_up) = warm_up.filter(|_| pre_skip > 0) {
            writer.push(&warm_up.payload, warm_up.duration_ticks);
        }
        // An answer that began in a gap (DTX) begins with its silence.
        let mut next = if truncated { first.start_ticks } else { start };
        for packet in self.packets.iter().filter(inside) {
            if packet.start_ticks > next {
                writer.push_silence(packet.start_ticks - next);
            }
            writer.push(&packet.payload, packet.duration_ticks);
            next = packet.end_ticks();
        }
        if end > next {
            writer.push_silence(end - next);
        }
        let duration_ms = writer.duration_ticks() * 1000 / GRANULE_RATE;
        Some(Cut {
            ogg: writer.finish(),
            duration_ms,
            truncated,
        })
    }
}

/// Milliseconds as 48 kHz ticks.
fn ticks(ms: u64) -> u64 {
    ms * GRANULE_RATE / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(index: u64) -> TimedPacket {
        TimedPacket {
            start_ticks: index * 960,
            duration_ticks: 960,
            payload: Bytes::from(vec![0x78, index as u8]),
        }
    }

    /// The audio packets of a cut (headers skipped), with the pre-skip.
    fn audio_of(cut: &Cut) -> (u16, Vec<Vec<u8>>) {
        let mut reader = ogg::reading::PacketReader::new(std::io::Cursor::new(&cut.ogg));
        let head = reader.read_packet().unwrap().unwrap().data;
        let _tags = reader.read_packet().unwrap().unwrap();
        let mut packets = Vec::new();
        while let Some(p) = reader.read_packet().unwrap() {
            packets.push(p.data);
        }
        (u16::from_le_bytes([head[10], head[11]]), packets)
    }

    #[test]
    fn an_answer_is_its_packets_with_one_before_it_to_warm_up() {
        let mut window = PacketWindow::default();
        for i in 0..100 {
            window.push(packet(i));
        }
        // 400 ms to 1000 ms: packets 20..50.
        let cut = window.cut("item_1", 400, 1_000, 1).unwrap();
        assert_eq!(cut.duration_ms, 600);
        assert!(!cut.truncated);
        let (pre_skip, packets) = audio_of(&cut);
        assert_eq!(pre_skip, 960);
        assert_eq!(packets.len(), 31);
        assert_eq!(packets[0], vec![0x78, 19], "warm-up");
        assert_eq!(packets[1], vec![0x78, 20]);
        assert_eq!(packets[30], vec![0x78, 49]);
    }

    #[test]
    fn gaps_and_a_quiet_end_become_silence_so_the_duration_is_the_answers() {
        let mut window = PacketWindow::default();
        for i in (0..10).chain(20..30) {
            window.push(packet(i));
        }
        // Packets stop at 600 ms; the turn ended at 800 ms.
        let cut = window.cut("item_1", 0, 800, 1).unwrap();
        assert_eq!(cut.duration_ms, 800);
        let (pre_skip, packets) = audio_of(&cut);
        assert_eq!(pre_skip, 0, "nothing before the first packet");
        assert_eq!(packets.len(), 10 + 10 + 10 + 10);
    }

    #[test]
    fn an_open_answer_is_kept_beyond_the_look_back_and_others_are_not() {
        let mut window = PacketWindow::default();
        window.answer_started("long", 0);
        let twenty_seconds = 20 * 50;
        for i in 0..twenty_seconds {
            window.push(packet(i));
        }
        assert!(window.cut("early_closed", 100, 200, 1).is_some());
        let cut = window.cut("long", 0, 20_000, 1).unwrap();
        assert_eq!(cut.duration_ms, 20_000);
        assert!(!cut.truncated);
        // Nothing is open now: the next packets let the old ones go.
        window.push(packet(twenty_seconds));
        assert!(window.cut("old", 0, 1_000, 1).is_none());
        let cut = window.cut("old_but_kept", 9_000, 20_000, 1).unwrap();
        assert!(cut.truncated, "its start was let go");
    }

    #[test]
    fn nothing_kept_is_no_cut() {
        let mut window = PacketWindow::default();
        assert!(window.cut("item", 0, 1_000, 1).is_none());
        window.push(packet(100));
        assert!(window.cut("item", 0, 1_000, 1).is_none());
    }
}
