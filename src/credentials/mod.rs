//! Credentials Viva issues and checks: realtime client secrets (`ek_…`), user JWTs and TURN
//! REST credentials.

pub mod client_secret;
pub mod jwt;
pub mod turn;

pub use client_secret::{ClientSecret, SecretError, SecretKey, SecretScope};
pub use jwt::{JwtKeys, TokenKind, TokenPair};
pub use turn::{TurnCredentials, TurnSecrets, TurnUrls};
