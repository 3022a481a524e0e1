//! Commands: what an actor asks to do with a case. A command is checked against the workflow and
//! the case, and either yields [events](super::Event) or is refused with a
//! [`CaseError`](super::CaseError).

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{CaseNumber, Person};

/// The kind of a [`Command`], without its data. Workflow transitions are keyed by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    /// Save (or re-save) a draft.
    SaveDraft,
    /// Delete a draft.
    DeleteDraft,
    /// Submit the case.
    Submit,
    /// Assign an officer.
    Assign,
    /// Start (or resume) work.
    Start,
    /// Ask the requester to supplement the case.
    RequestSupplement,
    /// The requester changes answers in answer to a supplement request.
    Supplement,
    /// Send a message on the case.
    SendMessage,
    /// Approve the request.
    Approve,
    /// Reject the request.
    Reject,
    /// Wait for the user (the requester) to do something.
    WaitForUser,
    /// The user has answered.
    UserAnswered,
    /// Wait for a third party.
    WaitForThirdParty,
    /// Schedule the work for a later date.
    Schedule,
    /// Close the case.
    Close,
    /// Share the case with another person.
    Share,
}

impl CommandKind {
    /// Every command kind, in declaration order.
    pub const ALL: [CommandKind; 16] = [
        CommandKind::SaveDraft,
        CommandKind::DeleteDraft,
        CommandKind::Submit,
        CommandKind::Assign,
        CommandKind::Start,
        CommandKind::RequestSupplement,
        CommandKind::Supplement,
        CommandKind::SendMessage,
        CommandKind::Approve,
        CommandKind::Reject,
        CommandKind::WaitForUser,
        CommandKind::UserAnswered,
        CommandKind::WaitForThirdParty,
        CommandKind::Schedule,
        CommandKind::Close,
        CommandKind::Share,
    ];

    /// The identifier used in workflow files (`save_draft`, `submit`, …).
    pub fn id(self) -> &'static str {
        match self {
            CommandKind::SaveDraft => "save_draft",
            CommandKind::DeleteDraft => "delete_draft",
            CommandKind::Submit => "submit",
            CommandKind::Assign => "assign",
            CommandKind::Start => "start",
            CommandKind::RequestSupplement => "request_supplement",
            CommandKind::Supplement => "supplement",
            CommandKind::SendMessage => "send_message",
            CommandKind::Approve => "approve",
            CommandKind::Reject => "reject",
            CommandKind::WaitForUser => "wait_for_user",
            CommandKind::UserAnswered => "user_answered",
            CommandKind::WaitForThirdParty => "wait_for_third_party",
            CommandKind::Schedule => "schedule",
            CommandKind::Close => "close",
            CommandKind::Share => "share",
        }
    }
}

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A file attached to a form or a message. The library keeps its name and size; the host
/// stores the bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// File name as shown ("Ursprunglig förfrågan.pdf").
    pub name: String,
    /// Size in bytes; checked against the portal's limit (50 MB unless configured).
    pub size_bytes: u64,
}

impl Attachment {
    /// An attachment with a name and a size in bytes.
    pub fn new(name: impl Into<String>, size_bytes: u64) -> Self {
        Attachment {
            name: name.into(),
            size_bytes,
        }
    }
}

/// How the requester wants to be told about their case. Mina sidor always shows it; e-mail and
/// SMS are opt-in ("Jag vill bli notifierad via e-post / SMS").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPreferences {
    /// Notify by e-mail.
    #[serde(default)]
    pub email: bool,
    /// Notify by SMS.
    #[serde(default)]
    pub sms: bool,
}

/// The filled-in form a case is filed through.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    /// The service (e-tjänst / formulär): "Medborgarförslag", "Kontakta Användarstöd", …
    pub service: String,
    /// The organisation that handles it ("Skellefteå kommun", "Användarstöd").
    pub organisation: String,
    /// The short description ("Kort beskrivning av ditt ärende").
    pub description: String,
    /// The other answers, by field name.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// The user the order concerns, when not the requester ("Gäller beställningen en annan användare?").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<Person>,
    /// Files attached to the form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// How the requester wants to be notified.
    #[serde(default)]
    pub notify: NotificationPreferences,
}

impl Form {
    /// A form for `service`, handled by `organisation`, with a short description.
    pub fn new(
        service: impl Into<String>,
        organisation: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Form {
            service: service.into(),
            organisation: organisation.into(),
            description: description.into(),
            ..Form::default()
        }
    }

    /// The same form with one more answer.
    pub fn answer(mut self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.answers.insert(field.into(), value.into());
        self
    }

    /// The same form, filed on behalf of another user.
    pub fn on_behalf_of(mut self, person: Person) -> Self {
        self.on_behalf_of = Some(person);
        self
    }

    /// The same form with one more attachment.
    pub fn attachment(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }

    /// The same form with the given notification preferences.
    pub fn notify(mut self, notify: NotificationPreferences) -> Self {
        self.notify = notify;
        self
    }
}

/// What an actor asks to do with a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Save the form as a draft ("Spara"). A draft is not a received document.
    SaveDraft {
        /// The form as filled in so far.
        form: Form,
    },
    /// Delete a draft ("Ta bort").
    DeleteDraft,
    /// Submit the case ("Skicka in"). The host draws `number` from its [`CaseNumberSeries`](super::CaseNumberSeries).
    Submit {
        /// The case number the case gets.
        number: CaseNumber,
        /// The form as submitted.
        form: Form,
        /// People who must approve before work starts (e.g. the submitter and their manager).
        #[serde(default)]
        approvers: Vec<Person>,
    },
    /// Assign an officer.
    Assign {
        /// The officer to assign.
        officer: Person,
    },
    /// Start (or resume) work.
    Start,
    /// Ask the requester to supplement the case. The message may be left out if it was sent already.
    RequestSupplement {
        /// What the requester should add or correct.
        #[serde(default)]
        message: Option<String>,
    },
    /// The requester changes answers ("Ändra ärende"); the history records which.
    Supplement {
        /// The answers as they are now (only those that differ are recorded).
        answers: BTreeMap<String, String>,
    },
    /// Send a message on the case, in either direction.
    SendMessage {
        /// The text.
        text: String,
        /// Attached files.
        #[serde(default)]
        attachments: Vec<Attachment>,
    },
    /// Approve the request (each required approver once).
    Approve,
    /// Reject the request.
    Reject {
        /// Why, if given.
        #[serde(default)]
        reason: Option<String>,
    },
    /// Wait for the user to do something (e.g. accept terms with BankID).
    WaitForUser {
        /// What the user must do, if given.
        #[serde(default)]
        note: Option<String>,
    },
    /// The user has answered.
    UserAnswered,
    /// Wait for a third party (a system vendor, LKDATA, …).
    WaitForThirdParty {
        /// Who the officer waits on.
        party: String,
    },
    /// Schedule the work for a later date.
    Schedule {
        /// When the work is planned.
        date: NaiveDate,
    },
    /// Close the case.
    Close {
        /// How it was resolved, if given.
        #[serde(default)]
        resolution: Option<String>,
    },
    /// Share the case with another person, who may then follow it.
    Share {
        /// Who to share with.
        person: Person,
    },
}

impl Command {
    /// The kind of this command.
    pub fn kind(&self) -> CommandKind {
        match self {
            Command::SaveDraft { .. } => CommandKind::SaveDraft,
            Command::DeleteDraft => CommandKind::DeleteDraft,
            Command::Submit { .. } => CommandKind::Submit,
            Command::Assign { .. } => CommandKind::Assign,
            Command::Start => CommandKind::Start,
            Command::RequestSupplement { .. } => CommandKind::RequestSupplement,
            Command::Supplement { .. } => CommandKind::Supplement,
            Command::SendMessage { .. } => CommandKind::SendMessage,
            Command::Approve => CommandKind::Approve,
            Command::Reject { .. } => CommandKind::Reject,
            Command::WaitForUser { .. } => CommandKind::WaitForUser,
            Command::UserAnswered => CommandKind::UserAnswered,
            Command::WaitForThirdParty { .. } => CommandKind::WaitForThirdParty,
            Command::Schedule { .. } => CommandKind::Schedule,
            Command::Close { .. } => CommandKind::Close,
            Command::Share { .. } => CommandKind::Share,
        }
    }
}
