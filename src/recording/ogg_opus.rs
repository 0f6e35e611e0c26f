//! Ogg Opus files (RFC 7845) from Opus packets as received: no decode, no re-encode. The
//! `ogg` crate does the paging; this writes the two header packets, a granule position for
//! every page and fills gaps in the packet timeline with encoded silence, so players and
//! seek bars see the real duration.

use std::sync::OnceLock;

use ogg::writing::{PacketWriteEndInfo, PacketWriter};

/// Granule positions count samples at 48 kHz, whatever the input rate (RFC 7845 §4).
pub const GRANULE_RATE: u64 = 48_000;

/// Audio per page before it is closed: about a second, so a file being written is readable
/// up to the last second and a player seeks page by page (RFC 7845 §6 suggests ≤ 1 s).
const TICKS_PER_PAGE: u64 = GRANULE_RATE;

/// Silent Opus packets of 20, 10, 5 and 2.5 ms, to fill gaps in the timeline.
const SILENCE_TICKS: [u32; 4] = [960, 480, 240, 120];

/// An Ogg Opus stream written into memory: take its bytes as pages complete
/// ([`OggOpusWriter::take_bytes`]) or all at once at the end ([`OggOpusWriter::finish`]).
pub struct OggOpusWriter {
    pages: PacketWriter<'static, Vec<u8>>,
    serial: u32,
    pre_skip: u16,
    /// Samples (48 kHz) written so far, pre-skip included: the next packet's granule start.
    granule: u64,
    /// Granule position at which the current page was started.
    page_started_at: u64,
    /// The newest packet, held back so the last one can end the stream.
    held: Option<(Vec<u8>, u64)>,
}

impl std::fmt::Debug for OggOpusWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OggOpusWriter")
            .field("serial", &self.serial)
            .field("granule", &self.granule)
            .finish_non_exhaustive()
    }
}

impl OggOpusWriter {
    /// Starts a mono stream whose first `pre_skip` samples (48 kHz) are decoder warm-up, not
    /// to be played. `serial` tells this stream from others in a chained file.
    pub fn new(serial: u32, pre_skip: u16) -> Self {
        let mut pages = PacketWriter::new(Vec::with_capacity(4096));
        write(
            &mut pages,
            opus_head(pre_skip),
            serial,
            PacketWriteEndInfo::EndPage,
            0,
        );
        write(
            &mut pages,
            opus_tags(),
            serial,
            PacketWriteEndInfo::EndPage,
            0,
        );
        Self {
            pages,
            serial,
            pre_skip,
            granule: 0,
            page_started_at: 0,
            held: None,
        }
    }

    /// Appends one packet that plays for `duration_ticks` (48 kHz).
    pub fn push(&mut self, packet: &[u8], duration_ticks: u32) {
        self.release_held(PacketWriteEndInfo::NormalPacket);
        self.granule += u64::from(duration_ticks);
        self.held = Some((packet.to_vec(), self.granule));
    }

    /// Appends `ticks` (48 kHz) of silence, rounded down to whole 2.5 ms frames.
    pub fn push_silence(&mut self, mut ticks: u64) {
        let silence = silence_packets();
        for (frame, packet) in SILENCE_TICKS.iter().zip(silence) {
            while ticks >= u64::from(*frame) {
                self.push(packet, *frame);
                ticks -= u64::from(*frame);
            }
        }
    }

    /// Playable audio so far (pre-skip excluded), in ticks of 48 kHz.
    pub fn duration_ticks(&self) -> u64 {
        self.granule.saturating_sub(u64::from(self.pre_skip))
    }

    /// The bytes of the pages completed since the last call.
    pub fn take_bytes(&mut self) -> Vec<u8> {
        std::mem::take(self.pages.inner_mut())
    }

    /// Ends the stream (its last page marked as such) and returns the bytes not yet taken.
    pub fn finish(mut self) -> Vec<u8> {
        if self.held.is_some() {
            self.release_held(PacketWriteEndInfo::EndStream);
        } else {
            // No audio at all: an empty stream still ends with an end-of-stream page.
            let granule = self.granule;
            write(
                &mut self.pages,
                Vec::new(),
                self.serial,
                PacketWriteEndInfo::EndStream,
                granule,
            );
        }
        self.pages.into_inner()
    }

    fn release_held(&mut self, end: PacketWriteEndInfo) {
        let Some((packet, granule)) = self.held.take() else {
            return;
        };
        let end = if end == PacketWriteEndInfo::NormalPacket
            && granule - self.page_started_at >= TICKS_PER_PAGE
        {
            PacketWriteEndInfo::EndPage
        } else {
            end
        };
        if end != PacketWriteEndInfo::NormalPacket {
            self.page_started_at = granule;
        }
        write(&mut self.pages, packet, self.serial, end, granule);
    }
}

/// Writing into a `Vec` cannot fail.
fn write(
    pages: &mut PacketWriter<'static, Vec<u8>>,
    packet: Vec<u8>,
    serial: u32,
    end: PacketWriteEndInfo,
    granule: u64,
) {
    pages
        .write_packet(packet, serial, end, granule)
        .expect("writing Ogg pages into memory");
}

/// The identification header (RFC 7845 §5.1): version 1, mono, pre-skip, input rate 48 kHz
/// (informational), no gain, mapping family 0.
fn opus_head(pre_skip: u16) -> Vec<u8> {
    let mut head = Vec::with_capacity(19);
    head.extend_from_slice(b"OpusHead");
    head.push(1);
    head.push(1);
    head.extend_from_slice(&pre_skip.to_le_bytes());
    head.extend_from_slice(&48_000u32.to_le_bytes());
    head.extend_from_slice(&0i16.to_le_bytes());
    head.push(0);
    head
}

/// The comment header (RFC 7845 §5.2): vendor string, no comments.
fn opus_tags() -> Vec<u8> {
    let vendor = concat!("viva ", env!("CARGO_PKG_VERSION"));
    let mut tags = Vec::with_capacity(16 + vendor.len());
    tags.extend_from_slice(b"OpusTags");
    tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    tags.extend_from_slice(vendor.as_bytes());
    tags.extend_from_slice(&0u32.to_le_bytes());
    tags
}

/// Silent packets of each [`SILENCE_TICKS`] length, encoded once by libopus (CELT, which
/// takes every frame size down to 2.5 ms).
fn silence_packets() -> &'static [Vec<u8>; 4] {
    static PACKETS: OnceLock<[Vec<u8>; 4]> = OnceLock::new();
    PACKETS.get_or_init(|| {
        SILENCE_TICKS.map(|ticks| {
            let mut encoder =
                opus::Encoder::new(48_000, opus::Channels::Mono, opus::Application::LowDelay)
                    .expect("an Opus encoder at 48 kHz");
            encoder
                .encode_vec(&vec![0i16; ticks as usize], 1_276)
                .expect("encoding silence")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every packet of an Ogg stream with the granule position of its page.
    fn packets(file: &[u8]) -> Vec<(Vec<u8>, u64, bool)> {
        let mut reader = ogg::reading::PacketReader::new(std::io::Cursor::new(file));
        let mut out = Vec::new();
        while let Some(packet) = reader.read_packet().expect("a valid Ogg stream") {
            out.push((
                packet.data.clone(),
                packet.absgp_page(),
                packet.last_in_stream(),
            ));
        }
        out
    }

    #[test]
    fn headers_then_packets_with_granules_and_an_end() {
        let mut writer = OggOpusWriter::new(7, 960);
        for i in 0..3u8 {
            writer.push(&[0x78, i], 960);
        }
        assert_eq!(writer.duration_ticks(), 2 * 960);
        let file = writer.finish();
        let packets = packets(&file);
        assert_eq!(packets.len(), 5);
        assert!(packets[0].0.starts_with(b"OpusHead"));
        assert_eq!(
            u16::from_le_bytes([packets[0].0[10], packets[0].0[11]]),
            960
        );
        assert!(packets[1].0.starts_with(b"OpusTags"));
        assert_eq!(packets[4].0, vec![0x78, 2]);
        assert_eq!(packets[4].1, 3 * 960, "the last page ends at the total");
        assert!(packets[4].2, "the last packet ends the stream");
    }

    #[test]
    fn silence_fills_whole_frames_and_decodes_to_silence() {
        let mut writer = OggOpusWriter::new(1, 0);
        writer.push_silence(960 + 480 + 120 + 50);
        assert_eq!(writer.duration_ticks(), 960 + 480 + 120);
        let file = writer.finish();
        let mut decoder = opus::Decoder::new(48_000, opus::Channels::Mono).unwrap();
        let mut pcm = vec![0i16; 5_760];
        let mut total = 0;
        for (packet, _, _) in &packets(&file)[2..] {
            let n = decoder.decode(packet, &mut pcm, false).unwrap();
            assert!(
                pcm[..n].iter().all(|s| s.abs() < 8),
                "silence decodes quiet"
            );
            total += n;
        }
        assert_eq!(total, 960 + 480 + 120);
    }

    #[test]
    fn long_streams_are_paged_about_every_second() {
        let mut writer = OggOpusWriter::new(1, 0);
        for _ in 0..150 {
            writer.push(&[0x78; 60], 960);
        }
        let pages_before_end = writer.take_bytes();
        let count = pages_before_end.windows(4).filter(|w| w == b"OggS").count();
        assert!(
            count >= 2 + 2,
            "headers and at least two audio pages, got {count}"
        );
    }
}
