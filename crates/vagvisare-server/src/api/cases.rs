//! Cases (ärenden), all through the core model (`vagvisare::case`): the service loads a case's
//! events, folds them, runs the command with `Case::execute` as the acting user (which checks the
//! workflow, the user's part in the case and the command's own rules), and appends the events
//! only if the case is still at the version it was loaded at. It re-implements no rule.
//!
//! - `POST /api/cases`: file a case (or save a draft, `"draft": true`) through a service;
//! - `GET /api/cases`: "Mina ärenden" (drafts, open, closed); officers add `?scope=organisation`
//!   for the cases of their organisation;
//! - `GET /api/cases/{id}`: the case with its overview, history, messages and the commands the
//!   user may run now; a case the user may not see is answered as not found;
//! - `POST /api/cases/{id}/submit`, `/messages`, `/request-supplement`, `/supplement`: the common
//!   commands; `POST /api/cases/{id}/commands` runs any other (`{"command": "start"}`, …);
//! - `POST /api/cases/{id}/attachments?name=…&text=…`: a message with one file (the raw body, at
//!   most 50 MB); `GET /api/cases/{id}/attachments/{seq}/{index}` downloads it, streamed from
//!   the store a part at a time.
//!
//! Filing a case (and submitting a draft) checks the answers against the service's form, by the
//! core's rule (`vagvisare::case::check_form`): required fields answered (not in a draft), a
//! choice among its options, no field the form does not have; `invalid_answer` (422) names the
//! field.
//!
//! Every command may name the version the user saw, as `expected_version` in its body (the
//! upload: `?expected_version=`) or as the header `If-Match: "<version>"` (both given and
//! different: `bad_request`). The core's `VersionPolicy` decides: a case that moved on since
//! is `version_conflict` (409), and so is the second of two commands that race for the same
//! version; with `require_version` a command that names none is `version_required` (428).
//! Case answers carry the version as `ETag: "<version>"` too.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{RawQuery, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vagvisare::case::{
    access, check_form, views, Actor, Attachment, Case, CaseNumber, CaseRules, Command,
    CommandKind, Form, FormStage, NotificationPreferences, Person, StatusCategory,
};

use super::{blocking, cut, first, query_pairs, read_json, CurrentUser, PathParam};
use crate::app::App;
use crate::error::{ApiError, ErrorCode};
use crate::limits::Uploads;
use crate::store::{
    Blob, BlobContent, CaseId, CaseMeta, Decided, Series, SpoolFile, StoreError, StoredCase, Target,
};

/// Longest attachment file name kept, in bytes.
const MAX_FILE_NAME: usize = 255;

/// The body of `POST /api/cases`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// The service (form) to file through, e.g. "Kontakta Användarstöd".
    pub service: String,
    /// "Kort beskrivning av ditt ärende".
    #[serde(default)]
    pub description: String,
    /// The other answers, by field name.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// How the requester wants to be notified.
    #[serde(default)]
    pub notify: NotificationPreferences,
    /// The user the case concerns, when not the requester.
    #[serde(default)]
    pub on_behalf_of: Option<Person>,
    /// People who must approve before work starts.
    #[serde(default)]
    pub approvers: Vec<Person>,
    /// Save as a draft instead of submitting (only for services whose workflow has drafts).
    #[serde(default)]
    pub draft: bool,
}

/// The body of `POST /api/cases/{id}/submit` (every field optional: a draft is submitted as
/// saved, with these changes).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitDraft {
    /// The version the user saw.
    #[serde(default)]
    pub expected_version: Option<u64>,
    /// A new description.
    #[serde(default)]
    pub description: Option<String>,
    /// Answers to add or change.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// People who must approve.
    #[serde(default)]
    pub approvers: Vec<Person>,
    /// New notification preferences.
    #[serde(default)]
    pub notify: Option<NotificationPreferences>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageBody {
    #[serde(default)]
    expected_version: Option<u64>,
    text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestSupplementBody {
    #[serde(default)]
    expected_version: Option<u64>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SupplementBody {
    #[serde(default)]
    expected_version: Option<u64>,
    answers: BTreeMap<String, String>,
}

/// A case as the user sees it ([`view`]), answered with its version as `ETag: "<version>"`, the
/// tag `If-Match` sends back.
pub struct CaseAnswer(pub Value);

impl IntoResponse for CaseAnswer {
    fn into_response(self) -> Response {
        let tag = self.0["version"]
            .as_u64()
            .and_then(|v| HeaderValue::from_str(&format!("\"{v}\"")).ok());
        let mut response = Json(self.0).into_response();
        if let Some(tag) = tag {
            response.headers_mut().insert(ETAG, tag);
        }
        response
    }
}

/// The version an `If-Match` header names: one strong entity tag holding the case's version,
/// `"4"`. Anything else (`*`, a list, a weak tag, not a number) is `bad_request`: a command is
/// based on one version.
fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let mut values = headers.get_all(IF_MATCH).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let bad = || {
        ApiError::new(
            ErrorCode::BadRequest,
            "`If-Match` must be the one version the command is based on, as the case's ETag: `\"4\"`",
        )
    };
    if values.next().is_some() {
        return Err(bad());
    }
    let text = value.to_str().map_err(|_| bad())?.trim();
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(bad)?;
    if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    inner.parse().map(Some).map_err(|_| bad())
}

/// The version a command is based on, from the body's `expected_version` and the `If-Match`
/// header: either, or both if they agree.
fn based_on(header: Option<u64>, body: Option<u64>) -> Result<Option<u64>, ApiError> {
    match (header, body) {
        (Some(h), Some(b)) if h != b => Err(ApiError::new(
            ErrorCode::BadRequest,
            format!("`If-Match` names version {h} but `expected_version` is {b}; send one, or the same in both"),
        )),
        (h, b) => Ok(h.or(b)),
    }
}

fn parse_id(text: &str) -> Result<CaseId, ApiError> {
    text.parse::<CaseId>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(ApiError::case_not_found)
}

/// A case as loaded, folded, with the rules of its workflow.
struct Loaded {
    stored: StoredCase,
    case: Case,
    rules: Arc<CaseRules>,
}

/// Loads a case the actor may see; any other case is "not found", so that ids reveal nothing.
async fn load_visible(app: &App, id: CaseId, actor: &Actor) -> Result<Loaded, ApiError> {
    let store = app.store();
    let stored = blocking(move || store.case(id))
        .await?
        .ok_or_else(ApiError::case_not_found)?;
    let case = stored.replay()?;
    if !access::can_view(&case, actor) {
        return Err(ApiError::case_not_found());
    }
    let rules = app.rules(&stored.workflow)?;
    Ok(Loaded {
        stored,
        case,
        rules,
    })
}

/// Makes the command once the write knows its case number (if it draws one).
type MakeCommand = Box<dyn Fn(Option<CaseNumber>) -> Result<Command, StoreError> + Send>;

/// One write: a command run as `actor` on `case` (in its state at `target`'s version).
struct Write {
    actor: Actor,
    target: Target,
    case: Case,
    rules: Arc<CaseRules>,
    series: Option<Series>,
    make: MakeCommand,
    blobs: Vec<Blob>,
}

/// Runs a command and appends its events in one transaction; returns the case's id and state.
async fn write(app: &App, write: Write) -> Result<(CaseId, Case), ApiError> {
    let store = app.store();
    let now = chrono::Local::now().fixed_offset();
    let Write {
        actor,
        target,
        case,
        rules,
        series,
        make,
        blobs,
    } = write;
    blocking(move || {
        let mut after = None;
        let (id, _) = store.write_case(&target, series.as_ref(), &mut |number| {
            let mut next = case.clone();
            let events = next.execute(&rules, &actor, make(number)?, now)?;
            let meta = CaseMeta::of(&next, &rules.workflow);
            after = Some(next);
            Ok(Decided {
                events,
                meta,
                blobs: blobs.clone(),
            })
        })?;
        let case = after.ok_or_else(|| StoreError::Corrupt {
            what: "write".into(),
            message: "the write returned without deciding".into(),
        })?;
        Ok((id, case))
    })
    .await
}

/// Runs a command on a loaded case, checking the version the user saw first.
async fn run(
    app: &App,
    actor: Actor,
    loaded: Loaded,
    expected_version: Option<u64>,
    series: Option<Series>,
    make: MakeCommand,
    blobs: Vec<Blob>,
) -> Result<CaseAnswer, ApiError> {
    let version = loaded.stored.version();
    loaded
        .case
        .check_version(app.config().version_policy, expected_version)?;
    let target = Target::Existing {
        id: loaded.stored.id,
        expected_version: version,
    };
    let (id, case) = write(
        app,
        Write {
            actor: actor.clone(),
            target,
            case: loaded.case,
            rules: Arc::clone(&loaded.rules),
            series,
            make,
            blobs,
        },
    )
    .await?;
    Ok(CaseAnswer(view(id, &loaded.rules, &case, &actor)))
}

fn fixed(command: Command) -> MakeCommand {
    Box::new(move |_| Ok(command.clone()))
}

fn submit_with(form: Form, approvers: Vec<Person>) -> MakeCommand {
    Box::new(move |number| {
        let number = number.ok_or_else(|| StoreError::Corrupt {
            what: "submission".into(),
            message: "no case number was drawn".into(),
        })?;
        Ok(Command::Submit {
            number,
            form: form.clone(),
            approvers: approvers.clone(),
        })
    })
}

/// `POST /api/cases`: file a case through a service, or save it as a draft.
pub async fn create(
    State(app): State<App>,
    CurrentUser(actor): CurrentUser,
    request: Request,
) -> Result<(StatusCode, CaseAnswer), ApiError> {
    let body: NewCase = read_json(&app, request).await?;
    let service = app.service(&body.service)?;
    let rules = app.rules(&service.workflow)?;
    let form = Form {
        service: service.name.clone(),
        organisation: service.organisation.clone(),
        description: body.description,
        answers: body.answers,
        on_behalf_of: body.on_behalf_of,
        attachments: Vec::new(),
        notify: body.notify,
    };
    // The service's form, by the core's rule: a draft may lack required answers.
    let stage = if body.draft {
        FormStage::Draft
    } else {
        FormStage::Submitted
    };
    check_form(&service.form, &form, stage)?;
    let (series, make) = if body.draft {
        (None, fixed(Command::SaveDraft { form }))
    } else {
        (
            Some(service.numbers.clone()),
            submit_with(form, body.approvers),
        )
    };
    let target = Target::New {
        workflow: service.workflow.clone(),
    };
    let (id, case) = write(
        &app,
        Write {
            actor: actor.clone(),
            target,
            case: Case::new(),
            rules: Arc::clone(&rules),
            series,
            make,
            blobs: Vec::new(),
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        CaseAnswer(view(id, &rules, &case, &actor)),
    ))
}

/// `GET /api/cases/{id}`.
pub async fn get(
    State(app): State<App>,
    CurrentUser(actor): CurrentUser,
    PathParam(id): PathParam<String>,
) -> Result<CaseAnswer, ApiError> {
    let loaded = load_visible(&app, parse_id(&id)?, &actor).await?;
    Ok(CaseAnswer(view(
        loaded.stored.id,
        &loaded.rules,
        &loaded.case,
        &actor,
    )))
}

/// `GET /api/cases`: "Mina ärenden", or with `?scope=organisation` an officer's organisation's
/// cases.
pub async fn list(
    State(app): State<App>,
    CurrentUser(actor): CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let pairs = query_pairs(raw.as_deref());
    let limit = app.config().limits.list_cases;
    let store = app.store();
    let by_organisation = match first(&pairs, "scope").unwrap_or("mine") {
        "mine" => false,
        "organisation" => true,
        _ => {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "`scope` must be `mine` or `organisation`",
            ))
        }
    };
    let stored = if by_organisation {
        let organisation = match (&actor.role, &actor.organisation) {
            (vagvisare::case::Role::Officer, Some(org)) => org.clone(),
            _ => {
                return Err(ApiError::new(
                    ErrorCode::NoAccess,
                    "only officers with an organisation (the organisation header) have an organisation's list",
                ))
            }
        };
        blocking(move || store.cases_of_organisation(&organisation, limit)).await?
    } else {
        let person = actor.id.clone();
        blocking(move || store.cases_of_person(&person, limit)).await?
    };
    let mut lists: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for key in ["drafts", "open", "closed"] {
        lists.insert(key, Vec::new());
    }
    for stored in stored {
        let case = stored.replay()?;
        let rules = app.rules(&stored.workflow)?;
        let workflow = &rules.workflow;
        let (bucket, summary) = if by_organisation {
            if !access::can_view(&case, &actor) {
                continue;
            }
            let summary = json!({
                "number": case.number(),
                "service": case.service(),
                "organisation": case.organisation(),
                "status": workflow.label(case.status()),
                "last_event": case.history().last().map(|e| e.at.format(views::DATE_TIME_FORMAT).to_string()),
            });
            (bucket_of(workflow.category(case.status())), summary)
        } else {
            let mine = views::my_cases(std::iter::once(&case), workflow, &actor);
            let found = [
                ("drafts", mine.drafts),
                ("open", mine.open),
                ("closed", mine.closed),
            ]
            .into_iter()
            .find_map(|(bucket, mut list)| list.pop().map(|s| (Some(bucket), s)));
            match found {
                Some((bucket, summary)) => {
                    (bucket, serde_json::to_value(summary).unwrap_or_default())
                }
                None => continue,
            }
        };
        let Some(bucket) = bucket else { continue };
        let mut item = json!({
            "id": stored.id,
            "status_id": case.status(),
            "category": workflow.category(case.status()).map(StatusCategory::id),
        });
        if let (Some(item), Value::Object(summary)) = (item.as_object_mut(), summary) {
            item.extend(summary);
        }
        if let Some(list) = lists.get_mut(bucket) {
            list.push(item);
        }
    }
    Ok(Json(json!(lists)))
}

fn bucket_of(category: Option<StatusCategory>) -> Option<&'static str> {
    match category? {
        StatusCategory::Draft => Some("drafts"),
        StatusCategory::Closed => Some("closed"),
        _ => Some("open"),
    }
}

/// `POST /api/cases/{id}/submit`: submit a draft.
pub async fn submit(
    State(app): State<App>,
    CurrentUser(actor): CurrentUser,
    PathParam(id): PathParam<String>,
    request: Request,
) -> Result<CaseAnswer, ApiError> {
    let id = parse_id(&id)?;
    let header = if_match(request.headers())?;
    let body: SubmitDraft = read_json(&app, request).await?;
    submit_draft(&app, actor, id, body, header).await
}

async fn submit_draft(
    app: &App,
    actor: Actor,
    id: CaseId,
    body: SubmitDraft,
    header: Option<u64>,
) -> Result<CaseAnswer, ApiError> {
    let expected_version = based_on(header, body.expected_version)?;
    let loaded = load_visible(app, id, &actor).await?;
    let case = &loaded.case;
    let service = app.service(case.service())?;
    let mut answers = case.answers().clone();
    answers.extend(body.answers);
    let form = Form {
        service: case.service().to_string(),
        organisation: case.organisation().to_string(),
        description: body
            .description
            .unwrap_or_else(|| case.description().to_string()),
        answers,
        on_behalf_of: case.on_behalf_of().cloned(),
        attachments: case.attachments().to_vec(),
        notify: body.notify.unwrap_or(case.notification_preferences()),
    };
    check_form(&service.form, &form, FormStage::Submitted)?;
    let series = Some(service.numbers.clone());
    run(
        app,
        actor,
        loaded,
        expected_version,
        series,
        submit_with(form, body.approvers),
        Vec::new(),
    )
    .await
}

/// `POST /api/cases/{id}/messages`: `{"text": …}`.
pub async fn message(
    State(app): State<App>,
    CurrentUser(actor): CurrentUser,
    PathParam(id): PathParam<String>,
    request: Request,
) -> Result<CaseAnswer, ApiError> {
    let id = parse_id(&id)?;
    let header = if_match(request.headers())?;
    let body: MessageBody = read_json(&app, request).await?;
    let expected_version = based_on(header, body.expected_version)?;
    let loaded = load_visible(&app, id, &actor).await?;
    let command = Command::SendMessage {
        text: body.text,
        attachments: Vec::new(),
    };
    run(
        &app,
        actor,
        loaded,
        expected_version,
        None,
        fixed(command),
        Vec::new(),
    )
    .await
}

/// `POST /api/cases/{id}/request-supplement`: `{"message": …}` (officers).
pub async fn request_supplement(
    State(app): State<App>,
    CurrentUser(actor): CurrentUser,
    PathParam(id): PathParam<String>,
    request: Request,
) -> Result<CaseAnswer, ApiError> {
    let id = parse_id(&id)?;
    let header = if_match(request.headers())?;
    let body: RequestSupplementBody = read_json(&app, request).await?;
    let expected_version = based_on(header, body.expected_version)?;
    let loaded = load_visible(&app, id, &actor).await?;
    let command = Command::RequestSupplement {
        message: body.message,
    };
    run(
        &app,
        actor,
        loaded,
        expected_version,
        None,
        fixed(command),
        Vec::new(),
    )
    .await
}

/// `POST /api/cases/{id}/supplement`: `{"answers": {…}}` (the requester, when asked).
pub async fn supplement(
    State(app): State<App>,
    CurrentUser(actor): CurrentUser,
    PathParam(id): PathParam<String>,
    request: Request,
) -> Result<CaseAnswer, ApiError> {
    let id = parse_id(&id)?;
    let header = if_match(request.headers())?;
    let body: SupplementBody = read_json(&app, request).await?;
    let expected_version = based_on(header, body.expected_version)?;
    let loaded = load_visible(&app, id, &actor).await?;
    let command = Command::Supplement {
        answers: body.answers,
    };
    run(
        &app,
        actor,
        loaded,
        expected_version,
        None,
        fixed(command),
        Vec::new(),
    )
    .await
}

/// `POST /api/cases/{id}/commands`: any command of the core model, as its JSON
/// (`{"command": "assign", "officer": {"id": …, "name": …}}`), plus `expected_version`.
/// `submit` takes the fields of `POST /api/cases/{id}/submit`; the service draws the number.
pub async fn command(
    State(app): State<App>,
    CurrentUser(actor): CurrentUser,
    PathParam(id): PathParam<String>,
    request: Request,
) -> Result<CaseAnswer, ApiError> {
    let id = parse_id(&id)?;
    let header = if_match(request.headers())?;
    let mut body: Value = read_json(&app, request).await?;
    let Some(object) = body.as_object_mut() else {
        return Err(ApiError::new(
            ErrorCode::InvalidCommand,
            "the body must be a JSON object with a `command` field",
        ));
    };
    if object.get("command").and_then(Value::as_str) == Some("submit") {
        object.remove("command");
        let submit: SubmitDraft = serde_json::from_value(body)
            .map_err(|e| ApiError::new(ErrorCode::InvalidCommand, format!("submit: {e}")))?;
        return submit_draft(&app, actor, id, submit, header).await;
    }
    let in_body = match object.remove("expected_version") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            ApiError::new(
                ErrorCode::BadRequest,
                "`expected_version` must be a whole number",
            )
        })?),
    };
    let expected_version = based_on(header, in_body)?;
    let command: Command = serde_json::from_value(body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidCommand,
            format!("not a command the case model knows: {e}"),
        )
    })?;
    let loaded = load_visible(&app, id, &actor).await?;
    run(
        &app,
        actor,
        loaded,
        expected_version,
        None,
        fixed(command),
        Vec::new(),
    )
    .await
}

/// A file name made safe to keep and to send back: no path, no control characters, at most
/// [`MAX_FILE_NAME`] bytes.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let (cut_name, _) = cut(cleaned.trim(), MAX_FILE_NAME);
    cut_name.to_string()
}

/// `POST /api/cases/{id}/attachments?name=…&text=…&expected_version=…`: a message with one file,
/// the raw request body (at most the attachment limit, 50 MB).
pub async fn upload(
    State(app): State<App>,
    CurrentUser(actor): CurrentUser,
    PathParam(id): PathParam<String>,
    RawQuery(raw): RawQuery,
    request: Request,
) -> Result<CaseAnswer, ApiError> {
    let id = parse_id(&id)?;
    let header = if_match(request.headers())?;
    let pairs = query_pairs(raw.as_deref());
    let name = clean_file_name(first(&pairs, "name").unwrap_or(""));
    if name.is_empty() {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "give the file's name as `?name=`",
        ));
    }
    let text = first(&pairs, "text").unwrap_or("").to_string();
    let in_query = match first(&pairs, "expected_version") {
        None => None,
        Some(v) => Some(v.parse::<u64>().map_err(|_| {
            ApiError::new(
                ErrorCode::BadRequest,
                "`expected_version` must be a whole number",
            )
        })?),
    };
    let expected_version = based_on(header, in_query)?;
    let limit = app.config().limits.attachment_bytes;
    let too_large = || {
        ApiError::new(
            ErrorCode::AttachmentTooLarge,
            format!("the file is over the attachment limit of {limit} bytes"),
        )
    };
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    // A bounded number of uploads at once; one more is refused at once, not queued.
    let uploads = request
        .extensions()
        .get::<Uploads>()
        .cloned()
        .ok_or_else(|| ApiError::internal("the upload limit is not configured"))?;
    let _permit = uploads.0.try_acquire_owned().map_err(|_| {
        ApiError::new(
            ErrorCode::TooManyUploads,
            "too many attachment uploads at once; try again in a moment",
        )
    })?;
    let loaded = load_visible(&app, id, &actor).await?;
    // A stale or missing version is refused before the file is read (and checked again, with
    // the write, after).
    loaded
        .case
        .check_version(app.config().version_policy, expected_version)?;
    // Quotas: what the case holds (the core's record of its attachments) and what the user has
    // sent, checked against the declared size before reading and the real size after.
    let quotas = &app.config().serve_limits;
    let case_bytes: u64 = loaded
        .case
        .messages()
        .iter()
        .flat_map(|m| m.attachments.iter())
        .map(|a| a.size_bytes)
        .sum();
    let store = app.store();
    let sender = actor.id.clone();
    let user_bytes = blocking(move || store.attachment_bytes_of(&sender)).await?;
    let over_quota = |size: u64| {
        if case_bytes.saturating_add(size) > quotas.case_attachment_bytes {
            Some(format!(
                "the case's attachments would go over its quota of {} bytes",
                quotas.case_attachment_bytes
            ))
        } else if user_bytes.saturating_add(size) > quotas.user_attachment_bytes {
            Some(format!(
                "your attachments would go over your quota of {} bytes",
                quotas.user_attachment_bytes
            ))
        } else {
            None
        }
    };
    let quota_error = |message: String| ApiError::new(ErrorCode::AttachmentQuotaExceeded, message);
    if let Some(message) = over_quota(declared.unwrap_or(0)) {
        return Err(quota_error(message));
    }
    let spooled = spool(&app, request, limit as u64).await.map_err(|e| {
        if e.code == ErrorCode::PayloadTooLarge {
            too_large()
        } else {
            e
        }
    })?;
    if let Some(message) = over_quota(spooled.len) {
        return Err(quota_error(message));
    }
    let seq = loaded.stored.version() + 1;
    let command = Command::SendMessage {
        text,
        attachments: vec![Attachment::new(name.clone(), spooled.len)],
    };
    let blobs = vec![Blob {
        seq,
        index: 0,
        name,
        sender: actor.id.clone(),
        content: BlobContent::File(Arc::new(spooled)),
    }];
    run(
        &app,
        actor,
        loaded,
        expected_version,
        None,
        fixed(command),
        blobs,
    )
    .await
}

/// The directory uploads are spooled to before they are stored (under the data directory).
const SPOOL_DIR: &str = "uploads";

/// Streams the request body to a new file in the spool directory, refusing it once it is over
/// `limit` bytes: at most one frame of the body is in memory at a time. The file is removed when
/// the returned [`SpoolFile`] is dropped (stored or not).
async fn spool(app: &App, request: Request, limit: u64) -> Result<SpoolFile, ApiError> {
    use http_body_util::BodyExt;
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = app.config().data_dir.join(SPOOL_DIR);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = dir.join(format!(
        "{}-{nanos}-{}.part",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let opened = path.clone();
    let file = blocking(move || {
        std::fs::create_dir_all(&dir).map_err(spool_error)?;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&opened)
            .map_err(spool_error)
    })
    .await?;
    // From here the file is removed whatever happens.
    let mut spooled = SpoolFile { path, len: 0 };
    let mut file = Some(file);
    let mut pending: Vec<u8> = Vec::with_capacity(SPOOL_CHUNK);
    let mut body = request.into_body();
    loop {
        let frame = body.frame().await;
        let done = frame.is_none();
        if let Some(frame) = frame {
            let frame = frame.map_err(|e| {
                ApiError::new(
                    ErrorCode::BadRequest,
                    format!("the body could not be read: {e}"),
                )
            })?;
            if let Ok(data) = frame.into_data() {
                spooled.len += data.len() as u64;
                if spooled.len > limit {
                    return Err(ApiError::new(
                        ErrorCode::PayloadTooLarge,
                        format!("the body is over the limit of {limit} bytes"),
                    ));
                }
                pending.extend_from_slice(&data);
            }
        }
        // Written to disk off the request threads, at most one chunk at a time in memory.
        if pending.len() >= SPOOL_CHUNK || (done && !pending.is_empty()) {
            let (mut f, chunk) = (file.take(), std::mem::take(&mut pending));
            let (f, mut chunk) = blocking(move || {
                use std::io::Write;
                if let Some(f) = f.as_mut() {
                    f.write_all(&chunk).map_err(spool_error)?;
                }
                Ok((f, chunk))
            })
            .await?;
            chunk.clear();
            pending = chunk;
            file = f;
        }
        if done {
            return Ok(spooled);
        }
    }
}

/// Bytes of an upload gathered in memory before they are written to the spool file.
const SPOOL_CHUNK: usize = 1 << 20;

fn spool_error(e: std::io::Error) -> StoreError {
    StoreError::Unavailable(format!("the upload cannot be spooled: {e}"))
}

/// `GET /api/cases/{id}/attachments/{seq}/{index}`: the file's bytes.
pub async fn download(
    State(app): State<App>,
    CurrentUser(actor): CurrentUser,
    PathParam((id, seq, index)): PathParam<(String, String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let not_found = || {
        ApiError::new(
            ErrorCode::AttachmentNotFound,
            "no such attachment on the case",
        )
    };
    let seq: u64 = seq.parse().map_err(|_| not_found())?;
    let index: u32 = index.parse().map_err(|_| not_found())?;
    load_visible(&app, id, &actor).await?;
    let store = app.store();
    let head = blocking(move || store.attachment_head(id, seq, index))
        .await?
        .ok_or_else(not_found)?;
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        percent_encode(&head.name)
    );
    let size = head.size.to_string();
    let body = Body::new(Download {
        store: app.store(),
        at: (id, seq, index),
        inline: Some(head.inline).filter(|b| !b.is_empty()),
        next: 0,
        parts: head.parts,
        reading: None,
    });
    Ok((
        [
            (CONTENT_TYPE, "application/octet-stream".to_string()),
            (CONTENT_DISPOSITION, disposition),
            (CONTENT_LENGTH, size),
        ],
        body,
    )
        .into_response())
}

/// A download's body: the attachment's parts read from the store one at a time, off the request
/// threads, as the client takes them. At most one part (1 MiB) of a download is in memory.
struct Download {
    store: Arc<dyn crate::store::Store>,
    /// The case, event and attachment number.
    at: (CaseId, u64, u32),
    /// Bytes kept in the attachment's row (stored before schema version 4), sent first.
    inline: Option<Vec<u8>>,
    /// The next part to read.
    next: u32,
    /// How many parts there are.
    parts: u32,
    /// The read of part `next`, while it runs.
    reading: Option<tokio::task::JoinHandle<Result<Option<Vec<u8>>, StoreError>>>,
}

impl axum::body::HttpBody for Download {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        use std::future::Future;
        use std::task::Poll;
        let this = &mut *self;
        if let Some(inline) = this.inline.take() {
            return Poll::Ready(Some(Ok(hyper::body::Frame::data(inline.into()))));
        }
        if this.next >= this.parts {
            return Poll::Ready(None);
        }
        let reading = this.reading.get_or_insert_with(|| {
            let store = Arc::clone(&this.store);
            let ((id, seq, index), part) = (this.at, this.next);
            tokio::task::spawn_blocking(move || store.attachment_part(id, seq, index, part))
        });
        let read = match std::pin::Pin::new(reading).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(read) => read,
        };
        this.reading = None;
        let part = this.next;
        this.next += 1;
        let failed = match read {
            Ok(Ok(Some(bytes))) => {
                return Poll::Ready(Some(Ok(hyper::body::Frame::data(bytes.into()))))
            }
            Ok(Ok(None)) => format!("part {part} of the attachment is missing"),
            Ok(Err(e)) => e.to_string(),
            Err(e) => e.to_string(),
        };
        // An error ends the response early (the client sees a body shorter than its length),
        // and nothing more is read.
        this.next = this.parts;
        Poll::Ready(Some(Err(std::io::Error::other(failed))))
    }

    fn is_end_stream(&self) -> bool {
        self.inline.is_none() && self.next >= self.parts
    }
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The JSON of a case as `actor` sees it.
pub fn view(id: CaseId, rules: &CaseRules, case: &Case, actor: &Actor) -> Value {
    let workflow = &rules.workflow;
    let overview = views::overview(case, workflow);
    let allowed: Vec<&str> = case
        .allowed_commands(rules, actor)
        .into_iter()
        .map(CommandKind::id)
        .collect();
    let messages: Vec<Value> = case
        .messages()
        .iter()
        .map(|m| {
            let attachments: Vec<Value> = m
                .attachments
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    json!({
                        "name": a.name,
                        "size_bytes": a.size_bytes,
                        "url": format!("/api/cases/{id}/attachments/{}/{i}", m.seq),
                    })
                })
                .collect();
            json!({
                "seq": m.seq,
                "at": m.at,
                "from": m.from,
                "direction": m.direction,
                "text": m.text,
                "attachments": attachments,
            })
        })
        .collect();
    let fields: Vec<Value> = overview
        .fields
        .iter()
        .map(|(label, value)| json!({ "label": label, "value": value }))
        .collect();
    json!({
        "id": id,
        "version": case.history().len(),
        "workflow": workflow.id(),
        "number": case.number(),
        "service": case.service(),
        "organisation": case.organisation(),
        "status": case.status(),
        "status_label": workflow.label(case.status()),
        "category": workflow.category(case.status()).map(StatusCategory::id),
        "description": case.description(),
        "answers": case.answers(),
        "requester": case.requester(),
        "on_behalf_of": case.on_behalf_of(),
        "officer": case.officer(),
        "received_at": case.received_at(),
        "due": case.due(),
        "approvals": case.approvals(),
        "shared_with": case.shared_with(),
        "overview": { "title": overview.title, "fields": fields },
        "history": views::history(case, workflow),
        "messages": messages,
        "allowed_commands": allowed,
        "relations": access::relations(case, actor),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            clean_file_name("C:\\tmp\\Ursprunglig förfrågan.pdf"),
            "Ursprunglig förfrågan.pdf"
        );
        assert_eq!(clean_file_name("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(clean_file_name(&"å".repeat(300)).len(), 254);
    }

    #[test]
    fn names_are_percent_encoded_for_downloads() {
        assert_eq!(
            percent_encode("förfrågan 1.pdf"),
            "f%C3%B6rfr%C3%A5gan%201.pdf"
        );
    }
}
