//! The demo portal page (`GET /`), the drop-in widget (`GET /static/vagvisare.js`), the services
//! and their forms (`GET /api/services`), the OpenAPI description (`GET /openapi.json`) and the
//! health check (`GET /health`).

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value};

use super::blocking;
use crate::app::App;
use crate::error::ApiError;

/// The demo page: one file, Swedish, no external assets but the widget from this service.
pub const INDEX_HTML: &str = include_str!("../../assets/index.html");

/// The drop-in widget: "Möjliga lösningar" for a description field of any portal page. One file
/// for the service and the Python package's Django app, kept where the wheel takes it from.
pub const WIDGET_JS: &str = include_str!(
    "../../../../bindings/python/python/vagvisare/django/static/vagvisare/vagvisare.js"
);

/// Everything the page loads comes from this service; scripts and styles are inline.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self' 'unsafe-inline'; \
    style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; \
    form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/// `GET /`.
pub async fn index() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, PAGE_POLICY),
            (CACHE_CONTROL, "no-cache"),
        ],
        INDEX_HTML,
    )
}

/// `GET /static/vagvisare.js`.
pub async fn widget() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        WIDGET_JS,
    )
}

/// `GET /api/services`: the services (forms) this portal offers, with their fields, so a page
/// can render a form from the configuration.
pub async fn services(State(app): State<App>) -> Json<Value> {
    let services: Vec<Value> = app
        .config()
        .services
        .values()
        .map(|s| {
            json!({
                "name": s.name,
                "organisation": s.organisation,
                "workflow": s.workflow,
                "form": s.form,
            })
        })
        .collect();
    Json(json!({ "services": services }))
}

/// `GET /openapi.json`.
pub async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}

/// `GET /health`: the store answers, and how many guides are indexed.
pub async fn health(State(app): State<App>) -> Result<Json<Value>, ApiError> {
    let store = app.store();
    let backend = store.backend();
    let schema = blocking(move || store.schema_version()).await?;
    Ok(Json(json!({
        "status": "ok",
        "store": backend,
        "schema_version": schema,
        "guides": app.index().len(),
    })))
}
