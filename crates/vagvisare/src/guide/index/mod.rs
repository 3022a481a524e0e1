//! The guide index: Tantivy in RAM or in a directory, with Swedish analysis on both sides.
//!
//! Writes go through one writer behind a lock; every search takes the latest committed
//! searcher, so guides can be added, replaced and removed while other threads search, and are
//! searchable as soon as `commit` returns.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock};

use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

use chrono::Utc;
use std::collections::BTreeSet;

use super::cache::GenerationCache;
use super::error::{IndexError, INDEX_FORMAT_VERSION};
use super::model::{audience_key, category_keys, Guide};
use super::query::{
    expand_with, filter_query, plan, resolve, Alternative, Filters, QueryPlan, Weights,
};
use super::schema::{self, Fields, Form, Source, EVERYONE};
use super::settled::{top_docs_typed, KeptScores};
use super::suggest::{explain, AnalysedGuide, Suggestion};
use super::topk::Scoring;
use crate::feedback::report::{report, Report as FeedbackReport};
use crate::feedback::{
    Feedback, FeedbackError, FeedbackStore, LearnPolicy, LearnedTerm, FEEDBACK_FILE,
};
use crate::text::analyzer::{write_compound_pair_term, write_pair_term, Analyzer, Token};
use crate::text::compound::Lexicon;
use crate::text::stopwords::is_stop_word;
use crate::text::synonyms::Synonyms;
use crate::text::tokenize::{same_sentence, Word};

/// The marker file of an index directory, holding its format version.
const MARKER: &str = "vagvisare-index.json";
/// Memory the writer may use before it flushes a segment.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// Guides of an upsert analysed before they are handed to the writer together.
const ADD_CHUNK: usize = 1024;

/// Options of one suggestion request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestOptions {
    /// Most suggestions returned.
    pub limit: usize,
    /// Category and audience filters.
    pub filters: Filters,
}

impl Default for SuggestOptions {
    fn default() -> Self {
        Self {
            limit: 5,
            filters: Filters::default(),
        }
    }
}

impl SuggestOptions {
    /// Options returning at most `limit` suggestions, unfiltered.
    pub fn limit(limit: usize) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }
}

/// A searchable set of guides.
pub struct GuideIndex {
    pub(crate) fields: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    lexicon: RwLock<Lexicon>,
    synonyms: RwLock<Synonyms>,
    pub(crate) weights: Weights,
    dir: Option<PathBuf>,
    /// Resolved alternatives of query words (by text and whether it is being typed) in the
    /// latest committed state.
    resolved: GenerationCache<(String, bool), Vec<Alternative>>,
    /// Feedback records and learned texts, as changed so far.
    feedback: RwLock<FeedbackStore>,
    /// The same as of the last commit (what a rollback returns to).
    committed_feedback: Mutex<FeedbackStore>,
    /// Analysed candidate guides in the latest committed state.
    analysed: GenerationCache<DocAddress, Option<AnalysedGuide>>,
    /// Scores of the words already typed, and of common words, kept between keystrokes.
    settled: KeptScores,
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

    /// Opens an index directory written by [`GuideIndex::create`].
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
        let writer = index.writer(WRITER_MEMORY)?;
        Ok(Self {
            fields,
            reader,
            writer: Mutex::new(writer),
            lexicon: RwLock::new(Lexicon::new()),
            synonyms: RwLock::new(Synonyms::bundled()),
            weights: Weights::default(),
            dir,
            resolved: GenerationCache::default(),
            feedback: RwLock::new(feedback.clone()),
            committed_feedback: Mutex::new(feedback),
            analysed: GenerationCache::default(),
            settled: KeptScores::default(),
        })
    }

    /// The directory the index lives in, if not in memory.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Replaces the synonyms (the bundled ones are used until then).
    pub fn set_synonyms(&self, synonyms: Synonyms) {
        *self.synonyms.write().unwrap_or_else(|e| e.into_inner()) = synonyms;
        self.resolved.clear();
        self.settled.clear();
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

    /// The ranking weights in use.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// Replaces the ranking weights (for tuning and evaluation).
    pub fn set_weights(&mut self, weights: Weights) {
        self.weights = weights;
        self.resolved.clear();
        self.settled.clear();
    }

    fn writer(&self) -> MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Rebuilds the compound lexicon from the words already indexed (after opening a directory).
    fn rebuild_lexicon(&self) {
        let searcher = self.reader.searcher();
        let mut lexicon = self.lexicon.write().unwrap_or_else(|e| e.into_inner());
        self.for_each_word(&searcher, &Source::ALL, |word, _| lexicon.add(word));
    }

    /// Calls `f` with every word (the terms of the word fields of `sources`) and the number of
    /// guides holding it in one source and segment: once per source and segment that holds it.
    fn for_each_word(&self, searcher: &Searcher, sources: &[Source], mut f: impl FnMut(&str, u64)) {
        for segment in searcher.segment_readers() {
            for &source in sources {
                let field = self.fields.analyzed(source, Form::Word);
                let Ok(index) = segment.inverted_index(field) else {
                    continue;
                };
                let Ok(mut stream) = index.terms().stream() else {
                    continue;
                };
                while stream.advance() {
                    if let Ok(word) = std::str::from_utf8(stream.key()) {
                        f(word, u64::from(stream.value().doc_freq));
                    }
                }
            }
        }
    }

    /// Adds guides, replacing any with the same id. Every guide is checked first: one bad
    /// guide refuses the batch and nothing of it is added. Searchable after [`commit`](Self::commit).
    pub fn upsert(&self, guides: &[Guide]) -> Result<(), IndexError> {
        let mut seen = std::collections::HashSet::new();
        for guide in guides {
            guide.validate().map_err(|message| IndexError::BadGuide {
                id: guide.id.clone(),
                message,
            })?;
            if !seen.insert(guide.id.as_str()) {
                return Err(IndexError::BadGuide {
                    id: guide.id.clone(),
                    message: "appears twice in the batch".into(),
                });
            }
        }
        // Every text is segmented once, here: the lexicon learns the batch's words before any
        // is split (so compounds of words that only this batch introduces are split too), and
        // the analysis below reuses the same words.
        let words: Vec<GuideWords> = guides.iter().map(GuideWords::of).collect();
        {
            let mut lexicon = self.lexicon.write().unwrap_or_else(|e| e.into_inner());
            for word in words.iter().flat_map(GuideWords::iter) {
                lexicon.add(&word.text);
            }
        }
        let learned: Vec<String> = {
            let feedback = self.feedback.read().unwrap_or_else(|e| e.into_inner());
            let now = Utc::now();
            guides
                .iter()
                .map(|g| feedback.learned_text_for(g, now))
                .collect()
        };
        let lexicon = self.lexicon.read().unwrap_or_else(|e| e.into_inner());
        // One analyzer for the batch: each distinct word is analysed once.
        let mut analyzer = Analyzer::new(&lexicon);
        let writer = self.writer();
        // Documents go to the writer a chunk at a time, so Tantivy's indexing threads index one
        // chunk while the next is analysed. Not one by one: a batch of up to a chunk reaches the
        // writer at once, as it always has, so which indexing thread takes which guide, and
        // with it the order of guides whose scores tie, is as it was. Nothing below can refuse
        // a guide: the batch was checked above.
        let mut words = words.into_iter();
        for (chunk, learned) in guides.chunks(ADD_CHUNK).zip(learned.chunks(ADD_CHUNK)) {
            let docs: Vec<TantivyDocument> = chunk
                .iter()
                .zip(words.by_ref())
                .zip(learned)
                .map(|((guide, words), learned)| {
                    self.document(guide, words, learned, &mut analyzer)
                })
                .collect();
            for (guide, doc) in chunk.iter().zip(docs) {
                writer.delete_term(Term::from_field_text(self.fields.id, &guide.id));
                writer.add_document(doc)?;
            }
        }
        Ok(())
    }

    /// Removes guides by id (unknown ids are ignored). Takes effect at [`commit`](Self::commit).
    pub fn delete<S: AsRef<str>>(&self, ids: &[S]) {
        let writer = self.writer();
        let mut feedback = self.feedback.write().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            writer.delete_term(Term::from_field_text(self.fields.id, id.as_ref()));
            feedback.forget(id.as_ref());
        }
    }

    /// Records feedback on suggestions (see [`crate::feedback`]): every record is kept, redacted,
    /// for the report, and "helped" records teach their guide the typed text, searched in the
    /// guide's learned field after [`commit`](Self::commit). The batch is refused, with nothing
    /// recorded, if one record names a guide that is not committed in the index. Returns the
    /// number of guides whose learned text changed.
    pub fn feedback(&self, records: &[Feedback]) -> Result<usize, IndexError> {
        for record in records {
            if let Some(id) = &record.guide {
                if self.get(id).is_none() {
                    return Err(FeedbackError::UnknownGuide { id: id.clone() }.into());
                }
            }
        }
        let changed: BTreeSet<String> = {
            let mut feedback = self.feedback.write().unwrap_or_else(|e| e.into_inner());
            records.iter().filter_map(|r| feedback.record(r)).collect()
        };
        self.reindex(&changed)?;
        Ok(changed.len())
    }

    fn reindex(&self, ids: &BTreeSet<String>) -> Result<(), IndexError> {
        let guides: Vec<Guide> = ids.iter().filter_map(|id| self.get(id)).collect();
        if guides.is_empty() {
            return Ok(());
        }
        self.upsert(&guides)
    }

    /// A guide's learned texts, heaviest first, as an editor reviews them.
    pub fn learned(&self, id: &str) -> Vec<LearnedTerm> {
        self.feedback
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .learned(id, Utc::now())
    }

    /// Removes one learned text of a guide (takes effect at [`commit`](Self::commit)).
    pub fn remove_learned(&self, id: &str, text: &str) -> Result<(), IndexError> {
        self.feedback
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id, text)?;
        self.reindex(&BTreeSet::from([id.to_string()]))
    }

    /// Freezes a guide's learned texts (it keeps them but learns nothing new), or thaws them.
    pub fn freeze_learned(&self, id: &str, frozen: bool) {
        self.feedback
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .freeze(id, frozen);
    }

    /// Replaces the policy that turns feedback into learned texts, and re-indexes every guide
    /// with learned texts under it (takes effect at [`commit`](Self::commit)).
    pub fn set_learn_policy(&self, policy: LearnPolicy) -> Result<(), IndexError> {
        let ids: BTreeSet<String> = {
            let mut feedback = self.feedback.write().unwrap_or_else(|e| e.into_inner());
            feedback.set_policy(policy);
            feedback.guides().map(str::to_string).collect()
        };
        self.reindex(&ids)
    }

    /// Re-indexes every guide with learned texts, so that texts fade as time passes (call it
    /// now and then, e.g. nightly, then [`commit`](Self::commit)).
    pub fn refresh_learned(&self) -> Result<(), IndexError> {
        let ids: BTreeSet<String> = self
            .feedback
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .guides()
            .map(str::to_string)
            .collect();
        self.reindex(&ids)
    }

    /// The figures a portal steers by, from every feedback record (see
    /// [`crate::feedback::report`]).
    pub fn feedback_report(&self, max_gaps: usize) -> FeedbackReport {
        report(
            self.feedback
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .records(),
            max_gaps,
        )
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
        Ok(())
    }

    /// Merges the committed guides into one segment, so that every keystroke looks words up in
    /// one term dictionary instead of one per segment. Worth it after a bulk load
    /// ([`from_jsonl`](Self::from_jsonl) and `vagvisare index` call it); not after every
    /// small change, since it rewrites the whole index.
    pub fn optimize(&self) -> Result<(), IndexError> {
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
        self.warm();
        Ok(())
    }

    /// Prepares the keystrokes that every person types, so that nobody waits for them: the
    /// scores of the words that reach most guides, every two-letter start of a word being typed
    /// and the stop words (being typed and complete), are read now, the most postings first, and
    /// kept as [`suggest`](Self::suggest) keeps the words people type, until they fill half of
    /// that cache. Like every kept score they last until the next commit.
    /// [`optimize`](Self::optimize) calls it; a host that commits often may call it after each
    /// commit, off the request path. Returns the number of words whose scores are now kept.
    pub fn warm(&self) -> usize {
        let searcher = self.reader.searcher();
        let guides = searcher.num_docs();
        // Each candidate text as typed (a word's first two letters; a stop word being typed and
        // complete), with its postings in titles and bodies (a lower bound of its clause's:
        // completions add stems and folded forms).
        let mut texts: rustc_hash::FxHashMap<String, u64> = Default::default();
        let mut stop_words: rustc_hash::FxHashMap<String, u64> = Default::default();
        self.for_each_word(
            &searcher,
            &[Source::Title, Source::Body],
            |word, doc_freq| {
                let start: String = word.chars().take(2).collect();
                if start.chars().count() == 2 {
                    *texts.entry(start).or_default() += doc_freq;
                }
                if is_stop_word(word) {
                    *stop_words.entry(word.to_string()).or_default() += doc_freq;
                }
            },
        );
        // A stop word of two letters is a start as well: it counts once, with its larger count.
        for (word, n) in stop_words {
            let typed = texts.entry(word.clone()).or_default();
            *typed = (*typed).max(n);
            texts.insert(format!("{word} "), n);
        }
        let mut candidates: Vec<(u64, String)> =
            texts.into_iter().map(|(text, n)| (n, text)).collect();
        candidates.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut kept = 0;
        for (postings, text) in candidates {
            if postings * 4 < guides || self.settled.words_half_full(&searcher) {
                break;
            }
            let plan = self.plan(&text, &searcher);
            let scoring = Scoring::of(&plan, &self.fields, &self.weights);
            kept += usize::from(self.settled.keep_common_word(&searcher, &scoring));
        }
        kept
    }

    /// Forgets the cached word expansions, analysed guides and scores of typed words (they are
    /// rebuilt on demand). Only benchmarks need this, to measure a keystroke that nothing before
    /// it prepared.
    pub fn clear_caches(&self) {
        self.resolved.clear();
        self.analysed.clear();
        self.settled.clear();
    }

    /// Drops every change since the last commit.
    pub fn rollback(&self) -> Result<(), IndexError> {
        self.writer().rollback()?;
        *self.feedback.write().unwrap_or_else(|e| e.into_inner()) = self
            .committed_feedback
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        Ok(())
    }

    /// Number of committed guides.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// True when no guide is committed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The Tantivy document of a guide: its stored fields, filter keys, and every analysed
    /// form of its title, body and learned texts. Each analysed term is added as a value of its
    /// own to a field with the `raw` tokenizer, which indexes it as one token, exactly as a
    /// pre-tokenized text would (the same terms, frequencies and field lengths), without the
    /// JSON round trip Tantivy's document makes of a pre-tokenized text.
    fn document(
        &self,
        guide: &Guide,
        words: GuideWords,
        learned: &str,
        analyzer: &mut Analyzer<'_>,
    ) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &guide.id);
        doc.add_text(f.title, &guide.title);
        doc.add_text(f.body, &guide.body);
        doc.add_text(f.category, &guide.category);
        if let Some(url) = &guide.url {
            doc.add_text(f.url, url);
        }
        for k in &guide.keywords {
            doc.add_text(f.keywords, k);
        }
        for a in &guide.audiences {
            doc.add_text(f.audiences, a);
            doc.add_text(f.audience_key, audience_key(a));
        }
        if guide.audiences.is_empty() {
            doc.add_text(f.audience_key, EVERYONE);
        }
        for key in category_keys(&guide.category) {
            doc.add_text(f.category_key, key);
        }
        if !learned.is_empty() {
            doc.add_text(f.learned, learned);
        }
        let learned_words = if learned.is_empty() {
            Vec::new()
        } else {
            crate::text::tokenize::words(learned)
        };
        let sources = [
            (Source::Title, analyzer.analyze_words(words.title)),
            (Source::Body, analyzer.analyze_words(words.body)),
            (Source::Learned, analyzer.analyze_words(learned_words)),
        ];
        // Each analysed field gets one text: its terms, one a line (see `schema::Terms`).
        let mut lines = Lines::default();
        let mut pairs = Lines::default();
        for (source, tokens) in &sources {
            for form in Form::ALL {
                for t in tokens {
                    for text in form_terms(t, form) {
                        lines.push(text);
                    }
                }
                lines.add_to(&mut doc, f.analyzed(*source, form));
            }
            if *source == Source::Learned {
                continue; // learned texts count as words, not as phrases of the guide
            }
            let text = match source {
                Source::Title => words.title_text.as_str(),
                _ => guide.body.as_str(),
            };
            let mut term = String::new();
            for w in tokens.windows(2) {
                if same_sentence(text, &w[0].word, &w[1].word) {
                    write_pair_term(&mut term, w[0].stem(), w[1].stem());
                    pairs.push(&term);
                }
            }
            for t in tokens {
                for heads in t.forms.part_heads.windows(2) {
                    write_compound_pair_term(&mut term, &heads[0], &heads[1]);
                    pairs.push(&term);
                }
            }
        }
        pairs.add_to(&mut doc, f.pair);
        doc
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

    /// The latest committed searcher.
    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Plans a query for the text as typed: analysis, then expansion against this index.
    pub fn plan(&self, text: &str, searcher: &Searcher) -> QueryPlan {
        let mut plan = {
            let lexicon = self.lexicon.read().unwrap_or_else(|e| e.into_inner());
            let synonyms = self.synonyms.read().unwrap_or_else(|e| e.into_inner());
            plan(text, &lexicon, &synonyms, &self.weights)
        };
        let generation = searcher.generation().generation_id();
        expand_with(&mut plan, |qw| {
            let key = (qw.text.clone(), qw.prefix);
            self.resolved.get_or_compute(generation, key, || {
                resolve(qw, searcher, &self.fields, &self.weights)
            })
        });
        plan
    }

    /// Stage 1, candidates: the best `n` guides by the lexical score.
    fn candidates(
        &self,
        searcher: &Searcher,
        plan: &QueryPlan,
        filters: &Filters,
        n: usize,
    ) -> Vec<(f32, DocAddress)> {
        if plan.is_empty() || n == 0 {
            return Vec::new();
        }
        // Room is reserved for the whole limit: never more than there are guides.
        let n = n.min(
            usize::try_from(searcher.num_docs())
                .unwrap_or(usize::MAX)
                .max(1),
        );
        let scoring = Scoring::of(plan, &self.fields, &self.weights);
        let filter = filter_query(&self.fields, filters);
        top_docs_typed(searcher, &scoring, filter.as_deref(), n, &self.settled)
    }

    /// Suggestions for text exactly as typed so far, best first. Never fails: any input gives
    /// suggestions or an empty list (text beyond [`MAX_QUERY_BYTES`](super::query::MAX_QUERY_BYTES)
    /// bytes or [`MAX_QUERY_WORDS`](super::query::MAX_QUERY_WORDS) words is ignored).
    pub fn suggest(&self, text: &str, options: &SuggestOptions) -> Vec<Suggestion> {
        let searcher = self.reader.searcher();
        let plan = self.plan(text, &searcher);
        let candidates = self.candidates(&searcher, &plan, &options.filters, options.limit);
        let generation = searcher.generation().generation_id();
        candidates
            .into_iter()
            .filter_map(|(score, address)| {
                let analysed = self.analysed.get_or_compute(generation, address, || {
                    let doc: TantivyDocument = searcher.doc(address).ok()?;
                    let lexicon = self.lexicon.read().unwrap_or_else(|e| e.into_inner());
                    let mut analyzer = Analyzer::new(&lexicon);
                    let learned = doc
                        .get_first(self.fields.learned)
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string();
                    Some(AnalysedGuide::new(
                        self.guide_of(&doc),
                        learned,
                        &mut analyzer,
                    ))
                });
                Some(explain(analysed.as_ref().as_ref()?, score, &plan))
            })
            .collect()
    }

    /// Only the ids of the best guides (what evaluation and benchmarks need).
    pub fn suggest_ids(&self, text: &str, options: &SuggestOptions) -> Vec<String> {
        let searcher = self.reader.searcher();
        let plan = self.plan(text, &searcher);
        self.candidates(&searcher, &plan, &options.filters, options.limit)
            .into_iter()
            .filter_map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address).ok()?;
                doc.get_first(self.fields.id)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            })
            .collect()
    }
}

/// The terms a token is indexed under in the fields of one form.
fn form_terms(token: &Token, form: Form) -> &[String] {
    match form {
        Form::Word => std::slice::from_ref(&token.word.text),
        Form::Stem => &token.forms.stems,
        Form::Fold => &token.forms.folded,
        Form::Part => &token.forms.parts,
    }
}

/// The text of an analysed field: its terms, one a line ([`schema::Terms`]).
#[derive(Default)]
struct Lines(String);

impl Lines {
    /// The text, ready for the next term.
    fn next_line(&mut self) -> &mut String {
        if !self.0.is_empty() {
            self.0.push(schema::TERM_SEPARATOR);
        }
        &mut self.0
    }

    fn push(&mut self, term: &str) {
        debug_assert!(!term.contains(schema::TERM_SEPARATOR), "{term:?}");
        self.next_line().push_str(term);
    }

    /// Adds the terms so far to `field` of `doc` (nothing if there are none), and starts over.
    fn add_to(&mut self, doc: &mut TantivyDocument, field: tantivy::schema::Field) {
        if !self.0.is_empty() {
            doc.add_text(field, self.0.as_str());
            self.0.clear();
        }
    }
}

/// The words of a guide's indexed texts, segmented once per upsert.
struct GuideWords {
    /// The title followed by the keywords ([`Guide::title_text`]).
    title_text: String,
    /// Its words.
    title: Vec<Word>,
    /// Words of the body.
    body: Vec<Word>,
}

impl GuideWords {
    fn of(guide: &Guide) -> Self {
        let title_text = guide.title_text();
        Self {
            title: crate::text::tokenize::words(&title_text),
            title_text,
            body: crate::text::tokenize::words(&guide.body),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Word> {
        self.title.iter().chain(&self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::postings::Postings;
    use tantivy::schema::{Schema, TextFieldIndexing, TextOptions};
    use tantivy::tokenizer::{PreTokenizedString, Token as TantivyToken};
    use tantivy::{DocSet, SegmentReader, TERMINATED};

    /// Term frequency of `text` in `field` of every document of a segment, by doc id.
    fn term_freqs(segment: &SegmentReader, field: tantivy::schema::Field, text: &str) -> Vec<u32> {
        let inverted = segment.inverted_index(field).expect("inverted index");
        let mut freqs = vec![0; segment.max_doc() as usize];
        let term = Term::from_field_text(field, text);
        if let Some(mut postings) = inverted
            .read_postings(&term, IndexRecordOption::WithFreqs)
            .expect("postings")
        {
            while postings.doc() != TERMINATED {
                freqs[postings.doc() as usize] = postings.term_freq();
                postings.advance();
            }
        }
        freqs
    }

    /// `document` gives each analysed field one text, its terms one a line, tokenized by
    /// `schema::Terms`; the index relies on that indexing exactly like one pre-tokenized text
    /// of those terms.
    #[test]
    fn one_term_a_line_indexes_like_a_pre_tokenized_text() {
        let mut builder = Schema::builder();
        let options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(schema::TERMS_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let field = builder.add_text_field("f", options);
        let index = Index::create_in_ram(builder.build());
        index
            .tokenizers()
            .register(schema::TERMS_TOKENIZER, schema::Terms::default());
        let terms = ["lösenord", "byt", "lösenord", "logg ut", "lösenord+byt"];
        let mut pre_tokenized = TantivyDocument::default();
        pre_tokenized.add_pre_tokenized_text(
            field,
            PreTokenizedString {
                text: String::new(),
                tokens: terms
                    .iter()
                    .enumerate()
                    .map(|(position, text)| TantivyToken {
                        offset_from: 0,
                        offset_to: 0,
                        position,
                        text: text.to_string(),
                        position_length: 1,
                    })
                    .collect(),
            },
        );
        let mut lines = Lines::default();
        for text in terms {
            lines.push(text);
        }
        let mut one_text = TantivyDocument::default();
        lines.add_to(&mut one_text, field);
        // Split over two values, with an empty line, as well.
        let mut two_texts = TantivyDocument::default();
        two_texts.add_text(field, "lösenord\nbyt\n\nlösenord");
        two_texts.add_text(field, "logg ut\nlösenord+byt");
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.add_document(pre_tokenized).unwrap();
        writer.add_document(one_text).unwrap();
        writer.add_document(two_texts).unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let segment = &searcher.segment_readers()[0];
        for (text, expected) in [
            ("lösenord", 2),
            ("byt", 1),
            ("logg ut", 1),
            ("lösenord+byt", 1),
        ] {
            assert_eq!(term_freqs(segment, field, text), [expected; 3], "{text}");
        }
        let norms = segment.get_fieldnorms_reader(field).unwrap();
        for doc in 0..3 {
            assert_eq!(norms.fieldnorm(doc), 5);
        }
        let inverted = segment.inverted_index(field).unwrap();
        assert_eq!(inverted.total_num_tokens(), 15);
        assert_eq!(inverted.terms().num_terms(), 4);
    }

    #[test]
    fn optimize_prepares_the_common_words_within_half_their_budget() {
        let index = GuideIndex::in_memory().unwrap();
        index.upsert(&crate::bundled::guides()).unwrap();
        index.commit().unwrap();
        assert_eq!(index.settled.words(), 0);
        index.optimize().unwrap();
        let prepared = index.settled.words();
        assert!(prepared > 10, "{prepared} words prepared");
        // A prepared word ("för", being typed and complete) finds what it finds unprepared.
        let options = SuggestOptions::limit(5);
        let texts = ["fö", "för", "för ", "an", "de"];
        let warm: Vec<Vec<String>> = texts
            .iter()
            .map(|t| index.suggest_ids(t, &options))
            .collect();
        assert_eq!(
            index.settled.words(),
            prepared,
            "typing them read nothing new"
        );
        index.clear_caches();
        let cold: Vec<Vec<String>> = texts
            .iter()
            .map(|t| index.suggest_ids(t, &options))
            .collect();
        assert_eq!(warm, cold);
        assert_eq!(
            index.warm(),
            prepared,
            "warming again prepares the same words"
        );
    }

    #[test]
    fn a_guide_is_indexed_with_frequencies_and_norms_per_source_and_form() {
        let index = GuideIndex::in_memory().unwrap();
        index
            .upsert(&[Guide::new(
                "pw",
                "Byta lösenord",
                "Lösenordet glömt? Byt lösenordet.",
            )])
            .unwrap();
        index.commit().unwrap();
        let searcher = index.searcher();
        let segment = &searcher.segment_readers()[0];
        let f = &index.fields;
        let body_word = f.analyzed(Source::Body, Form::Word);
        assert_eq!(term_freqs(segment, body_word, "lösenordet"), [2]);
        assert_eq!(term_freqs(segment, body_word, "glömt"), [1]);
        let norms = segment.get_fieldnorms_reader(body_word).unwrap();
        assert_eq!(norms.fieldnorm(0), 4);
        // Every form in its own field per source: stems and folded stems of the body's words,
        // and the title's word under its own source.
        let body = |form| f.analyzed(Source::Body, form);
        assert_eq!(term_freqs(segment, body(Form::Stem), "lösenord"), [2]);
        assert_eq!(term_freqs(segment, body(Form::Fold), "losenord"), [2]);
        assert_eq!(term_freqs(segment, body(Form::Stem), "glömm"), [1]);
        let title_word = f.analyzed(Source::Title, Form::Word);
        assert_eq!(term_freqs(segment, title_word, "lösenord"), [1]);
        assert_eq!(term_freqs(segment, body_word, "lösenord"), [0]);
        // Adjacent stems of one sentence of the body; nothing across a sentence's end ("glömt?
        // Byt") or across title and body.
        let pair = |a: &str, b: &str| {
            let (a, b) = (crate::text::stem::stem(a), crate::text::stem::stem(b));
            term_freqs(segment, f.pair, &crate::text::analyzer::pair_term(&a, &b))
        };
        assert_eq!(pair("lösenordet", "glömt"), [1]);
        assert_eq!(pair("byt", "lösenordet"), [1]);
        assert_eq!(pair("glömt", "byt"), [0]);
        assert_eq!(term_freqs(segment, f.pair, "lösenord lösenord"), [0]);
    }
}
