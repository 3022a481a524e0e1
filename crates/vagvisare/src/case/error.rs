//! Errors of the case model: one enum per concern, each message saying what to do.

use thiserror::Error;

use super::{CommandKind, Role};

/// A command was refused. A refused command changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CaseError {
    /// The workflow has no transition for this command from the case's status for this role.
    #[error(
        "`{command}` is not allowed in status `{status}` for role `{role}`; \
         check the workflow's transitions, or let someone with another role do it"
    )]
    TransitionNotAllowed {
        /// The command that was refused.
        command: CommandKind,
        /// The case's status id (`new` when the case does not exist yet).
        status: String,
        /// The actor's role.
        role: Role,
    },
    /// The actor's role may take the transition, but the actor has no part in this case.
    #[error(
        "`{actor}` may not run `{command}` on this case; only its requester, people it is shared \
         with, its officer or the officers of its organisation, and its approvers may act on it"
    )]
    NoAccess {
        /// The command that was refused.
        command: CommandKind,
        /// The actor's id.
        actor: String,
    },
    /// An attachment is larger than the portal allows.
    #[error(
        "the file `{name}` is {size} bytes, over the limit of {max} bytes; \
         make it smaller or split it into several files"
    )]
    AttachmentTooLarge {
        /// The file name.
        name: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        max: u64,
    },
    /// A message with neither text nor attachments.
    #[error("the message is empty; write some text or attach a file")]
    EmptyMessage,
    /// The actor is not among the case's approvers.
    #[error("`{approver}` is not an approver of this case; only the approvers named at submission may approve or reject it")]
    NotAnApprover {
        /// The actor's id.
        approver: String,
    },
    /// The approver has already approved or rejected.
    #[error(
        "`{approver}` has already given their decision on this case; each approver decides once"
    )]
    AlreadyDecided {
        /// The approver's id.
        approver: String,
    },
    /// Work cannot go on before every approver has approved.
    #[error(
        "`{command}` must wait until the case is approved; still waiting for: {}",
        .missing.join(", ")
    )]
    ApprovalsPending {
        /// The command that was refused.
        command: CommandKind,
        /// Names of the approvers who have not approved yet.
        missing: Vec<String>,
    },
    /// The requester was named among the approvers, or tries to decide on their own case.
    /// Nobody approves what they asked for themselves.
    #[error(
        "`{person}` is the case's requester and cannot approve or reject it; \
         name someone else (their manager, say) as approver"
    )]
    RequesterAsApprover {
        /// The requester's id.
        person: String,
    },
    /// Approvers were named for a case whose workflow has no approvals (no `approve`
    /// transition): nobody could ever give them, and the case would wait for ever.
    #[error(
        "the workflow `{workflow}` has no approvals, so no approvers can be named; \
         submit without approvers, or use a workflow with an `approve` transition"
    )]
    NoApprovalsInWorkflow {
        /// The workflow's id.
        workflow: String,
    },
    /// The case is already shared with the person (or they are its requester).
    #[error("the case is already visible to `{person}`; there is no need to share it again")]
    AlreadyShared {
        /// The person's id.
        person: String,
    },
    /// A date computed for the case falls outside the calendar's range.
    #[error("the due date falls outside the supported calendar range; use a smaller number of working days")]
    DateOutOfRange,
    /// An event does not continue the history (replaying events out of order or with gaps).
    #[error("event number {found} cannot follow the case's history, which expects number {expected}; replay the events in order and without gaps")]
    EventOutOfOrder {
        /// The sequence number the case expected.
        expected: u64,
        /// The sequence number of the event.
        found: u64,
    },
}

/// Text that is not the id of a [`Role`](super::Role).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("unknown role {0:?}; use one of \"requester\", \"officer\", \"approver\", \"third_party\"")]
pub struct RoleError(pub String);

/// A workflow definition was refused when loaded.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum WorkflowError {
    /// The TOML or JSON could not be read.
    #[error(
        "could not read the workflow {format}: {message}; fix the definition and load it again"
    )]
    Parse {
        /// `TOML` or `JSON`.
        format: &'static str,
        /// The parser's message.
        message: String,
    },
    /// The workflow has no statuses.
    #[error("the workflow has no statuses; add at least one status")]
    NoStatuses,
    /// A status id is empty or the reserved id `new`.
    #[error("the status id `{0}` cannot be used (empty, or `new`, which means \"no case yet\"); pick another id")]
    InvalidStatusId(String),
    /// Two statuses share an id.
    #[error("the status id `{0}` is defined twice; give each status its own id")]
    DuplicateStatus(String),
    /// A transition names a status that is not defined.
    #[error("the transition `{command}` names the unknown status `{status}`; define it among the statuses or fix the spelling")]
    UnknownStatus {
        /// The transition's command.
        command: String,
        /// The unknown status id.
        status: String,
    },
    /// A transition has no from-statuses or no roles.
    #[error("the transition `{command}` has no {missing}; list at least one")]
    IncompleteTransition {
        /// The transition's command.
        command: String,
        /// `from-statuses` or `roles`.
        missing: &'static str,
    },
    /// Two transitions for the same command leave the same status for the same role.
    #[error("two transitions for `{command}` leave `{status}` for role `{role}`; keep only one so the outcome is clear")]
    Ambiguous {
        /// The command.
        command: String,
        /// The status both leave from.
        status: String,
        /// The role both allow.
        role: String,
    },
    /// No transition creates a case (leaves from `new`).
    #[error("no transition leaves from `new`, so no case can ever be created; add one for `save_draft` or `submit`")]
    NoStart,
    /// A status cannot be reached from `new`.
    #[error("the status `{0}` can never be reached; add a transition leading to it, or remove it")]
    Unreachable(String),
    /// A status that is not closed has no way to any closed status.
    #[error("the status `{0}` is not closed but no sequence of transitions leads from it to a closed status; add a way out")]
    DeadEnd(String),
}

/// A stored case record could not be read.
#[derive(Debug, Error)]
pub enum RecordError {
    /// The record was written in a format this version does not read.
    #[error("the case record has format_version {found}, but this library reads version {supported}; convert the record or use a matching library version")]
    UnsupportedVersion {
        /// The version in the record (`None` if missing).
        found: String,
        /// The version this library reads.
        supported: u32,
    },
    /// The record is not valid JSON of the expected shape.
    #[error("the case record is not valid: {0}; check that it was written by CaseRecord::to_json")]
    Json(String),
    /// The events could not be replayed.
    #[error("the case record's events cannot be replayed: {0}")]
    Replay(#[from] CaseError),
}

/// A case number could not be read or issued.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum NumberError {
    /// The text is not a case number.
    #[error("`{0}` is not a case number; write an optional prefix without digits followed by 1 to 19 digits, like `C2304625` or `113`")]
    Invalid(String),
    /// The series has issued its last number.
    #[error("the case number series `{prefix}` has no numbers left; start a new series with another prefix")]
    Exhausted {
        /// The series' prefix.
        prefix: String,
    },
}

/// A filled-in form does not fit its service's form ([`check_form`](super::check_form)). Each
/// names the field; none repeats the answer given.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum FormError {
    /// A required field has no answer, or a blank one.
    #[error("the field `{field}` must be answered")]
    Missing {
        /// The field's label.
        field: String,
    },
    /// An answer to a field the service's form does not have.
    #[error("the form has no field `{field}`; answer only its fields: {}", .known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "))]
    UnknownField {
        /// The label given.
        field: String,
        /// The labels of the fields that take answers.
        known: Vec<String>,
    },
    /// The short description given among the answers.
    #[error("`{field}` is the short description: give it as `description`, not among the answers")]
    DescriptionAsAnswer {
        /// The description field's label.
        field: String,
    },
    /// A choice answered with something that is not one of its options.
    #[error("the field `{field}` takes one of {}, written exactly so", .options.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", "))]
    NotAnOption {
        /// The field's label.
        field: String,
        /// Its options.
        options: Vec<String>,
    },
    /// A checkbox answered with something else than `Ja` or `Nej`.
    #[error("the checkbox `{field}` is answered `Ja` or `Nej`")]
    NotYesOrNo {
        /// The field's label.
        field: String,
    },
    /// A required checkbox (terms to accept, say) that is not ticked.
    #[error("the checkbox `{field}` must be ticked (`Ja`)")]
    NotChecked {
        /// The field's label.
        field: String,
    },
    /// A one-line text field answered with several lines.
    #[error("the field `{field}` takes one line of text")]
    NotOneLine {
        /// The field's label.
        field: String,
    },
}

impl FormError {
    /// The label of the field the error is about.
    pub fn field(&self) -> &str {
        match self {
            FormError::Missing { field }
            | FormError::UnknownField { field, .. }
            | FormError::DescriptionAsAnswer { field }
            | FormError::NotAnOption { field, .. }
            | FormError::NotYesOrNo { field }
            | FormError::NotChecked { field }
            | FormError::NotOneLine { field } => field,
        }
    }
}
