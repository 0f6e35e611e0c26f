//! The delivery worker: every [`Schedule::poll`] it runs the dispatcher (new interview events →
//! deliveries) and sends the due deliveries, each to a freshly resolved and checked address
//! (pinned), signed, without following redirects, within [`Schedule::timeout`]. A 2xx answer
//! delivers it; anything else, a timeout or a connection failure is retried after the next
//! delay of the [`Schedule`] (or the `Retry-After` of a 429 or 503), and after the last one the
//! delivery is marked failed. One interview's deliveries to an endpoint go in event order (the
//! store hands out only the first pending one of each). Everything is in the store, so a
//! restart resumes where it stopped.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use reqwest::redirect::Policy;

use super::{MAX_PAYLOAD_BYTES, map_event, signing, target};
use crate::clock::{unix_ms, unix_secs};
use crate::store::{AttemptNext, AttemptRecord, DueDelivery, Store};

/// Events the dispatcher turns into deliveries per transaction.
const DISPATCH_BATCH: u32 = 200;
/// Due deliveries started per poll.
const DUE_BATCH: u32 = 64;
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// When deliveries are retried, and how long an attempt may take.
///
/// The default: the first attempt at once, then retries after 5 s, 5 min, 30 min, 2 h, 5 h,
/// 10 h and 10 h (each ±20 % jitter): 8 attempts over about 27.6 hours, then `failed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The delays before each retry, in order; after the last, the delivery fails.
    pub retries: Vec<Duration>,
    /// Random spread of each delay, as a fraction (0.2: ±20 %).
    pub jitter: f64,
    /// How long an attempt may take, connection included.
    pub timeout: Duration,
    /// How often the worker looks for new events and due deliveries.
    pub poll: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        Self {
            retries: vec![
                Duration::from_secs(5),
                minutes(5),
                minutes(30),
                minutes(120),
                minutes(300),
                minutes(600),
                minutes(600),
            ],
            jitter: 0.2,
            timeout: Duration::from_secs(10),
            poll: Duration::from_millis(500),
        }
    }
}

impl Schedule {
    /// How long to wait after a failed attempt, when `attempts` have been made (this one
    /// included), or `None` when that was the last. A `Retry-After` replaces the delay.
    pub fn retry_delay(&self, attempts: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let index = usize::try_from(attempts).ok()?.checked_sub(1)?;
        let base = *self.retries.get(index)?;
        if let Some(after) = retry_after {
            return Some(after.min(MAX_RETRY_AFTER));
        }
        if self.jitter <= 0.0 {
            return Some(base);
        }
        let factor = 1.0 + rand::rng().random_range(-self.jitter..=self.jitter);
        Some(base.mul_f64(factor.max(0.0)))
    }
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    status_code: Option<u16>,
    error: Option<String>,
    retry_after: Option<Duration>,
    delivered: bool,
    /// It can never succeed (too big, bad secret): failed at once.
    permanent: bool,
}

impl Outcome {
    fn failed(error: impl Into<String>, permanent: bool) -> Self {
        Self {
            status_code: None,
            error: Some(error.into()),
            retry_after: None,
            delivered: false,
            permanent,
        }
    }
}

/// The delivery worker.
#[derive(Clone)]
pub struct Worker {
    store: Arc<dyn Store>,
    schedule: Arc<Schedule>,
    allow_private: bool,
    in_flight: Arc<Mutex<HashSet<String>>>,
}

impl Worker {
    /// A worker over `store`; `allow_private` turns the address check off.
    pub fn new(store: Arc<dyn Store>, schedule: Schedule, allow_private: bool) -> Self {
        Self {
            store,
            schedule: Arc::new(schedule),
            allow_private,
            in_flight: Arc::default(),
        }
    }

    /// Runs the worker in the background, for as long as the runtime.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(self.schedule.poll);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                self.tick().await;
            }
        })
    }

    /// One round: dispatches new events, then starts every due delivery not already under
    /// way (each in a task of its own, so a hanging endpoint holds up no other).
    pub async fn tick(&self) {
        loop {
            match self
                .store
                .dispatch(DISPATCH_BATCH, &map_event, unix_ms())
                .await
            {
                Ok(n) if n >= DISPATCH_BATCH as usize => {}
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, "webhook dispatch failed");
                    break;
                }
            }
        }
        let due = match self.store.due_deliveries(unix_ms(), DUE_BATCH).await {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!(%error, "reading due webhook deliveries failed");
                return;
            }
        };
        for delivery in due {
            let id = delivery.delivery.id.clone();
            if !self.lock().insert(id.clone()) {
                continue;
            }
            let worker = self.clone();
            tokio::spawn(async move {
                worker.deliver(delivery).await;
                worker.lock().remove(&id);
            });
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes one attempt of `due` and records it.
    async fn deliver(&self, due: DueDelivery) {
        let outcome = attempt(&due, &self.schedule, self.allow_private).await;
        let attempts = due.delivery.attempts + 1;
        let now = unix_ms();
        let next = if outcome.delivered {
            AttemptNext::Delivered
        } else if outcome.permanent {
            AttemptNext::Failed
        } else {
            match self.schedule.retry_delay(attempts, outcome.retry_after) {
                Some(delay) => AttemptNext::RetryAt(
                    now.saturating_add(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)),
                ),
                None => AttemptNext::Failed,
            }
        };
        let d = &due.delivery;
        if outcome.delivered {
            tracing::info!(id = %d.id, endpoint = %d.endpoint_id, event = %d.event_type, attempts, "webhook delivered");
        } else {
            tracing::warn!(id = %d.id, endpoint = %d.endpoint_id, event = %d.event_type, attempts,
                status = ?outcome.status_code, error = ?outcome.error, ?next, "webhook attempt failed");
        }
        let record = AttemptRecord {
            at_ms: now,
            status_code: outcome.status_code,
            error: outcome.error,
            next,
        };
        if let Err(error) = self.store.record_attempt(&d.id, &record).await {
            tracing::warn!(%error, id = %d.id, "recording a webhook attempt failed");
        }
    }
}

/// POSTs `due` once, to a checked address, signed.
async fn attempt(due: &DueDelivery, schedule: &Schedule, allow_private: bool) -> Outcome {
    let d = &due.delivery;
    if d.payload.len() > MAX_PAYLOAD_BYTES {
        return Outcome::failed(
            format!(
                "payload_too_large: the body is {} bytes, over the {MAX_PAYLOAD_BYTES}-byte limit; never sent",
                d.payload.len()
            ),
            true,
        );
    }
    let timestamp = unix_secs();
    let Some(signature) = signing::sign(&due.secret, &d.id, timestamp, &d.payload) else {
        return Outcome::failed(
            "invalid_secret: the endpoint's secret is not whsec_<base64>",
            true,
        );
    };
    let target = match target::resolve(&due.url, allow_private).await {
        Ok(target) => target,
        Err(error) => return Outcome::failed(format!("target: {error}"), false),
    };
    let mut client = crate::http_client::builder()
        .redirect(Policy::none())
        .timeout(schedule.timeout)
        .no_proxy();
    if let Some(host) = &target.host {
        client = client.resolve(host, target.addr);
    }
    let client = match client.build() {
        Ok(client) => client,
        Err(error) => return Outcome::failed(format!("client: {error}"), false),
    };
    let sent = client
        .post(target.url)
        .header(CONTENT_TYPE, "application/json")
        .header(USER_AGENT, "Viva-Webhooks/1")
        .header("webhook-id", &d.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.payload.clone())
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status();
            let retry_after = matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            )
            .then(|| response.headers().get(RETRY_AFTER))
            .flatten()
            .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
            let delivered = status.is_success();
            Outcome {
                status_code: Some(status.as_u16()),
                error: (!delivered).then(|| format!("http_status: the endpoint answered {status}")),
                retry_after,
                delivered,
                permanent: false,
            }
        }
        Err(error) if error.is_timeout() => Outcome::failed(
            format!("timeout: no answer within {:?}", schedule.timeout),
            false,
        ),
        Err(error) => Outcome::failed(format!("connect: {error}"), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_spans_about_a_day() {
        let schedule = Schedule {
            jitter: 0.0,
            ..Schedule::default()
        };
        let total: Duration = (1..=7).filter_map(|n| schedule.retry_delay(n, None)).sum();
        assert_eq!(
            total,
            Duration::from_secs(5 + 300 + 1800 + 7200 + 18000 + 36000 * 2)
        );
        assert_eq!(schedule.retry_delay(8, None), None);
        assert_eq!(schedule.retry_delay(1, None), Some(Duration::from_secs(5)));
        let after = Some(Duration::from_secs(90));
        assert_eq!(schedule.retry_delay(1, after), after);
        assert_eq!(schedule.retry_delay(7, after), after);
        assert_eq!(schedule.retry_delay(8, after), None);
    }

    #[test]
    fn jitter_stays_within_its_spread() {
        let schedule = Schedule::default();
        for _ in 0..100 {
            let d = schedule.retry_delay(2, None).unwrap();
            assert!(
                d >= Duration::from_secs(240) && d <= Duration::from_secs(360),
                "{d:?}"
            );
        }
    }
}
