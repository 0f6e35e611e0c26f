//! Facades: other products' wire formats over Viva's core, one folder each. Each parses its
//! format, calls the same services (the store, `Interviews`, `Calls`) and maps the domain
//! errors onto its own; none sets up calls of its own.

mod aiinterview;
mod demo;
mod failure;
#[cfg(test)]
mod fixtures;
mod join_token;
mod live;
mod new_interview;
mod openhire;
mod skillora;
mod socket_loop;
mod text;
mod tezhire;
mod typed_call;
mod ws;

use axum::Router;
use axum::http::{HeaderMap, header};

use super::AppState;
use crate::config::ServeConfig;

/// The candidate page for an interview link: `{EMBED}/{id}/?access=<join token>`.
const EMBED: &str = "/embed/ai-interview";

/// Every facade's routes.
pub(super) fn router(config: &ServeConfig) -> Router<AppState> {
    Router::new()
        .merge(skillora::router(config))
        .merge(tezhire::router())
        .merge(openhire::router())
        .merge(aiinterview::router())
}

/// Where clients reach this server: the proxy's `X-Forwarded-Proto`/`X-Forwarded-Host`, else
/// the request's `Host` over http, else the listen address.
pub(super) fn public_base(headers: &HeaderMap, state: &AppState) -> String {
    let first = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let proto = first("x-forwarded-proto")
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    let host = first("x-forwarded-host")
        .or_else(|| first(header::HOST.as_str()))
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .map_or_else(|| state.config.listen.to_string(), str::to_owned);
    format!("{proto}://{host}")
}

/// `template`, stored as a built-in on its first use (a facade files its interviews under
/// fixed templates); a concurrent first use is fine.
pub(super) async fn seeded_template(
    state: &AppState,
    org_id: &str,
    template: crate::interview::Template,
) -> Result<crate::interview::Template, crate::store::StoreError> {
    if state.store.template(org_id, &template.id).await?.is_none() {
        match state
            .store
            .seed_templates(std::slice::from_ref(&template), crate::clock::unix_ms())
            .await
        {
            Ok(()) | Err(crate::store::StoreError::Conflict(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(template)
}
