//! The one way to change an interview: each change is stored with the event that describes
//! it, in one transaction, then published on the bus. Facades and the native API call this
//! instead of writing to the store themselves.

use std::sync::Arc;

use super::{EventBus, EventKind, Interview, InterviewEvent};
use crate::clock::unix_ms;
use crate::store::{CallChanges, NewCall, Store, StoreError};

/// Changes interviews and tells subscribers.
#[derive(Clone)]
pub struct Interviews {
    store: Arc<dyn Store>,
    bus: EventBus,
}

impl Interviews {
    /// Changes go to `store`, their events to `bus`.
    pub fn new(store: Arc<dyn Store>, bus: EventBus) -> Self {
        Self { store, bus }
    }

    /// Every interview event from now on (those of calls too: they share the bus).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<InterviewEvent> {
        self.bus.subscribe()
    }

    /// Stores a new interview (`created`), taking one of its organization's credits
    /// (`StoreError::NoCredits` when none is left).
    pub async fn create(&self, interview: &Interview) -> Result<(), StoreError> {
        let event = InterviewEvent::of_interview(
            &interview.org_id,
            &interview.id,
            unix_ms(),
            EventKind::Created,
        );
        self.store.create_interview(interview, &event).await?;
        self.bus.publish(event);
        Ok(())
    }

    /// Saves an interview's status and progress (`updated`).
    pub async fn save(&self, interview: &Interview) -> Result<(), StoreError> {
        let kind = EventKind::Updated {
            status: interview.status,
        };
        let event = InterviewEvent::of_interview(&interview.org_id, &interview.id, unix_ms(), kind);
        self.store.update_interview(interview, &event).await?;
        self.bus.publish(event);
        Ok(())
    }

    /// Moves an interview from status `from` to its new one (`updated`), unless another change
    /// got there first; false then (nothing stored or published).
    pub async fn transition(
        &self,
        interview: &Interview,
        from: super::Status,
    ) -> Result<bool, StoreError> {
        let kind = EventKind::Updated {
            status: interview.status,
        };
        let event = InterviewEvent::of_interview(&interview.org_id, &interview.id, unix_ms(), kind);
        let moved = self
            .store
            .update_interview_from(interview, from, &event)
            .await?;
        if moved {
            self.bus.publish(event);
        }
        Ok(moved)
    }

    /// Moves `org_id`'s interview `id` to `to` if its status is one of `from` (`updated`); false
    /// when it is not, or is gone. What a facade's pause, resume and join use, so that the
    /// status is right before its call's events say more.
    pub async fn move_status(
        &self,
        org_id: &str,
        id: &str,
        from: &[super::Status],
        to: super::Status,
    ) -> Result<bool, StoreError> {
        let Some(mut interview) = self.store.interview(org_id, id).await? else {
            return Ok(false);
        };
        let was = interview.status;
        if !from.contains(&was) {
            return Ok(false);
        }
        interview.status = to;
        interview.completed_at_ms = to.is_final().then(unix_ms);
        self.transition(&interview, was).await
    }

    /// Deletes the interview `id` of `org_id` (`deleted`); false if there was none.
    pub async fn delete(&self, org_id: &str, id: &str) -> Result<bool, StoreError> {
        let event = InterviewEvent::of_interview(org_id, id, unix_ms(), EventKind::Deleted);
        let deleted = self.store.delete_interview(org_id, id, &event).await?;
        if deleted {
            self.bus.publish(event);
        }
        Ok(deleted)
    }

    /// Records a call that carries no media (a typed interview over a WebSocket), so its
    /// messages and events are an interview's like a voice call's.
    pub async fn start_call(&self, call: &NewCall<'_>) -> Result<(), StoreError> {
        self.store.call_started(call).await
    }

    /// Writes what such a call changed (items and events, in one transaction), then publishes
    /// its events: the lifecycle, the assessor and webhooks see them as a voice call's.
    pub async fn record_call(&self, call_id: &str, changes: CallChanges) -> Result<(), StoreError> {
        self.store.record_call(call_id, &changes).await?;
        for event in changes.events {
            self.bus.publish(event);
        }
        Ok(())
    }
}
