//! The semantic stage: guides found by meaning when no word is shared, explained as related,
//! within the filters, stored with the index, and any embedder behind one trait, with the
//! static table to fall back on.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use vagvisare::embed::{EmbedError, Embedder, TextKind};
use vagvisare::feedback::Feedback;
use vagvisare::{Filters, Guide, GuideIndex, MatchKind, SuggestOptions};

fn guides() -> Vec<Guide> {
    let mut bins = Guide::new(
        "bins",
        "Soptunnan har inte tömts",
        "Om sopkärlet inte har tömts på hämtningsdagen, gör en felanmälan till kommunen.",
    );
    bins.audiences = vec!["invånare".into()];
    let pw = Guide::new(
        "pw",
        "Byta lösenord",
        "Har du glömt lösenordet till datorn kan du byta det själv på självserviceportalen.",
    );
    let printer = Guide::new(
        "printer",
        "Skrivaren skriver inte ut",
        "Kontrollera att skrivaren har papper och toner och att den är påslagen.",
    );
    vec![bins, pw, printer]
}

fn index() -> GuideIndex {
    let index = GuideIndex::in_memory().unwrap();
    index.upsert(&guides()).unwrap();
    index.commit().unwrap();
    index
}

fn ids(index: &GuideIndex, text: &str, options: &SuggestOptions) -> Vec<String> {
    index.suggest_ids(text, options)
}

/// "avfallet ligger kvar" shares no word (nor stem, part or neighbour) with any guide.
const NO_WORD_IN_COMMON: &str = "avfallet ligger kvar ";

#[test]
fn a_guide_that_shares_no_word_is_found_by_meaning_and_not_by_words_alone() {
    let index = index();
    assert!(index.semantic_weight() > 0.0, "the stage is on by default");
    let words = ids(
        &index,
        NO_WORD_IN_COMMON,
        &SuggestOptions::limit(3).words_only(),
    );
    assert!(words.is_empty(), "{words:?}");
    let found = index.suggest(NO_WORD_IN_COMMON, &SuggestOptions::limit(3));
    assert_eq!(
        found.first().map(|s| s.id.as_str()),
        Some("bins"),
        "{found:?}"
    );
    // Explained as related, naming a word the guide has as written.
    let related: Vec<_> = found[0]
        .matched
        .iter()
        .filter(|m| m.kind == MatchKind::Related)
        .collect();
    assert!(!related.is_empty(), "{:?}", found[0].matched);
    let guide = &guides()[0];
    for m in related {
        let own = format!("{} {}", guide.title, guide.body);
        assert!(own.contains(&m.guide_word), "{m:?}");
    }
}

#[test]
fn text_that_means_nothing_to_the_guides_finds_nothing() {
    let index = index();
    for text in ["maskinen tuggar ", "qqq zzz ", "lis "] {
        assert!(
            ids(&index, text, &SuggestOptions::limit(3)).is_empty(),
            "{text}"
        );
    }
}

#[test]
fn the_weight_is_per_index_and_per_search_and_zero_turns_the_stage_off() {
    let index = index();
    index.set_semantic_weight(0.0).unwrap();
    assert!(ids(&index, NO_WORD_IN_COMMON, &SuggestOptions::limit(3)).is_empty());
    let mut on = SuggestOptions::limit(3);
    on.semantic = Some(0.5);
    assert_eq!(
        ids(&index, NO_WORD_IN_COMMON, &on)
            .first()
            .map(String::as_str),
        Some("bins")
    );
    assert!(index.set_semantic_weight(1.5).is_err());
    assert!(index.set_semantic_weight(f32::NAN).is_err());
    // A per-search weight out of range is taken as the nearest end, never an error.
    on.semantic = Some(7.0);
    assert_eq!(
        ids(&index, NO_WORD_IN_COMMON, &on)
            .first()
            .map(String::as_str),
        Some("bins")
    );
}

/// Three suggestions for a member of staff (an audience the bins guide is not for).
fn staff() -> SuggestOptions {
    let mut staff = SuggestOptions::limit(3);
    staff.filters = Filters {
        categories: vec![],
        audiences: vec!["personal".into()],
    };
    staff
}

#[test]
fn a_guide_found_by_meaning_keeps_to_the_filters_and_goes_with_its_deletion() {
    let index = index();
    let staff = staff();
    assert!(!ids(&index, NO_WORD_IN_COMMON, &staff).contains(&"bins".to_string()));
    index.delete(&["bins"]);
    index.commit().unwrap();
    assert!(
        !ids(&index, NO_WORD_IN_COMMON, &SuggestOptions::limit(3)).contains(&"bins".to_string())
    );
}

#[test]
fn a_text_found_by_meaning_again_finds_the_same_within_each_filter_and_limit() {
    // What the stage found for a text is kept until the next commit: by the filters and the
    // limit too, so one person's filters never answer another's search.
    let index = index();
    let staff = staff();
    for _ in 0..2 {
        let theirs = ids(&index, NO_WORD_IN_COMMON, &staff);
        assert!(!theirs.contains(&"bins".to_string()), "{theirs:?}");
        let everyone = ids(&index, NO_WORD_IN_COMMON, &SuggestOptions::limit(3));
        assert_eq!(everyone.first().map(String::as_str), Some("bins"));
        let one = ids(&index, NO_WORD_IN_COMMON, &SuggestOptions::limit(1));
        assert_eq!(one, ["bins"]);
    }
}

#[test]
fn vectors_are_stored_with_an_index_on_disk() {
    let dir = std::env::temp_dir().join(format!("vv-semantic-disk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let index = GuideIndex::create(&dir).unwrap();
        index.upsert(&guides()).unwrap();
        index.commit().unwrap();
    }
    let index = GuideIndex::open(&dir).unwrap();
    assert_eq!(
        ids(&index, NO_WORD_IN_COMMON, &SuggestOptions::limit(3))
            .first()
            .map(String::as_str),
        Some("bins")
    );
    assert_eq!(index.read_errors(), 0, "{:?}", index.last_read_error());
    drop(index);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_learned_text_is_a_passage_of_its_guide_for_the_semantic_stage_too() {
    let index = index();
    // Taught a text, the printer guide is near what is typed through the learned text's vector.
    let record = Feedback::helped("kopiatorn hackar", "printer");
    index.import_feedback(&[record]).unwrap();
    index.commit().unwrap();
    let found = index.suggest("kopiatorn hackar", &SuggestOptions::limit(3));
    assert_eq!(
        found.first().map(|s| s.id.as_str()),
        Some("printer"),
        "{found:?}"
    );
}

/// A toy encoder: one dimension per topic, a text's value the number of its topic words.
struct Topics {
    calls: AtomicUsize,
    broken: AtomicBool,
}

impl Topics {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            calls: AtomicUsize::new(0),
            broken: AtomicBool::new(false),
        })
    }
}

impl Embedder for Topics {
    fn name(&self) -> &str {
        "topics-v1"
    }

    fn dim(&self) -> usize {
        3
    }

    fn embed(&self, texts: &[&str], _kind: TextKind) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if self.broken.load(Ordering::Relaxed) {
            return Err(EmbedError::Failed {
                name: "topics-v1".into(),
                message: "down".into(),
            });
        }
        let count = |t: &str, words: &[&str]| {
            let t = t.to_lowercase();
            words.iter().filter(|w| t.contains(*w)).count() as f32
        };
        Ok(texts
            .iter()
            .map(|t| {
                vec![
                    count(t, &["sop", "tunn", "tömt", "zork"]),
                    count(t, &["lösen", "logga", "blorp"]),
                    0.05,
                ]
            })
            .collect())
    }
}

/// The test index with the toy encoder plugged in, its guides' vectors committed.
fn index_with_topics() -> (GuideIndex, Arc<Topics>) {
    let index = index();
    let topics = Topics::new();
    index.set_embedder(Some(topics.clone())).unwrap();
    index.commit().unwrap();
    (index, topics)
}

#[test]
fn any_embedder_plugs_in_and_the_static_table_answers_when_it_fails() {
    let (index, topics) = index_with_topics();
    assert_eq!(index.embedder_name(), "topics-v1");
    // "zork" means nothing to the static table; only the plugged-in encoder knows it.
    let zork = "zork ";
    assert_eq!(
        ids(&index, zork, &SuggestOptions::limit(3))
            .first()
            .map(String::as_str),
        Some("bins")
    );
    let reembedded = topics.calls.load(Ordering::Relaxed);
    index.set_embedder(Some(topics.clone())).unwrap();
    assert_eq!(
        topics.calls.load(Ordering::Relaxed),
        reembedded,
        "guides that have its vectors are not embedded again"
    );
    // The encoder goes down: searches still answer, from the static vectors, and it is counted.
    topics.broken.store(true, Ordering::Relaxed);
    let before = index.read_errors();
    let found = ids(
        &index,
        "blorp zork avfallet ligger kvar ",
        &SuggestOptions::limit(3),
    );
    assert_eq!(found.first().map(String::as_str), Some("bins"), "{found:?}");
    assert!(index.read_errors() > before);
}

#[test]
fn a_costly_embedder_weighs_the_stage_by_its_own_default_until_a_weight_is_chosen() {
    let index = index();
    let defaults = vagvisare::guide::Weights::default();
    assert_eq!(index.semantic_weight(), defaults.semantic);
    index.set_embedder(Some(Topics::new())).unwrap();
    assert_eq!(index.semantic_weight(), defaults.semantic_encoder);
    assert!(defaults.semantic_encoder > defaults.semantic);
    index.set_embed_while_typing(true);
    assert_eq!(index.semantic_weight(), defaults.semantic_encoder_typing);
    index.set_embed_while_typing(false);
    index.set_embedder(None).unwrap();
    assert_eq!(
        index.semantic_weight(),
        defaults.semantic,
        "back to the table's"
    );
    // A chosen weight holds whatever the embedder.
    index.set_semantic_weight(0.4).unwrap();
    index.set_embedder(Some(Topics::new())).unwrap();
    assert_eq!(index.semantic_weight(), 0.4);
}

#[test]
fn a_costly_embedder_asked_while_typing_sees_the_word_being_typed() {
    let (index, topics) = index_with_topics();
    let options = SuggestOptions::limit(3);
    assert!(!index.embeds_while_typing(), "off by default");
    // Off: the word being typed is not sent; a first half word has no complete word before it.
    let before = topics.calls.load(Ordering::Relaxed);
    let off = ids(&index, "zork", &options);
    assert_eq!(topics.calls.load(Ordering::Relaxed), before);
    assert_ne!(off.first().map(String::as_str), Some("bins"), "{off:?}");
    // On: the encoder gets the whole text, once, and its guide joins as for a finished text.
    index.set_embed_while_typing(true);
    assert!(index.embeds_while_typing());
    let on = ids(&index, "zork", &options);
    assert_eq!(topics.calls.load(Ordering::Relaxed), before + 1);
    assert_eq!(on.first().map(String::as_str), Some("bins"), "{on:?}");
    // The same text again is answered from the cache by text.
    ids(&index, "zork", &options);
    assert_eq!(topics.calls.load(Ordering::Relaxed), before + 1);
}

/// The common direction of the static vectors is left out of a finished text's cosines only
/// (`Weights::semantic_common`): a text whose last word is being typed scores as with none left
/// out, a finished one does not.
#[test]
fn the_common_direction_is_left_out_once_the_text_is_finished() {
    let with_share = |share: f32| {
        let mut index = GuideIndex::in_memory().unwrap();
        index.set_weights(vagvisare::guide::Weights {
            semantic_common: share,
            ..vagvisare::guide::Weights::default()
        });
        index.upsert(&guides()).unwrap();
        index.commit().unwrap();
        index
    };
    let (plain, centred) = (with_share(0.0), with_share(0.7));
    let scores = |index: &GuideIndex, text: &str| -> Vec<(String, f32)> {
        index
            .suggest(text, &SuggestOptions::limit(3))
            .into_iter()
            .map(|s| (s.id, s.score))
            .collect()
    };
    let typing = "glömt lösenordet till datorn och skrivare";
    assert!(!scores(&plain, typing).is_empty());
    assert_eq!(
        scores(&plain, typing),
        scores(&centred, typing),
        "while typing"
    );
    let finished = "glömt lösenordet till datorn och skrivaren ";
    let (a, b) = (scores(&plain, finished), scores(&centred, finished));
    assert_eq!(a.len(), b.len());
    assert!(
        a.iter().zip(&b).any(|(x, y)| x.1 != y.1),
        "finished: the same scores {a:?}"
    );
}
