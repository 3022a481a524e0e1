//! The guide index: Tantivy in RAM or in a directory, with Swedish analysis on both sides.
//!
//! Writes go through one writer behind a lock; every search takes the latest committed
//! searcher, so guides can be added, replaced and removed while other threads search, and are
//! searchable as soon as `commit` returns.

mod learned;
mod vectors;
mod warm;
mod write;

pub(crate) use vectors::{complete_words, SemanticQuery};

pub(crate) use write::LEARNED_SEPARATOR;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};

use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

use super::cache::{CacheBudget, GenerationCache};
use super::error::{IndexError, INDEX_FORMAT_VERSION};
use super::explain::AnalysedGuide;
use super::model::Guide;
use super::plan::{Alternative, Weights};
use super::schema::{self, Fields};
use super::search::KeptScores;
use crate::feedback::{FeedbackStore, FEEDBACK_FILE};
use crate::text::analyzer::FormsMemo;
use crate::text::compound::Lexicon;
use crate::text::synonyms::Synonyms;

/// The marker file of an index directory, holding its format version.
const MARKER: &str = "vagvisare-index.json";
/// Memory the writer may use before it flushes a segment (taken as the guides come, not at
/// once). Enough for a bulk load of 100 000 guides to make one segment, which then needs no
/// merge: `optimize` spent 0.6 of a 5.5 s load merging the three segments of a 64 MiB writer
/// (docs/benchmarks.md, "One segment for a bulk load").
const WRITER_MEMORY: usize = 256 * 1024 * 1024;

/// What decides the guides that join a text's lexical candidates by meaning: the text and the
/// compound lexicon's version it was analysed with (and so its lexical candidates, which are
/// passed over), the limit (their depth), the filters, and the embedder whose vectors were
/// compared (a costly one's, or the static table's when it did not answer), and whether its
/// vector was of the whole text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct NearestKey {
    pub(crate) text: String,
    pub(crate) lexicon: u64,
    pub(crate) limit: usize,
    pub(crate) filters: crate::guide::search::Filters,
    pub(crate) embedder: u32,
    pub(crate) whole_text: bool,
}

/// Tantivy's indexing threads: one on a machine of two cores or fewer, else two. The thread
/// that calls `upsert` analyses the guides while Tantivy indexes them, so on two cores one
/// indexing thread keeps both busy, and all of [`WRITER_MEMORY`] goes to it: each indexing
/// thread writes segments of its own, to be merged (a 100 000-guide load from Python with two
/// threads sharing 256 MiB: 15 000–15 800 guides/s, against 18 500–19 500 with one).
fn writer_threads() -> usize {
    match std::thread::available_parallelism().map(usize::from) {
        Ok(cores) if cores > 2 => 2,
        _ => 1,
    }
}

/// Failures to read the index while searching. A search never fails (what it cannot read counts
/// as absent, as a term no guide holds), so each failure is counted here, with the latest one's
/// message, for the host to see ([`GuideIndex::read_errors`]). Messages name files and Tantivy's
/// cause, never the typed text.
#[derive(Debug, Default)]
pub(crate) struct ReadErrors {
    count: AtomicU64,
    last: Mutex<Option<String>>,
}

impl ReadErrors {
    /// Counts a failure and keeps its message.
    pub(crate) fn note(&self, error: &dyn std::fmt::Display) {
        self.count.fetch_add(1, Ordering::Relaxed);
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(error.to_string());
    }

    /// The value of `result`, or `fallback` with the error noted.
    pub(crate) fn or<T, E: std::fmt::Display>(&self, result: Result<T, E>, fallback: T) -> T {
        result.unwrap_or_else(|e| {
            self.note(&e);
            fallback
        })
    }
}

/// A searchable set of guides.
pub struct GuideIndex {
    pub(crate) fields: Fields,
    pub(super) reader: IndexReader,
    writer: Mutex<IndexWriter>,
    /// The [group keys](schema::group_key) of the guides upserted since the last commit (or
    /// rollback): with the committed guides, every id an upsert may replace. An upsert of any
    /// other id has nothing to delete, and asks the writer for no delete (see `upsert`).
    uncommitted: Mutex<rustc_hash::FxHashSet<u64>>,
    pub(super) lexicon: RwLock<Lexicon>,
    /// Forms of words analysed against the current lexicon, shared by the plans of keystrokes
    /// and the explanations of shown guides.
    pub(super) forms: FormsMemo,
    pub(super) synonyms: RwLock<Synonyms>,
    /// Whether typed words also find their synonyms in the bundled thesaurus
    /// ([`set_thesaurus`](Self::set_thesaurus)).
    thesaurus: std::sync::atomic::AtomicBool,
    pub(crate) weights: Weights,
    dir: Option<PathBuf>,
    /// Resolved alternatives of query words (by text and whether it is being typed) in the
    /// latest committed state, and whether resolving took a spelling search.
    pub(super) resolved: GenerationCache<(String, bool), (Vec<Alternative>, bool)>,
    /// Feedback records and learned texts, as changed so far.
    feedback: RwLock<FeedbackStore>,
    /// The same as of the last commit (what a rollback returns to).
    committed_feedback: Mutex<FeedbackStore>,
    /// Analysed candidate guides in the latest committed state, by address and whether only
    /// their words were read (a guide found by meaning alone; see `AnalysedGuide::words_only`).
    pub(super) analysed: GenerationCache<(DocAddress, bool), Option<AnalysedGuide>>,
    /// Scores of the words already typed, and of common words, kept between keystrokes.
    pub(super) kept: KeptScores,
    /// Failures to read the index while searching (and of an embedder).
    pub(super) read_errors: ReadErrors,
    /// The embedders of the semantic stage.
    embedders: RwLock<vectors::Embedders>,
    /// Stored vectors of the latest committed state, by embedder key.
    vector_sets: GenerationCache<u32, crate::guide::search::semantic::VectorSet>,
    /// Nearest-neighbour graphs of the stored vectors, for indexes beyond the exact scan.
    pub(super) graphs: crate::guide::search::ann::Graphs,
    /// The guide word (as written) nearest a typed word, and their cosine, by the document
    /// and text of the guide's nearest vector and the typed word (explaining related matches).
    pub(super) related: GenerationCache<(DocAddress, u16, String), Option<(String, f32)>>,
    /// The guides nearest a typed text that joined its lexical candidates, as found in the latest
    /// committed state (the text's own search is what decides them).
    pub(crate) nearest: GenerationCache<NearestKey, Vec<(f32, usize)>>,
    /// Query vectors of a costly embedder, by text.
    query_vectors: Mutex<vectors::QueryVectors>,
    /// Semantic weight of searches that do not choose one, once the host chose it (until then,
    /// the weights' default for the embedder in use).
    semantic_weight: RwLock<Option<f32>>,
    /// A costly embedder is asked on every keystroke, the word being typed included (see
    /// [`GuideIndex::set_embed_while_typing`]).
    embed_while_typing: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for GuideIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuideIndex")
            .field("dir", &self.dir)
            .field("guides", &self.len())
            .finish()
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> IndexError + '_ {
    move |source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl GuideIndex {
    /// An empty index in memory, with the bundled synonyms.
    pub fn in_memory() -> Result<Self, IndexError> {
        let (schema, fields) = schema::build();
        Self::from_index(Index::create_in_ram(schema), fields, None)
    }

    /// Creates an empty index in a directory (created if missing; it must not hold an index).
    pub fn create(dir: impl AsRef<Path>) -> Result<Self, IndexError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        if dir.join(MARKER).exists() || dir.join("meta.json").exists() {
            return Err(IndexError::AlreadyExists {
                path: dir.to_path_buf(),
            });
        }
        let (schema, fields) = schema::build();
        let directory = MmapDirectory::open(dir).map_err(|e| IndexError::Storage(e.into()))?;
        let index = Index::create(directory, schema, Default::default())?;
        let marker = serde_json::json!({ "format": "vagvisare-guide-index", "version": INDEX_FORMAT_VERSION });
        std::fs::write(dir.join(MARKER), marker.to_string()).map_err(io_error(dir))?;
        Self::from_index(index, fields, Some(dir.to_path_buf()))
    }

    /// Opens an index directory written by [`GuideIndex::create`], and prepares the keystrokes
    /// every person types ([`warm`](Self::warm)).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, IndexError> {
        let dir = dir.as_ref();
        let marker_path = dir.join(MARKER);
        let marker = match std::fs::read_to_string(&marker_path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(IndexError::NotAnIndex {
                    path: dir.to_path_buf(),
                })
            }
            Err(e) => return Err(io_error(dir)(e)),
        };
        let version = serde_json::from_str::<serde_json::Value>(&marker)
            .ok()
            .and_then(|v| v.get("version").and_then(|v| v.as_u64()));
        if version != Some(u64::from(INDEX_FORMAT_VERSION)) {
            let found = version.map_or_else(|| "unreadable".to_string(), |v| v.to_string());
            return Err(IndexError::Incompatible {
                path: dir.to_path_buf(),
                found,
                expected: INDEX_FORMAT_VERSION,
            });
        }
        let index = Index::open_in_dir(dir).map_err(|e| IndexError::Incompatible {
            path: dir.to_path_buf(),
            found: format!("unreadable by this version ({e})"),
            expected: INDEX_FORMAT_VERSION,
        })?;
        let (expected_schema, fields) = schema::build();
        if index.schema() != expected_schema {
            return Err(IndexError::Incompatible {
                path: dir.to_path_buf(),
                found: "a different schema".into(),
                expected: INDEX_FORMAT_VERSION,
            });
        }
        let this = Self::from_index(index, fields, Some(dir.to_path_buf()))?;
        this.rebuild_lexicon();
        // What `optimize` prepared for the index in memory is prepared here too, so a restarted
        // portal answers its first keystrokes as fast as it did before the restart.
        this.warm();
        Ok(this)
    }

    /// Opens the index in `dir`, or creates it when the directory holds none.
    pub fn open_or_create(dir: impl AsRef<Path>) -> Result<Self, IndexError> {
        let dir = dir.as_ref();
        if dir.join(MARKER).exists() {
            Self::open(dir)
        } else {
            Self::create(dir)
        }
    }

    /// An in-memory index of the guides in a JSON Lines file (or a directory of them), committed.
    pub fn from_jsonl(path: impl AsRef<Path>) -> Result<Self, IndexError> {
        let guides = super::model::read_guides(path.as_ref())?;
        let index = Self::in_memory()?;
        index.upsert(&guides)?;
        index.commit()?;
        index.optimize()?;
        Ok(index)
    }

    fn from_index(index: Index, fields: Fields, dir: Option<PathBuf>) -> Result<Self, IndexError> {
        let feedback = match &dir {
            Some(dir) => FeedbackStore::load(&dir.join(FEEDBACK_FILE))?,
            None => FeedbackStore::new(),
        };
        index
            .tokenizers()
            .register(schema::TERMS_TOKENIZER, schema::Terms::default());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer_with_num_threads(writer_threads(), WRITER_MEMORY)?;
        Ok(Self {
            fields,
            reader,
            writer: Mutex::new(writer),
            uncommitted: Mutex::default(),
            lexicon: RwLock::new(Lexicon::new()),
            forms: FormsMemo::default(),
            synonyms: RwLock::new(Synonyms::bundled()),
            thesaurus: std::sync::atomic::AtomicBool::new(true),
            weights: Weights::default(),
            graphs: crate::guide::search::ann::Graphs::stored_in(dir.clone()),
            dir,
            resolved: GenerationCache::with_capacity(CacheBudget::default().expanded_words),
            feedback: RwLock::new(feedback.clone()),
            committed_feedback: Mutex::new(feedback),
            analysed: GenerationCache::with_capacity(CacheBudget::default().analysed_guides),
            kept: KeptScores::with_budget(CacheBudget::default().kept_scores / 2),
            read_errors: ReadErrors::default(),
            embedders: RwLock::default(),
            vector_sets: GenerationCache::with_capacity(4),
            query_vectors: Mutex::default(),
            related: GenerationCache::default(),
            nearest: GenerationCache::with_capacity(CacheBudget::default().searched_texts),
            semantic_weight: RwLock::new(None),
            embed_while_typing: Default::default(),
        })
    }

    /// The directory the index lives in, if not in memory.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Replaces the synonyms (the bundled ones are used until then).
    pub fn set_synonyms(&self, synonyms: Synonyms) {
        *self.synonyms.write().unwrap_or_else(|e| e.into_inner()) = synonyms;
        self.forget_plans();
    }

    /// Forgets what was searched for typed words (their expansions, kept scores and nearest
    /// guides): after a change of what a word expands to.
    fn forget_plans(&self) {
        self.resolved.clear();
        self.kept.clear();
        self.nearest.clear();
    }

    /// Whether a typed word also finds its synonyms in the bundled Swedish thesaurus
    /// ([`Thesaurus::bundled`](crate::text::thesaurus::Thesaurus::bundled), weighed by
    /// [`Weights::thesaurus`]): on by default, besides the portal's own synonyms. Off, only
    /// those count.
    pub fn set_thesaurus(&self, on: bool) {
        self.thesaurus
            .store(on, std::sync::atomic::Ordering::Relaxed);
        self.forget_plans();
    }

    /// See [`set_thesaurus`](Self::set_thesaurus).
    pub fn uses_thesaurus(&self) -> bool {
        self.thesaurus.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Extends the compound lexicon with a word list (one word a line); applies to guides
    /// indexed from now on and to every query.
    pub fn add_word_list(&self, list: &str) {
        self.lexicon
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .add_word_list(list);
        self.clear_caches();
    }

    /// Gives the caches of searching this budget (the defaults of [`CacheBudget`] until then).
    /// They start empty: call [`warm`](Self::warm) after, off the request path, to prepare the
    /// common words again.
    pub fn set_cache_budget(&mut self, budget: CacheBudget) {
        self.kept = KeptScores::with_budget(budget.kept_scores / 2);
        self.analysed = GenerationCache::with_capacity(budget.analysed_guides);
        self.resolved = GenerationCache::with_capacity(budget.expanded_words);
        self.nearest = GenerationCache::with_capacity(budget.searched_texts);
    }

    /// The ranking weights in use.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// Replaces the ranking weights (for tuning and evaluation); the semantic weight of searches
    /// becomes theirs.
    pub fn set_weights(&mut self, weights: Weights) {
        *self
            .semantic_weight
            .write()
            .unwrap_or_else(|e| e.into_inner()) = None;
        self.weights = weights;
        self.forget_plans();
    }

    /// The semantic weight of searches that do not choose one ([`SuggestOptions::semantic`](
    /// crate::guide::SuggestOptions::semantic)): 0 turns the semantic stage off for this index.
    /// Until [`set_semantic_weight`](Self::set_semantic_weight) chooses one, it is the
    /// [weights'](Weights::semantic) for the static table, and
    /// [`Weights::semantic_encoder`] while a costly embedder (a sentence encoder) is chosen
    /// ([`Weights::semantic_encoder_typing`] while it is asked on every keystroke).
    pub fn semantic_weight(&self) -> f32 {
        let chosen = *self
            .semantic_weight
            .read()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(weight) = chosen {
            return weight;
        }
        if self.has_costly_embedder() && self.embeds_while_typing() {
            self.weights.semantic_encoder_typing
        } else if self.has_costly_embedder() {
            self.weights.semantic_encoder
        } else {
            self.weights.semantic
        }
    }

    /// Sets [`semantic_weight`](Self::semantic_weight); refused unless within 0–1.
    pub fn set_semantic_weight(&self, weight: f32) -> Result<(), IndexError> {
        if !(0.0..=1.0).contains(&weight) {
            return Err(IndexError::BadSetting(format!(
                "the semantic weight must be within 0 and 1, not {weight}"
            )));
        }
        *self
            .semantic_weight
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(weight);
        Ok(())
    }

    /// Whether a costly embedder (a sentence encoder the host chose) is asked on every
    /// keystroke. Off (the default), it is asked only when a word is complete: while a word is
    /// being typed, the vector of the text before it serves, weighed by the share of the text
    /// in complete words, and no guide joins by meaning alone; a model run per word. On, it
    /// gets the whole text as typed, the half word included, and its vector counts as much as
    /// a finished text's: a model run per keystroke, for the figures of a finished text while
    /// typing (docs/semantic.md, "Measured with multilingual-e5-small plugged in"). A cheap
    /// embedder (the static table) gets the whole text in any case.
    pub fn set_embed_while_typing(&self, on: bool) {
        self.embed_while_typing
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// See [`set_embed_while_typing`](Self::set_embed_while_typing).
    pub fn embeds_while_typing(&self) -> bool {
        self.embed_while_typing
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn writer(&self) -> MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The guides upserted since the last commit; taken while the writer is held.
    fn uncommitted(&self) -> MutexGuard<'_, rustc_hash::FxHashSet<u64>> {
        self.uncommitted.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes every change so far durable (for a directory) and searchable.
    pub fn commit(&self) -> Result<(), IndexError> {
        let mut writer = self.writer();
        let feedback = self
            .feedback
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(dir) = &self.dir {
            feedback.save(&dir.join(FEEDBACK_FILE))?;
        }
        writer.commit()?;
        *self
            .committed_feedback
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = feedback;
        self.reader.reload()?;
        // The searcher holds them now.
        self.uncommitted().clear();
        Ok(())
    }

    /// Merges the committed guides into one segment, so that every keystroke looks words up in
    /// one term dictionary instead of one per segment. Worth it after a bulk load
    /// ([`from_jsonl`](Self::from_jsonl) and `vagvisare index` call it); not after every
    /// small change, since it rewrites the whole index.
    pub fn optimize(&self) -> Result<(), IndexError> {
        self.merge()?;
        self.warm();
        Ok(())
    }

    /// [`optimize`](Self::optimize) without its [`warm`](Self::warm): the committed guides merged
    /// into one segment and made searchable. For a host that returns the merge's freed memory
    /// to the system before warming (the Python module does), so that the two do not add up.
    pub fn merge(&self) -> Result<(), IndexError> {
        let mut writer = self.writer();
        // Tantivy's own merge policy may be merging some of the same segments in the background;
        // its merge then wins and ours is refused, so look at the segments again and retry.
        let mut attempts = 0;
        loop {
            let ids = writer.index().searchable_segment_ids()?;
            if ids.len() <= 1 {
                break;
            }
            match writer.merge(&ids).wait() {
                Ok(_) => break,
                Err(_) if attempts < 50 => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => return Err(e.into()),
            }
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Forgets the cached word expansions, word forms, analysed guides and scores of typed words
    /// (they are rebuilt on demand). Only benchmarks need this, to measure a keystroke that
    /// nothing before it prepared.
    pub fn clear_caches(&self) {
        self.resolved.clear();
        self.forms.clear();
        self.related.clear();
        self.analysed.clear();
        self.kept.clear();
        self.nearest.clear();
    }

    /// Drops every change since the last commit.
    pub fn rollback(&self) -> Result<(), IndexError> {
        let mut writer = self.writer();
        writer.rollback()?;
        self.uncommitted().clear();
        drop(writer);
        *self.feedback.write().unwrap_or_else(|e| e.into_inner()) = self
            .committed_feedback
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        Ok(())
    }

    /// Number of committed guides (their learned passages are documents too, not counted).
    pub fn len(&self) -> u64 {
        let searcher = self.reader.searcher();
        let passages = TermQuery::new(
            Term::from_field_text(self.fields.passage, schema::PASSAGE),
            IndexRecordOption::Basic,
        );
        let passages = searcher
            .search(&passages, &tantivy::collector::Count)
            .map_err(|e| self.read_errors.note(&e))
            .unwrap_or(0);
        searcher.num_docs().saturating_sub(passages as u64)
    }

    /// True when no guide is committed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The committed guide with this id.
    pub fn get(&self, id: &str) -> Option<Guide> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&query, &TopDocs::with_limit(1).order_by_score())
            .ok()?;
        let (_, address) = top.first()?;
        let doc: TantivyDocument = searcher.doc(*address).ok()?;
        Some(self.guide_of(&doc))
    }

    pub(crate) fn guide_of(&self, doc: &TantivyDocument) -> Guide {
        let f = &self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let all = |field| {
            doc.get_all(field)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        Guide {
            id: text(f.id),
            title: text(f.title),
            body: text(f.body),
            category: text(f.category),
            audiences: all(f.audiences),
            keywords: all(f.keywords),
            url: doc
                .get_first(f.url)
                .and_then(|v| v.as_str())
                .map(str::to_string),
        }
    }

    /// Number of times a search could not read part of the index since it was opened (a term's
    /// document frequency, a term dictionary, a stored guide). A search never fails: what it
    /// cannot read counts as absent, so such a failure shows as fewer or no suggestions. A host
    /// watches this count (and [`last_read_error`](Self::last_read_error)) to log them.
    pub fn read_errors(&self) -> u64 {
        self.read_errors.count.load(Ordering::Relaxed)
    }

    /// The message of the latest failure counted by [`read_errors`](Self::read_errors).
    pub fn last_read_error(&self) -> Option<String> {
        self.read_errors
            .last
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The latest committed searcher.
    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guide::SuggestOptions;

    #[test]
    fn a_read_error_is_counted_with_its_message_and_the_fallback_used() {
        let index = GuideIndex::in_memory().unwrap();
        assert_eq!(index.read_errors(), 0);
        assert_eq!(index.last_read_error(), None);
        let failed: Result<u64, std::io::Error> = Err(std::io::Error::other("disk gone"));
        assert_eq!(index.read_errors.or(failed, 7), 7);
        assert_eq!(index.read_errors.or(Ok::<u64, std::io::Error>(3), 7), 3);
        assert_eq!(index.read_errors(), 1);
        assert_eq!(index.last_read_error().as_deref(), Some("disk gone"));
    }

    #[test]
    fn searching_a_sound_index_counts_no_read_error() {
        let index = crate::bundled::index().unwrap();
        let found = index.suggest("glömt lösenordet", &SuggestOptions::limit(5));
        assert!(!found.is_empty());
        assert_eq!(index.read_errors(), 0, "{:?}", index.last_read_error());
    }
}
