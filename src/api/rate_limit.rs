//! Per-credential rate limits, as middleware: a keyed GCRA limiter (`governor`) that lets each
//! credential make `limit` requests at once and gives one back every `60 s / limit` (so
//! `limit` per minute, sustained), and answers with the IETF draft's `RateLimit-Limit`,
//! `RateLimit-Remaining`, `RateLimit-Reset` (seconds until the whole quota is back) and
//! `RateLimit-Policy` (`100;w=60`) headers. Over the limit a request is not run: it gets the
//! API's own 429 body, made by the route's `refuse`, with `Retry-After` (whole seconds, at
//! least 1) and the same headers.
//!
//! **The key** is the credential as presented, before it is checked: a SHA-256 of the bearer
//! token exactly as the auth extractors read it ([`super::bearer`]), else of the `access`
//! query parameter (the embed page's link). So an API key is limited as a key, a user's JWT as
//! that token, and a wrong or expired token is limited too (guessing keys costs the same
//! quota), without a store lookup before the limit and without keeping tokens in memory. A
//! request with no credential is not limited: it is refused (401) or served (the static embed
//! page) without work.
//!
//! **Memory:** a key whose bucket has filled up again is indistinguishable from a new one, so at
//! most once per quota period (a minute), on a check, such keys are dropped
//! (`retain_recent`) and the map shrunk: the map holds only the keys seen in about the last
//! two periods.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use sha2::{Digest, Sha256};

/// A credential's bucket key: the first 16 bytes of its SHA-256.
pub(crate) type Key = [u8; 16];

const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");
const POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

/// The quota period: `limit` requests per this.
const PERIOD: Duration = Duration::from_secs(60);

/// A keyed limiter of `limit` requests per minute per key.
pub(crate) struct KeyedLimit<C: Clock = DefaultClock> {
    limiter: RateLimiter<Key, DashMapStateStore<Key>, C, StateInformationMiddleware>,
    limit: NonZeroU32,
    /// How long one request takes to come back.
    interval: Duration,
    /// The clock's reading when the limiter was made; sweeps are timed from it.
    origin: C::Instant,
    /// Nanoseconds after `origin` of the last sweep of stale keys.
    last_sweep_ns: AtomicU64,
}

/// What a check decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Go ahead: `remaining` more may follow at once; the whole quota is back after `reset`.
    Allowed {
        /// Requests left now.
        remaining: u32,
        /// Until the whole quota is back.
        reset: Duration,
    },
    /// Refused: the next request may succeed after `retry_after`.
    Limited {
        /// Until one request is allowed again.
        retry_after: Duration,
        /// Until the whole quota is back.
        reset: Duration,
    },
}

impl KeyedLimit {
    /// `per_minute` requests per minute per key, or `None` for `0` (no limit).
    pub(crate) fn per_minute(per_minute: u32) -> Option<Self> {
        Some(Self::with_clock(
            NonZeroU32::new(per_minute)?,
            DefaultClock::default(),
        ))
    }
}

impl<C: Clock> KeyedLimit<C> {
    /// `limit` requests per minute per key, timed by `clock`.
    pub(crate) fn with_clock(limit: NonZeroU32, clock: C) -> Self {
        let quota = Quota::per_minute(limit);
        let limiter = RateLimiter::dashmap_with_clock(quota, clock)
            .with_middleware::<StateInformationMiddleware>();
        let origin = limiter.clock().now();
        Self {
            limiter,
            limit,
            interval: quota.replenish_interval(),
            origin,
            last_sweep_ns: AtomicU64::new(0),
        }
    }

    /// Counts one request of `key`.
    pub(crate) fn check(&self, key: &Key) -> Decision {
        let decision = match self.limiter.check_key(key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Decision::Allowed {
                    remaining,
                    reset: self.interval * (self.limit.get() - remaining.min(self.limit.get())),
                }
            }
            Err(not_until) => {
                let retry_after = not_until.wait_time_from(self.limiter.clock().now());
                Decision::Limited {
                    retry_after,
                    reset: retry_after + self.interval * (self.limit.get() - 1),
                }
            }
        };
        self.sweep_now_and_then();
        decision
    }

    /// The number of keys held.
    #[cfg(test)]
    fn keys(&self) -> usize {
        self.limiter.len()
    }

    /// At most once a period: drops the keys whose quota is whole again.
    fn sweep_now_and_then(&self) {
        let now = self.limiter.clock().now();
        let elapsed = u64::from(now.duration_since(self.origin));
        let last = self.last_sweep_ns.load(Ordering::Relaxed);
        let period = u64::try_from(PERIOD.as_nanos()).expect("a minute fits");
        if elapsed.saturating_sub(last) < period {
            return;
        }
        let won = self
            .last_sweep_ns
            .compare_exchange(last, elapsed, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok();
        if won {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
    }

    /// The `RateLimit-*` headers of `decision` (and `Retry-After` when it refused).
    pub(crate) fn headers(&self, decision: Decision, headers: &mut HeaderMap) {
        let (remaining, reset) = match decision {
            Decision::Allowed { remaining, reset } => (remaining, reset),
            Decision::Limited { retry_after, reset } => {
                let wait = HeaderValue::from(retry_after_secs(retry_after));
                headers.insert(header::RETRY_AFTER, wait);
                (0, reset)
            }
        };
        headers.insert(LIMIT, HeaderValue::from(self.limit.get()));
        headers.insert(REMAINING, HeaderValue::from(remaining));
        headers.insert(RESET, secs(reset));
        let policy = format!("{};w={}", self.limit, PERIOD.as_secs());
        headers.insert(POLICY, HeaderValue::from_str(&policy).expect("ascii"));
    }
}

/// Whole seconds, rounded up.
fn secs(duration: Duration) -> HeaderValue {
    HeaderValue::from(duration.as_secs() + u64::from(duration.subsec_nanos() > 0))
}

/// `Retry-After`'s whole seconds: rounded up, at least 1.
fn retry_after_secs(retry_after: Duration) -> u64 {
    (retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0)).max(1)
}

/// The credential `request` presents: its bearer token, else its `access` query parameter.
pub(crate) fn credential_key(request: &Request) -> Option<Key> {
    let query;
    let token = match super::bearer(request.headers()) {
        Some(token) => token,
        None => {
            query = Query::<HashMap<String, String>>::try_from_uri(request.uri()).ok()?;
            query.get("access")?.trim()
        }
    };
    if token.is_empty() {
        return None;
    }
    let digest = Sha256::digest(token.as_bytes());
    Some(digest[..16].try_into().expect("16 of 32 bytes"))
}

/// The middleware's state: the limiter and the route's 429 body (`refuse(limit, retry_after
/// seconds)`), headers added here.
#[derive(Clone)]
pub(crate) struct RateLimited {
    limit: Arc<KeyedLimit>,
    refuse: fn(u32, u64) -> Response,
}

impl RateLimited {
    /// Limits with `limit`; refused requests get `refuse`'s response.
    pub(crate) fn new(limit: KeyedLimit, refuse: fn(u32, u64) -> Response) -> Self {
        Self {
            limit: Arc::new(limit),
            refuse,
        }
    }
}

/// The middleware: counts the request against its credential; runs it with the `RateLimit-*`
/// headers on its response, or refuses it.
pub(crate) async fn enforce(
    State(limited): State<RateLimited>,
    request: Request,
    next: Next,
) -> Response {
    let Some(key) = credential_key(&request) else {
        return next.run(request).await;
    };
    let decision = limited.limit.check(&key);
    let mut response = match decision {
        Decision::Allowed { .. } => next.run(request).await,
        Decision::Limited { retry_after, .. } => {
            (limited.refuse)(limited.limit.limit.get(), retry_after_secs(retry_after))
        }
    };
    limited.limit.headers(decision, response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn limit(n: u32) -> (KeyedLimit<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (
            KeyedLimit::with_clock(NonZeroU32::new(n).unwrap(), clock.clone()),
            clock,
        )
    }

    const A: Key = [1; 16];
    const B: Key = [2; 16];

    #[test]
    fn a_key_gets_its_quota_then_is_refused_and_others_are_not() {
        let (limit, clock) = limit(3);
        let remaining: Vec<Decision> = (0..3).map(|_| limit.check(&A)).collect();
        assert_eq!(
            remaining,
            [
                Decision::Allowed {
                    remaining: 2,
                    reset: Duration::from_secs(20)
                },
                Decision::Allowed {
                    remaining: 1,
                    reset: Duration::from_secs(40)
                },
                Decision::Allowed {
                    remaining: 0,
                    reset: Duration::from_secs(60)
                },
            ]
        );
        let Decision::Limited { retry_after, reset } = limit.check(&A) else {
            panic!("the fourth request is refused");
        };
        assert_eq!(retry_after, Duration::from_secs(20));
        assert_eq!(reset, Duration::from_secs(60));
        assert!(matches!(
            limit.check(&B),
            Decision::Allowed { remaining: 2, .. }
        ));
        // One comes back every 20 s.
        clock.advance(Duration::from_secs(20));
        assert!(matches!(
            limit.check(&A),
            Decision::Allowed { remaining: 0, .. }
        ));
        assert!(matches!(limit.check(&A), Decision::Limited { .. }));
    }

    #[test]
    fn headers_follow_the_decision() {
        let (limit, _clock) = limit(2);
        let mut headers = HeaderMap::new();
        limit.headers(limit.check(&A), &mut headers);
        assert_eq!(headers[LIMIT], "2");
        assert_eq!(headers[REMAINING], "1");
        assert_eq!(headers[RESET], "30");
        assert_eq!(headers[POLICY], "2;w=60");
        assert!(headers.get(header::RETRY_AFTER).is_none());
        limit.check(&A);
        let mut headers = HeaderMap::new();
        limit.headers(limit.check(&A), &mut headers);
        assert_eq!(headers[REMAINING], "0");
        assert_eq!(headers[header::RETRY_AFTER], "30");
        assert_eq!(headers[RESET], "60");
    }

    #[test]
    fn keys_whose_quota_is_back_are_dropped() {
        let (limit, clock) = limit(100);
        for n in 0..50u8 {
            limit.check(&[n; 16]);
        }
        assert_eq!(limit.keys(), 50);
        clock.advance(Duration::from_secs(61));
        limit.check(&A);
        assert_eq!(limit.keys(), 1, "only the key just seen is kept");
        // Not again within the period.
        limit.check(&B);
        clock.advance(Duration::from_secs(30));
        limit.check(&[9; 16]);
        assert_eq!(limit.keys(), 3);
    }

    #[test]
    fn zero_is_no_limit() {
        assert!(KeyedLimit::per_minute(0).is_none());
        assert!(KeyedLimit::per_minute(100).is_some());
    }

    #[test]
    fn the_key_is_the_bearer_token_else_the_access_parameter() {
        let with = |auth: Option<&str>, uri: &str| {
            let mut request = Request::builder().uri(uri);
            if let Some(auth) = auth {
                request = request.header(header::AUTHORIZATION, auth);
            }
            credential_key(&request.body(axum::body::Body::empty()).unwrap())
        };
        let key = with(Some("Bearer sk_one"), "/v1/partners/mock-interviews/");
        assert!(key.is_some());
        assert_eq!(key, with(Some("Bearer  sk_one "), "/x"), "as auth reads it");
        assert_ne!(key, with(Some("Bearer sk_two"), "/x"));
        assert_eq!(key, with(None, "/embed/ai-interview/1/?access=sk_one"));
        assert_eq!(with(None, "/embed/ai-interview/1/"), None);
        assert_eq!(with(Some("Basic abc"), "/x"), None);
        assert_eq!(with(Some("Bearer "), "/x"), None);
    }
}
