//! Error mapping, once: [`Error`] holds any core error (`.map_err(py_err)?` at a call site, as
//! polars does with its `PyPolarsErr`), and `From<Error> for PyErr` turns it into one
//! exception of the hierarchy declared once in `python/vagvisare/_errors.py` (all under
//! `vagvisare.Error`; bad input and refused commands are also `ValueError`s, storage failures
//! also `OSError`s). No call site picks an exception class by hand.

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use pyo3::IntoPyObjectExt;

use vagvisare::case::{CaseError, NumberError, RecordError, RoleError, WorkflowError};
use vagvisare::feedback::FeedbackError;
use vagvisare::text::synonyms::SynonymError;
use vagvisare::IndexError;

/// An exception class of `vagvisare._errors`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// `InputError`: input that cannot be used.
    Input,
    /// `GuideError`: a guide, or a line of a guide file, that is not valid.
    Guide,
    /// `WorkflowError`: a workflow definition that is refused.
    Workflow,
    /// `RecordError`: a stored case record that cannot be read.
    Record,
    /// `CaseNumberError`: text that is not a case number, or an exhausted series.
    CaseNumber,
    /// `CommandRefusedError`: a case command that was refused.
    Refused,
    /// `TransitionNotAllowedError`: the workflow does not allow the command.
    TransitionNotAllowed,
    /// `NoAccessError`: the actor has no part in the case.
    NoAccess,
    /// `StorageError`: an index directory or file that cannot be read or written.
    Storage,
}

impl Class {
    const ALL: [Class; 9] = [
        Class::Input,
        Class::Guide,
        Class::Workflow,
        Class::Record,
        Class::CaseNumber,
        Class::Refused,
        Class::TransitionNotAllowed,
        Class::NoAccess,
        Class::Storage,
    ];

    fn name(self) -> &'static str {
        match self {
            Class::Input => "InputError",
            Class::Guide => "GuideError",
            Class::Workflow => "WorkflowError",
            Class::Record => "RecordError",
            Class::CaseNumber => "CaseNumberError",
            Class::Refused => "CommandRefusedError",
            Class::TransitionNotAllowed => "TransitionNotAllowedError",
            Class::NoAccess => "NoAccessError",
            Class::Storage => "StorageError",
        }
    }
}

static CLASSES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

/// The exception class, looked up once in `vagvisare._errors`.
fn class<'py>(py: Python<'py>, class: Class) -> PyResult<Bound<'py, PyType>> {
    let classes = CLASSES.get_or_try_init(py, || -> PyResult<Vec<Py<PyType>>> {
        let module = py.import("vagvisare._errors")?;
        Class::ALL
            .iter()
            .map(|c| Ok(module.getattr(c.name())?.cast_into::<PyType>()?.unbind()))
            .collect()
    })?;
    let at = Class::ALL.iter().position(|c| *c == class).unwrap_or(0);
    Ok(classes[at].bind(py).clone())
}

/// An error on its way to Python: a core error, or input the binding itself refuses.
#[derive(Debug)]
pub(crate) enum Error {
    /// The guide index (`GuideError`, `StorageError` or `InputError`).
    Index(IndexError),
    /// A refused case command (`CommandRefusedError` and its subclasses).
    Case(CaseError),
    /// A refused workflow definition (`WorkflowError`).
    Workflow(WorkflowError),
    /// A case record that cannot be read (`RecordError`).
    Record(RecordError),
    /// Text that is not a case number, or an exhausted series (`CaseNumberError`).
    Number(NumberError),
    /// A synonym file that cannot be read (`InputError`).
    Synonym(SynonymError),
    /// A feedback record that cannot be used (`InputError`; a feedback file: `StorageError`).
    Feedback(FeedbackError),
    /// Text that is not a role (`InputError`).
    Role(RoleError),
    /// A value the binding cannot use (`InputError`).
    Input(String),
    /// A guide given as a mapping without an id or title (`GuideError`).
    Guide {
        /// What is wrong.
        message: String,
        /// The guide's id, when it has one.
        guide_id: Option<String>,
    },
    /// An event's JSON that cannot be read (`RecordError`).
    Event(String),
}

macro_rules! from_core {
    ($($variant:ident($error:ty)),* $(,)?) => {
        $(impl From<$error> for Error {
            fn from(error: $error) -> Self {
                Error::$variant(error)
            }
        })*
    };
}

from_core!(
    Index(IndexError),
    Case(CaseError),
    Workflow(WorkflowError),
    Record(RecordError),
    Number(NumberError),
    Synonym(SynonymError),
    Feedback(FeedbackError),
    Role(RoleError),
);

impl From<Error> for PyErr {
    fn from(error: Error) -> PyErr {
        Python::attach(|py| match error {
            Error::Index(e) => index_error(py, e),
            Error::Case(e) => case_error(py, e),
            Error::Workflow(e) => raise(py, Class::Workflow, e.to_string(), &[]),
            Error::Record(e) => raise(py, Class::Record, e.to_string(), &[]),
            Error::Number(e) => raise(py, Class::CaseNumber, e.to_string(), &[]),
            Error::Feedback(e) => feedback_error(py, e),
            Error::Synonym(e) => raise(py, Class::Input, e.to_string(), &[]),
            Error::Role(e) => raise(py, Class::Input, e.to_string(), &[]),
            Error::Input(message) => raise(py, Class::Input, message, &[]),
            Error::Event(message) => raise(py, Class::Record, message, &[]),
            Error::Guide { message, guide_id } => {
                let attributes = guide_attributes(py, guide_id.as_deref(), None, None);
                raise(py, Class::Guide, message, &attributes)
            }
        })
    }
}

/// The exception for any core error: `result.map_err(py_err)?` at every call site.
pub(crate) fn py_err(error: impl Into<Error>) -> PyErr {
    error.into().into()
}

/// `InputError(message)`: a value the binding cannot use.
pub(crate) fn input(message: impl Into<String>) -> PyErr {
    Error::Input(message.into()).into()
}

/// An exception of `class` with `message` and extra attributes.
fn raise(
    py: Python<'_>,
    class_: Class,
    message: impl Into<String>,
    attributes: &[(&str, Py<PyAny>)],
) -> PyErr {
    let message = message.into();
    let made = class(py, class_).and_then(|ty| {
        let exception = ty.call1((message.clone(),))?;
        for (name, value) in attributes {
            exception.setattr(*name, value.bind(py))?;
        }
        Ok(PyErr::from_value(exception))
    });
    // Only when the package's Python part is missing (the native module imported on its own):
    // the nearest built-in class, never a crash.
    made.unwrap_or_else(|_| match class_ {
        Class::Storage => PyOSError::new_err(message),
        _ => PyValueError::new_err(message),
    })
}

fn none(py: Python<'_>) -> Py<PyAny> {
    py.None()
}

fn object<'py, T: IntoPyObjectExt<'py>>(py: Python<'py>, value: T) -> Py<PyAny> {
    value.into_py_any(py).unwrap_or_else(|_| py.None())
}

/// `guide_id`, `line` and `path` of a `GuideError`.
fn guide_attributes(
    py: Python<'_>,
    id: Option<&str>,
    line: Option<usize>,
    path: Option<String>,
) -> [(&'static str, Py<PyAny>); 3] {
    [
        ("guide_id", id.map_or_else(|| none(py), |id| object(py, id))),
        ("line", line.map_or_else(|| none(py), |l| object(py, l))),
        ("path", path.map_or_else(|| none(py), |p| object(py, p))),
    ]
}

/// The exception for a feedback error: a feedback file is storage, the rest is input.
fn feedback_error(py: Python<'_>, error: FeedbackError) -> PyErr {
    match error {
        FeedbackError::File { .. } => raise(py, Class::Storage, error.to_string(), &[]),
        _ => raise(py, Class::Input, error.to_string(), &[]),
    }
}

/// The exception for an error of the guide index.
fn index_error(py: Python<'_>, error: IndexError) -> PyErr {
    let message = error.to_string();
    match error {
        IndexError::BadLine { line, .. } => raise(
            py,
            Class::Guide,
            message,
            &guide_attributes(py, None, Some(line), None),
        ),
        IndexError::BadFileLine { path, line, .. } => raise(
            py,
            Class::Guide,
            message,
            &guide_attributes(py, None, Some(line), Some(path.display().to_string())),
        ),
        IndexError::BadRecords { problems } => {
            let first = problems.first();
            raise(
                py,
                Class::Guide,
                message,
                &guide_attributes(
                    py,
                    None,
                    first.map(|p| p.line),
                    first.and_then(|p| p.path.as_ref().map(|p| p.display().to_string())),
                ),
            )
        }
        IndexError::BadGuide { id, .. } => raise(
            py,
            Class::Guide,
            message,
            &guide_attributes(py, Some(&id), None, None),
        ),
        IndexError::Feedback(e) => feedback_error(py, e),
        IndexError::BadSetting(_) => raise(py, Class::Input, message, &[]),
        IndexError::NotAnIndex { .. }
        | IndexError::Incompatible { .. }
        | IndexError::AlreadyExists { .. }
        | IndexError::Io { .. }
        | IndexError::Storage(_) => raise(py, Class::Storage, message, &[]),
    }
}

/// The code of a refused case command, as `CommandRefusedError.code` gives it.
fn case_code(error: &CaseError) -> &'static str {
    match error {
        CaseError::TransitionNotAllowed { .. } => "transition_not_allowed",
        CaseError::NoAccess { .. } => "no_access",
        CaseError::AttachmentTooLarge { .. } => "attachment_too_large",
        CaseError::EmptyMessage => "empty_message",
        CaseError::NotAnApprover { .. } => "not_an_approver",
        CaseError::AlreadyDecided { .. } => "already_decided",
        CaseError::ApprovalsPending { .. } => "approvals_pending",
        CaseError::RequesterAsApprover { .. } => "requester_as_approver",
        CaseError::NoApprovalsInWorkflow { .. } => "no_approvals_in_workflow",
        CaseError::AlreadyShared { .. } => "already_shared",
        CaseError::DateOutOfRange => "date_out_of_range",
        CaseError::EventOutOfOrder { .. } => "event_out_of_order",
    }
}

/// The exception for a refused case command: `TransitionNotAllowedError` (with `command`,
/// `status` and `role`), `NoAccessError`, or `CommandRefusedError`; each has a `code`.
fn case_error(py: Python<'_>, error: CaseError) -> PyErr {
    let message = error.to_string();
    let mut attributes = vec![("code", object(py, case_code(&error)))];
    match error {
        CaseError::TransitionNotAllowed {
            command,
            status,
            role,
        } => {
            attributes.push(("command", object(py, command.id())));
            attributes.push(("status", object(py, status)));
            attributes.push(("role", object(py, role.id())));
            raise(py, Class::TransitionNotAllowed, message, &attributes)
        }
        CaseError::NoAccess { command, actor } => {
            attributes.push(("command", object(py, command.id())));
            attributes.push(("actor", object(py, actor)));
            raise(py, Class::NoAccess, message, &attributes)
        }
        CaseError::ApprovalsPending { command, missing } => {
            attributes.push(("command", object(py, command.id())));
            attributes.push(("missing", object(py, missing)));
            raise(py, Class::Refused, message, &attributes)
        }
        _ => raise(py, Class::Refused, message, &attributes),
    }
}
