//! Draining: after SIGTERM (or Ctrl-C) a server stops taking new calls and interviews, says so
//! on `/readyz`, and lets running calls go on until they end or the drain timeout passes.

use std::sync::atomic::{AtomicU64, Ordering};

/// Whether the server is draining, and since when.
#[derive(Debug, Default)]
pub struct Drain {
    /// Unix ms the drain began; 0 while serving.
    since_ms: AtomicU64,
}

impl Drain {
    /// Begins draining at `now_ms`; false if it had begun already.
    pub fn begin(&self, now_ms: u64) -> bool {
        self.since_ms
            .compare_exchange(0, now_ms.max(1), Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    /// Whether it is draining.
    pub fn is_draining(&self) -> bool {
        self.since_ms.load(Ordering::SeqCst) != 0
    }

    /// When the drain began, Unix ms.
    pub fn since_ms(&self) -> Option<u64> {
        Some(self.since_ms.load(Ordering::SeqCst)).filter(|ms| *ms != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::Drain;

    #[test]
    fn a_drain_begins_once() {
        let drain = Drain::default();
        assert!(!drain.is_draining());
        assert!(drain.begin(10));
        assert!(!drain.begin(20));
        assert!(drain.is_draining());
        assert_eq!(drain.since_ms(), Some(10));
    }
}
