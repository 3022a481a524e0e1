//! Notifications: for each event, who must be told what, and through which channels. The library
//! decides *what*; the host sends it (e-mail, SMS, the Mina sidor inbox).
//!
//! The requester is told through Mina sidor always, and by e-mail and SMS if they chose so.
//! Officers, approvers and people the case is shared with are told by e-mail. Nobody is told
//! about their own action.

use serde::{Deserialize, Serialize};

use super::event::{Event, EventKind, MessageDirection};
use super::workflow::StatusCategory;
use super::{labels, Case, CaseNumber, Person, Workflow};

/// A way to reach a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The portal's own inbox ("Mina sidor").
    MinaSidor,
    /// E-mail ("E-post").
    Email,
    /// SMS.
    Sms,
}

impl Channel {
    /// The Swedish name ("E-post").
    pub fn label(self) -> &'static str {
        labels::channel(self)
    }
}

/// Who a notification is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Recipient {
    /// The requester.
    Requester {
        /// The person.
        person: Person,
    },
    /// The user the case concerns, when not the requester.
    OnBehalfOf {
        /// The person.
        person: Person,
    },
    /// The assigned officer.
    Officer {
        /// The person.
        person: Person,
    },
    /// The officers of the organisation, while nobody is assigned.
    OrganisationOfficers {
        /// The organisation.
        organisation: String,
    },
    /// An approver.
    Approver {
        /// The person.
        person: Person,
    },
    /// Someone the case is shared with.
    SharedWith {
        /// The person.
        person: Person,
    },
}

/// What the notification is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "about", rename_all = "snake_case")]
pub enum Subject {
    /// The case was received (a confirmation to the requester; a new case to the officers).
    CaseReceived,
    /// The recipient must approve the case.
    ApprovalRequested,
    /// The case waits on the requester (supplement, terms to accept, a question).
    ActionRequired {
        /// The new status's label ("Väntar på komplettering").
        status: String,
    },
    /// The status changed.
    StatusChanged {
        /// The new status's label.
        status: String,
    },
    /// The requester supplemented the case.
    Supplemented,
    /// A new message.
    MessageReceived {
        /// The sequence number of the message's event.
        seq: u64,
    },
    /// An approver approved.
    Approved {
        /// Who.
        by: Person,
    },
    /// An approver rejected.
    Rejected {
        /// Who.
        by: Person,
    },
    /// The recipient was assigned the case.
    Assigned,
    /// The case was shared with the recipient.
    SharedWithYou,
}

/// One notification for the host to send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Who to tell.
    pub recipient: Recipient,
    /// Through which channels.
    pub channels: Vec<Channel>,
    /// What to tell them.
    pub subject: Subject,
    /// The case's number, if it has one.
    pub case_number: Option<CaseNumber>,
    /// The event that caused it.
    pub event_seq: u64,
}

/// The notifications `event` calls for. `case` is the case *after* the event (as returned by
/// [`Case::execute`] or [`Case::replay`]).
pub fn notifications(workflow: &Workflow, case: &Case, event: &Event) -> Vec<Notification> {
    let mut out = Vec::new();
    let actor = event.actor.id.as_str();
    let mut push = |recipient: Recipient, subject: Subject| {
        let person_id = match &recipient {
            Recipient::Requester { person }
            | Recipient::OnBehalfOf { person }
            | Recipient::Officer { person }
            | Recipient::Approver { person }
            | Recipient::SharedWith { person } => Some(person.id.as_str()),
            Recipient::OrganisationOfficers { .. } => None,
        };
        if person_id == Some(actor) {
            return;
        }
        let channels = match &recipient {
            Recipient::Requester { .. } => {
                let prefs = case.notification_preferences();
                let mut channels = vec![Channel::MinaSidor];
                if prefs.email {
                    channels.push(Channel::Email);
                }
                if prefs.sms {
                    channels.push(Channel::Sms);
                }
                channels
            }
            _ => vec![Channel::Email],
        };
        out.push(Notification {
            recipient,
            channels,
            subject,
            case_number: case.number().cloned(),
            event_seq: event.seq,
        });
    };
    let requester = case.requester().cloned();
    let officer_side = match case.officer() {
        Some(person) => Recipient::Officer {
            person: person.clone(),
        },
        None => Recipient::OrganisationOfficers {
            organisation: case.organisation().to_string(),
        },
    };

    match &event.kind {
        EventKind::DraftSaved { .. } | EventKind::DraftDeleted => {}
        EventKind::Submitted { approvers, .. } => {
            if let Some(person) = requester {
                push(Recipient::Requester { person }, Subject::CaseReceived);
            }
            push(officer_side, Subject::CaseReceived);
            for person in approvers {
                push(
                    Recipient::Approver {
                        person: person.clone(),
                    },
                    Subject::ApprovalRequested,
                );
            }
        }
        EventKind::Supplemented { .. } => push(officer_side, Subject::Supplemented),
        EventKind::MessageSent { direction, .. } => {
            let subject = Subject::MessageReceived { seq: event.seq };
            match direction {
                MessageDirection::ToRequester => {
                    if let Some(person) = requester {
                        push(Recipient::Requester { person }, subject.clone());
                    }
                    for person in case.shared_with() {
                        push(
                            Recipient::SharedWith {
                                person: person.clone(),
                            },
                            subject.clone(),
                        );
                    }
                }
                MessageDirection::ToOfficer => push(officer_side, subject),
            }
        }
        EventKind::Approved | EventKind::Rejected { .. } => {
            let by = event.actor.person();
            let subject = match event.kind {
                EventKind::Approved => Subject::Approved { by },
                _ => Subject::Rejected { by },
            };
            if let Some(person) = requester {
                push(Recipient::Requester { person }, subject.clone());
            }
            push(officer_side, subject);
        }
        EventKind::Shared { person } => push(
            Recipient::SharedWith {
                person: person.clone(),
            },
            Subject::SharedWithYou,
        ),
        EventKind::OfficerAssigned { officer } => push(
            Recipient::Officer {
                person: officer.clone(),
            },
            Subject::Assigned,
        ),
        EventKind::StatusChanged { .. }
        | EventKind::Scheduled { .. }
        | EventKind::ThirdPartyAwaited { .. } => {}
    }

    // A status change made by the organisation is news to the requester's side.
    let status_kinds = matches!(
        event.kind,
        EventKind::StatusChanged { .. }
            | EventKind::Scheduled { .. }
            | EventKind::ThirdPartyAwaited { .. }
            | EventKind::OfficerAssigned { .. }
    );
    if let (true, Some(status)) = (status_kinds, &event.status) {
        let label = workflow.label(status).to_string();
        let waits = workflow.category(status) == Some(StatusCategory::WaitingForRequester);
        let subject = if waits {
            Subject::ActionRequired { status: label }
        } else {
            Subject::StatusChanged { status: label }
        };
        if let Some(person) = case.requester().cloned() {
            push(Recipient::Requester { person }, subject.clone());
        }
        if waits {
            if let Some(person) = case.on_behalf_of().cloned() {
                push(Recipient::OnBehalfOf { person }, subject.clone());
            }
        }
        for person in case.shared_with() {
            push(
                Recipient::SharedWith {
                    person: person.clone(),
                },
                subject.clone(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Actor, CaseRules, Command, Form, NotificationPreferences, Role};

    #[test]
    fn submission_asks_approvers_and_confirms_to_the_requester() {
        let rules = CaseRules::new(Workflow::service_desk());
        let requester = Actor::new("jeseks", "Jessica", Role::Requester);
        let manager = Person::new("chef", "Chef");
        let form = Form::new("Behörighetsansökan", "Användarstöd", "Treserva").notify(
            NotificationPreferences {
                email: false,
                sms: true,
            },
        );
        let mut case = Case::new();
        let at = chrono::DateTime::parse_from_rfc3339("2023-01-27T13:10:00+01:00").unwrap();
        let events = case
            .execute(
                &rules,
                &requester,
                Command::Submit {
                    number: "C2304625".parse().unwrap(),
                    form,
                    approvers: vec![manager.clone()],
                },
                at,
            )
            .unwrap();
        let told = notifications(&rules.workflow, &case, &events[0]);
        let summary: Vec<(Recipient, Vec<Channel>, Subject)> = told
            .into_iter()
            .map(|n| (n.recipient, n.channels, n.subject))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    Recipient::OrganisationOfficers {
                        organisation: "Användarstöd".into()
                    },
                    vec![Channel::Email],
                    Subject::CaseReceived
                ),
                (
                    Recipient::Approver { person: manager },
                    vec![Channel::Email],
                    Subject::ApprovalRequested
                ),
            ],
            "the requester submitted, so she is not told; the manager is asked to approve"
        );
        assert_eq!(Channel::Sms.label(), "SMS");
    }
}
