//! Errors of the interview API (`/api/v1/…`), in the seed's shape: `{"detail": "…"}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::store::StoreError;

/// An interview-API error: status and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailError {
    /// HTTP status.
    pub status: StatusCode,
    /// What went wrong.
    pub detail: String,
}

impl DetailError {
    /// An error with `status` and `detail`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
        }
    }

    /// 400.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 401.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    /// 403.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// 500; the cause goes to the log only.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        super::error::log_internal(&cause);
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }
}

impl IntoResponse for DetailError {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, axum::Json(json!({ "detail": self.detail }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

impl From<StoreError> for DetailError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(_) => Self::not_found("Not found"),
            StoreError::Conflict(_) => Self::new(StatusCode::CONFLICT, "Already exists"),
            StoreError::NoCredits => {
                Self::forbidden("Organization has no interview credits available")
            }
            StoreError::Backend(_) => Self::internal(error),
        }
    }
}

/// A JSON body for the interview API: rejections become `{"detail"}` errors (400, 413, 415).
pub(crate) struct DetailJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for DetailJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = DetailError;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(DetailError::new(rejection.status(), rejection.body_text())),
        }
    }
}
