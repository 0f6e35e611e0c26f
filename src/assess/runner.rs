//! The [`Assessor`]: a subscriber of the event bus that assesses an interview each time it is
//! saved completed or incomplete, and on start-up every such interview whose result is
//! missing, pending or failed (so a restart loses nothing). A result is stored `pending`
//! before the model is asked, each failed attempt is stored with its error code, and after the
//! last one the result is `failed` with that code and the number of attempts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::sync::broadcast::error::RecvError;

use super::{
    ASSESSMENT_UNAVAILABLE, Assessment, ErrorCode, Input, Model, ModelError, NO_TRANSCRIPT,
    assessable, digest, judgeable_items, measure,
};
use crate::clock::unix_ms;
use crate::interview::{EventKind, InterviewEvent, Interviews};
use crate::store::{EventsOf, InterviewResult, ResultState, Store, StoreError};

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest one request to the model may take.
    pub timeout: Duration,
    /// Requests per assessment before it fails.
    pub attempts: u32,
    /// The wait before the second attempt; doubled before each next one.
    pub backoff: Duration,
    /// Requests to the model at once, across interviews.
    pub concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            attempts: 3,
            backoff: Duration::from_secs(2),
            concurrency: 2,
        }
    }
}

/// Produces interviews' results. `model` is `None` with the local engine: results are then
/// `unavailable` with the measured numbers only.
pub struct Assessor {
    store: Arc<dyn Store>,
    model: Option<Arc<dyn Model>>,
    limits: Limits,
    permits: Semaphore,
    /// Interviews being assessed, and when they were last asked for again meanwhile (Unix ms).
    running: Mutex<HashMap<String, Option<u64>>>,
}

impl Assessor {
    /// Subscribes to `interviews`' events now (nothing published from here on is missed) and
    /// runs the assessor in the background until the bus closes.
    pub fn spawn(
        store: Arc<dyn Store>,
        interviews: &Interviews,
        model: Option<Arc<dyn Model>>,
        limits: Limits,
    ) -> tokio::task::JoinHandle<()> {
        let events = interviews.subscribe();
        let assessor = Arc::new(Self {
            store,
            model,
            limits,
            permits: Semaphore::new(limits.concurrency.max(1)),
            running: Mutex::new(HashMap::new()),
        });
        tokio::spawn(assessor.run(events))
    }

    async fn run(self: Arc<Self>, mut events: tokio::sync::broadcast::Receiver<InterviewEvent>) {
        match self.store.unfinished_results().await {
            Ok(unfinished) => {
                if !unfinished.is_empty() {
                    tracing::info!(
                        count = unfinished.len(),
                        "assessing interviews left unassessed"
                    );
                }
                let now = unix_ms();
                for (org_id, interview_id) in unfinished {
                    self.schedule(org_id, interview_id, now);
                }
            }
            Err(error) => tracing::warn!(%error, "could not list the interviews to assess"),
        }
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "the assessor fell behind the event bus");
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            if let (EventKind::Updated { status }, Some(org_id), Some(interview_id)) =
                (&event.kind, event.org_id, event.interview_id)
                && assessable(*status)
            {
                self.schedule(org_id, interview_id, event.at_ms);
            }
        }
    }

    /// Assesses the interview in the background, as asked at `asked_at_ms`; if it is being
    /// assessed already, once more afterwards (its transcript or status may have changed).
    fn schedule(self: &Arc<Self>, org_id: String, interview_id: String, asked_at_ms: u64) {
        {
            let mut running = self.running.lock().expect("not poisoned");
            if let Some(again) = running.get_mut(&interview_id) {
                *again = Some(again.map_or(asked_at_ms, |t| t.max(asked_at_ms)));
                return;
            }
            running.insert(interview_id.clone(), None);
        }
        let this = self.clone();
        tokio::spawn(async move {
            let mut asked_at_ms = asked_at_ms;
            loop {
                if let Err(error) = this.assess(&org_id, &interview_id, asked_at_ms).await {
                    tracing::warn!(%interview_id, %error, "could not store the interview's result");
                }
                let mut running = this.running.lock().expect("not poisoned");
                match running.insert(interview_id.clone(), None) {
                    Some(Some(again)) => asked_at_ms = again,
                    _ => {
                        running.remove(&interview_id);
                        return;
                    }
                }
            }
        });
    }

    /// Assesses one interview, unless its stored result already covers its transcript, or was
    /// made from the same transcript after `asked_at_ms` (the request was a duplicate: the
    /// start-up sweep and an event, say).
    async fn assess(
        &self,
        org_id: &str,
        interview_id: &str,
        asked_at_ms: u64,
    ) -> Result<(), StoreError> {
        let store = &self.store;
        let Some(interview) = store.interview(org_id, interview_id).await? else {
            return Ok(()); // deleted
        };
        if !assessable(interview.status) {
            return Ok(()); // joined again meanwhile
        }
        let items = store.interview_items(org_id, interview_id).await?;
        let events = store.events(EventsOf::Interview(interview_id)).await?;
        let measured = measure(&items, &events, interview.questions.len());
        let mut result = InterviewResult {
            org_id: org_id.to_owned(),
            interview_id: interview_id.to_owned(),
            state: ResultState::Pending,
            reason: None,
            error: None,
            attempts: 0,
            model: self.model.as_ref().map(|m| m.name().to_owned()),
            transcript_digest: digest(&items),
            assessment: None,
            updated_at_ms: unix_ms(),
        };
        if let Some(previous) = store.result(org_id, interview_id).await?
            && previous.transcript_digest == result.transcript_digest
            && (self.covers(&previous)
                || (previous.state != ResultState::Pending && previous.updated_at_ms > asked_at_ms))
        {
            return Ok(());
        }
        if !store.save_result(&result).await? {
            return Ok(());
        }
        let model = match &self.model {
            None => {
                result.state = ResultState::Unavailable;
                result.reason = Some(ASSESSMENT_UNAVAILABLE.into());
                let a = Assessment::unavailable(ASSESSMENT_UNAVAILABLE, &items, measured);
                result.assessment = Some(a);
                return self.finish(result).await;
            }
            Some(_) if judgeable_items(&items).next().is_none() => {
                result.state = ResultState::Unavailable;
                result.reason = Some(NO_TRANSCRIPT.into());
                result.assessment = Some(Assessment::unavailable(NO_TRANSCRIPT, &items, measured));
                return self.finish(result).await;
            }
            Some(model) => model.clone(),
        };
        let template = store.template(org_id, &interview.template_id).await?;
        let input = Input {
            interview: &interview,
            template: template.as_ref(),
            items: &items,
        };
        let mut backoff = self.limits.backoff;
        loop {
            result.attempts += 1;
            match self.ask(model.as_ref(), &input).await {
                Ok(output) => {
                    result.state = ResultState::Done;
                    result.reason = None;
                    result.error = None;
                    result.assessment = Some(Assessment::from_model(output, &items, measured));
                    return self.finish(result).await;
                }
                Err(error) => {
                    tracing::warn!(%interview_id, attempt = result.attempts, %error, "the assessment failed");
                    result.reason = Some(error.code.as_str().to_owned());
                    result.error = Some(error.message);
                    if !error.code.retryable() || result.attempts >= self.limits.attempts {
                        result.state = ResultState::Failed;
                        return self.finish(result).await;
                    }
                    result.updated_at_ms = unix_ms();
                    if !store.save_result(&result).await? {
                        return Ok(());
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = backoff.saturating_mul(2);
                }
            }
        }
    }

    /// One bounded request to the model.
    async fn ask(
        &self,
        model: &dyn Model,
        input: &Input<'_>,
    ) -> Result<super::ModelOutput, ModelError> {
        let _permit = self.permits.acquire().await.expect("never closed");
        match tokio::time::timeout(self.limits.timeout, model.assess(input)).await {
            Ok(answer) => answer,
            Err(_) => Err(ModelError::new(
                ErrorCode::Timeout,
                format!("no answer within {:?}", self.limits.timeout),
            )),
        }
    }

    /// Whether `previous` (of the same transcript) stands: it is finished, and not "no model"
    /// when there is one now.
    fn covers(&self, previous: &InterviewResult) -> bool {
        let finished = matches!(previous.state, ResultState::Done | ResultState::Unavailable);
        let no_model_then = previous.reason.as_deref() == Some(ASSESSMENT_UNAVAILABLE);
        finished && !(no_model_then && self.model.is_some())
    }

    async fn finish(&self, mut result: InterviewResult) -> Result<(), StoreError> {
        result.updated_at_ms = unix_ms();
        self.store.save_result(&result).await.map(|_| ())
    }
}
