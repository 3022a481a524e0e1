//! Errors: one table from error code to HTTP status ([`ErrorCode`]), and the JSON error body
//! every failing request gets (`{"error": {"code", "status", "message"}}`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use vagvisare::case::{CaseError, FormError, NumberError, VersionError};

/// Every error the service answers with. [`ErrorCode::TABLE`] is the one table from code to
/// HTTP status; the OpenAPI description and `docs/service.md` are written from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The request is malformed (a parameter of the wrong type, a missing field).
    BadRequest,
    /// The body is not JSON of the expected shape.
    InvalidJson,
    /// The body is not `application/json` where JSON is expected.
    UnsupportedMediaType,
    /// No acting user: the user header the host portal's proxy sets is missing or unusable.
    Unauthenticated,
    /// Guide editing needs the admin token (`Authorization: Bearer …`), missing or wrong.
    AdminTokenRequired,
    /// Guide editing is switched off: no admin token is configured.
    GuideEditingDisabled,
    /// The acting user may see the case but not run this command on it.
    NoAccess,
    /// Only the case's approvers may approve or reject it.
    NotAnApprover,
    /// No such route.
    NotFound,
    /// No such case, or one the acting user may not see (the two look the same on purpose).
    CaseNotFound,
    /// No such guide.
    GuideNotFound,
    /// No such attachment on the case.
    AttachmentNotFound,
    /// The route exists but not for this method.
    MethodNotAllowed,
    /// The case changed since the version the command was based on; reload and try again.
    VersionConflict,
    /// The workflow does not allow this command in the case's status for the user's role.
    TransitionNotAllowed,
    /// Work must wait until every approver has approved.
    ApprovalsPending,
    /// The approver has already decided.
    AlreadyDecided,
    /// The case is already visible to that person.
    AlreadyShared,
    /// The request body is larger than the limit of its route.
    PayloadTooLarge,
    /// An attachment is larger than the attachment limit (50 MB).
    AttachmentTooLarge,
    /// The service (form) named is not one this portal offers.
    UnknownService,
    /// A guide that cannot be indexed (empty id or title, …).
    InvalidGuide,
    /// A command the service cannot run (unknown command, a field of the wrong shape).
    InvalidCommand,
    /// A message with neither text nor attachments.
    EmptyMessage,
    /// A due date would fall outside the calendar.
    DateOutOfRange,
    /// The case number series has run out.
    NumbersExhausted,
    /// The request took longer than the request timeout.
    Timeout,
    /// The database cannot be reached or refused the operation; try again.
    StorageUnavailable,
    /// A bug or corrupt data; the log has the details (without personal data).
    Internal,
    /// The request target (path and query) is over the limit.
    UriTooLong,
    /// The request headers are over the limit.
    HeadersTooLarge,
    /// The client sent more requests than its rate allows.
    RateLimited,
    /// Too many searches at once; try again in a moment.
    Overloaded,
    /// Too many attachment uploads at once.
    TooManyUploads,
    /// The case's or the user's attachments would go over their quota.
    AttachmentQuotaExceeded,
    /// `case_number` in feedback is not a case number.
    InvalidCaseNumber,
    /// The service requires every command that changes a case to name the version it was
    /// based on (`require_version`), and this one named none.
    VersionRequired,
    /// A filed form's answers do not fit the service's form; the error names the field.
    InvalidAnswer,
}

impl ErrorCode {
    /// Code, HTTP status and meaning of every error: the one table.
    pub const TABLE: [(ErrorCode, &'static str, u16, &'static str); 38] = [
        (ErrorCode::BadRequest, "bad_request", 400, "a parameter or field is missing or of the wrong type"),
        (ErrorCode::InvalidJson, "invalid_json", 400, "the body is not JSON of the expected shape"),
        (ErrorCode::Unauthenticated, "unauthenticated", 401, "no acting user: the user header set by the portal's proxy is missing or unusable"),
        (ErrorCode::AdminTokenRequired, "admin_token_required", 401, "guide editing needs `Authorization: Bearer <admin token>`"),
        (ErrorCode::GuideEditingDisabled, "guide_editing_disabled", 403, "no admin token is configured, so guides cannot be edited through the API"),
        (ErrorCode::NoAccess, "no_access", 403, "the user may see the case but has no part in it that allows this command"),
        (ErrorCode::NotAnApprover, "not_an_approver", 403, "only the approvers named at submission may approve or reject"),
        (ErrorCode::NotFound, "not_found", 404, "no such route"),
        (ErrorCode::CaseNotFound, "case_not_found", 404, "no such case, or one the user may not see"),
        (ErrorCode::GuideNotFound, "guide_not_found", 404, "no such guide"),
        (ErrorCode::AttachmentNotFound, "attachment_not_found", 404, "no such attachment on the case"),
        (ErrorCode::MethodNotAllowed, "method_not_allowed", 405, "the route exists, but not for this method"),
        (ErrorCode::VersionConflict, "version_conflict", 409, "the case changed since the version the command was based on; reload it and try again"),
        (ErrorCode::TransitionNotAllowed, "transition_not_allowed", 409, "the workflow does not allow the command in the case's status for the user's role"),
        (ErrorCode::ApprovalsPending, "approvals_pending", 409, "work must wait until every approver has approved"),
        (ErrorCode::AlreadyDecided, "already_decided", 409, "the approver has already approved or rejected"),
        (ErrorCode::AlreadyShared, "already_shared", 409, "the case is already visible to that person"),
        (ErrorCode::PayloadTooLarge, "payload_too_large", 413, "the body is over the limit of its route"),
        (ErrorCode::AttachmentTooLarge, "attachment_too_large", 413, "an attachment is over the attachment limit (50 MB)"),
        (ErrorCode::UnsupportedMediaType, "unsupported_media_type", 415, "send the body as `application/json`"),
        (ErrorCode::UnknownService, "unknown_service", 422, "the service (form) is not one this portal offers"),
        (ErrorCode::InvalidGuide, "invalid_guide", 422, "the guide cannot be indexed (empty id or title, id too long, …)"),
        (ErrorCode::InvalidCommand, "invalid_command", 422, "unknown command, or a field of the wrong shape"),
        (ErrorCode::EmptyMessage, "empty_message", 422, "a message needs text or an attachment"),
        (ErrorCode::DateOutOfRange, "date_out_of_range", 422, "a due date would fall outside the calendar"),
        (ErrorCode::NumbersExhausted, "numbers_exhausted", 500, "the case number series has no numbers left"),
        (ErrorCode::Internal, "internal", 500, "a bug or corrupt data; the log says more"),
        (ErrorCode::StorageUnavailable, "storage_unavailable", 503, "the database cannot be reached or refused the operation; try again"),
        (ErrorCode::Timeout, "timeout", 503, "the request took longer than the request timeout; a write may or may not have been committed"),
        (ErrorCode::UriTooLong, "uri_too_long", 414, "the request target (path and query) is over 60 KiB; send long texts as the POST form"),
        (ErrorCode::HeadersTooLarge, "headers_too_large", 431, "the request headers are over 32 KiB together"),
        (ErrorCode::RateLimited, "rate_limited", 429, "the client sent more requests than its rate allows; wait `Retry-After` seconds"),
        (ErrorCode::Overloaded, "overloaded", 503, "too many searches at once; try again in a moment"),
        (ErrorCode::TooManyUploads, "too_many_uploads", 429, "too many attachment uploads at once; try again in a moment"),
        (ErrorCode::AttachmentQuotaExceeded, "attachment_quota_exceeded", 413, "the case's or the user's attachments would go over their quota"),
        (ErrorCode::InvalidCaseNumber, "invalid_case_number", 422, "`case_number` is not a case number"),
        (ErrorCode::VersionRequired, "version_required", 428, "this service requires the case's version with every command that changes a case: `If-Match: \"<version>\"` or `expected_version`"),
        (ErrorCode::InvalidAnswer, "invalid_answer", 422, "an answer does not fit the service's form (missing, not an option, a field the form does not have, …); `field` names the field"),
    ];

    fn row(self) -> (&'static str, u16, &'static str) {
        Self::TABLE
            .iter()
            .find(|(code, ..)| *code == self)
            .map(|&(_, id, status, meaning)| (id, status, meaning))
            .unwrap_or(("internal", 500, "a bug"))
    }

    /// The code as written in error bodies (`version_conflict`).
    pub fn id(self) -> &'static str {
        self.row().0
    }

    /// The HTTP status this code is answered with.
    pub fn status(self) -> StatusCode {
        StatusCode::from_u16(self.row().1).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// What it means, for people.
    pub fn meaning(self) -> &'static str {
        self.row().2
    }
}

/// An error answer: a code from the table and a message for people.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", code.id())]
pub struct ApiError {
    /// The code (and so the HTTP status).
    pub code: ErrorCode,
    /// What went wrong and what to do; never contains the text a user typed.
    pub message: String,
    /// The case's current version, for [`ErrorCode::VersionConflict`].
    pub current_version: Option<u64>,
    /// The form field an [`ErrorCode::InvalidAnswer`] is about (its label).
    pub field: Option<String>,
}

impl ApiError {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            current_version: None,
            field: None,
        }
    }

    /// The case is not there, or not for this user.
    pub fn case_not_found() -> Self {
        ApiError::new(
            ErrorCode::CaseNotFound,
            "no case with this id is visible to you",
        )
    }

    /// The case moved on since `expected`; it is now at `found`.
    pub fn conflict(expected: u64, found: u64) -> Self {
        ApiError {
            code: ErrorCode::VersionConflict,
            message: format!(
                "the case is at version {found}, but the command was based on version {expected}; \
                 reload the case and decide again"
            ),
            current_version: Some(found),
            field: None,
        }
    }

    /// A bug or corrupt data.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Internal, message)
    }
}

/// The code of an error response, kept in the response's extensions so that the request log
/// can name it without reading the body.
#[derive(Clone, Copy, Debug)]
pub struct LoggedCode(pub &'static str);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.code.status();
        let mut error = json!({
            "code": self.code.id(),
            "status": status.as_u16(),
            "message": self.message,
        });
        if let Some(version) = self.current_version {
            error["current_version"] = json!(version);
        }
        if let Some(field) = &self.field {
            error["field"] = json!(field);
        }
        let mut response = (status, axum::Json(json!({ "error": error }))).into_response();
        if matches!(
            self.code,
            ErrorCode::Overloaded | ErrorCode::TooManyUploads | ErrorCode::StorageUnavailable
        ) {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response.extensions_mut().insert(LoggedCode(self.code.id()));
        response
    }
}

impl From<CaseError> for ApiError {
    fn from(error: CaseError) -> Self {
        let code = match &error {
            CaseError::TransitionNotAllowed { .. } => ErrorCode::TransitionNotAllowed,
            CaseError::NoAccess { .. } => ErrorCode::NoAccess,
            CaseError::AttachmentTooLarge { .. } => ErrorCode::AttachmentTooLarge,
            CaseError::EmptyMessage => ErrorCode::EmptyMessage,
            CaseError::NotAnApprover { .. } => ErrorCode::NotAnApprover,
            CaseError::AlreadyDecided { .. } => ErrorCode::AlreadyDecided,
            CaseError::ApprovalsPending { .. } => ErrorCode::ApprovalsPending,
            CaseError::AlreadyShared { .. } => ErrorCode::AlreadyShared,
            CaseError::RequesterAsApprover { .. } | CaseError::NoApprovalsInWorkflow { .. } => {
                ErrorCode::InvalidCommand
            }
            CaseError::DateOutOfRange => ErrorCode::DateOutOfRange,
            CaseError::EventOutOfOrder { .. } => ErrorCode::Internal,
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<VersionError> for ApiError {
    fn from(error: VersionError) -> Self {
        match error {
            VersionError::Conflict { expected, found } => ApiError::conflict(expected, found),
            VersionError::Required { found } => ApiError {
                code: ErrorCode::VersionRequired,
                message: format!(
                    "{error}: the header `If-Match: \"{found}\"` or `\"expected_version\": {found}` \
                     in the body, if version {found} is what you based it on"
                ),
                current_version: Some(found),
                field: None,
            },
        }
    }
}

impl From<FormError> for ApiError {
    fn from(error: FormError) -> Self {
        ApiError {
            field: Some(error.field().to_string()),
            ..ApiError::new(ErrorCode::InvalidAnswer, error.to_string())
        }
    }
}

impl From<NumberError> for ApiError {
    fn from(error: NumberError) -> Self {
        let code = match error {
            NumberError::Exhausted { .. } => ErrorCode::NumbersExhausted,
            NumberError::Invalid(_) => ErrorCode::Internal,
        };
        ApiError::new(code, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_row_and_a_distinct_id() {
        let ids: std::collections::BTreeSet<_> =
            ErrorCode::TABLE.iter().map(|(_, id, ..)| *id).collect();
        assert_eq!(ids.len(), ErrorCode::TABLE.len());
        for (code, id, status, _) in ErrorCode::TABLE {
            assert_eq!(code.id(), id);
            assert_eq!(code.status().as_u16(), status);
        }
    }

    #[test]
    fn every_variant_is_in_the_table() {
        let all = [
            ErrorCode::BadRequest,
            ErrorCode::InvalidJson,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::Unauthenticated,
            ErrorCode::AdminTokenRequired,
            ErrorCode::GuideEditingDisabled,
            ErrorCode::NoAccess,
            ErrorCode::NotAnApprover,
            ErrorCode::NotFound,
            ErrorCode::CaseNotFound,
            ErrorCode::GuideNotFound,
            ErrorCode::AttachmentNotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::VersionConflict,
            ErrorCode::TransitionNotAllowed,
            ErrorCode::ApprovalsPending,
            ErrorCode::AlreadyDecided,
            ErrorCode::AlreadyShared,
            ErrorCode::PayloadTooLarge,
            ErrorCode::AttachmentTooLarge,
            ErrorCode::UnknownService,
            ErrorCode::InvalidGuide,
            ErrorCode::InvalidCommand,
            ErrorCode::EmptyMessage,
            ErrorCode::DateOutOfRange,
            ErrorCode::NumbersExhausted,
            ErrorCode::Timeout,
            ErrorCode::StorageUnavailable,
            ErrorCode::Internal,
            ErrorCode::UriTooLong,
            ErrorCode::HeadersTooLarge,
            ErrorCode::RateLimited,
            ErrorCode::Overloaded,
            ErrorCode::TooManyUploads,
            ErrorCode::AttachmentQuotaExceeded,
            ErrorCode::InvalidCaseNumber,
            ErrorCode::VersionRequired,
            ErrorCode::InvalidAnswer,
        ];
        // Exhaustive: a new variant fails to compile here until it is added to `all` too.
        let _named = |code: ErrorCode| match code {
            ErrorCode::BadRequest
            | ErrorCode::InvalidJson
            | ErrorCode::UnsupportedMediaType
            | ErrorCode::Unauthenticated
            | ErrorCode::AdminTokenRequired
            | ErrorCode::GuideEditingDisabled
            | ErrorCode::NoAccess
            | ErrorCode::NotAnApprover
            | ErrorCode::NotFound
            | ErrorCode::CaseNotFound
            | ErrorCode::GuideNotFound
            | ErrorCode::AttachmentNotFound
            | ErrorCode::MethodNotAllowed
            | ErrorCode::VersionConflict
            | ErrorCode::TransitionNotAllowed
            | ErrorCode::ApprovalsPending
            | ErrorCode::AlreadyDecided
            | ErrorCode::AlreadyShared
            | ErrorCode::PayloadTooLarge
            | ErrorCode::AttachmentTooLarge
            | ErrorCode::UnknownService
            | ErrorCode::InvalidGuide
            | ErrorCode::InvalidCommand
            | ErrorCode::EmptyMessage
            | ErrorCode::DateOutOfRange
            | ErrorCode::NumbersExhausted
            | ErrorCode::Timeout
            | ErrorCode::StorageUnavailable
            | ErrorCode::Internal
            | ErrorCode::UriTooLong
            | ErrorCode::HeadersTooLarge
            | ErrorCode::RateLimited
            | ErrorCode::Overloaded
            | ErrorCode::TooManyUploads
            | ErrorCode::AttachmentQuotaExceeded
            | ErrorCode::InvalidCaseNumber
            | ErrorCode::VersionRequired => (),
            ErrorCode::InvalidAnswer => (),
        };
        for code in all {
            assert!(
                ErrorCode::TABLE.iter().any(|row| row.0 == code),
                "{code:?} is not in the table"
            );
        }
        assert_eq!(all.len(), ErrorCode::TABLE.len());
    }

    #[test]
    fn the_docs_list_every_code_with_its_status() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/service.md");
        let docs = std::fs::read_to_string(path).expect("docs/service.md");
        for (_, id, status, _) in ErrorCode::TABLE {
            assert!(
                docs.contains(&format!("| `{id}` | {status} |")),
                "docs/service.md lacks the row of `{id}` ({status})"
            );
        }
    }

    #[test]
    fn refused_commands_map_to_their_codes() {
        let error = ApiError::from(CaseError::EmptyMessage);
        assert_eq!(error.code.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let error = ApiError::from(CaseError::NoAccess {
            command: vagvisare::case::CommandKind::Close,
            actor: "x".into(),
        });
        assert_eq!(error.code, ErrorCode::NoAccess);
        assert_eq!(error.code.status(), StatusCode::FORBIDDEN);
    }
}
