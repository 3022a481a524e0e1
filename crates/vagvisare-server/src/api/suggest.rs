//! `GET /api/suggest?q=…&limit=…&category=…&audience=…&semantic=…` (and the same as a JSON `POST`): the
//! guides that may solve what the person has typed so far ("Möjliga lösningar").
//!
//! Never an error because of the text: any `q` (empty, emoji, query syntax, invalid
//! percent-encoding or UTF-8) gives suggestions or an empty list. Text beyond the cap
//! ([`Limits::query_bytes`](crate::config::Limits), the library's `MAX_QUERY_BYTES`) is cut at a
//! character boundary before it is analysed, and the answer says so (`query_truncated`).

use std::sync::Arc;

use axum::extract::{RawQuery, Request, State};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use vagvisare::{Filters, SuggestOptions};

use super::{cut, first, query_pairs, read_json};
use crate::app::App;
use crate::error::{ApiError, ErrorCode};
use crate::search_pool::SearchPool;

/// The parameters of a suggestion request.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuggestRequest {
    /// The text as typed.
    #[serde(default)]
    pub q: String,
    /// Most suggestions (default 5).
    #[serde(default)]
    pub limit: Option<usize>,
    /// Only guides in these categories (or below them).
    #[serde(default)]
    pub category: Vec<String>,
    /// Only guides for everyone or for these audiences.
    #[serde(default)]
    pub audience: Vec<String>,
    /// Share of the semantic stage in this search, 0 (off) to 1; default: the index's.
    #[serde(default)]
    pub semantic: Option<f32>,
}

/// `GET /api/suggest`.
pub async fn get(
    State(app): State<App>,
    Extension(pool): Extension<Arc<SearchPool>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let pairs = query_pairs(raw.as_deref());
    let limit = match first(&pairs, "limit") {
        None | Some("") => None,
        Some(text) => Some(text.trim().parse::<usize>().map_err(|_| {
            ApiError::new(
                ErrorCode::BadRequest,
                "`limit` must be a whole number from 1 to the service's maximum",
            )
        })?),
    };
    let semantic = match first(&pairs, "semantic") {
        None | Some("") => None,
        Some("off" | "false") => Some(0.0),
        Some(text) => Some(
            text.trim()
                .parse::<f32>()
                .ok()
                .filter(|w| (0.0..=1.0).contains(w))
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::BadRequest,
                        "`semantic` must be a number from 0 (off) to 1, or `off`",
                    )
                })?,
        ),
    };
    let values = |name: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(n, v)| n == name && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    };
    let request = SuggestRequest {
        q: first(&pairs, "q").unwrap_or("").to_string(),
        limit,
        category: values("category"),
        audience: values("audience"),
        semantic,
    };
    answer(app, &pool, request).await.map(Json)
}

/// `POST /api/suggest` with a JSON body of the same parameters.
pub async fn post(
    State(app): State<App>,
    Extension(pool): Extension<Arc<SearchPool>>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let request: SuggestRequest = read_json(&app, request).await?;
    answer(app, &pool, request).await.map(Json)
}

/// Runs the search on the search pool ([`SearchPool`]), never on a request thread.
async fn answer(app: App, pool: &SearchPool, request: SuggestRequest) -> Result<Value, ApiError> {
    if request.semantic.is_some_and(|w| !(0.0..=1.0).contains(&w)) {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "`semantic` must be a number from 0 (off) to 1",
        ));
    }
    let (text, _) = cut(&request.q, app.config().limits.query_bytes);
    let text = text.to_string();
    pool.run(&text, move || search(&app, &request)).await
}

fn search(app: &App, request: &SuggestRequest) -> Value {
    let limits = &app.config().limits;
    let limit = request.limit.unwrap_or(5).clamp(1, limits.max_suggestions);
    let (text, truncated) = cut(&request.q, limits.query_bytes);
    let options = SuggestOptions {
        limit,
        filters: Filters {
            categories: request.category.clone(),
            audiences: request.audience.clone(),
        },
        semantic: request.semantic,
    };
    let suggestions = app.index().suggest(text, &options);
    json!({
        "suggestions": suggestions,
        "query_truncated": truncated,
    })
}
