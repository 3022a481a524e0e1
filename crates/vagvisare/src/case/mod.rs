//! The case (ärende) model: workflows, commands, events, history, messages, approvals and due
//! dates, for the portals described in `docs/case-model.md`.
//!
//! A [`Workflow`] is data (statuses and transitions). A [`Case`] is the fold of its [`Event`]s;
//! [`Case::execute`] checks a [`Command`] run by an [`Actor`] against the [`CaseRules`] and the
//! case, then returns and applies the events, or refuses with a [`CaseError`] that changes nothing.
//! The host stores the events ([`CaseRecord`]) and sends the [`notification`]s; the library never
//! reads the clock, so `now` is always passed in.
//!
//! ```
//! use chrono::DateTime;
//! use vagvisare::case::{
//!     notification, views, Actor, Case, CaseNumberSeries, CaseRecord, CaseRules, Command, Form,
//!     Role, Workflow,
//! };
//!
//! let rules = CaseRules::new(Workflow::e_service());
//! let mut numbers = CaseNumberSeries::new("", 113).unwrap();
//! let jenny = Actor::new("jenny", "Jenny Testersson", Role::Requester);
//! let julia = Actor::new("julia", "Julia Landsell", Role::Officer).in_organisation("Skellefteå kommun");
//! let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap();
//!
//! let mut case = Case::new();
//! let form = Form::new("Medborgarförslag", "Skellefteå kommun", "Fler parkbänkar");
//! let submit = Command::Submit { number: numbers.next_number().unwrap(), form, approvers: vec![] };
//! case.execute(&rules, &jenny, submit, at("2018-02-19T09:14:00+01:00")).unwrap();
//! let events = case.execute(&rules, &julia, Command::Start, at("2018-02-19T13:21:00+01:00")).unwrap();
//! assert_eq!(case.status(), "in_progress");
//!
//! // Refused: a requester cannot close a case. Nothing changes.
//! let before = case.clone();
//! let refused = case.execute(&rules, &jenny, Command::Close { resolution: None }, at("2018-02-19T14:00:00+01:00"));
//! assert!(refused.is_err());
//! assert_eq!(case, before);
//!
//! // Who must be told: Jenny, through Mina sidor.
//! let told = notification::notifications(&rules.workflow, &case, &events[0]);
//! assert_eq!(told.len(), 1);
//!
//! // The history as the handbook shows it, and a JSON round trip.
//! let rows = views::history(&case, &rules.workflow);
//! assert_eq!(rows[1].cells(), ["Status ändrad", "-", "2018-02-19 13:21", "Under behandling", "Julia Landsell"]);
//! let json = CaseRecord::new(&case).to_json().unwrap();
//! assert_eq!(CaseRecord::from_json(&json).unwrap().into_case().unwrap(), case);
//! ```

pub mod access;
mod actor;
mod allowed;
pub mod calendar;
mod command;
pub mod deflection;
mod error;
mod event;
mod execute;
pub mod form;
pub mod labels;
pub mod notification;
mod number;
mod record;
mod state;
mod version;
pub mod views;
pub mod workflow;

pub use actor::{Actor, Person, Role};
pub use calendar::{easter_sunday, holiday, holidays, Calendar, Holiday};
pub use command::{Attachment, Command, CommandKind, Form, NotificationPreferences};
pub use deflection::{DeflectionRecord, ShownGuide};
pub use error::{CaseError, FormError, NumberError, RecordError, RoleError, WorkflowError};
pub use event::{Due, Event, EventKind, MessageDirection, Timestamp};
pub use execute::{CaseRules, DEFAULT_MAX_ATTACHMENT_BYTES};
pub use form::{
    check_form, e_service_form, service_desk_form, FieldKind, FormField, FormStage, CHECKED,
    UNCHECKED,
};
pub use notification::{Channel, Notification, Recipient, Subject};
pub use number::{CaseNumber, CaseNumberSeries};
pub use record::{CaseRecord, FORMAT_VERSION};
pub use state::{Approval, Case, Decision, Message, Stamp};
pub use version::{VersionError, VersionPolicy};
pub use workflow::{Status, StatusCategory, Transition, Workflow, NEW};

/// The examples in `docs/case-model.md`, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../../docs/case-model.md")]
pub struct CaseModelDocs;
