//! Errors of the partner mock-interview API in seed 000's shape, `{"error": "…"}` with a stable
//! `code` beside it for programs, and the JSON body extractor whose rejections (400, 413, 415)
//! take that shape too.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::store::StoreError;

/// 404's message, for a missing interview and for another organization's alike.
pub(super) const NOT_FOUND: &str = "Mock assessment not found";
/// 401's message.
pub(super) const INVALID_KEY: &str = "Invalid API key";
/// 403's message when the organization's credits are spent.
pub(super) const NO_CREDITS: &str = "Organization has no mock interview credits available";

/// A seed-000 error: a status and one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SkilloraError {
    pub(super) status: StatusCode,
    pub(super) message: String,
    /// The stable code: the status's (as the interview API's), or one of its own.
    pub(super) code: &'static str,
}

impl SkilloraError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            code: crate::api::detail::code_of(status),
        }
    }

    /// 400, naming the field at fault.
    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404 `Mock assessment not found`.
    pub(super) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, NOT_FOUND)
    }

    /// 500; the cause goes to the log only.
    pub(super) fn internal(cause: impl std::fmt::Display) -> Self {
        crate::api::error::log_internal(&cause);
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }
}

impl IntoResponse for SkilloraError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(json!({ "error": self.message, "code": self.code })),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

impl From<StoreError> for SkilloraError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(_) => Self::not_found(),
            StoreError::NoCredits => Self {
                code: "no_credits",
                ..Self::new(StatusCode::FORBIDDEN, NO_CREDITS)
            },
            StoreError::Conflict(_) => Self::new(StatusCode::CONFLICT, "Already exists"),
            StoreError::Backend(_) => Self::internal(error),
        }
    }
}

impl From<crate::api::DetailError> for SkilloraError {
    /// The core's auth errors in this shape: every 401 reads `Invalid API key` (an expired user
    /// token says so), anything else keeps its status.
    fn from(error: crate::api::DetailError) -> Self {
        match error.status {
            StatusCode::UNAUTHORIZED if error.detail == "Token has expired" => {
                Self::new(StatusCode::UNAUTHORIZED, error.detail)
            }
            StatusCode::UNAUTHORIZED => Self::new(StatusCode::UNAUTHORIZED, INVALID_KEY),
            StatusCode::INTERNAL_SERVER_ERROR => {
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            }
            status => Self::new(status, error.detail),
        }
    }
}

/// A JSON object body. A non-JSON content type is 415, a body over the limit 413, malformed
/// JSON or anything but an object 400, each as `{"error"}`.
pub(super) struct JsonObject(pub(super) Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = SkilloraError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<Value>::from_request(request, state).await {
            Ok(axum::Json(Value::Object(map))) => Ok(Self(map)),
            Ok(_) => Err(SkilloraError::bad_request(
                "The request body must be a JSON object",
            )),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(SkilloraError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type must be application/json",
            )),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(SkilloraError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "The request body is larger than {} MB",
                        super::MAX_BODY_BYTES / (1024 * 1024)
                    ),
                ))
            }
            Err(rejection) => Err(SkilloraError::bad_request(format!(
                "Invalid JSON body: {}",
                rejection.body_text()
            ))),
        }
    }
}
