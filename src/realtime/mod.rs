//! The OpenAI Realtime (GA) vocabulary Viva speaks to browsers and models: the session
//! configuration and the events exchanged on the `oai-events` data channel.

pub mod events;
pub mod session;

pub use session::{SessionConfig, TurnDetection};
