//! The embedders of an index and the vectors it stores (see the semantic stage,
//! `search/semantic.rs`): every guide text and learned text has a vector of the shipped static
//! table (the *base*, always there, what a search falls back to) and, when the host chose
//! another embedder (a sentence encoder in-process or behind HTTP), one of that embedder too.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use tantivy::collector::DocSetCollector;
use tantivy::query::AllQuery;
use tantivy::schema::Value;
use tantivy::{Searcher, TantivyDocument};

use super::GuideIndex;
use crate::embed::{embedder_key, normalise, Embedder, PassageText, StaticEmbedder, TextKind};
use crate::guide::error::IndexError;
use crate::guide::model::Guide;
use crate::guide::plan::QueryPlan;
use crate::guide::search::semantic::{CosineScale, PlanWords, Query, VectorSet};

/// Query vectors of a costly embedder kept, by text, before the cache starts over.
const QUERY_CACHE: usize = 4096;

/// The embedders of an index.
pub(crate) struct Embedders {
    /// The static table: every document has its vectors.
    pub(crate) base: &'static StaticEmbedder,
    /// The host's embedder, when it chose one.
    pub(crate) primary: Option<Arc<dyn Embedder>>,
}

impl Default for Embedders {
    fn default() -> Self {
        Self {
            base: StaticEmbedder::bundled(),
            primary: None,
        }
    }
}

/// A typed text's vector and the stored vectors it is compared with.
pub(crate) struct SemanticQuery {
    pub(crate) query: Arc<Query>,
    pub(crate) set: Arc<VectorSet>,
    /// The key of the embedder of both.
    pub(crate) key: u32,
    /// A costly embedder's vector of the whole text, the word being typed included (asked
    /// for with [`GuideIndex::set_embed_while_typing`]): it counts as a finished text's.
    pub(crate) whole_text: bool,
    /// How its cosines are scaled in the fusion: the static table's as a share of the best,
    /// a host embedder's over their range ([`CosineScale`]).
    pub(crate) scale: CosineScale,
}

impl GuideIndex {
    /// Chooses the embedder of the semantic stage (`None`: the shipped static table), and
    /// re-embeds every committed guide with it (searchable after [`commit`](Self::commit)),
    /// unless every guide already has its vectors.
    /// Until then, and whenever the embedder fails, searches use the static table's vectors,
    /// which every guide keeps. Fails only when the guides cannot be written again.
    pub fn set_embedder(&self, embedder: Option<Arc<dyn Embedder>>) -> Result<(), IndexError> {
        self.embedders
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .primary = embedder;
        self.query_vectors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        // Guides that already have this embedder's vectors (an index reopened with the
        // embedder it was built with) are not embedded again.
        let current = self
            .embedders
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .primary
            .clone();
        // Every guide has the static table's vectors.
        let Some(embedder) = current else {
            return Ok(());
        };
        let searcher = self.reader.searcher();
        if self.vector_set(&searcher, embedder.as_ref()).missing == 0 {
            return Ok(());
        }
        let guides = self.all_guides();
        if guides.is_empty() {
            return Ok(());
        }
        self.upsert(&guides)
    }

    /// The static table every guide has vectors of (it names the words of a semantic match).
    pub(crate) fn base_embedder(&self) -> &'static StaticEmbedder {
        self.embedders
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .base
    }

    /// True while the host's embedder is a costly one (a sentence encoder): searches then weigh
    /// the semantic stage by [`Weights::semantic_encoder`](crate::guide::Weights) unless a
    /// weight was chosen.
    pub(crate) fn has_costly_embedder(&self) -> bool {
        let e = self.embedders.read().unwrap_or_else(|e| e.into_inner());
        e.primary.as_ref().is_some_and(|p| !p.is_cheap())
    }

    /// The static table and the host's embedder (when it chose one), as they are now.
    fn embedders_now(&self) -> (&'static StaticEmbedder, Option<Arc<dyn Embedder>>) {
        let e = self.embedders.read().unwrap_or_else(|e| e.into_inner());
        (e.base, e.primary.clone())
    }

    /// The name of the embedder searches use (the static table's unless another was chosen).
    pub fn embedder_name(&self) -> String {
        let e = self.embedders.read().unwrap_or_else(|e| e.into_inner());
        match &e.primary {
            Some(p) => p.name().to_string(),
            None => e.base.name().to_string(),
        }
    }

    /// Every committed guide.
    fn all_guides(&self) -> Vec<Guide> {
        let searcher = self.reader.searcher();
        let Ok(addresses) = searcher.search(&AllQuery, &DocSetCollector) else {
            return Vec::new();
        };
        let mut addresses: Vec<_> = addresses.into_iter().collect();
        addresses.sort();
        addresses
            .into_iter()
            .filter_map(|a| searcher.doc::<TantivyDocument>(a).ok())
            .filter(|d| {
                d.get_first(self.fields.id)
                    .and_then(|v| v.as_str())
                    .is_some()
            })
            .map(|d| self.guide_of(&d))
            .collect()
    }

    /// The stored `vectors` value of each document, given each document's texts (each with its
    /// words when the caller has segmented it already): a block of the base table's vectors,
    /// and one of the host's embedder's when it answers (a failure is counted in
    /// [`read_errors`](Self::read_errors) and the documents keep the base vectors).
    pub(super) fn vector_values(&self, docs: &[Vec<PassageText<'_>>]) -> Vec<Vec<u8>> {
        let embedders = self.embedders.read().unwrap_or_else(|e| e.into_inner());
        let segmented: Vec<PassageText<'_>> = docs.iter().flatten().copied().collect();
        let flat: Vec<&str> = segmented.iter().map(|&(text, _)| text).collect();
        let mut values = vec![Vec::new(); docs.len()];
        // The base table takes the words already segmented; the host's embedder, the texts.
        let base = embedders.base;
        let all = std::iter::once((base as &dyn Embedder, Ok(base.embed_passages(&segmented))))
            .chain(
                (embedders.primary.as_deref())
                    .map(|primary| (primary, primary.embed(&flat, TextKind::Passage))),
            );
        for (embedder, vectors) in all {
            let vectors = match vectors {
                Ok(v) if v.len() == flat.len() && v.iter().all(|x| x.len() == embedder.dim()) => v,
                Ok(v) => {
                    self.read_errors.note(&crate::embed::EmbedError::Shape {
                        name: embedder.name().to_string(),
                        expected: flat.len() * embedder.dim(),
                        got: v.iter().map(Vec::len).sum(),
                    });
                    continue;
                }
                Err(e) => {
                    self.read_errors.note(&e);
                    continue;
                }
            };
            let key = embedder_key(embedder);
            let mut vectors = vectors.into_iter();
            for (value, texts) in values.iter_mut().zip(docs) {
                let mut mine: Vec<Vec<f32>> = vectors.by_ref().take(texts.len()).collect();
                mine.iter_mut().for_each(|v| {
                    normalise(v);
                });
                crate::guide::search::semantic::encode(value, key, &mine);
            }
        }
        values
    }

    /// The typed text's vector and the vectors to compare it with: the host's embedder's when
    /// it answers and every guide has its vectors, else the static table's. `None` when the
    /// text has nothing an embedder knows. `whole`: a costly embedder gets the whole text, the
    /// word being typed included (else the text up to its last complete word).
    pub(crate) fn semantic_query(
        &self,
        text: &str,
        plan: &QueryPlan,
        searcher: &Searcher,
        whole: bool,
    ) -> Option<SemanticQuery> {
        let (base, primary) = self.embedders_now();
        let words = PlanWords { plan };
        if let Some(primary) = primary {
            let set = self.vector_set(searcher, primary.as_ref());
            if set.missing == 0 {
                let whole = whole || primary.is_cheap();
                if let Some(v) = self.primary_vector(primary.as_ref(), text, whole) {
                    if let Some(query) = Query::new(&v) {
                        let key = embedder_key(primary.as_ref());
                        let query = Arc::new(query);
                        let whole_text = whole && !primary.is_cheap();
                        return Some(SemanticQuery {
                            query,
                            set,
                            key,
                            whole_text,
                            scale: CosineScale::Range,
                        });
                    }
                }
            }
        }
        let v = base.embed_query(text, Some(&words)).ok()?;
        let query = Arc::new(Query::new(&v)?);
        let set = self.vector_set(searcher, base);
        let key = embedder_key(base);
        Some(SemanticQuery {
            query,
            set,
            key,
            whole_text: false,
            scale: CosineScale::OfBest,
        })
    }

    /// Blocks until the semantic stage's nearest-neighbour graphs of the committed vectors are
    /// built. An index with more vectors than the exact scan compares
    /// ([`Weights::semantic_scan`](crate::guide::Weights), 10 000 by default) builds them on a
    /// background thread once a search, [`warm`](Self::warm) or [`optimize`](Self::optimize)
    /// first meets a commit's vectors (and so after opening); until then its searches add no
    /// guide that only the semantic stage found in that segment. This asks for them itself, so
    /// it may be called right after a commit. For benchmarks, and for a host that wants complete
    /// answers before it serves.
    pub fn wait_for_semantic_graphs(&self) {
        let searcher = self.reader.searcher();
        let (base, primary) = self.embedders_now();
        let base: &dyn Embedder = base;
        let embedders: Vec<&dyn Embedder> =
            std::iter::once(base).chain(primary.as_deref()).collect();
        // One build runs at a time and a request made during another's build is dropped, so
        // ask again after each: one round per embedder, and one for a build already running.
        for _ in 0..=embedders.len() {
            let pending = embedders.iter().any(|embedder| {
                let set = self.vector_set(&searcher, *embedder);
                set.len() > self.weights.semantic_scan
                    && !set
                        .graphs_complete
                        .load(std::sync::atomic::Ordering::Relaxed)
            });
            self.graphs.wait();
            if !pending {
                return;
            }
        }
    }

    /// Builds the stored vectors that searches will compare, and the static table's own lookup
    /// of words without å/ä/ö (see [`warm`](Self::warm)).
    pub(super) fn warm_vectors(&self, searcher: &Searcher) {
        let (base, primary) = self.embedders_now();
        base.prepare();
        self.vector_set_reading(searcher, base, true);
        if let Some(primary) = primary {
            self.vector_set_reading(searcher, primary.as_ref(), true);
        }
    }

    /// The stored vectors of `embedder` in the searcher's state (built once per commit). Beyond
    /// the exact scan's limit, the graphs that find their nearest are built in the background
    /// (see `search/ann.rs`).
    fn vector_set(&self, searcher: &Searcher, embedder: &dyn Embedder) -> Arc<VectorSet> {
        self.vector_set_reading(searcher, embedder, false)
    }

    /// [`vector_set`](Self::vector_set); with `read_kept`, the graphs an index in a directory
    /// kept there are read first, on this thread (at opening: some 0.1 s at 100 000 guides, and
    /// the first keystrokes neither wait for them nor share the machine with their reading).
    fn vector_set_reading(
        &self,
        searcher: &Searcher,
        embedder: &dyn Embedder,
        read_kept: bool,
    ) -> Arc<VectorSet> {
        let key = embedder_key(embedder);
        let generation = searcher.generation().generation_id();
        // The static table's cosines leave out a share of their common direction; a host
        // encoder's stay plain (not measured with one).
        let common = if key == embedder_key(self.base_embedder()) {
            self.weights.semantic_common
        } else {
            0.0
        };
        let set = self.vector_sets.get_or_compute(generation, key, || {
            VectorSet::build(searcher, key, embedder.dim(), &self.read_errors, common)
        });
        if read_kept && set.len() > self.weights.semantic_scan {
            self.graphs.read_kept(key, &set);
        }
        if set.len() > self.weights.semantic_scan
            && !set
                .graphs_complete
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            self.graphs.request(key, &set);
        }
        set
    }

    /// The host embedder's vector of a typed text, cached by text; unless `whole`, while a word
    /// is being typed, the vector of the text before it (a half word means little to an
    /// encoder, and asking it on every keystroke would cost one model run each). `None` when it
    /// fails (counted).
    fn primary_vector(
        &self,
        embedder: &dyn Embedder,
        text: &str,
        whole: bool,
    ) -> Option<Arc<Vec<f32>>> {
        // Spaces at the end say nothing to an encoder: "byta " and then "byta" (the text before
        // the next word being typed) ask it once.
        let text = if whole { text } else { complete_words(text) }.trim_end();
        if text.trim().is_empty() {
            return None;
        }
        let key = (embedder_key(embedder), text.to_string());
        if let Some(v) = self
            .query_vectors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Some(Arc::clone(v));
        }
        let mut v = match embedder.embed_query(text, None) {
            Ok(v) if v.len() == embedder.dim() => v,
            Ok(v) => {
                self.read_errors.note(&crate::embed::EmbedError::Shape {
                    name: embedder.name().to_string(),
                    expected: embedder.dim(),
                    got: v.len(),
                });
                return None;
            }
            Err(e) => {
                self.read_errors.note(&e);
                return None;
            }
        };
        normalise(&mut v);
        let v = Arc::new(v);
        let mut cache = self.query_vectors.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= QUERY_CACHE {
            cache.clear();
        }
        cache.insert(key, Arc::clone(&v));
        Some(v)
    }
}

/// Fewest letters of a word being typed that, found whole in the static table, count as a
/// finished word for the semantic stage's weight (shorter ones, "in", "ka", are mostly the
/// start of a longer word).
const WHOLE_WORD_LETTERS: usize = 3;

impl GuideIndex {
    /// The share of the semantic stage's weight for `text`, of which `settled` is the part up
    /// to its last complete word: all of it for a finished text, else (share of the text in
    /// complete words)², so that a half-typed text leans on its words.
    ///
    /// A word being typed after a complete one that the static table holds whole, of three
    /// letters or more ("dig" in "vem skapade dig"), counts as finished: its row means what it
    /// says. The table holds many common word starts too ("fung", "inlogg"), whose rows carry
    /// the meaning of the words they start. Measured (docs/semantic.md): corona-dev's asked
    /// half, half of whose questions end in a word, gained 0.012 recall@5; no column at 50 %
    /// typed fell, where the guides' own words instead of the table's cost SweFAQ 0.009 of it.
    ///
    /// Not a first word: the stage on a text's first word ("Hej", "Jag", which reach many
    /// guides) doubled the slowest keystrokes of a first pass at 100 000 guides ("Hej!" 5.1–6.7
    /// against 2.7–2.9 ms) and moved no figure. The static table's stage only: a costly
    /// embedder not asked while typing is given the text without the word being typed.
    pub(crate) fn typing_share(&self, text: &str, settled: &str) -> f32 {
        if settled.len() >= text.len() {
            return 1.0;
        }
        let typed = text[settled.len()..].trim();
        if !settled.trim().is_empty() && typed.chars().count() >= WHOLE_WORD_LETTERS {
            let e = self.embedders.read().unwrap_or_else(|e| e.into_inner());
            // A costly embedder not asked while typing gets the text without that word, so it
            // counts as what it is then: half typed.
            let costly = e.primary.as_ref().is_some_and(|p| !p.is_cheap());
            if !costly && e.base.find(&typed.to_lowercase()).is_some() {
                return 1.0;
            }
        }
        let share = settled.chars().count() as f32 / text.chars().count().max(1) as f32;
        share * share
    }
}

/// The text up to its last complete word: all of it when it ends in a space or a sentence's
/// end, else without the word being typed.
pub(crate) fn complete_words(text: &str) -> &str {
    if text.ends_with(|c: char| c.is_whitespace() || matches!(c, '.' | '?' | '!' | ',')) {
        return text;
    }
    match text.rfind(char::is_whitespace) {
        Some(i) => &text[..i],
        None => "",
    }
}

/// Query vectors of costly embedders, by embedder key and text.
pub(crate) type QueryVectors = FxHashMap<(u32, String), Arc<Vec<f32>>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guides_a_text_finds_by_meaning_are_kept_until_the_next_commit() {
        let index = GuideIndex::in_memory().unwrap();
        index.upsert(&crate::bundled::guides()).unwrap();
        index.commit().unwrap();
        let options = crate::guide::SuggestOptions::limit(5);
        let text = "Hej!";
        let first = index.suggest_ids(text, &options);
        let kept = index.nearest.len();
        assert!(kept >= 1, "the stage looked for the nearest guides");
        assert_eq!(index.suggest_ids(text, &options), first);
        assert_eq!(
            index.nearest.len(),
            kept,
            "found again, not looked for again"
        );
        // Another limit is another search (its lexical candidates go deeper).
        index.suggest_ids(text, &crate::guide::SuggestOptions::limit(1));
        assert_eq!(index.nearest.len(), kept + 1);
        // A commit is a new state: looked for anew, with the same answer.
        index
            .upsert(&[crate::Guide::new("ny", "Ny guide", "Om parkering.")])
            .unwrap();
        index.commit().unwrap();
        assert_eq!(index.suggest_ids(text, &options), first);
        assert_eq!(index.nearest.len(), 1);
        index.clear_caches();
        assert!(index.nearest.is_empty());
    }

    #[test]
    fn a_word_being_typed_that_is_already_whole_gives_the_stage_its_whole_weight() {
        let index = GuideIndex::in_memory().unwrap();
        let share = |text: &str| index.typing_share(text, complete_words(text));
        // Finished texts.
        assert!(StaticEmbedder::bundled().find("dig").is_some());
        assert_eq!(share("vem skapade dig "), 1.0);
        assert_eq!(share("vem skapade dig?"), 1.0);
        // A whole word of the table, whatever its case, being typed.
        assert_eq!(share("vem skapade dig"), 1.0);
        assert_eq!(share("Vem skapade Dig"), 1.0);
        // Not a first word: it has nothing complete before it, whole or not.
        assert!(StaticEmbedder::bundled().find("skapade").is_some());
        assert_eq!(share("skapade"), 0.0);
        assert_eq!(share("skapade "), 1.0);
        // A half word: the share of the text in complete words, squared.
        assert!(StaticEmbedder::bundled().find("lösenordsbyt").is_none());
        let half = share("vem kan lösenordsbyt");
        let expected = (7.0f32 / 20.0).powi(2);
        assert!((half - expected).abs() < 1e-6, "{half}");
        assert_eq!(
            share("lösenordsbyt"),
            0.0,
            "a first half word has nothing before it"
        );
        // Too short to tell a word from the start of one, even when the table has it.
        assert!(StaticEmbedder::bundled().find("in").is_some());
        assert!(share("kommer inte in") < 1.0);
    }

    #[test]
    fn only_complete_words_go_to_a_costly_embedder() {
        assert_eq!(complete_words("glömt lösen"), "glömt");
        assert_eq!(complete_words("glömt lösen "), "glömt lösen ");
        assert_eq!(complete_words("glömt?"), "glömt?");
        assert_eq!(complete_words("lösen"), "");
    }
}
