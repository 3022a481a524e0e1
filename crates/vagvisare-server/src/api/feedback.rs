//! `POST /api/feedback`: the answer to "Fick du hjälp av guiderna?" — what was typed, which
//! guide (if any) and at which rank, whether it helped, and whether a case was filed anyway.
//! A "helped" answer teaches the guide the typed text ([`crate::learn`]).
//! `GET /api/feedback/report` (admin token): the figures a portal steers by.
//!
//! The typed text is redacted (`vagvisare::redact`: personnummer, phone numbers, e-mail
//! addresses) and cut to the query cap *before* it is stored. The acting user, when known, is
//! kept only as an opaque key ([`ActorKeys`]: a keyed hash of the user id under a secret kept
//! outside the database), enough to count distinct people.

use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{blocking, cut, first, query_pairs, read_json, Admin, CurrentUser};
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
    /// The guides the page showed for the text, best first, so that the report counts what
    /// people saw (also when they answered "Nej" and filed a case).
    #[serde(default)]
    pub shown: Vec<String>,
}

/// The file, in the data directory, that holds the secret of the actor keys when the operator
/// gives none (created once, readable by the service's user only).
pub const SECRET_FILE: &str = "actor-key.secret";

/// Opaque, stable keys for user ids: HMAC-SHA256 of the id under a secret the service keeps
/// outside the database, so that the stored feedback alone reveals nobody (a personnummer cannot
/// be found by hashing every candidate without the secret).
#[derive(Clone)]
pub struct ActorKeys {
    secret: Vec<u8>,
}

impl std::fmt::Debug for ActorKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ActorKeys(..)")
    }
}

/// Shortest secret accepted, in bytes.
const MIN_SECRET: usize = 16;

impl ActorKeys {
    /// Keys under `secret` (at least 16 bytes).
    pub fn new(secret: &[u8]) -> Result<Self, String> {
        if secret.len() < MIN_SECRET {
            return Err(format!(
                "the actor key secret must be at least {MIN_SECRET} bytes"
            ));
        }
        Ok(ActorKeys {
            secret: secret.to_vec(),
        })
    }

    /// The operator's secret if given, else the one in `data_dir` (created, with permissions
    /// 0600, the first time).
    pub fn open(given: Option<&[u8]>, data_dir: &std::path::Path) -> Result<Self, String> {
        if let Some(secret) = given {
            return ActorKeys::new(secret);
        }
        let path = data_dir.join(SECRET_FILE);
        match std::fs::read(&path) {
            Ok(secret) => return ActorKeys::new(&secret),
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(format!("{}: {e}", path.display()))
            }
            Err(_) => {}
        }
        std::fs::create_dir_all(data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
        let mut secret = [0u8; 32];
        {
            use std::io::Read;
            std::fs::File::open("/dev/urandom")
                .and_then(|mut f| f.read_exact(&mut secret))
                .map_err(|e| format!("no random bytes for the actor key secret: {e}"))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&path) {
            Ok(mut file) => {
                use std::io::Write;
                file.write_all(&secret)
                    .and_then(|()| file.sync_all())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                ActorKeys::new(&secret)
            }
            // Another instance on the same directory created it first.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let secret =
                    std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                ActorKeys::new(&secret)
            }
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    fn mac(&self, domain: &str, text: &str) -> String {
        use hmac::{KeyInit, Mac};
        let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&self.secret)
            .expect("HMAC takes a key of any length");
        mac.update(domain.as_bytes());
        mac.update(text.as_bytes());
        let digest = mac.finalize().into_bytes();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The key of `user_id`: 128 bits of HMAC-SHA256, as 32 hexadecimal digits.
    pub fn key(&self, user_id: &str) -> String {
        self.mac("vagvisare-feedback-actor:", user_id)
    }

    /// The replacement of a key written by versions before keyed hashing (16 hexadecimal digits
    /// of an unsalted FNV-1a hash of the user id, reversible by brute force): the HMAC of that
    /// old key. Rows of the same person keep one key among themselves (the one-actor rule still
    /// holds for them), but it no longer leads back to the id, and it does not link to the key
    /// the same person's new feedback gets. `None` for a key that is not an old one.
    pub fn rekey_legacy(&self, stored: &str) -> Option<String> {
        let legacy = stored.len() == 16 && stored.bytes().all(|b| b.is_ascii_hexdigit());
        legacy.then(|| self.mac("vagvisare-feedback-legacy-actor:", stored))
    }
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
    // A case number is stored as the core writes it, or refused: never as given.
    let case_number = match body.case_number.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<vagvisare::case::CaseNumber>()
                .map_err(|_| {
                    ApiError::new(
                        ErrorCode::InvalidCaseNumber,
                        "`case_number` is not a case number (a prefix and digits, like C2304625)",
                    )
                })?
                .to_string(),
        ),
    };
    let (text, _) = cut(&body.q, app.config().limits.query_bytes);
    let record = FeedbackRow {
        id: 0,
        at: now_text(),
        query: vagvisare::redact::redact(text),
        guide: body.guide,
        helped: body.helped,
        rank: body.rank,
        filed_anyway: body.filed_anyway,
        case_number,
        actor: actor.map(|a| app.actor_keys().key(&a.id)),
        shown: body.shown,
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
    _admin: Admin,
) -> Result<Json<Value>, ApiError> {
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

    /// The unkeyed key of versions before 0.x: 64-bit FNV-1a of a fixed prefix and the id.
    fn old_fnv_key(user_id: &str) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in "vagvisare-feedback:".bytes().chain(user_id.bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }

    #[test]
    fn actor_keys_are_keyed_stable_and_distinct() {
        let keys = ActorKeys::new(b"a secret of sixteen bytes or more").unwrap();
        let other = ActorKeys::new(b"another secret, also long enough").unwrap();
        let id = "196403014444";
        assert_eq!(keys.key(id), keys.key(id));
        assert_ne!(keys.key(id), keys.key("196403024443"));
        assert_eq!(keys.key(id).len(), 32);
        // Not the old unkeyed hash, and another secret gives another key.
        assert_ne!(keys.key(id), old_fnv_key(id));
        assert!(!keys.key(id).contains(&old_fnv_key(id)));
        assert_ne!(keys.key(id), other.key(id));
        assert!(ActorKeys::new(b"short").is_err());
    }

    #[test]
    fn old_keys_are_replaced_and_new_ones_kept() {
        let keys = ActorKeys::new(b"a secret of sixteen bytes or more").unwrap();
        let old = old_fnv_key("jeseks");
        let replaced = keys.rekey_legacy(&old).unwrap();
        assert_ne!(replaced, old);
        assert_eq!(keys.rekey_legacy(&old), Some(replaced.clone()));
        // A new key, or a replaced one, is left alone: rekeying runs once.
        assert_eq!(keys.rekey_legacy(&keys.key("jeseks")), None);
        assert_eq!(keys.rekey_legacy(&replaced), None);
    }

    #[test]
    fn the_secret_is_created_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let first = ActorKeys::open(None, dir.path()).unwrap();
        let again = ActorKeys::open(None, dir.path()).unwrap();
        assert_eq!(first.key("jeseks"), again.key("jeseks"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let given = ActorKeys::open(Some(b"the operator's own secret"), dir.path()).unwrap();
        assert_ne!(given.key("jeseks"), first.key("jeseks"));
    }
}
