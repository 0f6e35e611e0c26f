//! Who is calling the interview API: an integrator's API key (acting for the organisation;
//! admin keys may also filter by user) or a user's JWT (acting as that user). And the token
//! endpoints that mint users' JWTs.

use axum::extract::{FromRequestParts, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use super::detail::{DetailError, DetailJson};
use super::{AppState, bearer, same_secret};
use crate::clock::unix_ms;
use crate::credentials::TokenPair;
use crate::credentials::jwt::{JwtError, TokenKind};
use crate::store::DEFAULT_ORG_ID;

/// The caller of an interview-API request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An integrator's API key.
    ApiKey {
        /// The key's id (`bootstrap` for `VIVA_API_KEY`).
        key_id: String,
        /// Whether it is an admin key.
        admin: bool,
        /// The organization it acts for.
        org_id: String,
    },
    /// A user with an access token.
    User {
        /// The user's id.
        user_id: String,
        /// The user's organization.
        org_id: String,
    },
}

impl Principal {
    /// The organization the caller acts in: everything it reads or changes is this one's.
    pub fn org_id(&self) -> &str {
        match self {
            Self::ApiKey { org_id, .. } | Self::User { org_id, .. } => org_id,
        }
    }

    /// Whether the caller may act on interviews of `user_id`.
    pub fn may_access(&self, user_id: &str) -> bool {
        match self {
            Self::ApiKey { .. } => true,
            Self::User { user_id: own, .. } => own == user_id,
        }
    }

    /// Whether the caller is an admin API key.
    pub fn is_admin(&self) -> bool {
        matches!(self, Self::ApiKey { admin: true, .. })
    }
}

impl AppState {
    /// Resolves an API key: the bootstrap key (admin) or a stored, unrevoked one.
    pub(crate) async fn api_key(&self, token: &str) -> Result<Option<Principal>, DetailError> {
        if same_secret(token, &self.api_key) {
            return Ok(Some(Principal::ApiKey {
                key_id: "bootstrap".into(),
                admin: true,
                org_id: DEFAULT_ORG_ID.into(),
            }));
        }
        if !token.starts_with("sk_") {
            return Ok(None);
        }
        let key = self.store.api_key_for_secret(token).await?;
        Ok(key.map(|k| Principal::ApiKey {
            key_id: k.id,
            admin: k.admin,
            org_id: k.org_id,
        }))
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = DetailError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        state.principal(&parts.headers, None).await
    }
}

impl AppState {
    /// The caller of a request: an API key, a user's access token or, where `joining` names
    /// the interview being joined, that interview's join token (an interview link's).
    pub(crate) async fn principal(
        &self,
        headers: &HeaderMap,
        joining: Option<&str>,
    ) -> Result<Principal, DetailError> {
        let token =
            bearer(headers).ok_or_else(|| DetailError::unauthorized("Not authenticated"))?;
        if let Some(principal) = self.api_key(token).await? {
            return Ok(principal);
        }
        let now = unix_ms() / 1000;
        let verified = match (joining, self.jwt.verify(token, TokenKind::Access, now)) {
            (Some(interview_id), Err(JwtError::Invalid)) => self
                .jwt
                .verify(token, TokenKind::Join, now)
                .and_then(|claims| match claims.iid.as_deref() {
                    Some(iid) if iid == interview_id => Ok(claims),
                    _ => Err(JwtError::Invalid),
                }),
            (_, verified) => verified,
        };
        match verified {
            // The user's organization is read, not trusted from the token: a deleted user's
            // tokens stop working.
            Ok(claims) => match self.store.user(&claims.sub).await? {
                Some(user) => Ok(Principal::User {
                    user_id: user.id,
                    org_id: user.org_id,
                }),
                None => Err(DetailError::unauthorized("Could not validate credentials")),
            },
            Err(JwtError::Expired) => Err(DetailError::unauthorized("Token has expired")),
            Err(JwtError::Invalid) => {
                Err(DetailError::unauthorized("Could not validate credentials"))
            }
        }
    }
}

/// `/api/v1/auth/*`.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/token", post(token))
        .route("/api/v1/auth/refresh", post(refresh))
}

#[derive(Debug, Deserialize)]
struct TokenRequest {
    email: String,
}

/// `POST /api/v1/auth/token` (API key): JWTs for the user with this email, created on first
/// sight.
async fn token(
    State(state): State<AppState>,
    principal: Principal,
    DetailJson(body): DetailJson<TokenRequest>,
) -> Result<Json<TokenPair>, DetailError> {
    if !matches!(principal, Principal::ApiKey { .. }) {
        return Err(DetailError::forbidden(
            "Only an API key can mint user tokens",
        ));
    }
    let email = valid_email(&body.email)?;
    let user = state
        .store
        .user_for_email(principal.org_id(), email, unix_ms())
        .await?;
    Ok(Json(state.jwt.issue(
        &user.id,
        &user.email,
        unix_ms() / 1000,
    )))
}

#[derive(Debug, Deserialize)]
struct RefreshRequest {
    refresh: String,
}

/// `POST /api/v1/auth/refresh`: a new pair for a valid refresh token.
async fn refresh(
    State(state): State<AppState>,
    DetailJson(body): DetailJson<RefreshRequest>,
) -> Result<Json<TokenPair>, DetailError> {
    let claims = match state
        .jwt
        .verify(&body.refresh, TokenKind::Refresh, unix_ms() / 1000)
    {
        Ok(claims) => claims,
        Err(JwtError::Expired) => {
            return Err(DetailError::unauthorized("Refresh token has expired"));
        }
        Err(JwtError::Invalid) => return Err(DetailError::unauthorized("Invalid refresh token")),
    };
    let user = state
        .store
        .user(&claims.sub)
        .await?
        .ok_or_else(|| DetailError::unauthorized("Unknown user"))?;
    Ok(Json(state.jwt.issue(
        &user.id,
        &user.email,
        unix_ms() / 1000,
    )))
}

/// A plausible email address (one `@`, something on both sides, a dot in the domain).
pub(super) fn valid_email(email: &str) -> Result<&str, DetailError> {
    let email = email.trim();
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if ok {
        Ok(email)
    } else {
        Err(DetailError::bad_request("A valid email is required"))
    }
}
