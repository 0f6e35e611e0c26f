//! Reading 16-bit PCM WAV from memory: espeak-ng's speech and test clips. Tolerates the
//! streaming headers espeak-ng writes to stdout (chunk sizes of 0x7ffff000 that overrun the
//! data actually there).

/// A decoded WAV clip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wav {
    /// Sample rate in Hz.
    pub rate: u32,
    /// Channels, interleaved in `samples`.
    pub channels: u16,
    /// The samples.
    pub samples: Vec<i16>,
}

/// Why bytes are not a WAV this reader can take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WavError {
    /// Not RIFF/WAVE, or a chunk runs past the end before the data.
    #[error("not a WAV file")]
    NotWav,
    /// Not 16-bit integer PCM.
    #[error("unsupported WAV encoding (format {format}, {bits} bits); need 16-bit PCM")]
    Unsupported {
        /// The format tag (1 is PCM).
        format: u16,
        /// Bits per sample.
        bits: u16,
    },
}

/// Parses a 16-bit PCM WAV.
pub fn parse_wav(bytes: &[u8]) -> Result<Wav, WavError> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotWav);
    }
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    let u32_at =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let mut at = 12;
    let mut format = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32_at(at + 4) as usize;
        let body = at + 8;
        if id == b"fmt " {
            if body + 16 > bytes.len() {
                return Err(WavError::NotWav);
            }
            let (tag, channels, rate, bits) = (
                u16_at(body),
                u16_at(body + 2),
                u32_at(body + 4),
                u16_at(body + 14),
            );
            if tag != 1 || bits != 16 || channels == 0 {
                return Err(WavError::Unsupported { format: tag, bits });
            }
            format = Some((rate, channels));
        } else if id == b"data" {
            let (rate, channels) = format.ok_or(WavError::NotWav)?;
            let end = body.saturating_add(size).min(bytes.len());
            let samples = bytes[body..end]
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect();
            return Ok(Wav {
                rate,
                channels,
                samples,
            });
        }
        at = body
            .checked_add(size + (size & 1))
            .ok_or(WavError::NotWav)?;
    }
    Err(WavError::NotWav)
}

/// Writes mono 16-bit PCM as a WAV file image.
pub fn write_wav(rate: u32, samples: &[i16]) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_streaming_sizes() {
        let samples = vec![1i16, -2, 3, i16::MAX];
        let mut bytes = write_wav(22_050, &samples);
        assert_eq!(
            parse_wav(&bytes).unwrap(),
            Wav {
                rate: 22_050,
                channels: 1,
                samples: samples.clone()
            }
        );
        // espeak-ng --stdout: RIFF and data sizes of 0x7ffff0xx.
        bytes[4..8].copy_from_slice(&0x7fff_f024u32.to_le_bytes());
        bytes[40..44].copy_from_slice(&0x7fff_f000u32.to_le_bytes());
        assert_eq!(parse_wav(&bytes).unwrap().samples, samples);
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        assert_eq!(parse_wav(b"hello"), Err(WavError::NotWav));
        let mut bytes = write_wav(8_000, &[0; 4]);
        bytes[34] = 8; // 8-bit
        assert!(matches!(
            parse_wav(&bytes),
            Err(WavError::Unsupported { bits: 8, .. })
        ));
        assert_eq!(
            parse_wav(&write_wav(8_000, &[0; 4])[..30]),
            Err(WavError::NotWav)
        );
    }
}
