//! What the portals show: "Mina ärenden" (drafts, open, closed), the case overview and the
//! "Ärendehistorik" rows (Händelse, Detaljer, Datum, Status, Person), with the seeds' labels.

use serde::Serialize;

use super::event::{EventKind, Timestamp};
use super::workflow::{StatusCategory, NEW};
use super::{access, labels, Actor, Case, CaseNumber, Workflow};

/// How dates and times are written in the views ("2018-02-19 09:14").
pub const DATE_TIME_FORMAT: &str = "%Y-%m-%d %H:%M";

fn when(at: Timestamp) -> String {
    at.format(DATE_TIME_FORMAT).to_string()
}

/// One row of "Ärendehistorik".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryRow {
    /// Händelse ("Inskickat", "Meddelande skickat till kund", "Status ändrad", …).
    pub event: String,
    /// Detaljer ("-" when there are none).
    pub details: String,
    /// Datum ("2018-02-19 13:21").
    pub date: String,
    /// Status after the event ("Under behandling").
    pub status: String,
    /// Person ("Julia Landsell").
    pub person: String,
}

impl HistoryRow {
    /// The row as its five cells, in the order of [`labels::HISTORY_HEADINGS`].
    pub fn cells(&self) -> [&str; 5] {
        [
            &self.event,
            &self.details,
            &self.date,
            &self.status,
            &self.person,
        ]
    }
}

/// The "Ärendehistorik" of a case: one row per event since submission, oldest first. Draft
/// events are left out: a draft is not a received document.
pub fn history(case: &Case, workflow: &Workflow) -> Vec<HistoryRow> {
    let mut status = NEW.to_string();
    let mut rows = Vec::new();
    for event in case.history() {
        if let Some(next) = &event.status {
            status = next.clone();
        }
        if matches!(
            event.kind,
            EventKind::DraftSaved { .. } | EventKind::DraftDeleted
        ) {
            continue;
        }
        rows.push(HistoryRow {
            event: labels::event(&event.kind).to_string(),
            details: details(&event.kind).unwrap_or_else(|| labels::NO_DETAILS.to_string()),
            date: when(event.at),
            status: workflow.label(&status).to_string(),
            person: event.actor.name.clone(),
        });
    }
    rows
}

fn details(kind: &EventKind) -> Option<String> {
    let text = match kind {
        EventKind::MessageSent {
            text, attachments, ..
        } => {
            let mut parts = vec![text.trim().to_string()];
            parts.extend(attachments.iter().map(|a| a.name.clone()));
            parts.retain(|p| !p.is_empty());
            parts.join(", ")
        }
        EventKind::Supplemented { changed } if !changed.is_empty() => {
            let fields: Vec<&str> = changed.keys().map(String::as_str).collect();
            format!("{}: {}", labels::CHANGED_ANSWERS, fields.join(", "))
        }
        EventKind::OfficerAssigned { officer } => officer.name.clone(),
        EventKind::StatusChanged { note: Some(note) } => note.clone(),
        EventKind::Rejected {
            reason: Some(reason),
        } => reason.clone(),
        EventKind::Scheduled { date } => date.to_string(),
        EventKind::ThirdPartyAwaited { party } => party.clone(),
        EventKind::Shared { person } => person.name.clone(),
        _ => return None,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// One line of "Mina ärenden".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaseSummary {
    /// Ärendenummer (none for a draft).
    pub number: Option<CaseNumber>,
    /// E-tjänst.
    pub service: String,
    /// Kommun / organisation.
    pub organisation: String,
    /// Status label.
    pub status: String,
    /// Senast sparad / Senaste händelse / Datum: when the last event happened.
    pub last_event: Option<String>,
}

/// "Mina ärenden": an actor's drafts, open cases and closed cases.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MyCases {
    /// "Ej inskickade ärenden".
    pub drafts: Vec<CaseSummary>,
    /// "Pågående ärenden".
    pub open: Vec<CaseSummary>,
    /// "Avslutade ärenden".
    pub closed: Vec<CaseSummary>,
}

/// "Mina ärenden" for `actor`: the cases they filed, that are shared with them, that they are
/// assigned to or must approve. An external requester thus sees only their own and shared cases.
pub fn my_cases<'a>(
    cases: impl IntoIterator<Item = &'a Case>,
    workflow: &Workflow,
    actor: &Actor,
) -> MyCases {
    let mut mine = MyCases::default();
    for case in cases {
        let relations = access::relations(case, actor);
        let personal = relations
            .iter()
            .any(|r| *r != access::Relation::OrganisationOfficer);
        if !personal {
            continue;
        }
        let summary = CaseSummary {
            number: case.number().cloned(),
            service: case.service().to_string(),
            organisation: case.organisation().to_string(),
            status: workflow.label(case.status()).to_string(),
            last_event: case.history().last().map(|e| when(e.at)),
        };
        match workflow.category(case.status()) {
            Some(StatusCategory::Draft) => mine.drafts.push(summary),
            Some(StatusCategory::Closed) => mine.closed.push(summary),
            Some(_) => mine.open.push(summary),
            None => {}
        }
    }
    mine
}

/// The case overview: a title ("Medborgarförslag (Under behandling)") and labelled fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Overview {
    /// The service with the status label in parentheses.
    pub title: String,
    /// Label and value, in display order; fields without a value are left out.
    pub fields: Vec<(&'static str, String)>,
}

/// The overview of a case, as on its "Ärendeöversikt" page.
pub fn overview(case: &Case, workflow: &Workflow) -> Overview {
    use labels::overview as l;
    let status = workflow.label(case.status()).to_string();
    let stamp = |s: &super::Stamp| format!("{} {} {}", when(s.at), l::BY, s.by.name);
    let mut fields = Vec::new();
    if let Some(number) = case.number() {
        fields.push((l::NUMBER, number.to_string()));
    }
    fields.push((l::STATUS, status.clone()));
    fields.push((l::ORGANISATION, case.organisation().to_string()));
    if let Some(at) = case.received_at() {
        fields.push((l::RECEIVED, when(at)));
    }
    if let Some(s) = case.last_supplemented() {
        fields.push((l::LAST_SUPPLEMENTED, stamp(s)));
    }
    if let Some(c) = case.last_changed() {
        if Some(c.at) != case.received_at() {
            fields.push((l::LAST_CHANGED, stamp(c)));
        }
    }
    fields.push((
        l::OFFICER,
        case.officer()
            .map_or_else(|| labels::NO_OFFICER.to_string(), |p| p.name.clone()),
    ));
    if let Some(due) = case.due() {
        fields.push((l::DUE, due.date.to_string()));
    }
    Overview {
        title: format!("{} ({})", case.service(), status),
        fields,
    }
}
