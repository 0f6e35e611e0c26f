//! Credentials Viva issues and checks: realtime client secrets (`ek_…`) and user JWTs.

pub mod client_secret;
pub mod jwt;

pub use client_secret::{ClientSecret, SecretError, SecretKey, SecretScope};
pub use jwt::{JwtKeys, TokenKind, TokenPair};
