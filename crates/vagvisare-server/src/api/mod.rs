//! The JSON API's handlers, and what they share: reading JSON bodies within the limit, the acting
//! user from the proxy's headers, path parameters, the admin token, lenient query strings, and
//! running store calls off the async threads.

pub mod admin;
pub mod cases;
pub mod feedback;
pub mod guides;
pub mod metrics;
pub mod page;
pub mod suggest;

use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use serde::de::DeserializeOwned;
use vagvisare::case::{Actor, Role};

use crate::app::App;
use crate::config::{Config, NAME_HEADER, ORGANISATION_HEADER, ROLE_HEADER, USER_HEADER};
use crate::error::{ApiError, ErrorCode};
use crate::store::StoreError;

/// Longest user id, display name or organisation accepted in the user headers, in bytes.
const MAX_HEADER_TEXT: usize = 256;

/// Runs a blocking store call on the blocking pool.
pub(crate) async fn blocking<R, F>(f: F) -> Result<R, ApiError>
where
    R: Send + 'static,
    F: FnOnce() -> Result<R, StoreError> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(e) => Err(ApiError::internal(format!("a storage task failed: {e}"))),
    }
}

/// Reads the body as JSON of type `T`, within the body limit.
pub(crate) async fn read_json<T: DeserializeOwned>(
    app: &App,
    request: Request,
) -> Result<T, ApiError> {
    let is_json = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("application/json")
                || (v.starts_with("application/") && v.ends_with("+json"))
        });
    if !is_json {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the body as JSON with `Content-Type: application/json`",
        ));
    }
    let limit = app.config().limits.body_bytes;
    let bytes = read_body(request, limit).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidJson,
            format!("the body is not the JSON this route expects: {e}"),
        )
    })
}

/// Reads the whole body, refusing one over `limit` bytes.
pub(crate) async fn read_body(request: Request, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|e| {
            let inner = e.into_inner();
            if inner.is::<http_body_util::LengthLimitError>() {
                ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("the body is over the limit of {limit} bytes for this route"),
                )
            } else {
                ApiError::new(
                    ErrorCode::BadRequest,
                    format!("the body could not be read: {inner}"),
                )
            }
        })
}

/// The acting user, from the headers the host portal's authentication proxy sets.
///
/// The service trusts these headers: it must only be reachable through the proxy, which must
/// drop any such header a client sends and set them from its own session (see `docs/service.md`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentUser(pub Actor);

impl CurrentUser {
    /// Reads the user from headers, if the user header is present.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Actor>, ApiError> {
        let Some(id) = headers.get(USER_HEADER) else {
            return Ok(None);
        };
        let id = header_text(id.as_bytes(), USER_HEADER)?;
        if id.trim().is_empty() {
            return Err(unauthenticated(format!(
                "the `{USER_HEADER}` header is empty"
            )));
        }
        let name = match headers.get(NAME_HEADER) {
            Some(v) => header_text(v.as_bytes(), NAME_HEADER)?,
            None => id.clone(),
        };
        let role = match headers.get(ROLE_HEADER) {
            None => Role::Requester,
            Some(v) => v.to_str().unwrap_or("").parse::<Role>().map_err(|_| {
                unauthenticated(format!(
                    "the `{ROLE_HEADER}` header must be requester, officer, approver or third_party"
                ))
            })?,
        };
        let mut actor = Actor::new(id, name, role);
        if let Some(v) = headers.get(ORGANISATION_HEADER) {
            let organisation = header_text(v.as_bytes(), ORGANISATION_HEADER)?;
            if !organisation.trim().is_empty() {
                actor = actor.in_organisation(organisation);
            }
        }
        Ok(Some(actor))
    }
}

fn unauthenticated(message: String) -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, message)
}

fn header_text(raw: &[u8], name: &str) -> Result<String, ApiError> {
    let text = percent_decode(raw);
    if text.len() > MAX_HEADER_TEXT || text.chars().any(char::is_control) {
        return Err(unauthenticated(format!(
            "the `{name}` header must be percent-encoded UTF-8 of at most {MAX_HEADER_TEXT} bytes without control characters"
        )));
    }
    Ok(text)
}

impl CurrentUser {
    /// [`CurrentUser::from_headers`], then the configuration's organisations: a user the proxy
    /// names without a role header, whom an organisation lists as an officer or approver, acts
    /// in that role for that organisation (and under the configured name if the proxy sends
    /// none). A role header, when sent, always wins.
    pub fn from_headers_in(
        headers: &HeaderMap,
        config: &Config,
    ) -> Result<Option<Actor>, ApiError> {
        let Some(mut actor) = CurrentUser::from_headers(headers)? else {
            return Ok(None);
        };
        if headers.get(ROLE_HEADER).is_none() {
            if let Some((organisation, officer)) = config.officer(&actor.id) {
                actor.role = officer.role;
                if headers.get(ORGANISATION_HEADER).is_none() {
                    actor = actor.in_organisation(organisation.name.clone());
                }
                if let (None, Some(name)) = (headers.get(NAME_HEADER), &officer.name) {
                    actor.name = name.clone();
                }
            }
        }
        Ok(Some(actor))
    }
}

impl FromRequestParts<App> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        match CurrentUser::from_headers_in(&parts.headers, app.config())? {
            Some(actor) => Ok(CurrentUser(actor)),
            None => Err(unauthenticated(format!(
                "no acting user: the `{USER_HEADER}` header must be set by the portal's authentication proxy"
            ))),
        }
    }
}

/// The route's path parameters, like axum's [`Path`], but refused with the service's JSON error
/// (`bad_request`, or `internal` for a route whose parameters do not fit the handler) instead of
/// axum's plain-text answer, e.g. for `/api/cases/%FF` (not UTF-8 once decoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathParam<T>(pub T);

impl<T, S> FromRequestParts<S> for PathParam<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(PathParam(value)),
            Err(rejection) => Err(path_error(&rejection)),
        }
    }
}

/// The error for a path that does not fit its route's parameters. The message names the
/// parameter but never repeats its value.
fn path_error(rejection: &PathRejection) -> ApiError {
    if rejection.status().is_server_error() {
        return ApiError::internal("the route's path parameters do not fit its handler");
    }
    let message = match rejection {
        PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
            ErrorKind::InvalidUtf8InPathParam { key } => {
                format!("the path parameter `{key}` is not percent-encoded UTF-8")
            }
            ErrorKind::ParseErrorAtKey {
                key, expected_type, ..
            } => format!("the path parameter `{key}` is not a valid {expected_type}"),
            _ => "a path parameter is not of the form this route expects".to_string(),
        },
        _ => "a path parameter is not of the form this route expects".to_string(),
    };
    ApiError::new(ErrorCode::BadRequest, message)
}

/// An editor: the request carries the admin token (`require_admin`). A handler that takes it
/// answers nobody else; put it after the path and query extractors and before the body, so a bad
/// path is refused first, as with the check in the handler's body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admin;

impl FromRequestParts<App> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        require_admin(app, &parts.headers).map(|()| Admin)
    }
}

/// Checks the admin token guide editing (and the editors' page's data) needs.
fn require_admin(app: &App, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = app.config().admin_token.as_deref() else {
        return Err(ApiError::new(
            ErrorCode::GuideEditingDisabled,
            "guide editing is off: start the service with an admin token (VAGVISARE_ADMIN_TOKEN)",
        ));
    };
    let given = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::AdminTokenRequired,
            "guide editing needs `Authorization: Bearer <admin token>`",
        ))
    }
}

/// Compares two byte strings in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`), replacing invalid UTF-8.
/// Never fails: a stray `%` stays as it is.
pub(crate) fn percent_decode_with(raw: &[u8], plus_is_space: bool) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'%' if i + 2 < raw.len() => match (hex(raw[i + 1]), hex(raw[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_decode(raw: &[u8]) -> String {
    percent_decode_with(raw, false)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A query string's parameters, decoded leniently (never an error): name and value pairs in order.
pub(crate) fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode_with(name.as_bytes(), true),
                percent_decode_with(value.as_bytes(), true),
            )
        })
        .collect()
}

/// The first value of parameter `name`.
pub(crate) fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// `text` cut to at most `max` bytes at a character boundary; and whether it was cut.
pub(crate) fn cut(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode_leniently() {
        let pairs = query_pairs(Some("q=gl%C3%B6mt+l%C3%B6sen&limit=3&q=second&bad=%zz%&x"));
        assert_eq!(first(&pairs, "q"), Some("glömt lösen"));
        assert_eq!(first(&pairs, "limit"), Some("3"));
        assert_eq!(first(&pairs, "bad"), Some("%zz%"));
        assert_eq!(first(&pairs, "x"), Some(""));
        // Invalid UTF-8 becomes replacement characters, not an error.
        assert_eq!(percent_decode_with(b"%FF%FEa", true), "\u{fffd}\u{fffd}a");
    }

    #[test]
    fn cutting_keeps_characters_whole() {
        assert_eq!(cut("åäö", 3), ("å", true));
        assert_eq!(cut("åäö", 6), ("åäö", false));
        assert_eq!(cut("", 0), ("", false));
    }

    #[test]
    fn user_headers_give_an_actor() {
        let mut headers = HeaderMap::new();
        assert_eq!(CurrentUser::from_headers(&headers).unwrap(), None);
        headers.insert(USER_HEADER, "jeseks".parse().unwrap());
        headers.insert(NAME_HEADER, "Ragnar%2C%20Jessica".parse().unwrap());
        headers.insert(ROLE_HEADER, "officer".parse().unwrap());
        headers.insert(
            ORGANISATION_HEADER,
            "Anv%C3%A4ndarst%C3%B6d".parse().unwrap(),
        );
        let actor = CurrentUser::from_headers(&headers).unwrap().unwrap();
        assert_eq!(actor.name, "Ragnar, Jessica");
        assert_eq!(actor.role, Role::Officer);
        assert_eq!(actor.organisation.as_deref(), Some("Användarstöd"));
        headers.insert(ROLE_HEADER, "admin".parse().unwrap());
        assert!(CurrentUser::from_headers(&headers).is_err());
    }

    #[test]
    fn a_configured_officer_gets_their_role_when_the_proxy_sends_none() {
        let config = Config::new();
        let mut headers = HeaderMap::new();
        headers.insert(USER_HEADER, "julia".parse().unwrap());
        let actor = CurrentUser::from_headers_in(&headers, &config)
            .unwrap()
            .unwrap();
        assert_eq!(actor.role, Role::Officer);
        assert_eq!(actor.organisation.as_deref(), Some("Användarstöd"));
        assert_eq!(actor.name, "Landsell, Julia");
        // The proxy's role header wins.
        headers.insert(ROLE_HEADER, "requester".parse().unwrap());
        let actor = CurrentUser::from_headers_in(&headers, &config)
            .unwrap()
            .unwrap();
        assert_eq!(actor.role, Role::Requester);
        assert_eq!(actor.organisation, None);
        // Someone no organisation lists stays a requester.
        let mut other = HeaderMap::new();
        other.insert(USER_HEADER, "jeseks".parse().unwrap());
        let actor = CurrentUser::from_headers_in(&other, &config)
            .unwrap()
            .unwrap();
        assert_eq!(actor.role, Role::Requester);
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
    }
}
