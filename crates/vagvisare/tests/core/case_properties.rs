//! Property test: random command sequences from random actors, on both built-in workflows.
//! No panic; a refused command changes nothing; history only grows; replay and JSON give the live
//! state back; the workflow alone decides what each role may do in each status.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate};
use proptest::prelude::*;
use vagvisare::case::{
    access, notification, views, Actor, Attachment, Case, CaseError, CaseNumberSeries, CaseRecord,
    CaseRules, Command, Form, NotificationPreferences, Person, Role, StatusCategory, Timestamp,
    Workflow, NEW,
};

const ORG: &str = "Kommunen";

fn actors() -> Vec<Actor> {
    vec![
        Actor::new("jenny", "Jenny", Role::Requester),
        Actor::new("olle", "Olle", Role::Requester),
        Actor::new("julia", "Julia", Role::Officer).in_organisation(ORG),
        Actor::new("per", "Per", Role::Officer).in_organisation("Annan kommun"),
        Actor::new("anna", "Anna", Role::Approver),
        Actor::new("bo", "Bo", Role::Approver),
        Actor::new("lev", "Leverantör AB", Role::ThirdParty),
        Actor::new("stina", "Stina", Role::Officer).in_organisation(ORG),
    ]
}

fn person() -> impl Strategy<Value = Person> {
    (0..8usize).prop_map(|i| actors()[i].person())
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("hej".to_string()),
        "[a-zåäö0-9 @.+-]{0,20}"
    ]
}

fn answers() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map(
        prop_oneof![Just("förslag".to_string()), Just("adress".to_string())],
        prop_oneof![Just("a".to_string()), Just("b".to_string())],
        0..3,
    )
}

fn form() -> impl Strategy<Value = Form> {
    (
        prop_oneof![Just("Medborgarförslag"), Just("Behörighetsansökan")],
        prop_oneof![4 => Just(ORG), 1 => Just("Annan kommun")],
        answers(),
        any::<(bool, bool)>(),
        proptest::option::of(person()),
    )
        .prop_map(|(service, org, answers, (email, sms), on_behalf_of)| {
            let mut form = Form::new(service, org, "beskrivning")
                .notify(NotificationPreferences { email, sms });
            form.answers = answers;
            form.on_behalf_of = on_behalf_of;
            form
        })
}

fn attachments() -> impl Strategy<Value = Vec<Attachment>> {
    proptest::collection::vec(
        prop_oneof![
            Just(0u64),
            Just(1_000_000),
            Just(50 * 1024 * 1024),
            Just(60_000_000),
            Just(u64::MAX)
        ]
        .prop_map(|size| Attachment::new("fil.pdf", size)),
        0..3,
    )
}

fn command() -> impl Strategy<Value = Command> {
    let date =
        (0i64..60).prop_map(|d| NaiveDate::from_ymd_opt(2023, 1, 1).unwrap() + Duration::days(d));
    prop_oneof![
        2 => form().prop_map(|form| Command::SaveDraft { form }),
        1 => Just(Command::DeleteDraft),
        4 => (form(), proptest::collection::vec(person(), 0..3)).prop_map(|(form, approvers)| Command::Submit {
            // The runner replaces the number with the series' next one.
            number: "0".parse().unwrap(),
            form,
            approvers,
        }),
        2 => person().prop_map(|officer| Command::Assign { officer }),
        3 => Just(Command::Start),
        2 => proptest::option::of(text()).prop_map(|message| Command::RequestSupplement { message }),
        2 => answers().prop_map(|answers| Command::Supplement { answers }),
        3 => (text(), attachments()).prop_map(|(text, attachments)| Command::SendMessage { text, attachments }),
        3 => Just(Command::Approve),
        1 => proptest::option::of(text()).prop_map(|reason| Command::Reject { reason }),
        2 => proptest::option::of(text()).prop_map(|note| Command::WaitForUser { note }),
        2 => Just(Command::UserAnswered),
        1 => text().prop_map(|party| Command::WaitForThirdParty { party }),
        1 => date.prop_map(|date| Command::Schedule { date }),
        1 => proptest::option::of(text()).prop_map(|resolution| Command::Close { resolution }),
        1 => person().prop_map(|person| Command::Share { person }),
    ]
}

fn rules(e_service: bool) -> CaseRules {
    if e_service {
        CaseRules::new(Workflow::e_service()).with_due_in_working_days(10)
    } else {
        CaseRules::new(Workflow::service_desk())
            .with_due_in_working_days(14)
            .with_service_due("Behörighetsansökan", 2)
    }
}

fn start() -> Timestamp {
    DateTime::parse_from_rfc3339("2023-01-27T08:00:00+01:00").unwrap()
}

/// What must hold after every step.
fn check_invariants(rules: &CaseRules, case: &Case) -> Result<(), TestCaseError> {
    let workflow = &rules.workflow;
    let category = workflow.category(case.status());
    prop_assert!(
        case.status() == NEW || category.is_some(),
        "unknown status {}",
        case.status()
    );
    if case.status() == NEW || category == Some(StatusCategory::Draft) {
        prop_assert!(case.received_at().is_none(), "a draft is never received");
        prop_assert!(case.number().is_none());
    }
    prop_assert_eq!(case.received_at().is_some(), case.number().is_some());
    if let Some(due) = case.due() {
        prop_assert_eq!(
            due.paused_since.is_some(),
            category == Some(StatusCategory::WaitingForRequester),
            "the clock is paused exactly while the case waits on the requester"
        );
    }
    for (i, event) in case.history().iter().enumerate() {
        prop_assert_eq!(event.seq, i as u64 + 1);
    }
    for actor in actors() {
        let sees = access::can_view(case, &actor);
        if case.received_at().is_none() {
            prop_assert_eq!(
                sees,
                case.exists() && case.is_requester(&actor.id),
                "drafts are private"
            );
        }
        if actor.role == Role::Requester && sees {
            // An external requester sees their own cases, shared ones, and those they must approve.
            prop_assert!(
                case.is_requester(&actor.id)
                    || case.is_shared_with(&actor.id)
                    || case.approval_of(&actor.id).is_some()
            );
        }
    }
    Ok(())
}

fn run(e_service: bool, ops: Vec<(usize, Command, u32)>) -> Result<(), TestCaseError> {
    let rules = rules(e_service);
    let actors = actors();
    let mut numbers = CaseNumberSeries::new("C", 2304625).unwrap();
    let mut case = Case::new();
    let mut now = start();
    for (who, command, minutes) in ops {
        now += Duration::minutes(i64::from(minutes));
        let actor = &actors[who];
        let command = match command {
            Command::Submit {
                form, approvers, ..
            } => Command::Submit {
                number: numbers.next_number().unwrap(),
                form,
                approvers,
            },
            other => other,
        };
        let kind = command.kind();
        let status_before = case.status().to_string();
        let before = case.clone();
        match case.execute(&rules, actor, command, now) {
            Err(error) => {
                prop_assert_eq!(
                    &case,
                    &before,
                    "a refused command changed the case: {}",
                    error
                );
                prop_assert!(!error.to_string().is_empty());
                if let CaseError::TransitionNotAllowed {
                    command,
                    status,
                    role,
                } = &error
                {
                    prop_assert_eq!(*command, kind);
                    prop_assert_eq!(status, &status_before);
                    prop_assert_eq!(*role, actor.role);
                    prop_assert!(rules
                        .workflow
                        .transition(kind, &status_before, actor.role)
                        .is_none());
                }
            }
            Ok(events) => {
                prop_assert!(rules
                    .workflow
                    .transition(kind, &status_before, actor.role)
                    .is_some());
                prop_assert!(!events.is_empty());
                let n = before.history().len();
                prop_assert_eq!(
                    &case.history()[..n],
                    before.history(),
                    "history is append-only"
                );
                prop_assert_eq!(&case.history()[n..], &events[..]);
                for event in &events {
                    for told in notification::notifications(&rules.workflow, &case, event) {
                        prop_assert!(!told.channels.is_empty());
                    }
                }
            }
        }
        check_invariants(&rules, &case)?;
    }
    let replayed = Case::replay(case.history()).unwrap();
    prop_assert_eq!(&replayed, &case, "replay equals the live state");
    let json = CaseRecord::new(&case).to_json().unwrap();
    let restored = CaseRecord::from_json(&json).unwrap().into_case().unwrap();
    prop_assert_eq!(&restored, &case, "JSON round trip equals the live state");
    prop_assert_eq!(
        views::history(&case, &rules.workflow).len() <= case.history().len(),
        true
    );
    for actor in &actors {
        let _ = views::my_cases([&case], &rules.workflow, actor);
    }
    let _ = views::overview(&case, &rules.workflow);
    Ok(())
}

/// An index into [`actors`], weighted towards the requester and the officer so that sequences
/// get deep into the workflows.
fn who() -> impl Strategy<Value = usize> {
    prop_oneof![4 => Just(0usize), 1 => Just(1), 4 => Just(2), 1 => Just(3), 1 => Just(4), 1 => Just(5), 1 => Just(6), 1 => Just(7)]
}

fn ops() -> impl Strategy<Value = Vec<(usize, Command, u32)>> {
    proptest::collection::vec((who(), command(), 0u32..3000), 1..60)
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(256)
    })]

    #[test]
    fn e_service_random_sequences(ops in ops()) {
        run(true, ops)?;
    }

    #[test]
    fn service_desk_random_sequences(ops in ops()) {
        run(false, ops)?;
    }

    #[test]
    fn replaying_a_tampered_history_is_an_error_not_a_panic(ops in ops(), skip in 0usize..40) {
        let rules = rules(false);
        let actors = actors();
        let mut case = Case::new();
        let mut numbers = CaseNumberSeries::new("", 1).unwrap();
        for (who, command, _) in ops {
            let command = match command {
                Command::Submit { form, approvers, .. } => Command::Submit { number: numbers.next_number().unwrap(), form, approvers },
                other => other,
            };
            let _ = case.execute(&rules, &actors[who], command, start());
        }
        let mut events = case.history().to_vec();
        if skip < events.len() && events.len() > 1 {
            events.remove(skip);
            let last_removed = skip == events.len();
            prop_assert_eq!(Case::replay(&events).is_ok(), last_removed);
        }
    }
}

/// The generator is not vacuous: across a few hundred deterministic sequences, every status of
/// both workflows is reached and commands are both accepted and refused.
#[test]
fn random_sequences_reach_every_status() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeSet;

    for e_service in [true, false] {
        let rules = rules(e_service);
        let actors = actors();
        let mut runner = TestRunner::deterministic();
        let mut reached = BTreeSet::new();
        let (mut accepted, mut refused) = (0, 0);
        for _ in 0..400 {
            let ops = ops().new_tree(&mut runner).unwrap().current();
            let mut numbers = CaseNumberSeries::new("", 1).unwrap();
            let mut case = Case::new();
            for (who, command, minutes) in ops {
                let command = match command {
                    Command::Submit {
                        form, approvers, ..
                    } => Command::Submit {
                        number: numbers.next_number().unwrap(),
                        form,
                        approvers,
                    },
                    other => other,
                };
                let now = start() + Duration::minutes(i64::from(minutes));
                match case.execute(&rules, &actors[who], command, now) {
                    Ok(_) => accepted += 1,
                    Err(_) => refused += 1,
                }
                reached.insert(case.status().to_string());
            }
        }
        for status in rules.workflow.statuses() {
            assert!(
                reached.contains(&status.id),
                "{} never reached in {}",
                status.id,
                rules.workflow.id()
            );
        }
        assert!(
            accepted > 100 && refused > 100,
            "{accepted} accepted, {refused} refused"
        );
    }
}
