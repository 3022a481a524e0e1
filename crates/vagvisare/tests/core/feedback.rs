//! Learning from use through the guide index: feedback in, learned matches out, with the guard
//! rails of issue 8.

use std::cell::RefCell;
use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use vagvisare::eval::feedback_split::{self, SplitOptions};
use vagvisare::eval::{Engine, EvalOptions, LabelledQuery};
use vagvisare::feedback::{Feedback, FeedbackError, LearnPolicy};
use vagvisare::{Guide, GuideIndex, IndexError, MatchKind, SuggestOptions};

fn guides() -> Vec<Guide> {
    let mut staff = Guide::new(
        "vpn",
        "Ansluta till distansåtkomst",
        "Starta klienten för distansåtkomst och logga in med ditt konto.",
    );
    staff.audiences = vec!["personal".into()];
    vec![
        Guide::new(
            "print",
            "Skrivaren skriver inte ut",
            "Kontrollera att skrivaren är på och att papper finns i facket.",
        ),
        Guide::new(
            "pw",
            "Byta lösenord",
            "Så byter du lösenordet till ditt konto på intranätet.",
        ),
        staff,
    ]
}

fn index() -> GuideIndex {
    let index = GuideIndex::in_memory().unwrap();
    index.upsert(&guides()).unwrap();
    index.commit().unwrap();
    index
}

fn top(index: &GuideIndex, text: &str) -> Vec<String> {
    index.suggest_ids(text, &SuggestOptions::limit(3).words_only())
}

#[test]
fn helped_text_becomes_a_learned_match_once_two_people_gave_it() {
    let index = index();
    // The thesaurus has "ark" (sheet) as a synonym of "papper", which the guide has: without
    // it, no word of the text is in any guide.
    index.set_thesaurus(false);
    assert!(top(&index, "maskinen tuggar arken").is_empty());
    index
        .feedback(&[Feedback::helped("maskinen tuggar arken", "print").by("a")])
        .unwrap();
    index.commit().unwrap();
    assert!(
        top(&index, "maskinen tuggar arken").is_empty(),
        "one person alone"
    );
    assert!(!index.learned("print")[0].active);
    index
        .feedback(&[Feedback::helped("Maskinen tuggar arken!", "print").by("b")])
        .unwrap();
    index.commit().unwrap();
    let s = index.suggest("maskinen tuggar", &SuggestOptions::limit(3));
    assert_eq!(s[0].id, "print");
    assert!(
        s[0].matched.iter().any(|m| m.kind == MatchKind::Learned),
        "{:?}",
        s[0].matched
    );
    // Half-typed text finds it too.
    assert_eq!(top(&index, "maskinen tugg")[0], "print");
    assert_eq!(index.learned("print")[0].text, "maskinen tuggar arken");
    assert!(index.learned("print")[0].active && !index.learned("print")[0].trusted);
}

#[test]
fn a_taught_text_typed_again_shows_its_guide_first_and_names_the_text() {
    let index = vagvisare::bundled::index().unwrap();
    let target = "it-skrivare-toner";
    let taught = "vem fixar bläcket till printern";
    let before = index.suggest_ids(taught, &SuggestOptions::limit(5));
    assert_ne!(
        before.first().map(String::as_str),
        Some(target),
        "{before:?}"
    );
    index
        .import_feedback(&[
            Feedback::helped(taught, target),
            Feedback::helped("skrivarn säger slut på svart", target),
        ])
        .unwrap();
    index.commit().unwrap();
    assert!(index.learned(target).iter().all(|t| t.trusted && t.active));
    // Typed in full, typed up to its last word, without å/ä/ö, with a typo.
    for typed in [
        taught,
        "vem fixar bläcket till print",
        "vem fixar blacket till printern",
        "vem fixar bläcket till printern",
    ] {
        let s = index.suggest(typed, &SuggestOptions::limit(5));
        assert_eq!(
            s[0].id,
            target,
            "{typed}: {:?}",
            s.iter().map(|s| &s.id).collect::<Vec<_>>()
        );
    }
    let s = index.suggest(taught, &SuggestOptions::limit(1));
    let learned: Vec<_> = s[0]
        .matched
        .iter()
        .filter(|m| m.kind == MatchKind::Learned)
        .collect();
    assert!(!learned.is_empty(), "{:?}", s[0].matched);
    for m in learned {
        assert_eq!(m.learned_text.as_deref(), Some(taught), "{m:?}");
    }
}

#[test]
fn feedback_for_an_unknown_guide_is_refused_and_nothing_is_kept() {
    let index = index();
    let err = index
        .feedback(&[
            Feedback::helped("maskinen tuggar", "print"),
            Feedback::helped("något", "borttagen"),
        ])
        .unwrap_err();
    assert!(matches!(
        err,
        IndexError::Feedback(FeedbackError::UnknownGuide { .. })
    ));
    assert!(index.learned("print").is_empty());
    assert_eq!(index.feedback_report(5).answers, 0);
}

#[test]
fn no_and_filed_anyway_teach_nothing() {
    let index = index();
    let mut no = Feedback::helped("maskinen tuggar", "print");
    no.helped = false;
    let mut filed = Feedback::helped("maskinen tuggar", "print");
    filed.filed_anyway = true;
    index.feedback(&[no, filed]).unwrap();
    index.commit().unwrap();
    assert!(top(&index, "maskinen tuggar").is_empty());
    let report = index.feedback_report(5);
    assert_eq!((report.answers, report.deflected), (2, 0));
    assert_eq!(report.gaps[0].text, "maskinen tuggar");
}

#[test]
fn one_noisy_actor_cannot_move_a_guide_to_the_top_of_an_unrelated_text() {
    let index = index();
    let spam: Vec<Feedback> = (0..200)
        .map(|_| Feedback::helped("byta lösenord konto", "print").by("spammer"))
        .collect();
    index.feedback(&spam).unwrap();
    index.commit().unwrap();
    assert_eq!(index.learned("print")[0].actors, 1);
    assert_eq!(top(&index, "byta lösenord")[0], "pw");
}

#[test]
fn learned_text_stays_with_its_audience() {
    let index = index();
    index
        .import_feedback(&[Feedback::helped("jobba hemifrån", "vpn").by("a")])
        .unwrap();
    index.commit().unwrap();
    let mut citizens = SuggestOptions::limit(3).words_only();
    citizens.filters.audiences = vec!["invånare".into()];
    assert!(index.suggest_ids("jobba hemifrån", &citizens).is_empty());
    let mut staff = SuggestOptions::limit(3).words_only();
    staff.filters.audiences = vec!["personal".into()];
    assert_eq!(index.suggest_ids("jobba hemifrån", &staff), ["vpn"]);
}

#[test]
fn replacing_keeps_and_deleting_forgets_learned_text() {
    let index = index();
    index
        .import_feedback(&[Feedback::helped("maskinen tuggar", "print").by("a")])
        .unwrap();
    index.commit().unwrap();
    let mut changed = guides()[0].clone();
    changed.body = "Ny text om skrivaren.".into();
    index.upsert(&[changed]).unwrap();
    index.commit().unwrap();
    assert_eq!(top(&index, "maskinen tuggar"), ["print"]);
    index.delete(&["print"]);
    index.commit().unwrap();
    assert!(index.learned("print").is_empty());
    index.upsert(&guides()[..1]).unwrap();
    index.commit().unwrap();
    assert!(top(&index, "maskinen tuggar").is_empty());
}

#[test]
fn editors_remove_and_freeze_learned_text() {
    let index = index();
    index
        .import_feedback(&[Feedback::helped("maskinen tuggar", "print").by("a")])
        .unwrap();
    index.freeze_learned("print", true);
    index
        .import_feedback(&[Feedback::helped("toner slut", "print").by("b")])
        .unwrap();
    index.commit().unwrap();
    assert_eq!(index.learned("print").len(), 1, "frozen: nothing new");
    index.remove_learned("print", "maskinen tuggar").unwrap();
    index.commit().unwrap();
    assert!(top(&index, "maskinen tuggar").is_empty());
}

#[test]
fn learned_text_survives_a_reopen_and_a_rollback_undoes_it() {
    let dir = std::env::temp_dir().join(format!("vv-fb-reopen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let index = GuideIndex::create(&dir).unwrap();
        index.upsert(&guides()).unwrap();
        index.commit().unwrap();
        index
            .import_feedback(&[Feedback::helped("maskinen tuggar", "print").by("a")])
            .unwrap();
        index.commit().unwrap();
        index
            .import_feedback(&[Feedback::helped("toner slut", "print").by("b")])
            .unwrap();
        index.rollback().unwrap();
        assert_eq!(index.learned("print").len(), 1);
    }
    let index = GuideIndex::open(&dir).unwrap();
    assert_eq!(top(&index, "maskinen tuggar"), ["print"]);
    assert_eq!(index.learned("print").len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_split_protocol_runs_on_a_small_fixture() {
    let q = |text: &str, id: &str| LabelledQuery {
        query: text.into(),
        relevant: vec![id.into()],
        kind: None,
    };
    let queries = vec![
        q("pappret fastnar", "print"),
        q("papper har fastnat i skrivaren", "print"),
        q("pappret sitter fast", "print"),
        q("pappret fastnade igen", "print"),
        q("nytt lösenord", "pw"),
    ];
    let index = index();
    let options = EvalOptions {
        seed: 1,
        typed_share: false,
    };
    let report = feedback_split::run(&index, &queries, 3, &options).unwrap();
    assert_eq!(report.feedback_queries, 2);
    assert_eq!(report.before.queries, 2);
    assert_eq!(report.untouched_before.queries, 1);
    assert!(report.after.recall_at_5 >= report.before.recall_at_5);
    assert!(report.after.recall_at_5 > 0.0);
    assert_eq!(
        report.untouched_after.recall_at_5,
        report.untouched_before.recall_at_5
    );
}

/// True when `text` holds `secret`, a digit run counting only where it is not part of a longer
/// number (the stored timestamps are digits too, and may hold any four of them).
fn leaks(text: &str, secret: &str) -> bool {
    let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    text.match_indices(secret).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + secret.len()..].chars().next();
        let joined_before = secret.starts_with(|c: char| c.is_ascii_digit()) && digit(before);
        let joined_after = secret.ends_with(|c: char| c.is_ascii_digit()) && digit(after);
        !joined_before && !joined_after
    })
}

#[test]
fn leaks_finds_a_number_only_on_its_own() {
    assert!(leaks("pnr [personnummer]2391 kvar", "2391"));
    assert!(leaks("701063+2391", "2391"));
    assert!(!leaks("\"at\":\"2026-12-04T21:58:34.123923910Z\"", "2391"));
    assert!(leaks("mejla anna.berg", "anna.berg"));
}

#[test]
fn personal_data_is_never_learned_nor_kept() {
    // (as typed, the learned text)
    let table = [
        ("glömt lösen 19811228-9874", "glömt lösen"),
        (
            "ring mig på 070-123 45 67 om skrivaren",
            "ring mig på om skrivaren",
        ),
        ("mejla anna.berg@example.se om kontot", "mejla om kontot"),
        ("pnr 811228-9874 eller +46 70 123 45 67", "pnr eller"),
        ("Kontakta kundservice@linköping.se NU", "kontakta nu"),
        (
            "samordningsnummer 701063+2391 saknas",
            "samordningsnummer saknas",
        ),
    ];
    let dir = std::env::temp_dir().join(format!("vv-fb-redact-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let index = GuideIndex::create(&dir).unwrap();
    index.upsert(&guides()).unwrap();
    index.commit().unwrap();
    for (i, (typed, learned)) in table.iter().enumerate() {
        let mut filed = Feedback::helped(*typed, "pw").by(format!("b{i}"));
        filed.filed_anyway = true;
        index
            .feedback(&[Feedback::helped(*typed, "print").by(format!("a{i}")), filed])
            .unwrap();
        let texts: Vec<String> = index.learned("print").into_iter().map(|t| t.text).collect();
        assert!(texts.contains(&learned.to_string()), "{typed}: {texts:?}");
    }
    index.commit().unwrap();
    let stored = std::fs::read_to_string(dir.join(vagvisare::feedback::FEEDBACK_FILE)).unwrap();
    let report = serde_json::to_string(&index.feedback_report(50)).unwrap();
    for secret in [
        "9874",
        "123 45 67",
        "anna.berg",
        "example.se",
        "kundservice",
        "2391",
    ] {
        assert!(!leaks(&stored, secret), "{secret} in the stored file");
        assert!(!leaks(&report, secret), "{secret} in the report");
    }
    assert!(stored.contains("[personnummer]") && stored.contains("[e-post]"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn learned_texts_are_capped_per_guide() {
    let index = index();
    index
        .set_learn_policy(LearnPolicy {
            max_texts: 2,
            ..LearnPolicy::default()
        })
        .unwrap();
    let now = Utc::now();
    let texts = [
        "apparaten blinkar",
        "burken piper",
        "cisternen läcker",
        "dunken",
    ];
    let records: Vec<Feedback> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Feedback::helped(*t, "print").by(format!("u{i}")).at(now))
        .collect();
    index.import_feedback(&records).unwrap();
    index.commit().unwrap();
    let learned = index.learned("print");
    assert_eq!(learned.len(), 4, "all are listed for the editor");
    assert_eq!(learned.iter().filter(|t| t.active).count(), 2);
    assert_eq!(top(&index, "apparaten blinkar"), ["print"]);
    assert!(top(&index, "cisternen läcker").is_empty(), "over the cap");
}

#[test]
fn old_feedback_has_faded_and_teaches_nothing() {
    let index = index();
    let long_ago = Utc::now() - Duration::days(3 * 365);
    index
        .import_feedback(&[
            Feedback::helped("maskinen tuggar", "print")
                .by("a")
                .at(long_ago),
            Feedback::helped("toner slut", "print").by("b"),
        ])
        .unwrap();
    index.commit().unwrap();
    let learned = index.learned("print");
    let old = learned
        .iter()
        .find(|t| t.text == "maskinen tuggar")
        .unwrap();
    assert!(old.weight < 0.05 && !old.active, "{old:?}");
    assert!(top(&index, "maskinen tuggar").is_empty());
    assert_eq!(top(&index, "toner slut"), ["print"]);
}

/// An engine that knows only the texts it has been taught, word by word.
struct Taught(RefCell<BTreeMap<String, String>>);

impl Engine for Taught {
    fn search(&self, text: &str, k: usize) -> Vec<String> {
        let taught = self.0.borrow();
        let mut out: Vec<String> = Vec::new();
        for word in text.split_whitespace() {
            if let Some(guide) = taught.get(word) {
                if !out.contains(guide) {
                    out.push(guide.clone());
                }
            }
        }
        out.truncate(k);
        out
    }
}

#[test]
fn the_split_protocol_runs_on_any_engine() {
    let q = |text: &str, id: &str| LabelledQuery {
        query: text.into(),
        relevant: vec![id.into()],
        kind: None,
    };
    // Every query of a guide shares the guide's own word, so what one half teaches the other
    // half finds.
    let mut queries = Vec::new();
    for (guide, word) in [("a", "alfa"), ("b", "beta"), ("c", "gamma")] {
        for i in 0..4 {
            queries.push(q(&format!("{word} fråga{i}"), guide));
        }
    }
    queries.push(q("delta ensam", "d"));
    let engine = Taught(RefCell::new(BTreeMap::new()));
    let options = EvalOptions {
        seed: 1,
        typed_share: false,
    };
    let mut taught = 0;
    let report = feedback_split::run_with(
        &engine,
        &queries,
        &SplitOptions::seeded(5),
        &options,
        |records| {
            for r in records {
                assert!(r.helped && r.actor.is_some());
                for word in r.query.split_whitespace() {
                    engine
                        .0
                        .borrow_mut()
                        .insert(word.to_string(), r.guide.clone().unwrap());
                }
                taught += 1;
            }
            Ok::<(), std::convert::Infallible>(())
        },
    )
    .unwrap();
    assert_eq!((report.feedback_queries, taught), (6, 6));
    assert_eq!(report.before.queries, 6);
    assert_eq!(report.before.recall_at_5, 0.0);
    assert_eq!(report.after.recall_at_5, 1.0);
    assert_eq!(report.untouched_before.queries, 1);
    assert_eq!(report.untouched_after.recall_at_5, 0.0);

    // An engine that refuses the feedback ends the run with its error.
    let refused = feedback_split::run_with(
        &engine,
        &queries,
        &SplitOptions::seeded(5),
        &options,
        |_| Err("refused"),
    );
    assert_eq!(refused.unwrap_err(), "refused");
}

#[test]
fn held_out_guides_are_asked_and_do_not_change() {
    let index = index();
    let q = |text: &str, id: &str| LabelledQuery {
        query: text.into(),
        relevant: vec![id.into()],
        kind: None,
    };
    let queries = vec![
        q("pappret fastnar", "print"),
        q("papper har fastnat i skrivaren", "print"),
        q("nytt lösenord", "pw"),
        q("lösen bytas", "pw"),
    ];
    let options = EvalOptions {
        seed: 1,
        typed_share: false,
    };
    let all_out = SplitOptions {
        seed: 3,
        holdout: 1.0,
    };
    let report = feedback_split::run_on_index(&index, &queries, &all_out, &options).unwrap();
    assert_eq!(report.feedback_queries, 0);
    assert_eq!(report.untouched_before.queries, 4);
    assert_eq!(
        report.untouched_before.recall_at_5,
        report.untouched_after.recall_at_5
    );
}

#[test]
fn a_guide_is_found_by_the_better_of_its_own_text_and_its_learned_passage() {
    let taught = index();
    taught
        .import_feedback(&[Feedback::helped("glömt det skruttiga lösenordet", "pw")])
        .unwrap();
    taught.commit().unwrap();
    // "skruttiga" is only in the learned text, "lösenordet" in both: each is explained where it
    // stands, the learned one with its text.
    let s = taught.suggest("skruttiga lösenordet", &SuggestOptions::limit(3));
    assert_eq!(s[0].id, "pw");
    let kinds = |word: &str| -> Vec<MatchKind> {
        s[0].matched
            .iter()
            .filter(|m| m.query == word)
            .map(|m| m.kind)
            .collect()
    };
    assert_eq!(
        kinds("skruttiga"),
        [MatchKind::Learned],
        "{:?}",
        s[0].matched
    );
    assert_eq!(
        kinds("lösenordet"),
        [MatchKind::Exact],
        "{:?}",
        s[0].matched
    );
    // A text the learned passage does not hold scores the guide's own text alone, as if nothing
    // had been learned: the passage is not added to the guide's own score. (Teaching re-indexed
    // the guide; until a merge drops its old copy BM25 statistics count it, so both indexes
    // are merged first.)
    taught.optimize().unwrap();
    let plain = index();
    plain.optimize().unwrap();
    let own = plain.suggest("intranätet", &SuggestOptions::limit(1));
    let learned = taught.suggest("intranätet", &SuggestOptions::limit(1));
    assert_eq!((own[0].id.as_str(), learned[0].id.as_str()), ("pw", "pw"));
    assert!(
        (own[0].score - learned[0].score).abs() < 1e-4,
        "{} vs {}",
        own[0].score,
        learned[0].score
    );
    assert_eq!(taught.len(), plain.len(), "a passage is no guide");
}

#[test]
fn a_typo_that_only_learned_texts_hold_still_finds_the_guide_word_it_stands_for() {
    // People's feedback holds their typos: "skirvaren" taught to the password guide must not
    // make the word known, which would stop its spelling neighbours ("skrivaren") being looked
    // up, as the last word being typed or as a complete one.
    let texts = ["skirvaren", "skirvaren papper", "skirvaren krånglar"];
    let plain = index();
    for text in texts {
        assert_eq!(top(&plain, text)[0], "print", "{text}, before teaching");
    }
    let taught = index();
    taught
        .import_feedback(&[Feedback::helped("min skirvaren vill inte", "pw")])
        .unwrap();
    taught.commit().unwrap();
    for text in texts {
        let found = taught.suggest(text, &SuggestOptions::limit(3).words_only());
        let print = found.iter().find(|s| s.id == "print");
        let print = print.unwrap_or_else(|| panic!("{text}: {found:?}"));
        assert!(
            print
                .matched
                .iter()
                .any(|m| m.query == "skirvaren" && m.kind == MatchKind::Typo),
            "{text}: {:?}",
            print.matched
        );
    }
    // The learned text still counts for its own guide.
    assert!(top(&taught, "skirvaren").contains(&"pw".to_string()));
}

#[test]
fn a_word_many_of_a_guides_texts_share_outweighs_two_words_one_text_each_holds() {
    // Three passages of the same length; "zorkel" and "fnatt" are each in two of them. Asked
    // "zorkel fnatt", the guide all three of whose texts say "zorkel" (people's consensus) comes
    // before the one whose texts say each word once. With a guide's own saturation (Tantivy's
    // k1 1.2) for passages too, the single mentions would win.
    let guides = vec![
        Guide::new("x", "Skrivaren", "Kontrollera papperet i facket."),
        Guide::new("y", "Lösenord", "Byt lösenordet på intranätet."),
        Guide::new("z", "Distansåtkomst", "Starta klienten och logga in."),
    ];
    let taught: [(&str, [&str; 3]); 3] = [
        ("x", ["zorkel katten", "zorkel hunden", "zorkel musen"]),
        ("y", ["zorkel katten", "fnatt hunden", "sorken musen"]),
        ("z", ["fnatt katten", "sorken hunden", "sorken musen"]),
    ];
    let first = |learned_k1: Option<f32>| {
        let mut index = GuideIndex::in_memory().unwrap();
        if let Some(k1) = learned_k1 {
            index.set_weights(vagvisare::guide::Weights {
                learned_k1: k1,
                ..vagvisare::guide::Weights::default()
            });
        }
        index.upsert(&guides).unwrap();
        index.commit().unwrap();
        let records: Vec<Feedback> = taught
            .iter()
            .flat_map(|(id, texts)| texts.iter().map(|t| Feedback::helped(*t, *id)))
            .collect();
        index.import_feedback(&records).unwrap();
        index.commit().unwrap();
        index.optimize().unwrap();
        top(&index, "zorkel fnatt ")
    };
    assert_eq!(first(None)[0], "x", "{:?}", first(None));
    assert_eq!(first(Some(1.2))[0], "y", "{:?}", first(Some(1.2)));
}
