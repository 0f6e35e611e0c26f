//! `GET /v1/recordings/{id}.ogg?expires=…&sig=…`: a recording, by the signed URL an API handed
//! out (the signature is the credential, so an `<audio>` element can play it). Served as
//! `audio/ogg` with Range support, so players seek.

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use tower_http::services::ServeFile;

use super::{ApiError, AppState};
use crate::clock::unix_ms;
use crate::recording::Location;
use crate::recording::signed_url::{PATH_PREFIX, SignatureError};

/// The signature of a recording URL.
#[derive(Debug, Deserialize)]
struct Signed {
    expires: Option<u64>,
    sig: Option<String>,
}

/// The signed URL of recording `id` at `base` (`https://host`), valid for the configured
/// time (`--recording-url-ttl`).
pub(crate) fn recording_url(state: &AppState, base: &str, id: &str) -> String {
    let expires = unix_ms() / 1000 + state.config.recording_url_ttl;
    format!("{base}{}", state.recording_urls.sign(id, expires))
}

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/v1/recordings/{file}", get(recording))
}

async fn recording(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(signed): Query<Signed>,
    request: Request,
) -> Result<Response, ApiError> {
    let (Some(expires), Some(sig)) = (signed.expires, signed.sig) else {
        return Err(ApiError::forbidden(
            "recording_link_invalid",
            "A recording is served only by the signed link an API handed out.",
        ));
    };
    let path = format!("{PATH_PREFIX}{file}");
    state
        .recording_urls
        .verify(&path, expires, &sig, unix_ms() / 1000)
        .map_err(|error| match error {
            SignatureError::Forged => {
                ApiError::forbidden("recording_link_invalid", "The recording link is not valid.")
            }
            SignatureError::Expired => ApiError::forbidden(
                "recording_link_expired",
                "The recording link has expired; ask the API for a new one.",
            ),
        })?;
    let gone = || ApiError::not_found("recording_not_found", "No such recording.");
    let id = file.strip_suffix(".ogg").ok_or_else(gone)?;
    let recording = state.store.recording(id).await?.ok_or_else(gone)?;
    let Location::File(file_path) = state.recording_files.locate(&recording.key);
    let mut response = ServeFile::new(file_path)
        .try_call(request)
        .await
        .map_err(ApiError::internal)?
        .map(axum::body::Body::new);
    if response.status() == axum::http::StatusCode::NOT_FOUND {
        return Err(gone());
    }
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/ogg"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    Ok(response.into_response())
}
