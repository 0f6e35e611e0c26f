//! Fixed-ratio streaming resampling of mono pcm16 with rubato's FFT resampler.
//!
//! Used only where libopus cannot produce or consume the rate itself (22.05 or 44.1 kHz, for
//! example). Chunks are fixed, buffers are allocated once, and the resampler's constant delay
//! is trimmed from the start so that output sample `n` lines up with input sample `n`.

use std::collections::VecDeque;

use audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

use super::AudioError;
use super::pcm::{f32_to_i16, i16_to_f32};

/// Resamples a whole mono clip from `from` Hz to `to` Hz (same duration, rubato FFT).
pub fn resample_clip(samples: &[i16], from: u32, to: u32) -> Result<Vec<i16>, AudioError> {
    if from == to {
        return Ok(samples.to_vec());
    }
    let mut resampler = StreamResampler::new(from, to)?;
    let mut out = VecDeque::with_capacity(samples.len() * to as usize / from as usize + 1);
    resampler.push(samples, &mut out)?;
    resampler.flush(&mut out)?;
    Ok(out.into())
}

/// A mono streaming resampler between two fixed rates.
pub(crate) struct StreamResampler {
    inner: Fft<f32>,
    input: Vec<f32>,
    filled: usize,
    output: Vec<f32>,
    /// Output samples still to discard: the resampler's constant delay.
    trim: usize,
    delay: usize,
    in_rate: u32,
    out_rate: u32,
    consumed: u64,
    produced: u64,
}

impl std::fmt::Debug for StreamResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamResampler")
            .field("in_rate", &self.in_rate)
            .field("out_rate", &self.out_rate)
            .field("delay", &self.delay)
            .finish_non_exhaustive()
    }
}

impl StreamResampler {
    /// A resampler from `in_rate` to `out_rate` working in chunks of about 20 ms.
    pub(crate) fn new(in_rate: u32, out_rate: u32) -> Result<Self, AudioError> {
        let chunk = (in_rate / 50) as usize;
        let inner = Fft::<f32>::new(
            in_rate as usize,
            out_rate as usize,
            chunk,
            1,
            FixedSync::Both,
        )?;
        let delay = inner.output_delay();
        Ok(Self {
            input: vec![0.0; inner.input_frames_next()],
            output: vec![0.0; inner.output_frames_max()],
            filled: 0,
            trim: delay,
            delay,
            inner,
            in_rate,
            out_rate,
            consumed: 0,
            produced: 0,
        })
    }

    /// The constant delay of the underlying resampler, in output samples. It is trimmed from
    /// the stream's start; it is also how far output lags input until [`Self::flush`].
    pub(crate) fn delay(&self) -> usize {
        self.delay
    }

    /// Resamples `samples`, appending whatever output is ready to `out`.
    pub(crate) fn push(
        &mut self,
        mut samples: &[i16],
        out: &mut VecDeque<i16>,
    ) -> Result<(), AudioError> {
        self.consumed += samples.len() as u64;
        while !samples.is_empty() {
            let take = (self.input.len() - self.filled).min(samples.len());
            for (dst, &src) in self.input[self.filled..self.filled + take]
                .iter_mut()
                .zip(samples)
            {
                *dst = i16_to_f32(src);
            }
            self.filled += take;
            samples = &samples[take..];
            if self.filled == self.input.len() {
                self.process_chunk(out, u64::MAX)?;
            }
        }
        Ok(())
    }

    /// Pushes silence through until every input sample so far has its output, then resets for a
    /// new stream. Output never runs past the exact resampled length of the input.
    pub(crate) fn flush(&mut self, out: &mut VecDeque<i16>) -> Result<(), AudioError> {
        let expected = self.consumed * u64::from(self.out_rate) / u64::from(self.in_rate);
        while self.produced < expected {
            self.input[self.filled..].fill(0.0);
            self.filled = self.input.len();
            self.process_chunk(out, expected)?;
        }
        self.reset();
        Ok(())
    }

    /// Drops all state, as if newly built.
    pub(crate) fn reset(&mut self) {
        self.inner.reset();
        self.filled = 0;
        self.trim = self.delay;
        self.consumed = 0;
        self.produced = 0;
    }

    fn process_chunk(&mut self, out: &mut VecDeque<i16>, limit: u64) -> Result<(), AudioError> {
        let frames_in = self.input.len();
        let frames_out = self.output.len();
        let input = InterleavedSlice::new(&self.input[..], 1, frames_in)?;
        let mut output = InterleavedSlice::new_mut(&mut self.output[..], 1, frames_out)?;
        let (_, written) = self.inner.process_into_buffer(&input, &mut output, None)?;
        self.filled = 0;
        let skip = self.trim.min(written);
        self.trim -= skip;
        let room = usize::try_from(limit.saturating_sub(self.produced)).unwrap_or(usize::MAX);
        let ready = &self.output[skip..written];
        let ready = &ready[..ready.len().min(room)];
        self.produced += ready.len() as u64;
        out.extend(ready.iter().map(|&s| f32_to_i16(s)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f32, len: usize) -> Vec<i16> {
        (0..len)
            .map(|n| {
                f32_to_i16(0.5 * (std::f32::consts::TAU * freq * n as f32 / rate as f32).sin())
            })
            .collect()
    }

    #[test]
    fn output_length_matches_the_ratio_after_flush() {
        for (from, to) in [
            (48_000, 22_050),
            (22_050, 48_000),
            (48_000, 44_100),
            (44_100, 24_000),
        ] {
            let mut rs = StreamResampler::new(from, to).unwrap();
            let mut out = VecDeque::new();
            let input = sine(from, 440.0, from as usize / 2 + 17);
            for piece in input.chunks(333) {
                rs.push(piece, &mut out).unwrap();
            }
            rs.flush(&mut out).unwrap();
            let expected = input.len() as u64 * u64::from(to) / u64::from(from);
            assert_eq!(out.len() as u64, expected, "{from} -> {to}");
        }
    }

    #[test]
    fn a_tone_keeps_its_phase_once_the_delay_is_trimmed() {
        let mut rs = StreamResampler::new(48_000, 22_050).unwrap();
        let mut out = VecDeque::new();
        rs.push(&sine(48_000, 300.0, 48_000), &mut out).unwrap();
        rs.flush(&mut out).unwrap();
        let out: Vec<i16> = out.into_iter().collect();
        let reference = sine(22_050, 300.0, out.len());
        // Skip the edges, where the FFT window ramps. A wrong trim shows as a shifted tone.
        let error_at = |lag: usize| -> i32 {
            (2_000..17_000)
                .map(|n| (i32::from(out[n + lag - 2]) - i32::from(reference[n])).abs())
                .max()
                .unwrap()
        };
        let errors: Vec<i32> = (0..5).map(error_at).collect();
        let best = (0..5).min_by_key(|&lag| errors[lag]).unwrap();
        assert_eq!(
            best, 2,
            "output is aligned with input: errors by lag -2..=2 {errors:?}"
        );
        // rubato's delay is a whole number of samples; with an odd FFT size the true delay has
        // a half sample more, worth up to ~700 at this frequency and level.
        assert!(
            errors[2] < 800,
            "max error {} of 16384 amplitude",
            errors[2]
        );
    }
}
