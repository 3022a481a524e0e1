//! The editors' page (`GET /admin`) and the JSON it reads, all behind the admin token: the
//! guides (list and search), what a guide learned from feedback (see it, remove a text, freeze
//! it), and the report's weekly chart.
//!
//! The page itself holds no data: it asks for the admin token, keeps it in the tab's session
//! storage, and sends it as `Authorization: Bearer …` with every call, to these routes and to
//! the guide and report routes of the API (`PUT`/`DELETE /api/guides/{id}`,
//! `GET /api/feedback/report`).
//!
//! Removing a learned text and freezing or thawing a guide are editors' decisions: each is
//! stored (with the editor's keyed hash when the proxy names a user, never the id) and then
//! applied by replaying what this instance has not applied yet, feedback and decisions in their
//! order ([`crate::learn`]). So a decision survives a restart, reaches the other instances at
//! their next poll, and a frozen guide learns nothing from feedback stored while it is frozen.

use axum::extract::{FromRequestParts, RawQuery, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vagvisare::feedback::EditorDecision;

use super::guides::not_indexed;
use super::{blocking, first, query_pairs, read_json, Admin, CurrentUser, PathParam};
use crate::app::App;
use crate::error::{ApiError, ErrorCode};
use crate::store::{now_text, DecisionRow};

/// The editors' page: one file, Swedish, no external assets.
pub const ADMIN_HTML: &str = include_str!("../../assets/admin.html");

/// Everything the page loads comes from this service; the chart is a `data:` image.
const ADMIN_POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; \
    style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; \
    form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Most guides one list answers.
const MAX_LISTED: usize = 500;

/// `GET /admin`.
pub async fn page() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, ADMIN_POLICY),
            (CACHE_CONTROL, "no-cache"),
        ],
        ADMIN_HTML,
    )
}

fn folded(text: &str) -> String {
    text.to_lowercase()
}

/// `GET /api/admin/guides?q=`: the stored guides whose id, title, category or body holds every
/// word of `q` (case-insensitive), by title, at most 500; with how many texts each learned.
pub async fn list(
    State(app): State<App>,
    RawQuery(raw): RawQuery,
    _admin: Admin,
) -> Result<Json<Value>, ApiError> {
    let pairs = query_pairs(raw.as_deref());
    let words: Vec<String> = folded(first(&pairs, "q").unwrap_or(""))
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let store = app.store();
    let (_, mut guides) = blocking(move || store.all_guides()).await?;
    guides.retain(|g| {
        let haystack = folded(&format!("{} {} {} {}", g.id, g.title, g.category, g.body));
        words.iter().all(|w| haystack.contains(w.as_str()))
    });
    guides.sort_by(|a, b| {
        folded(&a.title)
            .cmp(&folded(&b.title))
            .then(a.id.cmp(&b.id))
    });
    let total = guides.len();
    let listed: Vec<Value> = guides
        .iter()
        .take(MAX_LISTED)
        .map(|g| {
            json!({
                "id": g.id,
                "title": g.title,
                "category": g.category,
                "learned": app.index().learned(&g.id).len(),
                "frozen": app.is_frozen(&g.id),
            })
        })
        .collect();
    Ok(Json(json!({ "total": total, "guides": listed })))
}

/// The id in the path of a guide an editor works on: the path read first, then the admin token
/// ([`Admin`]), then that this instance's index holds the guide (`guide_not_found` if not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditedGuide(pub String);

impl FromRequestParts<App> for EditedGuide {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let PathParam(id) = PathParam::<String>::from_request_parts(parts, app).await?;
        Admin::from_request_parts(parts, app).await?;
        if app.index().get(&id).is_none() {
            return Err(not_indexed());
        }
        Ok(EditedGuide(id))
    }
}

fn learned_answer(app: &App, id: &str) -> Value {
    json!({
        "guide": id,
        "frozen": app.is_frozen(id),
        "terms": app.index().learned(id),
    })
}

/// `GET /api/admin/guides/{id}/learned`: the texts the guide learned, heaviest first (each with
/// its weight, distinct people, and whether it counts now), and whether it is frozen.
pub async fn learned(
    State(app): State<App>,
    EditedGuide(id): EditedGuide,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(learned_answer(&app, &id)))
}

/// Stores an editor's decision on a guide's learned texts, then applies what this instance has
/// not applied yet (the decision among it, in its place).
async fn decide(
    app: &App,
    guide: &str,
    decision: EditorDecision,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let editor = CurrentUser::from_headers(headers)?.map(|user| app.actor_keys().key(&user.id));
    let row = DecisionRow {
        id: 0,
        after_feedback: 0,
        at: now_text(),
        guide: guide.to_string(),
        decision,
        editor,
    };
    let store = app.store();
    blocking(move || store.add_decision(&row)).await?;
    app.sync_feedback().await.map_err(|e| {
        ApiError::new(
            e.code,
            format!(
                "the decision is stored, but this instance could not apply it yet ({}); it \
                 applies at the next poll",
                e.message
            ),
        )
    })?;
    Ok(())
}

/// `DELETE /api/admin/guides/{id}/learned?text=`: forgets one learned text (stored; later
/// feedback may teach it again).
pub async fn remove_learned(
    State(app): State<App>,
    EditedGuide(id): EditedGuide,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let pairs = query_pairs(raw.as_deref());
    let decision = EditorDecision::remove(first(&pairs, "text").unwrap_or(""));
    let learned = decision
        .text()
        .is_some_and(|text| app.index().learned(&id).iter().any(|t| t.text == text));
    if !learned {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "the guide has not learned this text (reload the list)",
        ));
    }
    decide(&app, &id, decision, &headers).await?;
    Ok(Json(learned_answer(&app, &id)))
}

/// The body of `POST /api/admin/guides/{id}/learned/freeze`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreezeRequest {
    /// Freeze (true) or thaw (false).
    pub frozen: bool,
}

/// `POST /api/admin/guides/{id}/learned/freeze` with `{"frozen": true}`: the guide keeps what
/// it learned but learns nothing new (or, with `false`, learns again); stored, like a removal.
pub async fn freeze(
    State(app): State<App>,
    EditedGuide(id): EditedGuide,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let headers = request.headers().clone();
    let body: FreezeRequest = read_json(&app, request).await?;
    decide(&app, &id, EditorDecision::freeze(body.frozen), &headers).await?;
    Ok(Json(learned_answer(&app, &id)))
}

/// `GET /api/admin/report.svg`: the weekly deflection rate as an SVG chart (the core's).
pub async fn chart(State(app): State<App>, _admin: Admin) -> Result<Response, ApiError> {
    let svg = app.index().feedback_report(0).weekly_svg();
    Ok((
        [
            (CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}
