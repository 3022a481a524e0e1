//! Guides: read one (`GET /api/guides/{id}`), and, with the admin token, add or replace one
//! (`PUT /api/guides/{id}`), many (`POST /api/guides`, a JSON array or, with
//! `Content-Type: text/csv`, CSV with a header row; all or nothing) or delete one
//! (`DELETE /api/guides/{id}`).
//!
//! A change is committed to the store first, then this instance's index catches up at once;
//! other instances catch up at their next poll (every two seconds by default).

use std::collections::HashSet;

use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use vagvisare::Guide;

use super::{blocking, read_body, read_json, Admin, PathParam};
use crate::app::App;
use crate::error::{ApiError, ErrorCode};

fn check(guides: &[Guide]) -> Result<(), ApiError> {
    let mut seen = HashSet::new();
    for guide in guides {
        guide.validate().map_err(|message| {
            ApiError::new(
                ErrorCode::InvalidGuide,
                format!("guide `{}`: {message}", guide.id),
            )
        })?;
        if !seen.insert(guide.id.as_str()) {
            return Err(ApiError::new(
                ErrorCode::InvalidGuide,
                format!("guide `{}` appears twice in the batch", guide.id),
            ));
        }
    }
    Ok(())
}

async fn store_guides(app: &App, guides: Vec<Guide>) -> Result<(i64, usize), ApiError> {
    check(&guides)?;
    let count = guides.len();
    let store = app.store();
    let revision = blocking(move || store.put_guides(&guides)).await?;
    app.sync_guides().await?;
    Ok((revision, count))
}

/// `GET /api/guides/{id}`.
pub async fn get(
    State(app): State<App>,
    PathParam(id): PathParam<String>,
) -> Result<Json<Guide>, ApiError> {
    app.index().get(&id).map(Json).ok_or_else(not_indexed)
}

/// The answer for a guide id this instance's index does not hold.
pub(crate) fn not_indexed() -> ApiError {
    ApiError::new(ErrorCode::GuideNotFound, "no guide with this id is indexed")
}

/// `PUT /api/guides/{id}`: the body is the guide; its `id`, if given, must match the path.
pub async fn put(
    State(app): State<App>,
    PathParam(id): PathParam<String>,
    _admin: Admin,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let mut body: Value = read_json(&app, request).await?;
    match body.get("id") {
        None => {
            if let Some(object) = body.as_object_mut() {
                object.insert("id".into(), Value::String(id.clone()));
            }
        }
        Some(Value::String(given)) if *given == id => {}
        Some(_) => {
            return Err(ApiError::new(
                ErrorCode::InvalidGuide,
                "the guide's `id` differs from the id in the path",
            ))
        }
    }
    let guide: Guide = serde_json::from_value(body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidJson,
            format!("the body is not a guide: {e}"),
        )
    })?;
    let (revision, _) = store_guides(&app, vec![guide]).await?;
    Ok(Json(json!({ "id": id, "revision": revision })))
}

/// Whether the request's body is CSV (`text/csv`).
fn is_csv(request: &Request) -> bool {
    request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("text/csv"))
}

/// Guides from a CSV body, as the core reads them; every bad row is named in the error.
async fn read_csv(app: &App, request: Request) -> Result<Vec<Guide>, ApiError> {
    let bytes = read_body(request, app.config().limits.body_bytes).await?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        ApiError::new(
            ErrorCode::BadRequest,
            format!(
                "the CSV body is not UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })?;
    vagvisare::guide::parse_csv(text, vagvisare::guide::OnBad::Refuse)
        .map(|imported| imported.guides)
        .map_err(|e| ApiError::new(ErrorCode::InvalidGuide, e.to_string()))
}

/// `POST /api/guides`: a JSON array of guides, or CSV with a header row (`Content-Type:
/// text/csv`), stored together or not at all.
pub async fn post(
    State(app): State<App>,
    _admin: Admin,
    request: Request,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (guides, empty) = if is_csv(&request) {
        (read_csv(&app, request).await?, "the CSV has no guide rows")
    } else {
        (
            read_json(&app, request).await?,
            "the array of guides is empty",
        )
    };
    if guides.is_empty() {
        return Err(ApiError::new(ErrorCode::BadRequest, empty));
    }
    let (revision, count) = store_guides(&app, guides).await?;
    Ok((
        StatusCode::OK,
        Json(json!({ "stored": count, "revision": revision })),
    ))
}

/// `DELETE /api/guides/{id}`.
pub async fn delete(
    State(app): State<App>,
    PathParam(id): PathParam<String>,
    _admin: Admin,
) -> Result<Json<Value>, ApiError> {
    let store = app.store();
    let key = id.clone();
    let revision = blocking(move || store.delete_guide(&key))
        .await?
        .ok_or_else(|| {
            ApiError::new(ErrorCode::GuideNotFound, "no guide with this id is stored")
        })?;
    app.sync_guides().await?;
    Ok(Json(
        json!({ "id": id, "deleted": true, "revision": revision }),
    ))
}
