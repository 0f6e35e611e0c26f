//! Errors of the audio path: configuration problems found at construction, and codec failures.

/// An error building or running an audio pipeline.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// A sample rate outside what the pipeline supports (8 kHz to 48 kHz).
    #[error("unsupported sample rate {0} Hz (supported: 8000 to 48000)")]
    UnsupportedRate(u32),
    /// A duration that is not a whole number of samples at the rate, or out of range.
    #[error("{ms} ms is not a usable duration at {rate} Hz")]
    BadDuration {
        /// The duration asked for.
        ms: u32,
        /// The sample rate it applies to.
        rate: u32,
    },
    /// An Opus encoder or decoder setting or call failed.
    #[error("opus: {0}")]
    Opus(#[from] opus::Error),
    /// The resampler could not be built.
    #[error("resampler setup: {0}")]
    ResamplerSetup(#[from] rubato::ResamplerConstructionError),
    /// The resampler refused a chunk (a bug: chunk sizes are fixed at construction).
    #[error("resampler: {0}")]
    Resample(#[from] rubato::ResampleError),
    /// A resampler buffer had the wrong size (a bug: buffers are sized at construction).
    #[error("resampler buffer: {0}")]
    ResamplerBuffer(#[from] audioadapter_buffers::SizeError),
}

/// Checks that `rate` is one the pipeline can work at.
pub(crate) fn check_rate(rate: u32) -> Result<u32, AudioError> {
    if (8_000..=48_000).contains(&rate) {
        Ok(rate)
    } else {
        Err(AudioError::UnsupportedRate(rate))
    }
}
