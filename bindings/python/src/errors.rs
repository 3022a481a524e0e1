//! Error mapping: every core error becomes one exception of the hierarchy declared once in
//! `python/vagvisare/_errors.py` (all under `vagvisare.Error`; bad input and refused commands
//! are also `ValueError`s, storage failures also `OSError`s).

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use pyo3::IntoPyObjectExt;

use vagvisare::case::{CaseError, NumberError, RecordError, WorkflowError};
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

/// An exception of `class` with `message` and extra attributes.
pub(crate) fn raise(
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

/// `InputError(message)`.
pub(crate) fn input(py: Python<'_>, message: impl Into<String>) -> PyErr {
    raise(py, Class::Input, message, &[])
}

fn none(py: Python<'_>) -> Py<PyAny> {
    py.None()
}

fn object<'py, T: IntoPyObjectExt<'py>>(py: Python<'py>, value: T) -> Py<PyAny> {
    value.into_py_any(py).unwrap_or_else(|_| py.None())
}

/// The exception for an error of the guide index.
pub(crate) fn index_error(py: Python<'_>, error: IndexError) -> PyErr {
    let message = error.to_string();
    let guide = |id: Option<&str>, line: Option<usize>, path: Option<String>| {
        [
            ("guide_id", id.map_or_else(|| none(py), |id| object(py, id))),
            ("line", line.map_or_else(|| none(py), |l| object(py, l))),
            ("path", path.map_or_else(|| none(py), |p| object(py, p))),
        ]
    };
    match &error {
        IndexError::BadLine { line, .. } => {
            raise(py, Class::Guide, message, &guide(None, Some(*line), None))
        }
        IndexError::BadFileLine { path, line, .. } => raise(
            py,
            Class::Guide,
            message,
            &guide(None, Some(*line), Some(path.display().to_string())),
        ),
        IndexError::BadGuide { id, .. } => {
            raise(py, Class::Guide, message, &guide(Some(id), None, None))
        }
        IndexError::Feedback(FeedbackError::File { .. }) => raise(py, Class::Storage, message, &[]),
        IndexError::Feedback(_) => input(py, message),
        IndexError::NotAnIndex { .. }
        | IndexError::Incompatible { .. }
        | IndexError::AlreadyExists { .. }
        | IndexError::Io { .. }
        | IndexError::Storage(_) => raise(py, Class::Storage, message, &[]),
    }
}

/// The exception for a refused case command: `TransitionNotAllowedError` (with `command`,
/// `status` and `role`), `NoAccessError`, or `CommandRefusedError`; each has a `code`.
pub(crate) fn case_error(py: Python<'_>, error: CaseError) -> PyErr {
    let message = error.to_string();
    let code = match &error {
        CaseError::TransitionNotAllowed { .. } => "transition_not_allowed",
        CaseError::NoAccess { .. } => "no_access",
        CaseError::AttachmentTooLarge { .. } => "attachment_too_large",
        CaseError::EmptyMessage => "empty_message",
        CaseError::NotAnApprover { .. } => "not_an_approver",
        CaseError::AlreadyDecided { .. } => "already_decided",
        CaseError::ApprovalsPending { .. } => "approvals_pending",
        CaseError::AlreadyShared { .. } => "already_shared",
        CaseError::DateOutOfRange => "date_out_of_range",
        CaseError::EventOutOfOrder { .. } => "event_out_of_order",
    };
    let mut attributes = vec![("code", object(py, code))];
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

/// `WorkflowError(message)`.
pub(crate) fn workflow_error(py: Python<'_>, error: WorkflowError) -> PyErr {
    raise(py, Class::Workflow, error.to_string(), &[])
}

/// `RecordError(message)`; a record whose events cannot be replayed says why.
pub(crate) fn record_error(py: Python<'_>, error: RecordError) -> PyErr {
    raise(py, Class::Record, error.to_string(), &[])
}

/// `CaseNumberError(message)`.
pub(crate) fn number_error(py: Python<'_>, error: NumberError) -> PyErr {
    raise(py, Class::CaseNumber, error.to_string(), &[])
}

/// `InputError(message)` for a synonym file that cannot be read.
pub(crate) fn synonym_error(py: Python<'_>, error: SynonymError) -> PyErr {
    input(py, error.to_string())
}
