//! Credentials Viva issues and checks: realtime client secrets (`ek_…`) and TURN REST
//! credentials.

pub mod client_secret;
pub mod turn;

pub use client_secret::{ClientSecret, SecretError, SecretKey};
pub use turn::{TurnCredentials, TurnSecrets, TurnUrls};
