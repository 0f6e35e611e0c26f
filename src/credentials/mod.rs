//! Credentials Viva issues and checks: realtime client secrets (`ek_…`).

pub mod client_secret;

pub use client_secret::{ClientSecret, SecretError, SecretKey};
