//! The load tester's side: synthetic WebRTC peers that call a Viva server the way a browser
//! does. Also used by the integration tests as the candidate.

pub mod peer;

pub use peer::{ClientError, ClientEvent, SyntheticPeer};
