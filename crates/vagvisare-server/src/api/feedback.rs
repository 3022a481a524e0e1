//! `POST /api/feedback`: the answer to "Fick du hjälp av guiderna?" — what was typed, which
//! guide (if any) and at which rank, whether it helped, and whether a case was filed anyway.
//! A "helped" answer teaches the guide the typed text ([`crate::learn`]).
//! `GET /api/feedback/report` (admin token): the figures a portal steers by.
//!
//! The typed text is redacted (`vagvisare::redact`: personnummer, phone numbers, e-mail
//! addresses) and cut to the query cap *before* it is stored. The acting user, when known, is
//! kept only as an opaque key (a hash of the user id), enough to count distinct people.

use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{blocking, cut, first, query_pairs, read_json, require_admin, CurrentUser};
use crate::app::App;
use crate::error::{ApiError, ErrorCode};
use crate::learn::feedback_of;
use crate::store::{now_text, FeedbackRow};

/// The body of `POST /api/feedback`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// The text as typed when the answer was given.
    #[serde(default)]
    pub q: String,
    /// The guide the answer is about, if one was chosen.
    #[serde(default)]
    pub guide: Option<String>,
    /// "Ja" (true) or "Nej" (false).
    pub helped: bool,
    /// The rank the guide was shown at, from 1.
    #[serde(default)]
    pub rank: Option<u32>,
    /// Whether a case was filed anyway.
    #[serde(default)]
    pub filed_anyway: bool,
    /// The number of the case filed, if any.
    #[serde(default)]
    pub case_number: Option<String>,
}

/// An opaque, stable key for a user id (64-bit FNV-1a, hex). It lets reports count distinct
/// people without storing who they are; it is not a secret pseudonym.
pub fn actor_key(user_id: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in "vagvisare-feedback:".bytes().chain(user_id.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// `POST /api/feedback`.
pub async fn post(
    State(app): State<App>,
    request: Request,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = CurrentUser::from_headers(request.headers())?;
    let body: FeedbackRequest = read_json(&app, request).await?;
    if let Some(guide) = &body.guide {
        if app.index().get(guide).is_none() {
            return Err(ApiError::new(
                ErrorCode::GuideNotFound,
                "the feedback names a guide that is not indexed",
            ));
        }
    }
    let (text, _) = cut(&body.q, app.config().limits.query_bytes);
    let record = FeedbackRow {
        id: 0,
        at: now_text(),
        query: vagvisare::redact::redact(text),
        guide: body.guide,
        helped: body.helped,
        rank: body.rank,
        filed_anyway: body.filed_anyway,
        case_number: body.case_number,
        actor: actor.map(|a| actor_key(&a.id)),
    };
    // The core's rules for a record (a rank counts from 1), on the record the row becomes.
    feedback_of(&record)
        .validate()
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, e.to_string()))?;
    let store = app.store();
    let id = blocking(move || store.add_feedback(&record)).await?;
    // Stored is what counts (other instances learn it as they poll); learning it here at once
    // is a courtesy to the person who answered, so a failure only goes to the log.
    if let Err(e) = app.sync_feedback().await {
        app.log()
            .line(&format!("feedback: learning failed ({})", e.code.id()));
    }
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

/// Most content gaps a report lists.
const MAX_GAPS: usize = 1_000;

/// `GET /api/feedback/report?gaps=N`: deflection rate, per-guide figures and the `N` (default 20)
/// most frequent content gaps, from the feedback this instance has learned (the redacted texts
/// only). Needs the admin token: the gaps are what people typed.
pub async fn report(
    State(app): State<App>,
    RawQuery(raw): RawQuery,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    require_admin(&app, request.headers())?;
    let pairs = query_pairs(raw.as_deref());
    let gaps = match first(&pairs, "gaps") {
        None | Some("") => 20,
        Some(text) => match text.trim().parse::<usize>() {
            Ok(n) if n <= MAX_GAPS => n,
            _ => {
                return Err(ApiError::new(
                    ErrorCode::BadRequest,
                    format!("`gaps` must be a whole number from 0 to {MAX_GAPS}"),
                ))
            }
        },
    };
    let report = app.index().feedback_report(gaps);
    let value = serde_json::to_value(report)
        .map_err(|e| ApiError::internal(format!("the report cannot be written: {e}")))?;
    Ok(Json(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_keys_are_stable_and_distinct() {
        assert_eq!(actor_key("jeseks"), actor_key("jeseks"));
        assert_ne!(actor_key("jeseks"), actor_key("julia"));
        assert_eq!(actor_key("jeseks").len(), 16);
        assert!(!actor_key("jeseks").contains("jeseks"));
    }
}
