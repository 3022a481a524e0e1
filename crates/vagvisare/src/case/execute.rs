//! Running commands: [`CaseRules`] (a portal's workflow, calendar and limits) and
//! [`Case::execute`], which checks role, status, access and the command's own rules, and returns
//! the events it applied.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::event::{Due, Event, EventKind, MessageDirection, Timestamp};
use super::workflow::StatusCategory;
use super::{Actor, Attachment, Calendar, Case, CaseError, Command, CommandKind, Role, Workflow};

/// The default attachment limit: 50 MB ("Maximal filstorlek vid uppladdning: 50 MB").
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 50 * 1024 * 1024;

fn default_max_attachment_bytes() -> u64 {
    DEFAULT_MAX_ATTACHMENT_BYTES
}

/// A portal's rules for its cases: the workflow, the working-day calendar, the attachment limit
/// and how many working days a case has before it is due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRules {
    /// The workflow.
    pub workflow: Workflow,
    /// The working-day calendar (Swedish holidays plus the portal's closed days).
    #[serde(default)]
    pub calendar: Calendar,
    /// The largest attachment accepted, in bytes.
    #[serde(default = "default_max_attachment_bytes")]
    pub max_attachment_bytes: u64,
    /// Working days from submission to the due date, for every service (`None`: no due date).
    #[serde(default)]
    pub due_in_working_days: Option<u32>,
    /// Working days per service, overriding `due_in_working_days`.
    #[serde(default)]
    pub due_by_service: BTreeMap<String, u32>,
}

impl CaseRules {
    /// Rules with this workflow, the Swedish calendar, a 50 MB attachment limit and no due dates.
    pub fn new(workflow: Workflow) -> Self {
        CaseRules {
            workflow,
            calendar: Calendar::swedish(),
            max_attachment_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
            due_in_working_days: None,
            due_by_service: BTreeMap::new(),
        }
    }

    /// The same rules with another calendar.
    pub fn with_calendar(mut self, calendar: Calendar) -> Self {
        self.calendar = calendar;
        self
    }

    /// The same rules with another attachment limit.
    pub fn with_max_attachment_bytes(mut self, bytes: u64) -> Self {
        self.max_attachment_bytes = bytes;
        self
    }

    /// The same rules, every case due `days` working days after submission.
    pub fn with_due_in_working_days(mut self, days: u32) -> Self {
        self.due_in_working_days = Some(days);
        self
    }

    /// The same rules, cases of `service` due `days` working days after submission.
    pub fn with_service_due(mut self, service: impl Into<String>, days: u32) -> Self {
        self.due_by_service.insert(service.into(), days);
        self
    }

    /// Working days from submission to the due date for `service`, if any.
    pub fn due_days(&self, service: &str) -> Option<u32> {
        self.due_by_service
            .get(service)
            .copied()
            .or(self.due_in_working_days)
    }

    fn check_attachments(&self, attachments: &[Attachment]) -> Result<(), CaseError> {
        match attachments
            .iter()
            .find(|a| a.size_bytes > self.max_attachment_bytes)
        {
            Some(a) => Err(CaseError::AttachmentTooLarge {
                name: a.name.clone(),
                size: a.size_bytes,
                max: self.max_attachment_bytes,
            }),
            None => Ok(()),
        }
    }
}

impl Case {
    /// Run `command` as `actor` at `now`: check it, apply the events it yields and return them
    /// (for the host to append to its store and to derive notifications from).
    ///
    /// A refused command changes nothing and returns the reason: first what
    /// [`Case::check_command`] checks (the workflow does not allow it,
    /// [`CaseError::TransitionNotAllowed`], naming command, status and role; the actor has no
    /// part in the case; the approver already decided), then the command's own rules
    /// (approvals pending, attachment too large, approvers the case may not have, …).
    pub fn execute(
        &mut self,
        rules: &CaseRules,
        actor: &Actor,
        command: Command,
        now: Timestamp,
    ) -> Result<Vec<Event>, CaseError> {
        let events = self.decide(rules, actor, command, now)?;
        for event in &events {
            self.fold(event);
        }
        Ok(events)
    }

    /// The events `command` would yield, without applying them (see [`Case::execute`]).
    pub fn decide(
        &self,
        rules: &CaseRules,
        actor: &Actor,
        command: Command,
        now: Timestamp,
    ) -> Result<Vec<Event>, CaseError> {
        let kind = command.kind();
        let current = self.status();
        let transition = self.check_command(rules, actor, kind)?;

        let mut status = transition.to.clone().filter(|to| to != current);
        let missing = self.missing_approvals();
        let exempt = matches!(
            kind,
            CommandKind::Approve | CommandKind::Reject | CommandKind::Close
        );
        if status.is_some() && !exempt && !missing.is_empty() {
            return Err(CaseError::ApprovalsPending {
                command: kind,
                missing,
            });
        }

        let today = now.date_naive();
        let mut due = None;
        let mut kinds = Vec::new();
        match command {
            Command::SaveDraft { form } => {
                rules.check_attachments(&form.attachments)?;
                kinds.push(EventKind::DraftSaved { form });
            }
            Command::DeleteDraft => kinds.push(EventKind::DraftDeleted),
            Command::Submit {
                number,
                form,
                approvers,
            } => {
                rules.check_attachments(&form.attachments)?;
                self.check_approvers(rules, actor, &approvers)?;
                if let Some(days) = rules.due_days(&form.service) {
                    let date = rules
                        .calendar
                        .add_working_days(today, days)
                        .ok_or(CaseError::DateOutOfRange)?;
                    due = Some(Due {
                        date,
                        paused_since: None,
                    });
                }
                let mut unique: Vec<_> = Vec::with_capacity(approvers.len());
                for person in approvers {
                    if !unique.iter().any(|p: &super::Person| p.id == person.id) {
                        unique.push(person);
                    }
                }
                kinds.push(EventKind::Submitted {
                    number,
                    form,
                    approvers: unique,
                });
            }
            Command::Assign { officer } => kinds.push(EventKind::OfficerAssigned { officer }),
            Command::Start | Command::UserAnswered => {
                kinds.push(EventKind::StatusChanged { note: None })
            }
            Command::RequestSupplement { message } => {
                if let Some(text) = message.filter(|m| !m.trim().is_empty()) {
                    kinds.push(EventKind::MessageSent {
                        direction: MessageDirection::ToRequester,
                        text,
                        attachments: Vec::new(),
                    });
                }
                kinds.push(EventKind::StatusChanged { note: None });
            }
            Command::Supplement { answers } => {
                let changed = answers
                    .into_iter()
                    .filter(|(field, value)| self.answers().get(field) != Some(value))
                    .collect();
                kinds.push(EventKind::Supplemented { changed });
            }
            Command::SendMessage { text, attachments } => {
                if text.trim().is_empty() && attachments.is_empty() {
                    return Err(CaseError::EmptyMessage);
                }
                rules.check_attachments(&attachments)?;
                let from_requester_side = actor.role == Role::Requester
                    && (self.is_requester(&actor.id) || self.is_shared_with(&actor.id));
                let direction = if from_requester_side {
                    MessageDirection::ToOfficer
                } else {
                    MessageDirection::ToRequester
                };
                kinds.push(EventKind::MessageSent {
                    direction,
                    text,
                    attachments,
                });
            }
            Command::Approve => {
                let others_done = self
                    .approvals()
                    .iter()
                    .filter(|a| a.approver.id != actor.id)
                    .all(|a| a.is_approved());
                if !others_done {
                    status = None;
                }
                kinds.push(EventKind::Approved);
            }
            Command::Reject { reason } => kinds.push(EventKind::Rejected { reason }),
            Command::WaitForUser { note } => kinds.push(EventKind::StatusChanged { note }),
            Command::WaitForThirdParty { party } => {
                kinds.push(EventKind::ThirdPartyAwaited { party })
            }
            Command::Schedule { date } => kinds.push(EventKind::Scheduled { date }),
            Command::Close { resolution } => kinds.push(EventKind::StatusChanged {
                note: resolution.filter(|r| !r.trim().is_empty()),
            }),
            Command::Share { person } => {
                if self.is_requester(&person.id) || self.is_shared_with(&person.id) {
                    return Err(CaseError::AlreadyShared { person: person.id });
                }
                kinds.push(EventKind::Shared { person });
            }
        }

        if let (Some(to), None) = (&status, due) {
            due = self.clock(rules, current, to, today)?;
        }

        let first = self.next_seq();
        let last = kinds.len().saturating_sub(1);
        Ok(kinds
            .into_iter()
            .enumerate()
            .map(|(i, kind)| Event {
                seq: first.saturating_add(i as u64),
                at: now,
                actor: actor.clone(),
                kind,
                status: if i == last { status.clone() } else { None },
                due: if i == last { due } else { None },
            })
            .collect())
    }

    /// The due-date clock: paused when the case starts waiting on the requester, resumed (with
    /// the working days that were left) when it stops.
    fn clock(
        &self,
        rules: &CaseRules,
        from: &str,
        to: &str,
        today: chrono::NaiveDate,
    ) -> Result<Option<Due>, CaseError> {
        let Some(current) = self.due() else {
            return Ok(None);
        };
        let waits =
            |id: &str| rules.workflow.category(id) == Some(StatusCategory::WaitingForRequester);
        match (waits(from), waits(to), current.paused_since) {
            (false, true, None) => Ok(Some(Due {
                date: current.date,
                paused_since: Some(today),
            })),
            (true, false, Some(paused)) => {
                let date = rules
                    .calendar
                    .resume(current.date, paused, today)
                    .ok_or(CaseError::DateOutOfRange)?;
                Ok(Some(Due {
                    date,
                    paused_since: None,
                }))
            }
            _ => Ok(None),
        }
    }
}
