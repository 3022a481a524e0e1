//! Every Swedish word the case model shows to people, mapped once, here. Status labels are data
//! (they live in the workflow definitions); everything else is below.

use super::calendar::Holiday;
use super::event::{EventKind, MessageDirection};
use super::notification::Channel;
use super::Role;

/// Headings of the "Ärendehistorik" table, in order.
pub const HISTORY_HEADINGS: [&str; 5] = ["Händelse", "Detaljer", "Datum", "Status", "Person"];

/// Shown in an empty "Detaljer" cell.
pub const NO_DETAILS: &str = "-";

/// Shown when no officer is assigned.
pub const NO_OFFICER: &str = "Ingen handläggare tilldelad";

/// The deflection question asked under the suggestions.
pub const DEFLECTION_QUESTION: &str = "Fick du hjälp av guiderna?";

/// Headings of the "Mina ärenden" sections: drafts, open cases, closed cases.
pub const MY_CASES_SECTIONS: [&str; 3] = [
    "Ej inskickade ärenden",
    "Pågående ärenden",
    "Avslutade ärenden",
];

/// Prefix of the details of a supplement: which answers changed.
pub const CHANGED_ANSWERS: &str = "Ändrade uppgifter";

/// Labels of the case overview ("Ärendeöversikt").
pub mod overview {
    /// "Ärendenummer".
    pub const NUMBER: &str = "Ärendenummer";
    /// "Aktuell status".
    pub const STATUS: &str = "Aktuell status";
    /// The organisation handling the case.
    pub const ORGANISATION: &str = "Kommun";
    /// When the case was received.
    pub const RECEIVED: &str = "Inskickat";
    /// Last supplement, "`<tid>` av `<person>`".
    pub const LAST_SUPPLEMENTED: &str = "Senast kompletterat";
    /// Last change, "`<tid>` av `<person>`".
    pub const LAST_CHANGED: &str = "Senast ändrat";
    /// The officer.
    pub const OFFICER: &str = "Handläggare";
    /// The due date.
    pub const DUE: &str = "Förfallodag";
    /// Joins a time and a person: "2018-02-19 14:05 av Jenny Testersson".
    pub const BY: &str = "av";
}

/// The "Händelse" of an event in the history.
pub fn event(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::DraftSaved { .. } => "Sparat",
        EventKind::DraftDeleted => "Borttaget",
        EventKind::Submitted { .. } => "Inskickat",
        EventKind::OfficerAssigned { .. } => "Handläggare tilldelad",
        EventKind::StatusChanged { .. }
        | EventKind::Scheduled { .. }
        | EventKind::ThirdPartyAwaited { .. } => "Status ändrad",
        EventKind::Supplemented { .. } => "Kompletterat",
        EventKind::MessageSent {
            direction: MessageDirection::ToRequester,
            ..
        } => "Meddelande skickat till kund",
        EventKind::MessageSent {
            direction: MessageDirection::ToOfficer,
            ..
        } => "Meddelande skickat till handläggare",
        EventKind::Approved => "Godkänd",
        EventKind::Rejected { .. } => "Ej godkänd",
        EventKind::Shared { .. } => "Ärendet delat",
    }
}

/// The Swedish name of a holiday.
pub fn holiday(holiday: Holiday) -> &'static str {
    match holiday {
        Holiday::NewYearsDay => "Nyårsdagen",
        Holiday::Epiphany => "Trettondedag jul",
        Holiday::GoodFriday => "Långfredag",
        Holiday::EasterEve => "Påskafton",
        Holiday::EasterSunday => "Påskdagen",
        Holiday::EasterMonday => "Annandag påsk",
        Holiday::MayDay => "Första maj",
        Holiday::AscensionDay => "Kristi himmelsfärdsdag",
        Holiday::Pentecost => "Pingstdagen",
        Holiday::NationalDay => "Sveriges nationaldag",
        Holiday::MidsummerEve => "Midsommarafton",
        Holiday::MidsummerDay => "Midsommardagen",
        Holiday::AllSaintsDay => "Alla helgons dag",
        Holiday::ChristmasEve => "Julafton",
        Holiday::ChristmasDay => "Juldagen",
        Holiday::BoxingDay => "Annandag jul",
        Holiday::NewYearsEve => "Nyårsafton",
    }
}

/// The Swedish name of a notification channel.
pub fn channel(channel: Channel) -> &'static str {
    match channel {
        Channel::MinaSidor => "Mina sidor",
        Channel::Email => "E-post",
        Channel::Sms => "SMS",
    }
}

/// The Swedish name of a role.
pub fn role(role: Role) -> &'static str {
    match role {
        Role::Requester => "Beställare",
        Role::Officer => "Handläggare",
        Role::Approver => "Attestant",
        Role::ThirdParty => "Tredjepart",
    }
}
