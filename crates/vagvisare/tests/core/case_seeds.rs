//! The two portal guides in `shared/seeds/`, walked through step by step.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate};
use vagvisare::case::{
    access, labels, notification, views, Actor, Attachment, Case, CaseError, CaseNumberSeries,
    CaseRecord, CaseRules, Channel, Command, CommandKind, Form, MessageDirection,
    NotificationPreferences, Person, Recipient, Role, Subject, Timestamp, Workflow,
};

fn at(text: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(text).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

// ---------------------------------------------------------------------------------------------
// 002: the citizens' e-service handbook, case 113 "Medborgarförslag".

const KOMMUN: &str = "Skellefteå kommun";

fn jenny() -> Actor {
    Actor::new("jenny", "Jenny Testersson", Role::Requester)
}

fn julia() -> Actor {
    Actor::new("julia", "Julia Landsell", Role::Officer).in_organisation(KOMMUN)
}

fn proposal() -> Form {
    Form::new("Medborgarförslag", KOMMUN, "Fler parkbänkar längs älven")
        .answer("förslag", "Fler parkbänkar längs älven")
        .answer("adress", "test")
        .notify(NotificationPreferences {
            email: true,
            sms: true,
        })
}

/// Case 113 up to "Väntar på komplettering", as in the handbook's screenshots.
fn case_113(rules: &CaseRules) -> Case {
    let mut numbers = CaseNumberSeries::new("", 113).unwrap();
    let mut case = Case::new();
    case.execute(
        rules,
        &jenny(),
        Command::SaveDraft { form: proposal() },
        at("2018-02-19T09:02:00+01:00"),
    )
    .unwrap();
    assert_eq!(case.received_at(), None, "a saved draft is not received");
    case.execute(
        rules,
        &jenny(),
        Command::Submit {
            number: numbers.next_number().unwrap(),
            form: proposal(),
            approvers: vec![],
        },
        at("2018-02-19T09:14:00+01:00"),
    )
    .unwrap();
    let sent = case
        .execute(
            rules,
            &julia(),
            Command::SendMessage {
                text: "väntar".into(),
                attachments: vec![],
            },
            at("2018-02-19T13:21:00+01:00"),
        )
        .unwrap();
    assert!(matches!(
        sent[0].kind,
        vagvisare::case::EventKind::MessageSent {
            direction: MessageDirection::ToRequester,
            ..
        }
    ));
    case.execute(
        rules,
        &julia(),
        Command::Start,
        at("2018-02-19T13:21:00+01:00"),
    )
    .unwrap();
    case.execute(
        rules,
        &julia(),
        Command::RequestSupplement { message: None },
        at("2018-02-19T13:21:00+01:00"),
    )
    .unwrap();
    case
}

fn rows(case: &Case, workflow: &Workflow) -> Vec<[String; 5]> {
    views::history(case, workflow)
        .iter()
        .map(|r| r.cells().map(str::to_string))
        .collect()
}

fn row(cells: [&str; 5]) -> [String; 5] {
    cells.map(str::to_string)
}

#[test]
fn e_service_case_113_history_matches_the_handbook() {
    let rules = CaseRules::new(Workflow::e_service());
    let case = case_113(&rules);
    assert_eq!(
        labels::HISTORY_HEADINGS,
        ["Händelse", "Detaljer", "Datum", "Status", "Person"]
    );
    assert_eq!(
        rows(&case, &rules.workflow),
        vec![
            row([
                "Inskickat",
                "-",
                "2018-02-19 09:14",
                "Inskickat",
                "Jenny Testersson"
            ]),
            row([
                "Meddelande skickat till kund",
                "väntar",
                "2018-02-19 13:21",
                "Inskickat",
                "Julia Landsell"
            ]),
            row([
                "Status ändrad",
                "-",
                "2018-02-19 13:21",
                "Under behandling",
                "Julia Landsell"
            ]),
            row([
                "Status ändrad",
                "-",
                "2018-02-19 13:21",
                "Väntar på komplettering",
                "Julia Landsell"
            ]),
        ]
    );
    let overview = views::overview(&case, &rules.workflow);
    assert_eq!(overview.title, "Medborgarförslag (Väntar på komplettering)");
    assert_eq!(
        overview.fields,
        vec![
            ("Ärendenummer", "113".to_string()),
            ("Aktuell status", "Väntar på komplettering".to_string()),
            ("Kommun", KOMMUN.to_string()),
            ("Inskickat", "2018-02-19 09:14".to_string()),
            ("Handläggare", "Ingen handläggare tilldelad".to_string()),
        ]
    );
    assert_eq!(case.messages().len(), 1, "Meddelanden (1)");
}

#[test]
fn e_service_supplement_request_notifies_by_mina_sidor_email_and_sms() {
    let rules = CaseRules::new(Workflow::e_service());
    let case = case_113(&rules);
    let last = case.history().last().unwrap();
    let told = notification::notifications(&rules.workflow, &case, last);
    assert_eq!(told.len(), 1);
    assert_eq!(
        told[0].recipient,
        Recipient::Requester {
            person: Person::new("jenny", "Jenny Testersson")
        }
    );
    assert_eq!(
        told[0].channels,
        vec![Channel::MinaSidor, Channel::Email, Channel::Sms]
    );
    assert_eq!(
        told[0].subject,
        Subject::ActionRequired {
            status: "Väntar på komplettering".into()
        }
    );
    // Now the case has "Ändra ärende" for Jenny.
    assert!(rules
        .workflow
        .allowed_commands(case.status(), Role::Requester)
        .contains(&CommandKind::Supplement));
}

#[test]
fn e_service_supplement_sets_kompletterat_and_tells_the_officer() {
    let rules = CaseRules::new(Workflow::e_service());
    let mut case = case_113(&rules);
    let mut answers = BTreeMap::new();
    answers.insert(
        "förslag".to_string(),
        "Fler parkbänkar och papperskorgar".to_string(),
    );
    answers.insert("adress".to_string(), "test".to_string());
    let events = case
        .execute(
            &rules,
            &jenny(),
            Command::Supplement { answers },
            at("2018-02-19T14:05:00+01:00"),
        )
        .unwrap();
    assert_eq!(case.status(), "supplemented");
    assert_eq!(
        rows(&case, &rules.workflow).last().unwrap(),
        &row([
            "Kompletterat",
            "Ändrade uppgifter: förslag",
            "2018-02-19 14:05",
            "Kompletterat",
            "Jenny Testersson"
        ])
    );
    let overview = views::overview(&case, &rules.workflow);
    assert!(overview.fields.contains(&(
        "Senast kompletterat",
        "2018-02-19 14:05 av Jenny Testersson".to_string()
    )));
    assert!(overview.fields.contains(&(
        "Senast ändrat",
        "2018-02-19 14:05 av Jenny Testersson".to_string()
    )));
    let told = notification::notifications(&rules.workflow, &case, &events[0]);
    assert_eq!(
        told.iter()
            .map(|n| (&n.recipient, &n.subject))
            .collect::<Vec<_>>(),
        vec![(
            &Recipient::OrganisationOfficers {
                organisation: KOMMUN.into()
            },
            &Subject::Supplemented
        )]
    );
}

#[test]
fn e_service_messages_with_attachments_up_to_50_mb() {
    let rules = CaseRules::new(Workflow::e_service());
    let mut case = case_113(&rules);
    let before = case.clone();
    let too_big = Command::SendMessage {
        text: "Här är ritningen".into(),
        attachments: vec![Attachment::new("ritning.pdf", 50 * 1024 * 1024 + 1)],
    };
    let error = case
        .execute(&rules, &jenny(), too_big, at("2018-02-19T14:10:00+01:00"))
        .unwrap_err();
    assert!(matches!(error, CaseError::AttachmentTooLarge { .. }));
    assert!(error.to_string().contains("ritning.pdf"));
    assert_eq!(case, before);

    let fits = Command::SendMessage {
        text: "Här är ritningen".into(),
        attachments: vec![Attachment::new("ritning.pdf", 50 * 1024 * 1024)],
    };
    case.execute(&rules, &jenny(), fits, at("2018-02-19T14:10:00+01:00"))
        .unwrap();
    assert_eq!(case.messages().len(), 2);
    assert_eq!(case.messages()[1].direction, MessageDirection::ToOfficer);
    assert_eq!(case.attachments().len(), 1);

    let strict = CaseRules::new(Workflow::e_service()).with_max_attachment_bytes(1024);
    let small = Command::SendMessage {
        text: String::new(),
        attachments: vec![Attachment::new("foto.jpg", 2048)],
    };
    assert!(matches!(
        case.clone()
            .execute(&strict, &jenny(), small, at("2018-02-19T14:11:00+01:00")),
        Err(CaseError::AttachmentTooLarge { max: 1024, .. })
    ));
}

#[test]
fn e_service_mina_sidor_lists_drafts_open_and_closed() {
    let rules = CaseRules::new(Workflow::e_service());
    let case = case_113(&rules);
    let mut draft = Case::new();
    draft
        .execute(
            &rules,
            &jenny(),
            Command::SaveDraft { form: proposal() },
            at("2018-02-19T09:15:00+01:00"),
        )
        .unwrap();
    let someone_else = Actor::new("olle", "Olle Invånare", Role::Requester);
    let mut other = Case::new();
    other
        .execute(
            &rules,
            &someone_else,
            Command::Submit {
                number: "114".parse().unwrap(),
                form: proposal(),
                approvers: vec![],
            },
            at("2018-02-19T10:00:00+01:00"),
        )
        .unwrap();
    let cases = [case.clone(), draft.clone(), other.clone()];

    let mine = views::my_cases(&cases, &rules.workflow, &jenny());
    assert_eq!(mine.drafts.len(), 1);
    assert_eq!(mine.drafts[0].status, "Sparat");
    assert_eq!(mine.drafts[0].number, None);
    assert_eq!(
        mine.drafts[0].last_event.as_deref(),
        Some("2018-02-19 09:15")
    );
    assert_eq!(mine.open.len(), 1, "Olle's case is not Jenny's");
    assert_eq!(mine.open[0].number.as_ref().unwrap().to_string(), "113");
    assert_eq!(mine.open[0].status, "Väntar på komplettering");
    assert!(mine.closed.is_empty(), "Du har inga avslutade ärenden");

    // Officers never see drafts; an external requester sees only their own cases.
    assert!(!access::can_view(&draft, &julia()));
    assert!(access::can_view(&case, &julia()));
    assert!(!access::can_view(&case, &someone_else));
    let officer_elsewhere = Actor::new("per", "Per", Role::Officer).in_organisation("Umeå kommun");
    assert!(!access::can_view(&case, &officer_elsewhere));

    // The draft can be continued or deleted, by Jenny only.
    let mut deleted = draft.clone();
    let refused = deleted.execute(
        &rules,
        &someone_else,
        Command::DeleteDraft,
        at("2018-02-19T09:20:00+01:00"),
    );
    assert!(matches!(refused, Err(CaseError::NoAccess { .. })));
    deleted
        .execute(
            &rules,
            &jenny(),
            Command::DeleteDraft,
            at("2018-02-19T09:20:00+01:00"),
        )
        .unwrap();
    let mine = views::my_cases([&deleted], &rules.workflow, &jenny());
    assert!(mine.drafts.is_empty() && mine.open.is_empty() && mine.closed.is_empty());
}

#[test]
fn e_service_refusals_name_command_status_and_role() {
    let rules = CaseRules::new(Workflow::e_service());
    let mut case = case_113(&rules);
    let before = case.clone();
    let error = case
        .execute(
            &rules,
            &jenny(),
            Command::Close { resolution: None },
            at("2018-02-19T15:00:00+01:00"),
        )
        .unwrap_err();
    assert_eq!(
        error,
        CaseError::TransitionNotAllowed {
            command: CommandKind::Close,
            status: "awaiting_supplement".into(),
            role: Role::Requester,
        }
    );
    let message = error.to_string();
    for part in ["close", "awaiting_supplement", "requester"] {
        assert!(message.contains(part), "{message}");
    }
    assert_eq!(case, before);
    // Submitting twice is refused too.
    let again = Command::Submit {
        number: "115".parse().unwrap(),
        form: proposal(),
        approvers: vec![],
    };
    assert!(matches!(
        case.execute(&rules, &jenny(), again, at("2018-02-19T15:00:00+01:00")),
        Err(CaseError::TransitionNotAllowed {
            command: CommandKind::Submit,
            ..
        })
    ));
}

#[test]
fn e_service_case_round_trips_through_json() {
    let rules = CaseRules::new(Workflow::e_service());
    let case = case_113(&rules);
    let json = CaseRecord::new(&case).to_json_pretty().unwrap();
    assert!(json.contains("\"format_version\": 1"));
    assert!(json.contains("\"number\": \"113\""));
    let back = CaseRecord::from_json(&json).unwrap().into_case().unwrap();
    assert_eq!(back, case);
    assert_eq!(Case::replay(case.history()).unwrap(), case);
}

// ---------------------------------------------------------------------------------------------
// 000: the service-desk guide, access request C2304625.

const DESK: &str = "Användarstöd";
const ACCESS_REQUEST: &str = "Behörighetsansökan Treserva legitimerad personal";

fn jessica() -> Actor {
    Actor::new("jeseks", "Ragnar, Jessica (jeseks)", Role::Requester)
}

/// The nurse the access is for: approves the order with her manager (the requester, who files
/// it, may never approve her own case).
fn nurse() -> Actor {
    Actor::new("ulla", "Sjuksköterska, Ulla", Role::Requester)
}

fn manager() -> Actor {
    Actor::new("chef01", "Chef, Anna", Role::Approver)
}

fn desk_officer() -> Actor {
    Actor::new("us01", "Användarstöd, Stina", Role::Officer).in_organisation(DESK)
}

fn desk_rules() -> CaseRules {
    CaseRules::new(Workflow::service_desk())
        .with_due_in_working_days(14)
        .with_service_due(ACCESS_REQUEST, 2)
}

fn access_request(rules: &CaseRules) -> Case {
    let mut numbers = CaseNumberSeries::new("C", 2304625).unwrap();
    let form = Form::new(
        ACCESS_REQUEST,
        DESK,
        "Behörighet Treserva för ny sjuksköterska",
    )
    .answer("Gäller beställningen en annan användare?", "Nej")
    .attachment(Attachment::new("Ursprunglig förfrågan.pdf", 80_000))
    .notify(NotificationPreferences {
        email: true,
        sms: false,
    });
    let mut case = Case::new();
    case.execute(
        rules,
        &jessica(),
        Command::Submit {
            number: numbers.next_number().unwrap(),
            form,
            approvers: vec![nurse().person(), manager().person()],
        },
        at("2023-01-27T13:10:00+01:00"),
    )
    .unwrap();
    case
}

#[test]
fn service_desk_access_request_two_approvals_then_waiting_for_user() {
    let rules = desk_rules();
    let mut case = access_request(&rules);
    assert_eq!(case.number().unwrap().to_string(), "C2304625");
    assert_eq!(case.status(), "registered");
    let due = case.due().unwrap();
    assert_eq!(due.date, date(2023, 1, 31), "within two working days");

    // No work before both approvals.
    let error = case
        .clone()
        .execute(
            &rules,
            &desk_officer(),
            Command::Start,
            at("2023-01-27T13:15:00+01:00"),
        )
        .unwrap_err();
    assert_eq!(
        error,
        CaseError::ApprovalsPending {
            command: CommandKind::Start,
            missing: vec!["Sjuksköterska, Ulla".into(), "Chef, Anna".into()],
        }
    );

    case.execute(
        &rules,
        &jessica(),
        Command::SendMessage {
            text: "OK".into(),
            attachments: vec![],
        },
        at("2023-01-27T13:11:00+01:00"),
    )
    .unwrap();
    case.execute(
        &rules,
        &nurse(),
        Command::Approve,
        at("2023-01-27T13:11:00+01:00"),
    )
    .unwrap();
    assert!(matches!(
        case.clone().execute(
            &rules,
            &nurse(),
            Command::Approve,
            at("2023-01-27T13:12:00+01:00")
        ),
        Err(CaseError::AlreadyDecided { .. })
    ));
    let stranger = Actor::new("chef02", "Chef, Bo", Role::Approver);
    assert!(matches!(
        case.clone().execute(
            &rules,
            &stranger,
            Command::Approve,
            at("2023-01-27T13:12:00+01:00")
        ),
        Err(CaseError::NotAnApprover { .. })
    ));
    // The manager sees the case in "Öppna godkännandeöversikt" and approves.
    assert!(access::can_view(&case, &manager()));
    assert!(!access::can_view(&case, &stranger));
    case.execute(
        &rules,
        &manager(),
        Command::Approve,
        at("2023-01-27T15:30:00+01:00"),
    )
    .unwrap();
    assert_eq!(case.approvals().len(), 2);
    assert!(
        case.approvals().iter().all(|a| a.is_approved()),
        "two green thumbs"
    );

    // The employee must accept the terms with BankID: "Väntar på användare"; the clock stops.
    let events = case
        .execute(
            &rules,
            &desk_officer(),
            Command::WaitForUser {
                note: Some("Godkänn villkoren med BankID".into()),
            },
            at("2023-01-27T16:00:00+01:00"),
        )
        .unwrap();
    assert_eq!(rules.workflow.label(case.status()), "Väntar på användare");
    assert_eq!(case.due().unwrap().paused_since, Some(date(2023, 1, 27)));
    let told = notification::notifications(&rules.workflow, &case, &events[0]);
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].channels, vec![Channel::MinaSidor, Channel::Email]);

    // Monday: the user has answered, "Besvarat av användaren"; the clock runs again with the two
    // working days that were left.
    case.execute(
        &rules,
        &jessica(),
        Command::UserAnswered,
        at("2023-01-30T08:30:00+01:00"),
    )
    .unwrap();
    assert_eq!(
        rules.workflow.label(case.status()),
        "Besvarat av användaren"
    );
    let due = case.due().unwrap();
    assert_eq!(due.paused_since, None);
    assert_eq!(due.date, date(2023, 2, 1));

    case.execute(
        &rules,
        &desk_officer(),
        Command::Start,
        at("2023-01-30T09:00:00+01:00"),
    )
    .unwrap();
    assert_eq!(rules.workflow.label(case.status()), "Pågående");
    case.execute(
        &rules,
        &desk_officer(),
        Command::Close {
            resolution: Some("Behörighet tilldelad".into()),
        },
        at("2023-01-31T10:00:00+01:00"),
    )
    .unwrap();
    assert_eq!(rules.workflow.label(case.status()), "Stängd");
    assert!(
        date(2023, 1, 31) <= case.due().unwrap().date,
        "handled in time"
    );

    let mine = views::my_cases([&case], &rules.workflow, &jessica());
    assert_eq!(mine.closed.len(), 1);
    let history = rows(&case, &rules.workflow);
    assert_eq!(history[0][0], "Inskickat");
    assert_eq!(history[0][3], "Registrerad");
    assert!(history
        .iter()
        .any(|r| r[0] == "Godkänd" && r[4] == "Chef, Anna"));
    assert_eq!(
        history.last().unwrap(),
        &row([
            "Status ändrad",
            "Behörighet tilldelad",
            "2023-01-31 10:00",
            "Stängd",
            "Användarstöd, Stina"
        ])
    );
    assert_eq!(
        CaseRecord::from_json(&CaseRecord::new(&case).to_json().unwrap())
            .unwrap()
            .into_case()
            .unwrap(),
        case
    );
}

#[test]
fn service_desk_forfallodag_is_fourteen_working_days() {
    let rules = desk_rules();
    let mut case = Case::new();
    let form = Form::new("Kontakta Användarstöd", DESK, "Treserva startar inte");
    case.execute(
        &rules,
        &jessica(),
        Command::Submit {
            number: "C2304626".parse().unwrap(),
            form,
            approvers: vec![],
        },
        at("2023-01-27T13:10:00+01:00"),
    )
    .unwrap();
    assert_eq!(
        case.due().unwrap().date,
        date(2023, 2, 16),
        "Förfallodag 16 februari 2023"
    );
    // Without approvals, work starts at once.
    case.execute(
        &rules,
        &desk_officer(),
        Command::Start,
        at("2023-01-27T14:00:00+01:00"),
    )
    .unwrap();
}

#[test]
fn service_desk_reject_closes_and_third_party_waits() {
    let rules = desk_rules();
    let mut rejected = access_request(&rules);
    rejected
        .execute(
            &rules,
            &manager(),
            Command::Reject {
                reason: Some("Fel system".into()),
            },
            at("2023-01-27T14:00:00+01:00"),
        )
        .unwrap();
    assert_eq!(rules.workflow.label(rejected.status()), "Ej godkänd");

    let mut case = Case::new();
    case.execute(
        &rules,
        &jessica(),
        Command::Submit {
            number: "C2304627".parse().unwrap(),
            form: Form::new(
                "Kontakta Användarstöd",
                DESK,
                "Externa skärmar fungerar inte",
            ),
            approvers: vec![],
        },
        at("2023-01-27T13:10:00+01:00"),
    )
    .unwrap();
    case.execute(
        &rules,
        &desk_officer(),
        Command::Assign {
            officer: desk_officer().person(),
        },
        at("2023-01-27T13:20:00+01:00"),
    )
    .unwrap();
    assert_eq!(rules.workflow.label(case.status()), "Tilldelad");
    case.execute(
        &rules,
        &desk_officer(),
        Command::WaitForThirdParty {
            party: "LKDATA".into(),
        },
        at("2023-01-27T13:30:00+01:00"),
    )
    .unwrap();
    assert_eq!(rules.workflow.label(case.status()), "Väntar på tredjepart");
    assert_eq!(case.waiting_on(), Some("LKDATA"));
    assert_eq!(
        case.due().unwrap().paused_since,
        None,
        "the clock runs while others are waited on"
    );
    case.execute(
        &rules,
        &desk_officer(),
        Command::Schedule {
            date: date(2023, 2, 6),
        },
        at("2023-01-30T08:00:00+01:00"),
    )
    .unwrap_err();
    case.execute(
        &rules,
        &desk_officer(),
        Command::Start,
        at("2023-01-30T08:00:00+01:00"),
    )
    .unwrap();
    case.execute(
        &rules,
        &desk_officer(),
        Command::Schedule {
            date: date(2023, 2, 6),
        },
        at("2023-01-30T08:05:00+01:00"),
    )
    .unwrap();
    assert_eq!(rules.workflow.label(case.status()), "Schemalagd");
    assert_eq!(case.scheduled_for(), Some(date(2023, 2, 6)));

    // "Dela": a colleague follows the case and may write on it, but not change it.
    let colleague = Actor::new("kollega", "Kollega, Karin", Role::Requester);
    assert!(!access::can_view(&case, &colleague));
    case.execute(
        &rules,
        &jessica(),
        Command::Share {
            person: colleague.person(),
        },
        at("2023-01-30T09:00:00+01:00"),
    )
    .unwrap();
    assert!(access::can_view(&case, &colleague));
    assert!(matches!(
        case.clone().execute(
            &rules,
            &jessica(),
            Command::Share {
                person: colleague.person()
            },
            at("2023-01-30T09:01:00+01:00")
        ),
        Err(CaseError::AlreadyShared { .. })
    ));
    case.execute(
        &rules,
        &colleague,
        Command::SendMessage {
            text: "Samma fel här".into(),
            attachments: vec![],
        },
        at("2023-01-30T09:05:00+01:00"),
    )
    .unwrap();
    assert!(matches!(
        case.clone().execute(
            &rules,
            &colleague,
            Command::UserAnswered,
            at("2023-01-30T09:06:00+01:00")
        ),
        Err(CaseError::TransitionNotAllowed { .. })
    ));
    let message_event = case.history().last().unwrap().clone();
    let told = notification::notifications(&rules.workflow, &case, &message_event);
    assert_eq!(
        told[0].recipient,
        Recipient::Officer {
            person: desk_officer().person()
        }
    );
}
