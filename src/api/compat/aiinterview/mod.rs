//! Seed 004 (AI Interview): an interview over `ws://…/interview/{application_id}`, the test
//! page `/interview_test.html` (served by `api::web`), `GET /api/interview/metrics`, and the native route that mints a
//! socket's token. The application id must be a UUID: anything else is refused with
//! `INVALID_APPLICATION_ID` before anything else. Who may connect: `?token=` (a join token
//! minted by `POST /api/v1/aiinterview/sessions` for that application's interview), or without
//! a token, on a server listening on loopback or started with `--demo`, the demo organization
//! (the seed's sample application ids). Refusals are sent as the protocol's error on the
//! socket, which is then closed (1008), since a browser cannot read a refused handshake.
//! Reconnecting with the same application id resumes its interview: the current question is
//! sent again.

mod assessment;
mod flow;
mod messages;
mod metrics;
mod plan;
mod session;
mod setup;
mod socket;
mod token;

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};

use super::join_token::{self, Caller, Refusal, TokenQuery};
use super::live::Registry;
use super::ws;
use crate::api::AppState;
use crate::interview::Interview;
use crate::store::Application;
use messages::WsError;
use session::Session;

/// The socket, the metrics and `POST /api/v1/aiinterview/sessions` (the test page is
/// `/interview_test.html`, with the other pages in `api::web`).
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/interview/{application_id}", get(connect))
        .route("/api/v1/aiinterview/sessions", post(token::mint))
        .route("/api/interview/metrics", get(metrics::metrics))
        .layer(Extension(Arc::new(Registry::<Session>::default())))
        .layer(Extension(Arc::new(metrics::Metrics::default())))
}

/// Who a socket is: its organization's application, and the interview its token is bound to.
pub(super) struct Admitted {
    pub(super) application: Application,
    pub(super) bound: Option<Interview>,
}

/// Admits a socket for `application_id` by `token`, or the demo organization where allowed.
async fn admit(
    state: &AppState,
    application_id: &str,
    token: Option<&str>,
) -> Result<Admitted, WsError> {
    if uuid::Uuid::parse_str(application_id).is_err() {
        return Err(WsError::new(
            "INVALID_APPLICATION_ID",
            "The application id must be a UUID",
            false,
            "Use an id like 550e8400-e29b-41d4-a716-446655440000",
        ));
    }
    let refused =
        |code, message: &str, suggestion: &str| WsError::new(code, message, false, suggestion);
    let new_token = "Ask for a new interview link";
    let (org_id, iid) = match join_token::admit(state, token).await {
        Ok(Caller::Demo(org_id)) => {
            let application = setup::application(state, &org_id, application_id).await?;
            return Ok(Admitted {
                application,
                bound: None,
            });
        }
        Ok(Caller::Token {
            org_id,
            interview_id,
        }) => (org_id, interview_id),
        Err(Refusal::TokenRequired) => {
            return Err(refused(
                "AUTH_REQUIRED",
                "A token is required",
                "Connect with ?token=<token from POST /api/v1/aiinterview/sessions>",
            ));
        }
        Err(Refusal::Expired) => {
            return Err(refused("TOKEN_EXPIRED", "The token has expired", new_token));
        }
        Err(Refusal::Invalid) => {
            return Err(refused(
                "INVALID_TOKEN",
                "Could not validate the token",
                new_token,
            ));
        }
        Err(Refusal::Store(error)) => return Err(error.into()),
    };
    let application = setup::application(state, &org_id, application_id).await?;
    let interview = match iid {
        Some(iid) => state.store.interview(&org_id, &iid).await?,
        None => None,
    };
    match interview {
        Some(interview)
            if interview.progress_data[setup::KEY]["application_id"] == application_id =>
        {
            Ok(Admitted {
                application,
                bound: Some(interview),
            })
        }
        _ => Err(refused(
            "TOKEN_MISMATCH",
            "The token is for another application's interview",
            new_token,
        )),
    }
}

/// `GET /interview/{application_id}[?token=]`: the upgrade.
async fn connect(
    State(state): State<AppState>,
    Extension(registry): Extension<Arc<Registry<Session>>>,
    Extension(metrics): Extension<Arc<metrics::Metrics>>,
    Path(application_id): Path<String>,
    query: Result<Query<TokenQuery>, axum::extract::rejection::QueryRejection>,
    request: Request,
) -> Response {
    let token = join_token::query_token(query);
    let admitted = admit(&state, &application_id, token.as_deref()).await;
    ws::upgrade(request, move |socket| async move {
        let conn = ws::Conn::new(
            socket,
            std::time::Duration::from_secs(state.config.ws_idle_secs),
        );
        match admitted {
            Ok(admitted) => {
                let socket = socket::Socket::new(state, registry, metrics, admitted);
                super::socket_loop::run(conn, socket).await;
            }
            Err(error) => socket::refuse(conn, &error).await,
        }
    })
    .into_response()
}
