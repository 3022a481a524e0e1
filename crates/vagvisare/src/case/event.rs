//! Events: what happened to a case. A case is the fold of its events
//! ([`Case::apply`](super::Case::apply)); events are plain serde values the host appends to its store.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Actor, Attachment, CaseNumber, Form, Person};

/// A point in time with its UTC offset, as the host passes it (Swedish local time in practice).
/// The library never reads the clock itself.
pub type Timestamp = DateTime<FixedOffset>;

/// One thing that happened to a case, by whom and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the case's history, from 1, without gaps.
    pub seq: u64,
    /// When it happened.
    pub at: Timestamp,
    /// Who made it happen.
    pub actor: Actor,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
    /// The case's status after this event, when the event changed it (a status id of the workflow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The case's due date after this event, when the event changed it (set, paused or resumed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Due>,
}

/// Which way a message goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageDirection {
    /// From the organisation (officer, approver, third party) to the requester.
    ToRequester,
    /// From the requester (or someone the case is shared with) to the officer.
    ToOfficer,
}

/// A due date (förfallodag), counted in working days, and whether its clock is paused because the
/// case waits on the requester.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    /// The date the case is due.
    pub date: NaiveDate,
    /// Set while the case waits on the requester: the date the clock stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_since: Option<NaiveDate>,
}

/// What happened, with its data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// A draft was saved ("Sparat").
    DraftSaved {
        /// The form as saved.
        form: Form,
    },
    /// A draft was deleted.
    DraftDeleted,
    /// The case was submitted and received ("Inskickat").
    Submitted {
        /// The case number it got.
        number: CaseNumber,
        /// The form as submitted.
        form: Form,
        /// People who must approve it.
        #[serde(default)]
        approvers: Vec<Person>,
    },
    /// An officer was assigned.
    OfficerAssigned {
        /// The officer.
        officer: Person,
    },
    /// The status changed, with an optional note ("Status ändrad").
    StatusChanged {
        /// A note shown as the details, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The requester supplemented the case ("Kompletterat").
    Supplemented {
        /// The answers that changed, with their new values.
        changed: BTreeMap<String, String>,
    },
    /// A message was sent.
    MessageSent {
        /// Which way it went.
        direction: MessageDirection,
        /// The text.
        text: String,
        /// Attached files.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<Attachment>,
    },
    /// The actor approved the request ("Godkänd").
    Approved,
    /// The actor rejected the request.
    Rejected {
        /// Why, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The work was scheduled ("Schemalagd").
    Scheduled {
        /// The planned date.
        date: NaiveDate,
    },
    /// The officer now waits on a third party ("Väntar på tredjepart").
    ThirdPartyAwaited {
        /// Who they wait on.
        party: String,
    },
    /// The case was shared with a person.
    Shared {
        /// The person.
        person: Person,
    },
}
