//! After a crash: the calls the previous run never ended (a `kill -9`, a lost machine) are
//! closed as `server_lost` and their `ended` events published, so the lifecycle marks their
//! interviews incomplete, the assessor judges them and webhooks fire, as for a call cut by a
//! drain. One node owns every call of its store; with several nodes (PostgreSQL) each would
//! close only its own.

use super::{EventKind, InterviewEvent, Interviews};
use crate::call::EndReason;
use crate::clock::unix_ms;
use crate::store::{CallChanges, Store, StoreError};

/// At start: closes the calls the previous run cut, then moves on every interview left in
/// progress with no live call (see [`super::lifecycle::settle`]).
pub async fn recover(store: &dyn Store, interviews: &Interviews) -> Result<(), StoreError> {
    close_lost_calls(store, interviews).await?;
    let moved = super::lifecycle::settle(store, interviews).await?;
    if moved > 0 {
        tracing::warn!(
            moved,
            "marked the interviews the previous run left in progress"
        );
    }
    Ok(())
}

/// Ends every unfinished call as [`EndReason::ServerLost`]; returns how many there were.
pub async fn close_lost_calls(
    store: &dyn Store,
    interviews: &Interviews,
) -> Result<usize, StoreError> {
    let calls = store.unfinished_calls().await?;
    let now = unix_ms();
    for call in &calls {
        let reason = EndReason::ServerLost;
        let ended = InterviewEvent {
            call_id: Some(call.call_id.clone()),
            interview_id: call.interview_id.clone(),
            org_id: Some(call.org_id.clone()),
            at_ms: now,
            kind: EventKind::Ended { reason },
        };
        let changes = CallChanges {
            ended: Some((reason, now)),
            events: vec![ended],
            ..CallChanges::default()
        };
        interviews.record_call(&call.call_id, changes).await?;
    }
    if !calls.is_empty() {
        tracing::warn!(
            calls = calls.len(),
            "closed the calls the previous run left unfinished (it stopped without ending them)"
        );
    }
    Ok(calls.len())
}
