//! Case command throughput: one case of the e-service workflow through its whole life, as the
//! handbook walks it (save draft, submit, assign, start, message, request supplement,
//! supplement, start, close: nine commands, `Throughput::Elements` = commands, so Criterion
//! prints commands/s), each checked against role and status, yielding and applying its events;
//! plus the same case's JSON round trip and its replay from events.
//!
//!     cargo bench -p vagvisare-benches --bench cases

use std::collections::BTreeMap;
use std::hint::black_box;

use chrono::{DateTime, Duration};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vagvisare::case::{
    Actor, Case, CaseNumberSeries, CaseRecord, CaseRules, Command, Form, Person, Role, Workflow,
};

const KOMMUN: &str = "Skellefteå kommun";

/// The commands of one case's life, with who runs each.
fn life(series: &mut CaseNumberSeries) -> Vec<(Actor, Command)> {
    let jenny = Actor::new("jenny", "Jenny Testersson", Role::Requester);
    let julia = Actor::new("julia", "Julia Landsell", Role::Officer).in_organisation(KOMMUN);
    let form = Form::new("Medborgarförslag", KOMMUN, "Fler parkbänkar längs älven")
        .answer("förslag", "Fler parkbänkar längs älven")
        .answer("adress", "Storgatan 1");
    let mut answers = BTreeMap::new();
    answers.insert("adress".to_string(), "Storgatan 12".to_string());
    vec![
        (jenny.clone(), Command::SaveDraft { form: form.clone() }),
        (
            jenny.clone(),
            Command::Submit {
                number: series.next_number().expect("case numbers left"),
                form,
                approvers: vec![],
            },
        ),
        (
            julia.clone(),
            Command::Assign {
                officer: Person::new("julia", "Julia Landsell"),
            },
        ),
        (julia.clone(), Command::Start),
        (
            julia.clone(),
            Command::SendMessage {
                text: "Vilken del av älvkanten menar du?".into(),
                attachments: vec![],
            },
        ),
        (
            julia.clone(),
            Command::RequestSupplement {
                message: Some("Ange en adress".into()),
            },
        ),
        (jenny, Command::Supplement { answers }),
        (julia.clone(), Command::Start),
        (
            julia,
            Command::Close {
                resolution: Some("Bänkar beställda".into()),
            },
        ),
    ]
}

fn cases(c: &mut Criterion) {
    let rules = CaseRules::new(Workflow::e_service());
    let start = DateTime::parse_from_rfc3339("2026-02-16T09:00:00+01:00").expect("timestamp");
    let mut series = CaseNumberSeries::new("", 1).expect("series");
    let commands = life(&mut series).len();
    let run = |steps: Vec<(Actor, Command)>| {
        let mut case = Case::new();
        for (k, (actor, command)) in steps.into_iter().enumerate() {
            let at = start + Duration::hours(k as i64);
            case.execute(&rules, &actor, command, at)
                .expect("every command of the life is allowed");
        }
        case
    };
    let done = run(life(&mut series));
    assert_eq!(done.status(), "closed");

    let mut group = c.benchmark_group("cases");
    group.throughput(Throughput::Elements(commands as u64));
    group.bench_function("command_life", |b| {
        b.iter_batched(
            || life(&mut series),
            |steps| {
                let case = run(black_box(steps));
                assert_eq!(case.status(), "closed");
                case
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.throughput(Throughput::Elements(1));
    let json = CaseRecord::new(&done)
        .to_json()
        .expect("a record serialises");
    group.bench_function("json_round_trip", |b| {
        b.iter(|| {
            let text = CaseRecord::new(black_box(&done))
                .to_json()
                .expect("a record serialises");
            let back = CaseRecord::from_json(&text)
                .and_then(CaseRecord::into_case)
                .expect("round trip");
            assert_eq!(text.len(), json.len());
            back
        })
    });
    group.bench_function("replay_events", |b| {
        b.iter(|| {
            let case = Case::replay(black_box(done.history())).expect("replay");
            assert_eq!(case.status(), "closed");
            case
        })
    });
    group.finish();
}

criterion_group!(benches, cases);
criterion_main!(benches);
