//! Client-secret authentication (`Authorization: Bearer ek_…`) for the realtime routes a
//! candidate's page calls: one extractor, one mapping of secret errors onto the wire.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::{ApiError, AppState, bearer};
use crate::clock::unix_secs;
use crate::credentials::{ClientSecret, SecretError};

/// A verified client secret from the request's bearer token.
#[derive(Debug, Clone)]
pub(super) struct SecretBearer(pub(super) ClientSecret);

impl FromRequestParts<AppState> for SecretBearer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(|| {
            ApiError::unauthorized(
                "missing_authorization",
                "Send a client secret as `Authorization: Bearer ek_…`.",
            )
        })?;
        state.verify_secret(token).map(Self)
    }
}

impl AppState {
    /// Verifies a client secret now.
    pub(super) fn verify_secret(&self, token: &str) -> Result<ClientSecret, ApiError> {
        self.secrets
            .verify(token, unix_secs())
            .map_err(secret_error)
    }
}

fn secret_error(error: SecretError) -> ApiError {
    match error {
        SecretError::Invalid => {
            ApiError::unauthorized("invalid_client_secret", "The client secret is not valid.")
        }
        SecretError::Expired => ApiError::unauthorized(
            "expired_client_secret",
            "The client secret has expired; mint a new one.",
        ),
    }
}
