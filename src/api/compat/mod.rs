//! Facades: other products' wire formats over Viva's core, one folder each. Each parses its
//! format, calls the same services (the store, `Interviews`, `Calls`) and maps the domain
//! errors onto its own; none sets up calls of its own.

mod skillora;

use axum::Router;

use super::AppState;
use crate::config::ServeConfig;

/// Every facade's routes.
pub(super) fn router(config: &ServeConfig) -> Router<AppState> {
    Router::new().merge(skillora::router(config))
}
