//! Signed webhooks with a durable outbox. Every interview event is already stored in the
//! transaction of the change it describes (`interview_events`); the dispatcher turns the new
//! ones into deliveries per matching endpoint, in one transaction with its cursor
//! ([`crate::store::WebhookStore::dispatch`]); the [`worker`] POSTs them signed the Standard
//! Webhooks way ([`signing`]) to checked public addresses only ([`target`]), retrying with
//! backoff ([`Schedule`]).

pub mod events;
pub mod signing;
pub mod target;
pub mod worker;

pub use events::{EVENT_TYPES, map_event};
pub use worker::{Schedule, Worker};

/// The largest body ever sent: a bigger one fails at once, unsent.
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
