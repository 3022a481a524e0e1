//! Learning from use through the guide index: feedback in, learned matches out, with the guard
//! rails of issue 8.

use vagvisare::eval::feedback_split;
use vagvisare::eval::{EvalOptions, LabelledQuery};
use vagvisare::feedback::{Feedback, FeedbackError};
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
    index.suggest_ids(text, &SuggestOptions::limit(3))
}

#[test]
fn helped_text_becomes_a_learned_match() {
    let index = index();
    assert!(top(&index, "maskinen tuggar arken").is_empty());
    index
        .feedback(&[Feedback::helped("maskinen tuggar arken", "print").by("a")])
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
        .feedback(&[Feedback::helped("jobba hemifrån", "vpn").by("a")])
        .unwrap();
    index.commit().unwrap();
    let mut citizens = SuggestOptions::limit(3);
    citizens.filters.audiences = vec!["invånare".into()];
    assert!(index.suggest_ids("jobba hemifrån", &citizens).is_empty());
    let mut staff = SuggestOptions::limit(3);
    staff.filters.audiences = vec!["personal".into()];
    assert_eq!(index.suggest_ids("jobba hemifrån", &staff), ["vpn"]);
}

#[test]
fn replacing_keeps_and_deleting_forgets_learned_text() {
    let index = index();
    index
        .feedback(&[Feedback::helped("maskinen tuggar", "print").by("a")])
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
        .feedback(&[Feedback::helped("maskinen tuggar", "print").by("a")])
        .unwrap();
    index.freeze_learned("print", true);
    index
        .feedback(&[Feedback::helped("toner slut", "print").by("b")])
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
            .feedback(&[Feedback::helped("maskinen tuggar", "print").by("a")])
            .unwrap();
        index.commit().unwrap();
        index
            .feedback(&[Feedback::helped("toner slut", "print").by("b")])
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
