//! Join tokens of the WebSocket facades: minted by a facade's `POST …/sessions` (API key) for
//! one interview, and checked when a socket connects with `?token=`. What differs between the
//! facades (the body's fields, the socket's path, the words of a refusal) stays with them; this
//! is the part they share: who mints, the token's lifetime, the token itself, and who it admits.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::api::AppState;
use crate::api::auth::Principal;
use crate::api::detail::DetailError;
use crate::clock::unix_ms;
use crate::credentials::jwt::{JwtError, TokenKind};
use crate::interview::{Interview, rfc3339};
use crate::store::StoreError;

/// Lifetimes of a socket token, seconds: allowed range and default.
const TTL: (std::ops::RangeInclusive<u64>, u64) = (300..=86_400, 3_600);

/// A socket's `?token=`.
#[derive(Debug, Deserialize)]
pub(super) struct TokenQuery {
    token: Option<String>,
}

/// The `?token=` of a socket's query, if it has a readable one.
pub(super) fn query_token(query: Result<Query<TokenQuery>, QueryRejection>) -> Option<String> {
    query.ok().and_then(|Query(q)| q.token)
}

/// The organization of an API key caller; anyone else is refused (403).
pub(super) fn api_key_org(caller: &Principal) -> Result<&str, DetailError> {
    match caller {
        Principal::ApiKey { org_id, .. } => Ok(org_id.as_str()),
        _ => Err(DetailError::forbidden(
            "Sessions are created with an API key",
        )),
    }
}

/// The body's `ttl` (seconds, 300–86400), else the default of an hour.
pub(super) fn ttl(body: &Map<String, Value>) -> Result<u64, DetailError> {
    match body.get("ttl") {
        None | Some(Value::Null) => Ok(TTL.1),
        Some(v) => v
            .as_u64()
            .filter(|t| TTL.0.contains(t))
            .ok_or_else(|| DetailError::bad_request("ttl must be between 300 and 86400")),
    }
}

/// A minted join token.
pub(super) struct Grant {
    /// The token.
    pub(super) token: String,
    /// When it expires, RFC 3339.
    pub(super) expires_at: String,
    /// Where sockets reach this server: `ws://host` or `wss://host`.
    pub(super) ws_base: String,
}

/// A join token for `interview`'s candidate, bound to it, good for `ttl` seconds.
pub(super) fn grant(
    state: &AppState,
    headers: &HeaderMap,
    interview: &Interview,
    ttl: u64,
) -> Grant {
    let now = unix_ms() / 1000;
    Grant {
        token: state.jwt.join(&interview.user_id, &interview.id, ttl, now),
        expires_at: rfc3339((now + ttl) * 1000),
        ws_base: super::public_base(headers, state).replacen("http", "ws", 1),
    }
}

/// Who a socket acts for.
pub(super) enum Caller {
    /// No token, where the demo organization is allowed: that organization.
    Demo(String),
    /// A valid token: its user's organization and the interview it is bound to.
    Token {
        /// The organization.
        org_id: String,
        /// The interview the token was minted for, if any.
        interview_id: Option<String>,
    },
}

/// Why a socket is not admitted; each facade words it.
pub(super) enum Refusal {
    /// No token, and the demo organization is not allowed.
    TokenRequired,
    /// The token has expired.
    Expired,
    /// The token is no join token of this server, or its user is gone.
    Invalid,
    /// The store failed.
    Store(StoreError),
}

impl From<StoreError> for Refusal {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// Who `token` admits, or without one the demo organization where that is allowed.
pub(super) async fn admit(state: &AppState, token: Option<&str>) -> Result<Caller, Refusal> {
    let Some(token) = token else {
        if !state.config.demo_secrets_allowed() {
            return Err(Refusal::TokenRequired);
        }
        return Ok(Caller::Demo(super::demo::demo_org(state).await?));
    };
    let claims = match state.jwt.verify(token, TokenKind::Join, unix_ms() / 1000) {
        Ok(claims) => claims,
        Err(JwtError::Expired) => return Err(Refusal::Expired),
        Err(JwtError::Invalid) => return Err(Refusal::Invalid),
    };
    let user = state
        .store
        .user(&claims.sub)
        .await?
        .ok_or(Refusal::Invalid)?;
    Ok(Caller::Token {
        org_id: user.org_id,
        interview_id: claims.iid,
    })
}
