//! `Case`: the core's case (the fold of its events) with its rules, the commands as methods, and
//! what a case shows: events, due date, approvals, messages, access.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use vagvisare::case::{
    access, notification, Approval, Case, CaseNumber, CaseRecord, CaseRules, Command, CommandKind,
    Decision, Due, Event, Message, MessageDirection, Stamp,
};

use crate::convert::{self, repr_opt, repr_str};
use crate::errors::{py_err, Error};
use crate::people::{self, PyActor, PyAttachment, PyCaseRules, PyForm, PyPerson};
use crate::views::{PyHistoryRow, PyOverview};

/// A case number from text (`"C2304625"`, `"113"`).
pub(crate) fn case_number(text: &str) -> PyResult<CaseNumber> {
    text.parse().map_err(py_err)
}

fn json_error(e: serde_json::Error) -> PyErr {
    PyTypeError::new_err(format!("cannot write JSON: {e}"))
}

/// A case (ärende) under a portal's rules: the fold of its events.
///
/// ``Case(rules)`` does not exist yet (status ``"new"``). Each command is a method taking the
/// acting ``Actor``, the command's data and ``at`` (a time-zone-aware ``datetime``: the library
/// never reads the clock). A command returns the events it added; a refused one raises
/// ``CommandRefusedError`` (``TransitionNotAllowedError``, ``NoAccessError``, …) and changes
/// nothing.
#[pyclass(module = "vagvisare", name = "Case", eq)]
#[derive(Clone, PartialEq)]
pub struct PyCase {
    pub(crate) case: Case,
    pub(crate) rules: Arc<CaseRules>,
}

impl PyCase {
    fn run(
        &mut self,
        actor: &PyActor,
        command: Command,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        let now = convert::timestamp("at", at)?;
        let events = self
            .case
            .execute(&self.rules, &actor.inner, command, now)
            .map_err(py_err)?;
        Ok(events.into_iter().map(PyEvent::from).collect())
    }
}

#[pymethods]
impl PyCase {
    #[new]
    fn new(rules: PyRef<'_, PyCaseRules>) -> Self {
        Self {
            case: Case::new(),
            rules: rules.inner.clone(),
        }
    }

    /// Rebuilds a case from a JSON record written by ``to_json`` (the format version is checked
    /// first; ``RecordError`` says what is wrong).
    #[staticmethod]
    fn from_json(text: &str, rules: PyRef<'_, PyCaseRules>) -> PyResult<Self> {
        let case = CaseRecord::from_json(text)
            .and_then(CaseRecord::into_case)
            .map_err(py_err)?;
        Ok(Self {
            case,
            rules: rules.inner.clone(),
        })
    }

    /// Rebuilds a case from its events, in order (``Event`` objects, e.g. from
    /// ``Event.from_json``). An event that does not continue the history raises
    /// ``CommandRefusedError`` with code ``event_out_of_order``.
    #[staticmethod]
    fn replay(events: &Bound<'_, PyAny>, rules: PyRef<'_, PyCaseRules>) -> PyResult<Self> {
        let mut case = Self {
            case: Case::new(),
            rules: rules.inner.clone(),
        };
        let Ok(iter) = events.try_iter() else {
            return Err(convert::wrong_type(
                "events",
                "an iterable of Event",
                events,
            ));
        };
        for event in iter {
            let event = event?;
            case.apply(&event)?;
        }
        Ok(case)
    }

    /// Folds one stored event into the case (it must be the next in the history).
    fn apply(&mut self, event: &Bound<'_, PyAny>) -> PyResult<()> {
        let Ok(event) = event.cast::<PyEvent>() else {
            return Err(convert::wrong_type("event", "an Event", event));
        };
        self.case.apply(&event.get().inner).map_err(py_err)
    }

    /// The case as a JSON record (format version and events), for the host to store.
    #[pyo3(signature = (*, pretty=false))]
    fn to_json(&self, pretty: bool) -> PyResult<String> {
        let record = CaseRecord::new(&self.case);
        let json = if pretty {
            record.to_json_pretty()
        } else {
            record.to_json()
        };
        json.map_err(json_error)
    }

    /// An independent copy of the case.
    fn copy(&self) -> Self {
        self.clone()
    }

    fn __copy__(&self) -> Self {
        self.clone()
    }

    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> Self {
        self.clone()
    }

    // ----- commands -----

    /// Saves the form as a draft ("Spara"): only the requester sees it.
    #[pyo3(signature = (actor, form, *, at))]
    fn save_draft(
        &mut self,
        actor: PyRef<'_, PyActor>,
        form: PyRef<'_, PyForm>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        let command = Command::SaveDraft {
            form: form.inner.clone(),
        };
        self.run(&actor, command, at)
    }

    /// Deletes a draft ("Ta bort").
    #[pyo3(signature = (actor, *, at))]
    fn delete_draft(
        &mut self,
        actor: PyRef<'_, PyActor>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        self.run(&actor, Command::DeleteDraft, at)
    }

    /// Submits the case ("Skicka in") with its case number (``"113"``, ``"C2304625"``, e.g.
    /// from ``CaseNumberSeries.next_number()``) and the people who must approve it first.
    #[pyo3(signature = (actor, form, number, *, approvers=None, at))]
    fn submit(
        &mut self,
        actor: PyRef<'_, PyActor>,
        form: PyRef<'_, PyForm>,
        number: &str,
        approvers: Option<&Bound<'_, PyAny>>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        let command = Command::Submit {
            number: case_number(number)?,
            form: form.inner.clone(),
            approvers: people::people("approvers", approvers)?,
        };
        self.run(&actor, command, at)
    }

    /// Assigns an officer.
    #[pyo3(signature = (actor, officer, *, at))]
    fn assign(
        &mut self,
        actor: PyRef<'_, PyActor>,
        officer: PyRef<'_, PyPerson>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        let command = Command::Assign {
            officer: officer.inner.clone(),
        };
        self.run(&actor, command, at)
    }

    /// Starts (or resumes) work.
    #[pyo3(signature = (actor, *, at))]
    fn start(
        &mut self,
        actor: PyRef<'_, PyActor>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        self.run(&actor, Command::Start, at)
    }

    /// Asks the requester to supplement the case, with a message unless it was sent already.
    #[pyo3(signature = (actor, message=None, *, at))]
    fn request_supplement(
        &mut self,
        actor: PyRef<'_, PyActor>,
        message: Option<String>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        self.run(&actor, Command::RequestSupplement { message }, at)
    }

    /// The requester changes answers ("Ändra ärende"); the history records which changed.
    #[pyo3(signature = (actor, answers, *, at))]
    fn supplement(
        &mut self,
        actor: PyRef<'_, PyActor>,
        answers: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        let answers = convert::string_map("answers", answers)?;
        self.run(&actor, Command::Supplement { answers }, at)
    }

    /// Sends a message on the case (to the requester, or from them to the officer).
    #[pyo3(signature = (actor, text, attachments=None, *, at))]
    fn send_message(
        &mut self,
        actor: PyRef<'_, PyActor>,
        text: String,
        attachments: Option<&Bound<'_, PyAny>>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        let command = Command::SendMessage {
            text,
            attachments: people::attachments(attachments)?,
        };
        self.run(&actor, command, at)
    }

    /// Approves the request ("Godkänd"; each approver once).
    #[pyo3(signature = (actor, *, at))]
    fn approve(
        &mut self,
        actor: PyRef<'_, PyActor>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        self.run(&actor, Command::Approve, at)
    }

    /// Rejects the request.
    #[pyo3(signature = (actor, reason=None, *, at))]
    fn reject(
        &mut self,
        actor: PyRef<'_, PyActor>,
        reason: Option<String>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        self.run(&actor, Command::Reject { reason }, at)
    }

    /// Waits for the user to do something (e.g. accept terms with BankID).
    #[pyo3(signature = (actor, note=None, *, at))]
    fn wait_for_user(
        &mut self,
        actor: PyRef<'_, PyActor>,
        note: Option<String>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        self.run(&actor, Command::WaitForUser { note }, at)
    }

    /// The user has answered.
    #[pyo3(signature = (actor, *, at))]
    fn user_answered(
        &mut self,
        actor: PyRef<'_, PyActor>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        self.run(&actor, Command::UserAnswered, at)
    }

    /// Waits for a third party (a system vendor, …).
    #[pyo3(signature = (actor, party, *, at))]
    fn wait_for_third_party(
        &mut self,
        actor: PyRef<'_, PyActor>,
        party: String,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        self.run(&actor, Command::WaitForThirdParty { party }, at)
    }

    /// Schedules the work for a later date ("Schemalagd").
    #[pyo3(signature = (actor, date, *, at))]
    fn schedule(
        &mut self,
        actor: PyRef<'_, PyActor>,
        date: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        let date = convert::date("date", date)?;
        self.run(&actor, Command::Schedule { date }, at)
    }

    /// Closes the case, with how it was resolved.
    #[pyo3(signature = (actor, resolution=None, *, at))]
    fn close(
        &mut self,
        actor: PyRef<'_, PyActor>,
        resolution: Option<String>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        self.run(&actor, Command::Close { resolution }, at)
    }

    /// Shares the case with another person, who may then follow it.
    #[pyo3(signature = (actor, person, *, at))]
    fn share(
        &mut self,
        actor: PyRef<'_, PyActor>,
        person: PyRef<'_, PyPerson>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyEvent>> {
        let command = Command::Share {
            person: person.inner.clone(),
        };
        self.run(&actor, command, at)
    }

    // ----- access -----

    /// Whether ``actor`` may see the case.
    fn can_view(&self, actor: PyRef<'_, PyActor>) -> bool {
        access::can_view(&self.case, &actor.inner)
    }

    /// The parts ``actor`` plays in the case: ``requester``, ``shared_with``,
    /// ``assigned_officer``, ``organisation_officer``, ``approver`` (empty: none).
    fn relations(&self, py: Python<'_>, actor: PyRef<'_, PyActor>) -> PyResult<Vec<String>> {
        access::relations(&self.case, &actor.inner)
            .iter()
            .map(|r| convert::to_py_data(py, r)?.extract::<String>(py))
            .collect()
    }

    /// The commands ``actor`` may run now: allowed by the workflow for their role in the case's
    /// status, by their part in the case, and for an approver ``approve``/``reject`` only until
    /// they have decided (to show the right buttons). The core's ``Case::allowed_commands``.
    fn allowed_commands(&self, actor: PyRef<'_, PyActor>) -> Vec<&'static str> {
        self.case
            .allowed_commands(&self.rules, &actor.inner)
            .into_iter()
            .map(CommandKind::id)
            .collect()
    }

    // ----- views -----

    /// The "Ärendehistorik" rows (Händelse, Detaljer, Datum, Status, Person), oldest first;
    /// draft events are left out.
    fn history_rows(&self) -> Vec<PyHistoryRow> {
        vagvisare::case::views::history(&self.case, &self.rules.workflow)
            .into_iter()
            .map(PyHistoryRow::from)
            .collect()
    }

    /// The case overview ("Ärendeöversikt"): a title and labelled fields.
    fn overview(&self) -> PyOverview {
        PyOverview::from(vagvisare::case::views::overview(
            &self.case,
            &self.rules.workflow,
        ))
    }

    /// Who must be told what about ``event`` (one of this case's events), through which
    /// channels, as dicts ``{"recipient", "channels", "subject", "case_number", "event_seq"}``.
    /// The host sends them.
    fn notifications(&self, py: Python<'_>, event: PyRef<'_, PyEvent>) -> PyResult<Py<PyAny>> {
        let told = notification::notifications(&self.rules.workflow, &self.case, &event.inner);
        convert::to_py_data(py, &told)
    }

    // ----- state -----

    /// The rules the case runs under.
    #[getter]
    fn rules(&self) -> PyCaseRules {
        PyCaseRules {
            inner: self.rules.clone(),
        }
    }

    /// The status id (``"new"`` before the first event and after a draft is deleted).
    #[getter]
    fn status(&self) -> &str {
        self.case.status()
    }

    /// The status as people see it ("Under behandling").
    #[getter]
    fn status_label(&self) -> String {
        self.rules.workflow.label(self.case.status()).to_string()
    }

    /// Whether the case exists (has a status other than ``"new"``).
    #[getter]
    fn exists(&self) -> bool {
        self.case.exists()
    }

    /// The case number, once submitted.
    #[getter]
    fn number(&self) -> Option<String> {
        self.case.number().map(ToString::to_string)
    }

    /// The service (e-tjänst) the case came from.
    #[getter]
    fn service(&self) -> &str {
        self.case.service()
    }

    /// The organisation handling it.
    #[getter]
    fn organisation(&self) -> &str {
        self.case.organisation()
    }

    /// The short description.
    #[getter]
    fn description(&self) -> &str {
        self.case.description()
    }

    /// The form answers, by field.
    #[getter]
    fn answers(&self) -> BTreeMap<String, String> {
        self.case.answers().clone()
    }

    /// The person the case belongs to.
    #[getter]
    fn requester(&self) -> Option<PyPerson> {
        self.case.requester().map(PyPerson::from)
    }

    /// The user the case concerns, when not the requester.
    #[getter]
    fn on_behalf_of(&self) -> Option<PyPerson> {
        self.case.on_behalf_of().map(PyPerson::from)
    }

    /// The assigned officer (``None``: "Ingen handläggare tilldelad").
    #[getter]
    fn officer(&self) -> Option<PyPerson> {
        self.case.officer().map(PyPerson::from)
    }

    /// When the case was received (set at submission; never for a draft).
    #[getter]
    fn received_at(&self) -> Option<DateTime<FixedOffset>> {
        self.case.received_at()
    }

    /// When and by whom the case was last supplemented.
    #[getter]
    fn last_supplemented(&self) -> Option<PyStamp> {
        self.case.last_supplemented().map(PyStamp::from)
    }

    /// When and by whom the case's form last changed (saved, submitted or supplemented).
    #[getter]
    fn last_changed(&self) -> Option<PyStamp> {
        self.case.last_changed().map(PyStamp::from)
    }

    /// The due date (förfallodag) and whether its clock is paused.
    #[getter]
    fn due(&self) -> Option<PyDue> {
        self.case.due().map(PyDue::from)
    }

    /// The required approvals and their decisions so far.
    #[getter]
    fn approvals(&self) -> Vec<PyApproval> {
        self.case.approvals().iter().map(PyApproval::from).collect()
    }

    /// Names of the approvers who have not approved yet.
    #[getter]
    fn missing_approvals(&self) -> Vec<String> {
        self.case.missing_approvals()
    }

    /// The people the case is shared with.
    #[getter]
    fn shared_with(&self) -> Vec<PyPerson> {
        self.case.shared_with().iter().map(PyPerson::from).collect()
    }

    /// The messages, oldest first.
    #[getter]
    fn messages(&self) -> Vec<PyMessage> {
        self.case.messages().iter().map(PyMessage::from).collect()
    }

    /// All attachments: the form's, then the messages'.
    #[getter]
    fn attachments(&self) -> Vec<PyAttachment> {
        self.case
            .attachments()
            .iter()
            .map(PyAttachment::from)
            .collect()
    }

    /// The date the work is scheduled for, if scheduled.
    #[getter]
    fn scheduled_for(&self) -> Option<NaiveDate> {
        self.case.scheduled_for()
    }

    /// The third party last waited on, if any.
    #[getter]
    fn waiting_on(&self) -> Option<&str> {
        self.case.waiting_on()
    }

    /// The history: every event, oldest first. It only ever grows.
    #[getter]
    fn history(&self) -> Vec<PyEvent> {
        self.case
            .history()
            .iter()
            .cloned()
            .map(PyEvent::from)
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "Case(number={}, status={}, service={})",
            repr_opt(self.case.number().map(ToString::to_string).as_deref()),
            repr_str(self.case.status()),
            repr_str(self.case.service())
        )
    }
}

/// One thing that happened to a case, by whom and when.
#[pyclass(module = "vagvisare", name = "Event", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyEvent {
    pub(crate) inner: Event,
}

impl From<Event> for PyEvent {
    fn from(inner: Event) -> Self {
        Self { inner }
    }
}

impl PyEvent {
    /// The event's kind and its data, as JSON.
    fn kind_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.inner.kind).unwrap_or(serde_json::Value::Null)
    }
}

#[pymethods]
impl PyEvent {
    /// Reads an event written by ``to_json``.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        serde_json::from_str::<Event>(text)
            .map(Self::from)
            .map_err(|e| {
                Error::Event(format!(
                    "the event is not valid: {e}; check that it was written by Event.to_json"
                ))
                .into()
            })
    }

    /// The event as JSON (one line of the host's event store).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(json_error)
    }

    /// The event as plain data (the JSON shape).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py_data(py, &self.inner)
    }

    /// Position in the case's history, from 1, without gaps.
    #[getter]
    fn seq(&self) -> u64 {
        self.inner.seq
    }

    /// When it happened.
    #[getter]
    fn at(&self) -> DateTime<FixedOffset> {
        self.inner.at
    }

    /// Who made it happen.
    #[getter]
    fn actor(&self) -> PyActor {
        PyActor::from(&self.inner.actor)
    }

    /// What happened: ``draft_saved``, ``draft_deleted``, ``submitted``, ``officer_assigned``,
    /// ``status_changed``, ``supplemented``, ``message_sent``, ``approved``, ``rejected``,
    /// ``scheduled``, ``third_party_awaited`` or ``shared``.
    #[getter]
    fn kind(&self) -> String {
        self.kind_json()
            .get("event")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    }

    /// The kind's own data (the JSON shape: the form of ``submitted``, the text of
    /// ``message_sent``, …); empty for kinds without data.
    #[getter]
    fn details(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let mut value = self.kind_json();
        if let Some(map) = value.as_object_mut() {
            map.remove("event");
        }
        convert::json_to_py(py, &value)
    }

    /// The case's status after this event, when the event changed it.
    #[getter]
    fn status(&self) -> Option<&str> {
        self.inner.status.as_deref()
    }

    /// The case's due date after this event, when the event changed it.
    #[getter]
    fn due(&self) -> Option<PyDue> {
        self.inner.due.map(PyDue::from)
    }

    fn __repr__(&self) -> String {
        format!(
            "Event(seq={}, kind={}, at={}, actor={}, status={})",
            self.inner.seq,
            repr_str(&self.kind()),
            self.inner.at.to_rfc3339(),
            repr_str(&self.inner.actor.id),
            repr_opt(self.inner.status.as_deref())
        )
    }
}

/// A due date (förfallodag), counted in working days, and whether its clock is paused because
/// the case waits on the requester.
#[pyclass(module = "vagvisare", name = "Due", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyDue {
    /// The date the case is due.
    #[pyo3(get)]
    date: NaiveDate,
    /// While the case waits on the requester: the date the clock stopped.
    #[pyo3(get)]
    paused_since: Option<NaiveDate>,
}

impl From<Due> for PyDue {
    fn from(d: Due) -> Self {
        Self {
            date: d.date,
            paused_since: d.paused_since,
        }
    }
}

#[pymethods]
impl PyDue {
    /// Whether the clock is paused.
    #[getter]
    fn paused(&self) -> bool {
        self.paused_since.is_some()
    }

    fn __repr__(&self) -> String {
        match self.paused_since {
            Some(p) => format!("Due({}, paused_since={p})", self.date),
            None => format!("Due({})", self.date),
        }
    }
}

/// When something happened and who did it ("2018-02-19 14:05 av Jenny Testersson").
#[pyclass(module = "vagvisare", name = "Stamp", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyStamp {
    /// When.
    #[pyo3(get)]
    at: DateTime<FixedOffset>,
    by: PyPerson,
}

impl From<&Stamp> for PyStamp {
    fn from(s: &Stamp) -> Self {
        Self {
            at: s.at,
            by: PyPerson::from(&s.by),
        }
    }
}

#[pymethods]
impl PyStamp {
    /// Who.
    #[getter]
    fn by(&self) -> PyPerson {
        self.by.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "Stamp(at={}, by={})",
            self.at.to_rfc3339(),
            repr_str(&self.by.inner.name)
        )
    }
}

/// One required approval and its decision so far.
#[pyclass(module = "vagvisare", name = "Approval", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyApproval {
    inner: Approval,
}

impl From<&Approval> for PyApproval {
    fn from(a: &Approval) -> Self {
        Self { inner: a.clone() }
    }
}

#[pymethods]
impl PyApproval {
    /// Who must approve.
    #[getter]
    fn approver(&self) -> PyPerson {
        PyPerson::from(&self.inner.approver)
    }

    /// ``"approved"``, ``"rejected"``, or ``None`` while undecided.
    #[getter]
    fn decision(&self) -> Option<&'static str> {
        match self.inner.decision {
            Some(Decision::Approved { .. }) => Some("approved"),
            Some(Decision::Rejected { .. }) => Some("rejected"),
            None => None,
        }
    }

    /// When the decision was given.
    #[getter]
    fn decided_at(&self) -> Option<DateTime<FixedOffset>> {
        match &self.inner.decision {
            Some(Decision::Approved { at } | Decision::Rejected { at, .. }) => Some(*at),
            None => None,
        }
    }

    /// Why it was rejected, if given.
    #[getter]
    fn reason(&self) -> Option<&str> {
        match &self.inner.decision {
            Some(Decision::Rejected { reason, .. }) => reason.as_deref(),
            _ => None,
        }
    }

    /// Whether the approver has approved.
    #[getter]
    fn approved(&self) -> bool {
        self.inner.is_approved()
    }

    fn __repr__(&self) -> String {
        format!(
            "Approval(approver={}, decision={})",
            repr_str(&self.inner.approver.name),
            repr_opt(self.decision())
        )
    }
}

/// A message on the case.
#[pyclass(module = "vagvisare", name = "Message", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyMessage {
    inner: Message,
}

impl From<&Message> for PyMessage {
    fn from(m: &Message) -> Self {
        Self { inner: m.clone() }
    }
}

#[pymethods]
impl PyMessage {
    /// The sequence number of the event that sent it.
    #[getter]
    fn seq(&self) -> u64 {
        self.inner.seq
    }

    /// When it was sent.
    #[getter]
    fn at(&self) -> DateTime<FixedOffset> {
        self.inner.at
    }

    /// Who sent it.
    #[getter]
    fn sender(&self) -> PyPerson {
        PyPerson::from(&self.inner.from)
    }

    /// ``"to_requester"`` or ``"to_officer"``.
    #[getter]
    fn direction(&self) -> &'static str {
        match self.inner.direction {
            MessageDirection::ToRequester => "to_requester",
            MessageDirection::ToOfficer => "to_officer",
        }
    }

    /// The text.
    #[getter]
    fn text(&self) -> &str {
        &self.inner.text
    }

    /// Attached files.
    #[getter]
    fn attachments(&self) -> Vec<PyAttachment> {
        self.inner
            .attachments
            .iter()
            .map(PyAttachment::from)
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "Message(seq={}, sender={}, direction={}, text={})",
            self.inner.seq,
            repr_str(&self.inner.from.name),
            repr_str(self.direction()),
            repr_str(&self.inner.text)
        )
    }
}
