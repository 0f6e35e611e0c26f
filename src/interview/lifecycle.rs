//! The interview lifecycle driven by what happens in its calls: a subscriber of the event bus.
//! A call of the interview connecting moves it to in progress; a whole-interview call ending
//! completes it when the plan was done (its last question asked and answered), else leaves it
//! incomplete. Each transition is saved through [`Interviews`], so it is stored with its time
//! and published (`updated`) like any other change.

use std::collections::HashMap;

use tokio::sync::broadcast::error::RecvError;

use super::{EventKind, Interview, InterviewEvent, Interviews, Status};
use crate::clock::unix_ms;
use crate::store::{EventsOf, Store, StoreError};
use std::sync::Arc;

/// How far one call got through its plan.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Progress {
    /// The last question asked, and how many the plan has.
    asked: Option<(u64, u64)>,
    /// The candidate answered after the last question was asked.
    answered_last: bool,
}

impl Progress {
    /// Takes one event of the call into account.
    fn apply(&mut self, kind: &EventKind) {
        match kind {
            EventKind::QuestionAsked {
                question_index,
                question_count,
            } => {
                self.asked = Some((*question_index, *question_count));
                self.answered_last = false;
            }
            EventKind::AnswerEnded { .. } => self.answered_last = self.asked.is_some(),
            _ => {}
        }
    }

    fn plan_done(self) -> bool {
        matches!(self.asked, Some((index, count)) if index + 1 >= count) && self.answered_last
    }
}

/// The status an interview moves to on `event`, if it moves. `progress` is its call's.
fn next_status(current: Status, event: &EventKind, progress: Progress) -> Option<Status> {
    match event {
        EventKind::Joined
            if matches!(
                current,
                Status::Created | Status::Paused | Status::Incomplete
            ) =>
        {
            Some(Status::InProgress)
        }
        EventKind::Ended { .. } if current == Status::InProgress => Some(if progress.plan_done() {
            Status::Completed
        } else {
            Status::Incomplete
        }),
        _ => None,
    }
}

/// Follows every call's events (from now: it subscribes before it returns) and moves
/// interviews along, until the bus closes.
pub fn spawn(store: Arc<dyn Store>, interviews: Interviews) -> tokio::task::JoinHandle<()> {
    let events = interviews.subscribe();
    tokio::spawn(run(store, interviews, events))
}

async fn run(
    store: Arc<dyn Store>,
    interviews: Interviews,
    mut events: tokio::sync::broadcast::Receiver<InterviewEvent>,
) {
    let mut calls: HashMap<String, Progress> = HashMap::new();
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "interview lifecycle fell behind the event bus");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let (Some(call_id), Some(interview_id)) = (&event.call_id, &event.interview_id) else {
            continue;
        };
        let progress = calls.entry(call_id.clone()).or_default();
        progress.apply(&event.kind);
        let progress = *progress;
        if matches!(event.kind, EventKind::Ended { .. }) {
            calls.remove(call_id);
        }
        if matches!(event.kind, EventKind::Joined | EventKind::Ended { .. })
            && let Err(error) =
                advance(store.as_ref(), &interviews, interview_id, &event, progress).await
        {
            tracing::warn!(%interview_id, %error, "could not move the interview along");
        }
    }
}

/// Moves on the in-progress interviews whose calls have all ended: those the process stopped
/// on between a call's last write and the step above (a crash, the end of a drain). Each is
/// judged from its last call's stored events, as the live step would have; a change made
/// meanwhile wins (transitions are compare-and-set). Returns how many moved.
pub async fn settle(store: &dyn Store, interviews: &Interviews) -> Result<usize, StoreError> {
    let mut moved = 0;
    for (org_id, interview_id) in store.interviews_left_in_progress().await? {
        let events = store.events(EventsOf::Interview(&interview_id)).await?;
        let Some(last_call) = events.iter().rev().find_map(|e| e.call_id.clone()) else {
            continue;
        };
        let mut progress = Progress::default();
        let mut ended = None;
        for event in events
            .iter()
            .filter(|e| e.call_id.as_deref() == Some(last_call.as_str()))
        {
            progress.apply(&event.kind);
            if matches!(event.kind, EventKind::Ended { .. }) {
                ended = Some(event);
            }
        }
        let Some(ended) = ended.filter(|e| e.org_id.as_deref() == Some(org_id.as_str())) else {
            continue;
        };
        if advance(store, interviews, &interview_id, ended, progress).await? {
            moved += 1;
        }
    }
    Ok(moved)
}

/// Applies `event`'s transition to the interview; whether it moved.
async fn advance(
    store: &dyn Store,
    interviews: &Interviews,
    interview_id: &str,
    event: &InterviewEvent,
    progress: Progress,
) -> Result<bool, StoreError> {
    let Some(org_id) = event.org_id.as_deref() else {
        return Ok(false);
    };
    let Some(mut interview) = store.interview(org_id, interview_id).await? else {
        return Ok(false); // deleted meanwhile
    };
    let Some(status) = next_status(interview.status, &event.kind, progress) else {
        return Ok(false);
    };
    let from = interview.status;
    set_status(&mut interview, status);
    // Only from the status it was read in: an integrator's change meanwhile (completed,
    // cancelled) wins over a call's end.
    interviews.transition(&interview, from).await
}

fn set_status(interview: &mut Interview, status: Status) {
    interview.status = status;
    interview.completed_at_ms = status.is_final().then(unix_ms);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::EndReason;

    fn asked(index: u64, count: u64, answered_last: bool) -> Progress {
        Progress {
            asked: Some((index, count)),
            answered_last,
        }
    }

    #[test]
    fn joining_starts_it_and_the_end_completes_only_a_finished_plan() {
        let ended = EventKind::Ended {
            reason: EndReason::Hangup,
        };
        let none = Progress::default();
        assert_eq!(
            next_status(Status::Created, &EventKind::Joined, none),
            Some(Status::InProgress)
        );
        assert_eq!(
            next_status(Status::Incomplete, &EventKind::Joined, none),
            Some(Status::InProgress)
        );
        assert_eq!(
            next_status(Status::Completed, &EventKind::Joined, none),
            None
        );
        assert_eq!(
            next_status(Status::InProgress, &ended, asked(4, 5, true)),
            Some(Status::Completed)
        );
        assert_eq!(
            next_status(Status::InProgress, &ended, asked(4, 5, false)),
            Some(Status::Incomplete)
        );
        assert_eq!(
            next_status(Status::InProgress, &ended, asked(2, 5, true)),
            Some(Status::Incomplete)
        );
        assert_eq!(
            next_status(Status::InProgress, &ended, none),
            Some(Status::Incomplete)
        );
        assert_eq!(
            next_status(Status::Cancelled, &ended, asked(4, 5, true)),
            None,
            "final stays final"
        );
    }
}
