//! An in-memory [`CallStore`]: for tests and until the SQLite store lands.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{CallRecord, CallStore, StoreError, TranscriptItem};

/// Keeps calls in a map; lost on restart.
#[derive(Debug, Default)]
pub struct MemoryStore {
    calls: Mutex<HashMap<String, CallRecord>>,
}

impl MemoryStore {
    fn with_call<T>(
        &self,
        call_id: &str,
        f: impl FnOnce(&mut CallRecord) -> T,
    ) -> Result<T, StoreError> {
        let mut calls = self
            .calls
            .lock()
            .map_err(|_| StoreError("poisoned lock".into()))?;
        let call = calls
            .get_mut(call_id)
            .ok_or_else(|| StoreError(format!("unknown call {call_id}")))?;
        Ok(f(call))
    }
}

#[async_trait]
impl CallStore for MemoryStore {
    async fn call_started(
        &self,
        call_id: &str,
        secret_id: &str,
        interview_id: Option<&str>,
        at_ms: u64,
    ) -> Result<(), StoreError> {
        let record = CallRecord {
            call_id: call_id.into(),
            secret_id: secret_id.into(),
            interview_id: interview_id.map(str::to_owned),
            started_at_ms: at_ms,
            ended_at_ms: None,
            end_reason: None,
            items: Vec::new(),
        };
        self.calls
            .lock()
            .map_err(|_| StoreError("poisoned lock".into()))?
            .insert(call_id.into(), record);
        Ok(())
    }

    async fn call_ended(&self, call_id: &str, reason: &str, at_ms: u64) -> Result<(), StoreError> {
        self.with_call(call_id, |call| {
            call.ended_at_ms = Some(at_ms);
            call.end_reason = Some(reason.into());
        })
    }

    async fn upsert_item(&self, call_id: &str, item: TranscriptItem) -> Result<(), StoreError> {
        self.with_call(call_id, |call| {
            match call.items.iter_mut().find(|i| i.item_id == item.item_id) {
                Some(existing) => {
                    existing.text = item.text.or(existing.text.take());
                    existing.audio_ms = item.audio_ms.or(existing.audio_ms);
                    existing.truncated_at_ms = item.truncated_at_ms.or(existing.truncated_at_ms);
                }
                None => call.items.push(item),
            }
        })
    }

    async fn call(&self, call_id: &str) -> Result<Option<CallRecord>, StoreError> {
        Ok(self
            .calls
            .lock()
            .map_err(|_| StoreError("poisoned lock".into()))?
            .get(call_id)
            .cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Role;

    #[tokio::test]
    async fn items_are_added_then_completed_in_place() {
        let store = MemoryStore::default();
        store.call_started("rtc_1", "cs_1", None, 10).await.unwrap();
        let item = |text: Option<&str>, audio_ms| TranscriptItem {
            item_id: "item_1".into(),
            role: Role::User,
            text: text.map(str::to_owned),
            audio_ms,
            truncated_at_ms: None,
            at_ms: 11,
        };
        store
            .upsert_item("rtc_1", item(None, Some(1_200)))
            .await
            .unwrap();
        store
            .upsert_item("rtc_1", item(Some("hello"), None))
            .await
            .unwrap();
        store.call_ended("rtc_1", "hangup", 20).await.unwrap();
        let call = store.call("rtc_1").await.unwrap().unwrap();
        assert_eq!(call.items.len(), 1);
        assert_eq!(call.items[0].text.as_deref(), Some("hello"));
        assert_eq!(call.items[0].audio_ms, Some(1_200));
        assert_eq!(call.end_reason.as_deref(), Some("hangup"));
        assert!(store.upsert_item("rtc_2", item(None, None)).await.is_err());
    }
}
