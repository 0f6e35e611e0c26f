//! The registry of live calls, with admission control.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::Control;

/// How to reach a live call.
#[derive(Debug, Clone)]
pub struct CallHandle {
    /// The client secret that opened it (who may hang it up).
    pub secret_id: String,
    /// Its organization (whose API keys may act on it).
    pub org_id: String,
    /// The interview it belongs to, if its secret was bound to one.
    pub interview_id: Option<String>,
    /// Control messages to the call's actor.
    pub control: mpsc::Sender<Control>,
}

/// Too many calls: try again later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many calls")]
pub struct Full;

#[derive(Debug, Default)]
struct Inner {
    calls: HashMap<String, CallHandle>,
    /// Slots taken: live calls plus calls being set up.
    taken: usize,
}

/// Live calls, bounded by a maximum.
#[derive(Debug)]
pub struct CallRegistry {
    inner: Mutex<Inner>,
    max: usize,
}

/// A reserved place for one call; frees itself (and unregisters the call) when dropped.
#[derive(Debug)]
pub struct Slot {
    registry: Arc<CallRegistry>,
    call_id: Option<String>,
}

impl CallRegistry {
    /// A registry admitting at most `max` calls at once.
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::default(),
            max,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reserves a place for a call being set up.
    pub fn reserve(self: &Arc<Self>) -> Result<Slot, Full> {
        let mut inner = self.lock();
        if inner.taken >= self.max {
            return Err(Full);
        }
        inner.taken += 1;
        Ok(Slot {
            registry: self.clone(),
            call_id: None,
        })
    }

    /// The live call `call_id`, if any.
    pub fn get(&self, call_id: &str) -> Option<CallHandle> {
        self.lock().calls.get(call_id).cloned()
    }

    /// Calls live or being set up.
    pub fn len(&self) -> usize {
        self.lock().taken
    }

    /// Whether no call is live or being set up.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ids of the live calls.
    pub fn ids(&self) -> Vec<String> {
        self.lock().calls.keys().cloned().collect()
    }
}

impl Slot {
    /// Registers the call that now occupies this slot.
    pub fn register(&mut self, call_id: &str, handle: CallHandle) {
        self.registry
            .lock()
            .calls
            .insert(call_id.to_owned(), handle);
        self.call_id = Some(call_id.to_owned());
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut inner = self.registry.lock();
        inner.taken -= 1;
        if let Some(id) = &self.call_id {
            inner.calls.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_and_freed_on_drop() {
        let registry = CallRegistry::new(2);
        let mut a = registry.reserve().unwrap();
        let b = registry.reserve().unwrap();
        assert_eq!(registry.reserve().unwrap_err(), Full);
        let (control, _rx) = mpsc::channel(1);
        a.register(
            "rtc_a",
            CallHandle {
                secret_id: "cs".into(),
                org_id: "org_a".into(),
                interview_id: None,
                control,
            },
        );
        assert!(registry.get("rtc_a").is_some());
        drop(a);
        assert!(registry.get("rtc_a").is_none());
        assert_eq!(registry.len(), 1);
        drop(b);
        assert!(registry.is_empty());
    }
}
