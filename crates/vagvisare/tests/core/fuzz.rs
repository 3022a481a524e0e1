//! Fuzzing that stays (issue 20): property tests with large, hostile inputs for the analyzer and
//! `suggest`, guide parsing (JSON Lines and CSV) and case command JSON. `cargo fuzz` needs a
//! nightly compiler, which this project does not build with, so these run on stable with
//! proptest instead.
//!
//! `cargo test` runs a short run (a few dozen cases per property); a longer one:
//!
//! ```text
//! PROPTEST_CASES=100000 cargo test --release -p vagvisare --test core fuzz::
//! ```

use std::collections::BTreeSet;
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{json, Value};
use vagvisare::case::{Actor, Case, CaseRules, Command, Form, Role, Timestamp, Workflow};
use vagvisare::guide::{
    parse_csv, parse_jsonl, Guide, GuideIndex, IndexError, OnBad, SuggestOptions,
};
use vagvisare::text::analyzer::Analyzer;
use vagvisare::text::compound::Lexicon;
use vagvisare::text::MAX_QUERY_BYTES;

/// `default` cases, unless `PROPTEST_CASES` asks for another number.
fn config(default: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = default;
    }
    // Failures are reported with their input; no files are written into the source tree.
    config.failure_persistence = None;
    config
}

// ------------------------------------------------------------------------- hostile text

/// Pieces an attacker (or an unlucky paste) puts in a text field.
const NASTY: &[&str] = &[
    "+",
    "-",
    "&&",
    "||",
    "!",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "^",
    "\"",
    "~2",
    "*",
    "?",
    ":",
    "\\",
    "/",
    "'",
    "AND",
    "OR",
    "NOT",
    "*:*",
    "title:",
    "field:\"x\"~3^2",
    "\u{0}",
    "\u{7}",
    "\t",
    "\n",
    "\r\n",
    "\u{1b}[31m",
    "\u{200b}",
    "\u{200c}",
    "\u{200d}",
    "\u{2060}",
    "\u{feff}",
    "\u{202e}",
    "\u{fffd}",
    "\u{301}",
    "a\u{30a}",
    "🙂",
    "👩‍👩‍👧",
    "\u{10ffff}",
    "ﬁ",
    "ß",
    "İ",
    "lösenord",
    "logga ut",
    "e-post",
    "covid-19",
    "soptunnan",
    "glömt",
    " ",
    "  ",
    ".",
    "?!",
    "19121212-1212",
    "070-123 45 67",
    "a@b.se",
];

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(NASTY).prop_map(String::from),
        2 => "[a-zåäöA-ZÅÄÖ]{1,14}",
        1 => any::<char>().prop_map(String::from),
    ]
}

/// Text from a few bytes to a couple of megabytes: mixed pieces, one very long word, a great
/// many words, a block repeated, or anything at all.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::collection::vec(piece(), 0..120).prop_map(|v| v.concat()),
        1 => ("[a-zåäö]{1,3}", 1_000usize..200_000).prop_map(|(s, n)| s.repeat(n)),
        1 => (proptest::collection::vec("[a-zåäö]{1,9}", 1..40), 10usize..3_000)
            .prop_map(|(words, n)| words.join(" ").repeat(n)),
        1 => (proptest::collection::vec(piece(), 1..30), 100usize..60_000)
            .prop_map(|(v, n)| v.concat().repeat(n)),
        1 => any::<String>(),
    ]
}

fn guides() -> Vec<Guide> {
    let g = |id: &str, title: &str, body: &str, category: &str| Guide {
        category: category.into(),
        ..Guide::new(id, title, body)
    };
    vec![
        g(
            "pw",
            "Glömt lösenordet till KOMNET-kontot",
            "Byt lösenord i Passwordkiosk med en kod via SMS.",
            "IT > Lösenord",
        ),
        g(
            "printer",
            "Skrivaren skriver inte ut",
            "Kontrollera papper och toner; starta om skrivaren.",
            "IT > Skrivare",
        ),
        g(
            "mail",
            "Mejlen kommer inte fram",
            "Kontrollera e-postadressen och skräpposten.",
            "IT > E-post",
        ),
        g(
            "sop",
            "Soptunnan har inte tömts",
            "Gör en felanmälan om soptunnan inte tömts på hämtningsdagen.",
            "Avfall",
        ),
        g(
            "logout",
            "Logga ut från Treserva",
            "Stäng webbläsaren eller välj logga ut.",
            "IT > Treserva",
        ),
        g(
            "larm",
            "Trygghetslarmet larmar inte",
            "Testa larmknappen och ring larmcentralen.",
            "Omsorg > Larm",
        ),
    ]
}

fn index() -> &'static GuideIndex {
    static INDEX: OnceLock<GuideIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let index = GuideIndex::in_memory().expect("in-memory index");
        index.upsert(&guides()).expect("valid guides");
        index.commit().expect("commit");
        index
    })
}

/// The text as `suggest` reads it: cut at `MAX_QUERY_BYTES`, at a character boundary, and
/// when it was cut, its last word complete (the text went on), as a space after it says.
fn as_read(text: &str) -> String {
    let mut end = text.len().min(MAX_QUERY_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end == text.len() {
        text.to_string()
    } else {
        format!("{} ", &text[..end])
    }
}

/// A case the property below found: a text cut inside a word at `MAX_QUERY_BYTES` is complete
/// up to its cut, in the plan and in the semantic stage alike (the stage read the end of the
/// whole text instead, and ends of the two kinds disagreed).
#[test]
fn a_text_cut_inside_a_word_is_answered_as_its_complete_words() {
    let index = index();
    for unit in ["lösenordfield:\"x\"~3^2+,", "kommer inte in glömt"] {
        let text = unit.repeat(200);
        assert!(text.len() > MAX_QUERY_BYTES, "longer than is read");
        for limit in 1..8 {
            let options = SuggestOptions::limit(limit);
            assert_eq!(
                index.suggest_ids(&text, &options),
                index.suggest_ids(&as_read(&text), &options),
                "{unit:?} limit {limit}"
            );
        }
    }
}

proptest! {
    #![proptest_config(config(24))]

    /// Any text gives suggestions or none, within the limit, of guides that exist, with finite
    /// scores and highlights inside their snippets; what lies beyond `MAX_QUERY_BYTES` changes
    /// nothing.
    #[test]
    fn suggest_answers_any_text_within_its_limits(text in hostile_text(), limit in 0usize..8) {
        let index = index();
        let options = SuggestOptions::limit(limit);
        let found = index.suggest(&text, &options);
        prop_assert!(found.len() <= limit);
        for s in &found {
            prop_assert!(s.score.is_finite());
            prop_assert!(index.get(&s.id).is_some(), "{} is not a guide", s.id);
            let chars = s.snippet.text.chars().count();
            for &(from, to) in &s.snippet.highlights {
                prop_assert!(from <= to && to <= chars);
            }
        }
        let ids: Vec<&str> = found.iter().map(|s| s.id.as_str()).collect();
        let cut_ids = index.suggest_ids(&as_read(&text), &options);
        prop_assert_eq!(ids, cut_ids.iter().map(String::as_str).collect::<Vec<_>>());
    }

    /// The analyzer takes any text, however long, the same way twice, and every token it
    /// makes has a surface form and a stem.
    #[test]
    fn the_analyzer_takes_any_text(text in hostile_text()) {
        let lexicon = Lexicon::default();
        let first = Analyzer::new(&lexicon).analyze(&text);
        let again = Analyzer::new(&lexicon).analyze(&text);
        prop_assert_eq!(first.len(), again.len());
        for (a, b) in first.iter().zip(&again) {
            prop_assert!(!a.surface().is_empty());
            prop_assert!(!a.stem().is_empty());
            prop_assert_eq!(a.surface(), b.surface());
            prop_assert_eq!(a.stem(), b.stem());
        }
    }
}

// ------------------------------------------------------------------------- guide files

fn field_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zåäö ]{0,20}",
        2 => proptest::collection::vec(piece(), 0..8).prop_map(|v| v.concat()),
        1 => Just(String::new()),
        1 => Just("\u{200b}\u{feff}".to_string()),
        1 => (1usize..100_000).prop_map(|n| "x".repeat(n)),
    ]
}

fn guide_value() -> impl Strategy<Value = Value> {
    (
        prop_oneof![3 => "[a-z0-9-]{1,12}", 1 => field_text()],
        field_text(),
        field_text(),
        field_text(),
        proptest::collection::vec(field_text(), 0..3),
    )
        .prop_map(|(id, title, body, category, audiences)| {
            json!({"id": id, "title": title, "body": body, "category": category, "audiences": audiences})
        })
}

/// One edit of a text: a character inserted, removed or replaced, or the text cut short.
fn mutate(text: &str, at: usize, how: u8, with: char) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = if chars.is_empty() {
        0
    } else {
        at % chars.len()
    };
    let mut out = chars.clone();
    match how % 4 {
        0 => out.insert(at, with),
        1 if !out.is_empty() => {
            out.remove(at);
        }
        2 if !out.is_empty() => out[at] = with,
        _ => out.truncate(at),
    }
    out.into_iter().collect()
}

fn edit() -> impl Strategy<Value = (usize, u8, char)> {
    (
        any::<usize>(),
        any::<u8>(),
        prop_oneof![
            proptest::sample::select(
                &['"', ',', '{', '}', '[', ']', ':', '\n', '\\', '\u{feff}', '\0', ';', 'x'][..]
            ),
            any::<char>()
        ],
    )
}

fn jsonl_file() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(guide_value(), 0..6),
        proptest::collection::vec(edit(), 0..4),
        any::<bool>(),
    )
        .prop_map(|(guides, edits, bom)| {
            let mut text: String = guides.iter().map(|g| format!("{g}\n")).collect();
            for (at, how, with) in edits {
                text = mutate(&text, at, how, with);
            }
            if bom {
                text.insert(0, '\u{feff}');
            }
            text
        })
}

fn csv_field(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn csv_file() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(guide_value(), 0..6),
        proptest::collection::vec(edit(), 0..4),
        prop_oneof![
            Just("id,title,body,category,audiences"),
            Just("title,id"),
            Just("id;title"),
            Just("")
        ],
    )
        .prop_map(|(guides, edits, header)| {
            let mut text = format!("{header}\n");
            for g in &guides {
                let audiences: Vec<&str> = g["audiences"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                let row: Vec<String> = ["id", "title", "body", "category"]
                    .iter()
                    .map(|k| csv_field(g[k].as_str().unwrap()))
                    .chain(std::iter::once(csv_field(&audiences.join(";"))))
                    .collect();
                text.push_str(&row.join(","));
                text.push('\n');
            }
            for (at, how, with) in edits {
                text = mutate(&text, at, how, with);
            }
            text
        })
}

/// Guides an import accepted: each valid, no id twice.
fn assert_importable(guides: &[Guide]) -> Result<(), TestCaseError> {
    let mut ids = BTreeSet::new();
    for g in guides {
        prop_assert!(
            g.validate().is_ok(),
            "{:?} was accepted: {:?}",
            g.id,
            g.validate()
        );
        prop_assert!(ids.insert(g.id.clone()), "{:?} twice", g.id);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(48))]

    /// Any JSON Lines text, mutated valid files included, is read or refused with the number of
    /// a line it has; what is read can be indexed.
    #[test]
    fn json_lines_are_read_or_refused_with_a_line(text in prop_oneof![3 => jsonl_file(), 1 => hostile_text()]) {
        let lines = text.lines().count();
        match parse_jsonl(&text) {
            Ok(guides) => assert_importable(&guides)?,
            Err(IndexError::BadLine { line, message }) => {
                prop_assert!(line >= 1 && line <= lines.max(1), "line {line} of {lines}");
                prop_assert!(!message.is_empty());
            }
            Err(other) => prop_assert!(false, "not a line error: {other:?}"),
        }
    }

    /// Any CSV text is read or refused with its bad rows; skipping the bad rows keeps exactly
    /// what refusing would have read when there are none.
    #[test]
    fn csv_is_read_or_refused_with_its_rows(text in prop_oneof![3 => csv_file(), 1 => hostile_text()]) {
        let refused = parse_csv(&text, OnBad::Refuse);
        let skipped = parse_csv(&text, OnBad::Skip);
        match (&refused, &skipped) {
            (Ok(all), Ok(some)) => {
                prop_assert!(some.skipped.is_empty());
                prop_assert_eq!(&all.guides, &some.guides);
                assert_importable(&all.guides)?;
            }
            (Err(IndexError::BadLine { .. } | IndexError::BadRecords { .. }), Ok(some)) => {
                prop_assert!(!some.skipped.is_empty(), "refused, but nothing was skipped");
                assert_importable(&some.guides)?;
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (a, b) => prop_assert!(false, "refuse gave {a:?}, skip gave {b:?}"),
        }
    }
}

// ------------------------------------------------------------------------- case commands

fn at(text: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(text).unwrap()
}

const ORG: &str = "Användarstöd";

fn actors() -> Vec<Actor> {
    vec![
        Actor::new("jenny", "Jenny", Role::Requester),
        Actor::new("julia", "Julia", Role::Officer).in_organisation(ORG),
        Actor::new("anna", "Anna", Role::Approver),
        Actor::new("lev", "Leverantör AB", Role::ThirdParty),
        Actor::new("olle", "Olle", Role::Requester),
    ]
}

/// A case in one of a few states, with its rules: new, submitted with an approver, approved and
/// in progress, waiting for the requester; on the service-desk or the e-service workflow.
fn case_in(state: u8) -> (CaseRules, Case) {
    let e_service = state % 2 == 1;
    let rules = if e_service {
        CaseRules::new(Workflow::e_service()).with_due_in_working_days(10)
    } else {
        CaseRules::new(Workflow::service_desk()).with_due_in_working_days(2)
    };
    let [jenny, julia, anna, ..] = <[Actor; 5]>::try_from(actors()).unwrap();
    let mut case = Case::new();
    let steps = (state / 2) % 4;
    if steps >= 1 {
        let approvers = if e_service {
            vec![]
        } else {
            vec![anna.person()]
        };
        let form = Form::new(
            if e_service {
                "Medborgarförslag"
            } else {
                "Kontakta Användarstöd"
            },
            ORG,
            "Skrivaren",
        );
        let submit = Command::Submit {
            number: "C1".parse().unwrap(),
            form,
            approvers,
        };
        case.execute(&rules, &jenny, submit, at("2023-01-27T09:00:00+01:00"))
            .unwrap();
    }
    if steps >= 2 && !e_service {
        case.execute(
            &rules,
            &anna,
            Command::Approve,
            at("2023-01-27T10:00:00+01:00"),
        )
        .unwrap();
    }
    if steps >= 2 {
        case.execute(
            &rules,
            &julia,
            Command::Start,
            at("2023-01-27T11:00:00+01:00"),
        )
        .unwrap();
    }
    if steps >= 3 {
        let ask = Command::RequestSupplement {
            message: Some("Vilken?".into()),
        };
        case.execute(&rules, &julia, ask, at("2023-01-27T12:00:00+01:00"))
            .unwrap();
    }
    (rules, case)
}

/// Valid command JSON of every kind, as a client sends it.
fn valid_commands() -> Vec<Value> {
    let person = json!({"id": "anna", "name": "Anna"});
    let form = json!({"service": "Kontakta Användarstöd", "organisation": ORG, "description": "Skrivaren"});
    vec![
        json!({"command": "save_draft", "form": form}),
        json!({"command": "delete_draft"}),
        json!({"command": "submit", "number": "C2", "form": form, "approvers": [person]}),
        json!({"command": "assign", "officer": {"id": "julia", "name": "Julia"}}),
        json!({"command": "start"}),
        json!({"command": "request_supplement", "message": "Vilken skrivare?"}),
        json!({"command": "supplement", "answers": {"Skrivare": "Plan 3"}}),
        json!({"command": "send_message", "text": "Hej", "attachments": [{"name": "a.pdf", "size_bytes": 10}]}),
        json!({"command": "approve"}),
        json!({"command": "reject", "reason": "Nej"}),
        json!({"command": "wait_for_user", "note": "BankID"}),
        json!({"command": "user_answered"}),
        json!({"command": "wait_for_third_party", "party": "LKDATA"}),
        json!({"command": "schedule", "date": "2023-02-01"}),
        json!({"command": "close", "resolution": "Klart"}),
        json!({"command": "share", "person": person}),
    ]
}

/// A JSON value of any shape, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        field_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid command with one field replaced, removed or added, or its name changed.
fn mutated_command() -> impl Strategy<Value = Value> {
    (
        proptest::sample::select(valid_commands()),
        proptest::sample::select(
            &[
                "command",
                "form",
                "number",
                "officer",
                "message",
                "answers",
                "text",
                "attachments",
                "reason",
                "note",
                "party",
                "date",
                "resolution",
                "person",
                "approvers",
                "extra",
            ][..],
        ),
        prop_oneof![2 => any_json().prop_map(Some), 1 => Just(None)],
    )
        .prop_map(|(mut command, key, value)| {
            let object = command.as_object_mut().unwrap();
            match value {
                Some(v) => object.insert(key.to_string(), v),
                None => object.remove(key),
            };
            command
        })
}

/// JSON text: a mutated command, any value, text that is not JSON, or nesting far deeper than
/// a parser's stack.
fn command_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => mutated_command().prop_map(|v| v.to_string()),
        2 => proptest::sample::select(valid_commands()).prop_map(|v| v.to_string()),
        2 => any_json().prop_map(|v| v.to_string()),
        1 => (mutated_command(), edit()).prop_map(|(v, (a, h, c))| mutate(&v.to_string(), a, h, c)),
        1 => (1usize..100_000).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n))),
        1 => (1usize..50_000).prop_map(|n| format!("{{\"command\":\"send_message\",\"text\":{}\"x\"{}}}", "[".repeat(n), "]".repeat(n))),
        1 => hostile_text(),
    ]
}

proptest! {
    #![proptest_config(config(64))]

    /// Any command JSON is a command or a typed error; a command run by anyone on a case in any
    /// state applies or is refused with a typed error that changes nothing, and what applies
    /// replays to the same case.
    #[test]
    fn command_json_is_a_command_or_refused_and_a_refusal_changes_nothing(
        text in command_text(),
        state in 0u8..8,
        who in 0usize..5,
    ) {
        let Ok(command) = serde_json::from_str::<Command>(&text) else {
            return Ok(());
        };
        // What was read writes back as JSON that reads as the same command.
        let again: Command = serde_json::from_str(&serde_json::to_string(&command).unwrap()).unwrap();
        prop_assert_eq!(&again, &command);
        let (rules, case) = case_in(state);
        let actor = &actors()[who];
        let mut after = case.clone();
        match after.execute(&rules, actor, command, at("2023-01-30T09:00:00+01:00")) {
            Ok(events) => {
                prop_assert!(!events.is_empty());
                prop_assert_eq!(after.version(), case.version() + events.len() as u64);
                let replayed = Case::replay(after.history()).unwrap();
                prop_assert_eq!(&replayed, &after);
            }
            Err(error) => {
                prop_assert!(!error.to_string().is_empty());
                prop_assert_eq!(&after, &case, "a refused command changed the case");
            }
        }
    }
}

/// The deepest nesting serde_json is given is refused as an error, not a stack overflow.
#[test]
fn deeply_nested_command_json_is_an_error() {
    let deep = format!("{}{}", "[".repeat(1_000_000), "]".repeat(1_000_000));
    assert!(serde_json::from_str::<Command>(&deep).is_err());
}
