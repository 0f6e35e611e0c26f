//! The candidate's page, embedded in the binary so that `viva serve` needs no files.

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;

use super::AppState;

/// The page (also served as the partner API's embed page, `compat::skillora`).
pub(super) const INDEX_HTML: &str = include_str!("../../web/index.html");
const STYLE_CSS: &str = include_str!("../../web/style.css");
/// The interview-sessions API demo page (seed 002's `/tezhire`).
const TEZHIRE_HTML: &str = include_str!("../../web/tezhire.html");
/// The AI Interview WebSocket test page (seed 004's `/interview_test.html`).
const INTERVIEW_TEST_HTML: &str = include_str!("../../web/interview_test.html");

/// The page's script: plain ES modules, each served at `/assets/<file>`. `app.js` is the entry
/// (`<script type="module">` in `index.html`); it imports the others by relative path.
const MODULES: &[(&str, &str)] = &[
    ("/assets/app.js", include_str!("../../web/app.js")),
    ("/assets/api.js", include_str!("../../web/api.js")),
    ("/assets/call.js", include_str!("../../web/call.js")),
    ("/assets/end.js", include_str!("../../web/end.js")),
    ("/assets/errors.js", include_str!("../../web/errors.js")),
    ("/assets/events.js", include_str!("../../web/events.js")),
    (
        "/assets/indicators.js",
        include_str!("../../web/indicators.js"),
    ),
    (
        "/assets/interview_test.js",
        include_str!("../../web/interview_test.js"),
    ),
    ("/assets/media.js", include_str!("../../web/media.js")),
    ("/assets/meter.js", include_str!("../../web/meter.js")),
    ("/assets/mute.js", include_str!("../../web/mute.js")),
    ("/assets/params.js", include_str!("../../web/params.js")),
    ("/assets/state.js", include_str!("../../web/state.js")),
    ("/assets/status.js", include_str!("../../web/status.js")),
    ("/assets/tezhire.js", include_str!("../../web/tezhire.js")),
    (
        "/assets/transcript.js",
        include_str!("../../web/transcript.js"),
    ),
    ("/assets/ui.js", include_str!("../../web/ui.js")),
    ("/assets/viva.js", include_str!("../../web/viva.js")),
];

/// `/` and `/join` (the page; a join link carries `?token=ek_…`), and its assets.
pub(crate) fn router() -> Router<AppState> {
    let mut router = Router::new()
        .route("/", get(index))
        .route("/join", get(index))
        .route(
            "/tezhire",
            get(|| async { ([(header::CACHE_CONTROL, "no-store")], Html(TEZHIRE_HTML)) }),
        )
        .route(
            "/interview_test.html",
            get(|| async {
                (
                    [(header::CACHE_CONTROL, "no-store")],
                    Html(INTERVIEW_TEST_HTML),
                )
            }),
        )
        .route(
            "/assets/style.css",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
                    STYLE_CSS,
                )
            }),
        );
    for &(path, source) in MODULES {
        router = router.route(
            path,
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    source,
                )
            }),
        );
    }
    router.layer(axum::middleware::map_response(page_headers))
}

/// Every page and asset: the browser takes the content type as given (`nosniff`) and sends no
/// referrer (a join link carries its token in the query).
async fn page_headers(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    response
}

async fn index() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], Html(INDEX_HTML))
}

#[cfg(test)]
mod tests {
    use super::MODULES;

    /// Every `from "./x.js"` in a module names a module that is served (a missing route would
    /// only show in a browser, as a page that never starts).
    #[test]
    fn every_imported_module_is_served() {
        for (path, source) in MODULES {
            for rest in source.split(" from \"./").skip(1) {
                let name = &rest[..rest.find('"').expect("closing quote")];
                let served = format!("/assets/{name}");
                assert!(
                    MODULES.iter().any(|(p, _)| *p == served),
                    "{path} imports ./{name}, which has no route"
                );
            }
        }
    }

    /// Every `web/*.js` file is served, so a new module cannot be forgotten here.
    #[test]
    fn every_web_script_is_served() {
        let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        for entry in std::fs::read_dir(web).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".js") {
                let served = format!("/assets/{name}");
                assert!(
                    MODULES.iter().any(|(p, _)| *p == served),
                    "web/{name} has no route in src/api/web.rs"
                );
            }
        }
    }
}
