//! The values a case command takes: `Person`, `Actor`, `Attachment`, `Form`, and the portal's
//! `Workflow` and `CaseRules`.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use pyo3::prelude::*;

use vagvisare::case::{
    Actor, Attachment, CaseRules, CommandKind, Form, NotificationPreferences, Person, Role,
    StatusCategory, Workflow, DEFAULT_MAX_ATTACHMENT_BYTES,
};

use crate::calendar::PyCalendar;
use crate::convert::{self, repr_str};
use crate::errors::py_err;

// The default of `CaseRules(max_attachment_bytes=...)` is written out as a literal (so Python's
// signature shows it); it is the core's default.
const _: () = assert!(DEFAULT_MAX_ATTACHMENT_BYTES == 52_428_800);

/// A role from its identifier (the core's `Role: FromStr`).
pub(crate) fn role(id: &str) -> PyResult<Role> {
    id.parse::<Role>().map_err(py_err)
}

/// Someone a case refers to: its requester, officer, an approver, a person it is shared with.
#[pyclass(module = "vagvisare", name = "Person", frozen, eq, hash)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyPerson {
    pub(crate) inner: Person,
}

impl From<&Person> for PyPerson {
    fn from(p: &Person) -> Self {
        Self { inner: p.clone() }
    }
}

#[pymethods]
impl PyPerson {
    #[new]
    fn new(id: String, name: String) -> Self {
        Self {
            inner: Person::new(id, name),
        }
    }

    /// The host's stable id for the person.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// The name shown to people.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    fn __repr__(&self) -> String {
        format!(
            "Person({}, {})",
            repr_str(&self.inner.id),
            repr_str(&self.inner.name)
        )
    }
}

/// The person running a command, with their role (``"requester"``, ``"officer"``,
/// ``"approver"``, ``"third_party"``) and the organisation they act for.
#[pyclass(module = "vagvisare", name = "Actor", frozen, eq, hash)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyActor {
    pub(crate) inner: Actor,
}

impl From<&Actor> for PyActor {
    fn from(a: &Actor) -> Self {
        Self { inner: a.clone() }
    }
}

#[pymethods]
impl PyActor {
    #[new]
    #[pyo3(signature = (id, name, role, organisation=None))]
    fn new(id: String, name: String, role: &str, organisation: Option<String>) -> PyResult<Self> {
        let mut inner = Actor::new(id, name, self::role(role)?);
        inner.organisation = organisation;
        Ok(Self { inner })
    }

    /// The host's stable id for the person.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// The name shown in the history.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// The role they act in.
    #[getter]
    fn role(&self) -> &'static str {
        self.inner.role.id()
    }

    /// The organisation they act for, if any.
    #[getter]
    fn organisation(&self) -> Option<&str> {
        self.inner.organisation.as_deref()
    }

    /// The actor as a ``Person`` (id and name).
    #[getter]
    fn person(&self) -> PyPerson {
        PyPerson {
            inner: self.inner.person(),
        }
    }

    fn __repr__(&self) -> String {
        let org = match &self.inner.organisation {
            Some(o) => format!(", organisation={}", repr_str(o)),
            None => String::new(),
        };
        format!(
            "Actor({}, {}, {}{org})",
            repr_str(&self.inner.id),
            repr_str(&self.inner.name),
            repr_str(self.inner.role.id())
        )
    }
}

/// A file attached to a form or a message: its name and size (the host stores the bytes).
#[pyclass(module = "vagvisare", name = "Attachment", frozen, eq, hash)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyAttachment {
    /// File name as shown.
    #[pyo3(get)]
    name: String,
    /// Size in bytes.
    #[pyo3(get)]
    size_bytes: u64,
}

impl PyAttachment {
    pub(crate) fn core(&self) -> Attachment {
        Attachment::new(self.name.clone(), self.size_bytes)
    }
}

impl From<&Attachment> for PyAttachment {
    fn from(a: &Attachment) -> Self {
        Self {
            name: a.name.clone(),
            size_bytes: a.size_bytes,
        }
    }
}

#[pymethods]
impl PyAttachment {
    #[new]
    fn new(name: String, size_bytes: u64) -> Self {
        Self { name, size_bytes }
    }

    fn __repr__(&self) -> String {
        format!("Attachment({}, {})", repr_str(&self.name), self.size_bytes)
    }
}

/// Attachments from an iterable of `Attachment`.
pub(crate) fn attachments(value: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Attachment>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(Vec::new());
    };
    let Ok(iter) = value.try_iter() else {
        return Err(convert::wrong_type(
            "attachments",
            "an iterable of Attachment",
            value,
        ));
    };
    iter.map(|item| {
        let item = item?;
        match item.cast::<PyAttachment>() {
            Ok(a) => Ok(a.get().core()),
            Err(_) => Err(convert::wrong_type(
                "each attachment",
                "an Attachment",
                &item,
            )),
        }
    })
    .collect()
}

/// People from an iterable of `Person`.
pub(crate) fn people(what: &str, value: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Person>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(Vec::new());
    };
    let Ok(iter) = value.try_iter() else {
        return Err(convert::wrong_type(what, "an iterable of Person", value));
    };
    iter.map(|item| {
        let item = item?;
        match item.cast::<PyPerson>() {
            Ok(p) => Ok(p.get().inner.clone()),
            Err(_) => Err(convert::wrong_type(
                &format!("each of {what}"),
                "a Person",
                &item,
            )),
        }
    })
    .collect()
}

/// The filled-in form a case is filed through: the service (e-tjänst), the organisation that
/// handles it, the short description, the other answers, and how the requester wants to be told.
#[pyclass(module = "vagvisare", name = "Form", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyForm {
    pub(crate) inner: Form,
}

#[pymethods]
impl PyForm {
    #[new]
    #[pyo3(signature = (service, organisation, description, *, answers=None, on_behalf_of=None, attachments=None, notify_email=false, notify_sms=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        service: String,
        organisation: String,
        description: String,
        answers: Option<&Bound<'_, PyAny>>,
        on_behalf_of: Option<PyRef<'_, PyPerson>>,
        attachments: Option<&Bound<'_, PyAny>>,
        notify_email: bool,
        notify_sms: bool,
    ) -> PyResult<Self> {
        let answers = match answers.filter(|a| !a.is_none()) {
            Some(a) => convert::string_map("answers", a)?,
            None => BTreeMap::new(),
        };
        let mut form =
            Form::new(service, organisation, description).notify(NotificationPreferences {
                email: notify_email,
                sms: notify_sms,
            });
        form.answers = answers;
        form.on_behalf_of = on_behalf_of.map(|p| p.inner.clone());
        form.attachments = self::attachments(attachments)?;
        Ok(Self { inner: form })
    }

    /// The service (e-tjänst / formulär).
    #[getter]
    fn service(&self) -> &str {
        &self.inner.service
    }

    /// The organisation that handles it.
    #[getter]
    fn organisation(&self) -> &str {
        &self.inner.organisation
    }

    /// The short description.
    #[getter]
    fn description(&self) -> &str {
        &self.inner.description
    }

    /// The other answers, by field name.
    #[getter]
    fn answers(&self) -> BTreeMap<String, String> {
        self.inner.answers.clone()
    }

    /// The user the case concerns, when not the requester.
    #[getter]
    fn on_behalf_of(&self) -> Option<PyPerson> {
        self.inner.on_behalf_of.as_ref().map(PyPerson::from)
    }

    /// Files attached to the form.
    #[getter]
    fn attachments(&self) -> Vec<PyAttachment> {
        self.inner
            .attachments
            .iter()
            .map(PyAttachment::from)
            .collect()
    }

    /// Notify the requester by e-mail.
    #[getter]
    fn notify_email(&self) -> bool {
        self.inner.notify.email
    }

    /// Notify the requester by SMS.
    #[getter]
    fn notify_sms(&self) -> bool {
        self.inner.notify.sms
    }

    fn __repr__(&self) -> String {
        format!(
            "Form({}, {}, {})",
            repr_str(&self.inner.service),
            repr_str(&self.inner.organisation),
            repr_str(&self.inner.description)
        )
    }
}

/// A workflow: statuses (id, Swedish label, category) and the transitions between them (which
/// command, from which statuses, to which, by which roles). Two ship built in; a portal can load
/// its own from TOML or JSON, validated (``WorkflowError`` names what is wrong).
#[pyclass(module = "vagvisare", name = "Workflow", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyWorkflow {
    pub(crate) inner: Arc<Workflow>,
}

impl PyWorkflow {
    pub(crate) fn new(workflow: Workflow) -> Self {
        Self {
            inner: Arc::new(workflow),
        }
    }
}

#[pymethods]
impl PyWorkflow {
    /// The e-service workflow of the citizens' handbook (Sparat → Inskickat → Under behandling
    /// ⇄ Väntar på komplettering → Kompletterat → … → Avslutat).
    #[staticmethod]
    fn e_service() -> Self {
        Self::new(Workflow::e_service())
    }

    /// The service-desk workflow (Registrerad, approvals, Tilldelad, Pågående, Schemalagd,
    /// Väntar på användare → Besvarat av användaren, Väntar på tredjepart, Stängd).
    #[staticmethod]
    fn service_desk() -> Self {
        Self::new(Workflow::service_desk())
    }

    /// Loads and validates a workflow written in TOML.
    #[staticmethod]
    fn from_toml(text: &str) -> PyResult<Self> {
        Workflow::from_toml(text).map(Self::new).map_err(py_err)
    }

    /// Loads and validates a workflow written in JSON.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        Workflow::from_json(text).map(Self::new).map_err(py_err)
    }

    /// The workflow as JSON (``Workflow.from_json`` reads it back).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&*self.inner)
            .map_err(|e| pyo3::exceptions::PyTypeError::new_err(e.to_string()))
    }

    /// The workflow's id.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }

    /// The workflow's name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// Every status as ``{"id", "label", "category"}``, in definition order.
    #[getter]
    fn statuses(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py_data(py, self.inner.statuses())
    }

    /// Every transition as ``{"command", "from", "to"?, "roles"}``, in definition order.
    #[getter]
    fn transitions(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py_data(py, self.inner.transitions())
    }

    /// The label shown for a status id (the id itself if unknown; empty for ``"new"``).
    fn label(&self, status: &str) -> String {
        self.inner.label(status).to_string()
    }

    /// The category of a status id (``draft``, ``open``, ``waiting_for_requester``,
    /// ``waiting_for_others``, ``closed``), or ``None`` for ``"new"`` and unknown ids.
    fn category(&self, status: &str) -> Option<&'static str> {
        self.inner.category(status).map(StatusCategory::id)
    }

    /// The commands ``role`` may run in ``status`` (to show the right buttons).
    fn allowed_commands(&self, status: &str, role: &str) -> PyResult<Vec<&'static str>> {
        let role = self::role(role)?;
        Ok(self
            .inner
            .allowed_commands(status, role)
            .into_iter()
            .map(CommandKind::id)
            .collect())
    }

    fn __repr__(&self) -> String {
        format!(
            "Workflow({}, {}, statuses={})",
            repr_str(self.inner.id()),
            repr_str(self.inner.name()),
            self.inner.statuses().len()
        )
    }
}

/// A portal's rules for its cases: the workflow, the working-day calendar (Swedish holidays
/// plus ``closed_days``), the attachment limit, and how many working days a case has before it
/// is due (for every service, or per service).
#[pyclass(module = "vagvisare", name = "CaseRules", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyCaseRules {
    pub(crate) inner: Arc<CaseRules>,
}

#[pymethods]
impl PyCaseRules {
    #[new]
    #[pyo3(signature = (workflow, *, due_in_working_days=None, due_by_service=None, max_attachment_bytes=52428800, closed_days=None))]
    fn new(
        workflow: PyRef<'_, PyWorkflow>,
        due_in_working_days: Option<u32>,
        due_by_service: Option<BTreeMap<String, u32>>,
        max_attachment_bytes: u64,
        closed_days: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut rules = CaseRules::new((*workflow.inner).clone())
            .with_max_attachment_bytes(max_attachment_bytes)
            .with_calendar(PyCalendar::from_days(closed_days)?.inner);
        rules.due_in_working_days = due_in_working_days;
        rules.due_by_service = due_by_service.unwrap_or_default();
        Ok(Self {
            inner: Arc::new(rules),
        })
    }

    /// The workflow.
    #[getter]
    fn workflow(&self) -> PyWorkflow {
        PyWorkflow::new(self.inner.workflow.clone())
    }

    /// The working-day calendar.
    #[getter]
    fn calendar(&self) -> PyCalendar {
        PyCalendar {
            inner: self.inner.calendar.clone(),
        }
    }

    /// The largest attachment accepted, in bytes.
    #[getter]
    fn max_attachment_bytes(&self) -> u64 {
        self.inner.max_attachment_bytes
    }

    /// Working days from submission to the due date for every service, if set.
    #[getter]
    fn due_in_working_days(&self) -> Option<u32> {
        self.inner.due_in_working_days
    }

    /// Working days per service, overriding ``due_in_working_days``.
    #[getter]
    fn due_by_service(&self) -> BTreeMap<String, u32> {
        self.inner.due_by_service.clone()
    }

    /// The portal's own closed days.
    #[getter]
    fn closed_days(&self) -> Vec<NaiveDate> {
        self.inner.calendar.closed_days().collect()
    }

    /// Working days from submission to the due date for ``service``, if any.
    fn due_days(&self, service: &str) -> Option<u32> {
        self.inner.due_days(service)
    }

    fn __repr__(&self) -> String {
        format!(
            "CaseRules(workflow={}, due_in_working_days={})",
            repr_str(self.inner.workflow.id()),
            self.inner
                .due_in_working_days
                .map_or_else(|| "None".to_string(), |d| d.to_string())
        )
    }
}
