//! The case itself: the fold of its events. [`Case::apply`] is the only way its state changes;
//! [`Case::execute`](Case::execute) decides which events a command yields and applies them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::event::{Due, Event, EventKind, MessageDirection, Timestamp};
use super::workflow::NEW;
use super::{Attachment, CaseError, CaseNumber, Form, NotificationPreferences, Person};

/// When something happened and who did it ("2018-02-19 14:05 av Jenny Testersson").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stamp {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub by: Person,
}

/// A message on the case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Message {
    /// The sequence number of the event that sent it.
    pub seq: u64,
    /// When it was sent.
    pub at: Timestamp,
    /// Who sent it.
    pub from: Person,
    /// Which way it went.
    pub direction: MessageDirection,
    /// The text.
    pub text: String,
    /// Attached files.
    pub attachments: Vec<Attachment>,
}

/// An approver's decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Approved ("Godkänd").
    Approved {
        /// When.
        at: Timestamp,
    },
    /// Rejected.
    Rejected {
        /// When.
        at: Timestamp,
        /// Why, if given.
        reason: Option<String>,
    },
}

/// One required approval and its decision so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Approval {
    /// Who must approve.
    pub approver: Person,
    /// Their decision, once given.
    pub decision: Option<Decision>,
}

impl Approval {
    /// Whether the approver has approved.
    pub fn is_approved(&self) -> bool {
        matches!(self.decision, Some(Decision::Approved { .. }))
    }
}

/// A case (ärende): the fold of its events.
///
/// Start from [`Case::new`] (no case yet, status [`NEW`]), then run commands with
/// [`Case::execute`], or rebuild a stored case with [`Case::replay`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Case {
    status: String,
    number: Option<CaseNumber>,
    service: String,
    organisation: String,
    requester: Option<Person>,
    on_behalf_of: Option<Person>,
    description: String,
    answers: BTreeMap<String, String>,
    notify: NotificationPreferences,
    officer: Option<Person>,
    received_at: Option<Timestamp>,
    last_supplemented: Option<Stamp>,
    last_changed: Option<Stamp>,
    due: Option<Due>,
    approvals: Vec<Approval>,
    shared_with: Vec<Person>,
    messages: Vec<Message>,
    attachments: Vec<Attachment>,
    scheduled_for: Option<NaiveDate>,
    waiting_on: Option<String>,
    history: Vec<Event>,
}

impl Default for Case {
    fn default() -> Self {
        Case::new()
    }
}

impl Case {
    /// A case that does not exist yet: status [`NEW`], no history.
    pub fn new() -> Self {
        Case {
            status: NEW.to_string(),
            number: None,
            service: String::new(),
            organisation: String::new(),
            requester: None,
            on_behalf_of: None,
            description: String::new(),
            answers: BTreeMap::new(),
            notify: NotificationPreferences::default(),
            officer: None,
            received_at: None,
            last_supplemented: None,
            last_changed: None,
            due: None,
            approvals: Vec::new(),
            shared_with: Vec::new(),
            messages: Vec::new(),
            attachments: Vec::new(),
            scheduled_for: None,
            waiting_on: None,
            history: Vec::new(),
        }
    }

    /// Rebuild a case from its events, in order.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Case, CaseError> {
        let mut case = Case::new();
        for event in events {
            case.apply(event)?;
        }
        Ok(case)
    }

    /// Fold one event into the case. The event must be the next in the history (its `seq` one
    /// more than the last); otherwise nothing changes and [`CaseError::EventOutOfOrder`] is returned.
    pub fn apply(&mut self, event: &Event) -> Result<(), CaseError> {
        let expected = self.next_seq();
        if event.seq != expected {
            return Err(CaseError::EventOutOfOrder {
                expected,
                found: event.seq,
            });
        }
        self.fold(event);
        Ok(())
    }

    /// The sequence number the next event must carry.
    pub fn next_seq(&self) -> u64 {
        self.history.last().map_or(1, |e| e.seq.saturating_add(1))
    }

    pub(super) fn fold(&mut self, event: &Event) {
        let by = event.actor.person();
        match &event.kind {
            EventKind::DraftSaved { form } => {
                self.take_form(form);
                self.requester.get_or_insert(by.clone());
            }
            EventKind::DraftDeleted => {
                let history = std::mem::take(&mut self.history);
                *self = Case {
                    history,
                    ..Case::new()
                };
            }
            EventKind::Submitted {
                number,
                form,
                approvers,
            } => {
                self.take_form(form);
                self.requester.get_or_insert(by.clone());
                self.number = Some(number.clone());
                self.received_at = Some(event.at);
                self.approvals = approvers
                    .iter()
                    .map(|p| Approval {
                        approver: p.clone(),
                        decision: None,
                    })
                    .collect();
            }
            EventKind::OfficerAssigned { officer } => self.officer = Some(officer.clone()),
            EventKind::StatusChanged { .. } => {}
            EventKind::Supplemented { changed } => {
                for (field, value) in changed {
                    self.answers.insert(field.clone(), value.clone());
                }
                self.last_supplemented = Some(Stamp {
                    at: event.at,
                    by: by.clone(),
                });
            }
            EventKind::MessageSent {
                direction,
                text,
                attachments,
            } => {
                self.attachments.extend(attachments.iter().cloned());
                self.messages.push(Message {
                    seq: event.seq,
                    at: event.at,
                    from: by.clone(),
                    direction: *direction,
                    text: text.clone(),
                    attachments: attachments.clone(),
                });
            }
            EventKind::Approved => {
                self.record_decision(&by.id, Decision::Approved { at: event.at })
            }
            EventKind::Rejected { reason } => self.record_decision(
                &by.id,
                Decision::Rejected {
                    at: event.at,
                    reason: reason.clone(),
                },
            ),
            EventKind::Scheduled { date } => self.scheduled_for = Some(*date),
            EventKind::ThirdPartyAwaited { party } => self.waiting_on = Some(party.clone()),
            EventKind::Shared { person } => {
                if !self.shared_with.iter().any(|p| p.id == person.id) {
                    self.shared_with.push(person.clone());
                }
            }
        }
        if let Some(status) = &event.status {
            self.status = status.clone();
        }
        if let Some(due) = event.due {
            self.due = Some(due);
        }
        if matches!(
            event.kind,
            EventKind::DraftSaved { .. }
                | EventKind::Submitted { .. }
                | EventKind::Supplemented { .. }
        ) {
            self.last_changed = Some(Stamp { at: event.at, by });
        }
        self.history.push(event.clone());
    }

    fn take_form(&mut self, form: &Form) {
        self.service = form.service.clone();
        self.organisation = form.organisation.clone();
        self.description = form.description.clone();
        self.answers = form.answers.clone();
        self.on_behalf_of = form.on_behalf_of.clone();
        self.notify = form.notify;
        self.attachments = form.attachments.clone();
        for message in &self.messages {
            self.attachments.extend(message.attachments.iter().cloned());
        }
    }

    fn record_decision(&mut self, approver: &str, decision: Decision) {
        if let Some(approval) = self
            .approvals
            .iter_mut()
            .find(|a| a.approver.id == approver && a.decision.is_none())
        {
            approval.decision = Some(decision);
        }
    }

    /// The status id ([`NEW`] before the first event and after a draft is deleted).
    pub fn status(&self) -> &str {
        &self.status
    }

    /// Whether the case exists (has a status other than [`NEW`]).
    pub fn exists(&self) -> bool {
        self.status != NEW
    }

    /// The case number, once submitted.
    pub fn number(&self) -> Option<&CaseNumber> {
        self.number.as_ref()
    }

    /// The service (form) the case came from.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The organisation handling it.
    pub fn organisation(&self) -> &str {
        &self.organisation
    }

    /// The person the case belongs to.
    pub fn requester(&self) -> Option<&Person> {
        self.requester.as_ref()
    }

    /// The user the case concerns, when not the requester.
    pub fn on_behalf_of(&self) -> Option<&Person> {
        self.on_behalf_of.as_ref()
    }

    /// The short description.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The form answers, by field.
    pub fn answers(&self) -> &BTreeMap<String, String> {
        &self.answers
    }

    /// How the requester wants to be notified.
    pub fn notification_preferences(&self) -> NotificationPreferences {
        self.notify
    }

    /// The assigned officer ("Ingen handläggare tilldelad" when `None`).
    pub fn officer(&self) -> Option<&Person> {
        self.officer.as_ref()
    }

    /// When the case was received (set at submission; never for a draft).
    pub fn received_at(&self) -> Option<Timestamp> {
        self.received_at
    }

    /// When and by whom the case was last supplemented.
    pub fn last_supplemented(&self) -> Option<&Stamp> {
        self.last_supplemented.as_ref()
    }

    /// When and by whom the case's content (its form) last changed: saved, submitted or
    /// supplemented ("Senast sparad", "Senast ändrat").
    pub fn last_changed(&self) -> Option<&Stamp> {
        self.last_changed.as_ref()
    }

    /// The due date (förfallodag) and whether its clock is paused.
    pub fn due(&self) -> Option<Due> {
        self.due
    }

    /// The required approvals.
    pub fn approvals(&self) -> &[Approval] {
        &self.approvals
    }

    /// Names of the approvers who have not approved yet.
    pub fn missing_approvals(&self) -> Vec<String> {
        self.approvals
            .iter()
            .filter(|a| !a.is_approved())
            .map(|a| a.approver.name.clone())
            .collect()
    }

    /// The people the case is shared with.
    pub fn shared_with(&self) -> &[Person] {
        &self.shared_with
    }

    /// The messages, oldest first.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// All attachments: the form's, then the messages'.
    pub fn attachments(&self) -> &[Attachment] {
        &self.attachments
    }

    /// The date the work is scheduled for, if scheduled.
    pub fn scheduled_for(&self) -> Option<NaiveDate> {
        self.scheduled_for
    }

    /// The third party last waited on, if any.
    pub fn waiting_on(&self) -> Option<&str> {
        self.waiting_on.as_deref()
    }

    /// The history, oldest first. It only ever grows.
    pub fn history(&self) -> &[Event] {
        &self.history
    }

    /// Whether `person_id` is the requester.
    pub fn is_requester(&self, person_id: &str) -> bool {
        self.requester.as_ref().is_some_and(|p| p.id == person_id)
    }

    /// Whether the case is shared with `person_id`.
    pub fn is_shared_with(&self, person_id: &str) -> bool {
        self.shared_with.iter().any(|p| p.id == person_id)
    }

    /// Whether `person_id` is the assigned officer.
    pub fn is_officer(&self, person_id: &str) -> bool {
        self.officer.as_ref().is_some_and(|p| p.id == person_id)
    }

    /// The approval `person_id` must give, if they are an approver.
    pub fn approval_of(&self, person_id: &str) -> Option<&Approval> {
        self.approvals.iter().find(|a| a.approver.id == person_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Actor, Role};

    fn at(text: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn event(seq: u64, kind: EventKind, status: Option<&str>) -> Event {
        Event {
            seq,
            at: at("2018-02-19T09:14:00+01:00"),
            actor: Actor::new("jenny", "Jenny Testersson", Role::Requester),
            kind,
            status: status.map(str::to_string),
            due: None,
        }
    }

    #[test]
    fn a_saved_draft_is_not_received() {
        let form = Form::new("Medborgarförslag", "Skellefteå kommun", "Fler bänkar");
        let case =
            Case::replay(&[event(1, EventKind::DraftSaved { form }, Some("draft"))]).unwrap();
        assert_eq!(case.status(), "draft");
        assert_eq!(case.received_at(), None);
        assert_eq!(case.number(), None);
        assert_eq!(case.requester().unwrap().name, "Jenny Testersson");
    }

    #[test]
    fn events_out_of_order_change_nothing() {
        let mut case = Case::new();
        let error = case
            .apply(&event(
                2,
                EventKind::StatusChanged { note: None },
                Some("x"),
            ))
            .unwrap_err();
        assert_eq!(
            error,
            CaseError::EventOutOfOrder {
                expected: 1,
                found: 2
            }
        );
        assert_eq!(case, Case::new());
    }

    #[test]
    fn deleting_a_draft_keeps_the_history() {
        let form = Form::new("Medborgarförslag", "Skellefteå kommun", "Fler bänkar");
        let case = Case::replay(&[
            event(1, EventKind::DraftSaved { form }, Some("draft")),
            event(2, EventKind::DraftDeleted, Some(NEW)),
        ])
        .unwrap();
        assert!(!case.exists());
        assert_eq!(case.description(), "");
        assert_eq!(case.history().len(), 2);
    }
}
