//! `GuideIndex`, `Suggestion` and evaluation: the guide half of the core, with the GIL released
//! while the core indexes, commits, searches and evaluates.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping, PyString};

use vagvisare::eval::baseline::Baseline;
use vagvisare::eval::{self, Engine, EvalOptions, LabelledQuery, Report};
use vagvisare::guide::read_jsonl_path;
use vagvisare::guide::{CacheBudget, Match, Snippet};
use vagvisare::text::synonyms::Synonyms;
use vagvisare::{Filters, Guide, GuideIndex, IndexError, SuggestOptions, Suggestion};

use crate::convert::{self, repr_str, type_name, typed_text, wrong_type};
use crate::embedder::PyEmbedder;
use crate::errors::{self, py_err, Error};
use crate::feedback;

/// A searchable set of help guides, in memory or in a directory.
///
/// ``GuideIndex()`` is empty and in memory; ``GuideIndex(path)`` opens the index in ``path``, or
/// creates one there. Changes (``upsert``, ``delete``) become searchable at ``commit()``. Any
/// number of threads may call ``suggest`` while another changes and commits: the GIL is released
/// while the index works.
#[pyclass(module = "vagvisare", name = "GuideIndex", frozen)]
pub struct PyGuideIndex {
    pub(crate) inner: GuideIndex,
}

fn index_result<T>(result: Result<T, IndexError>) -> PyResult<T> {
    result.map_err(py_err)
}

/// Text, or a path (`str` or `os.PathLike`): what a path argument accepts.
fn path_of(what: &str, value: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    if value.cast::<PyString>().is_ok() || value.hasattr("__fspath__")? {
        return value.extract::<PathBuf>();
    }
    Err(wrong_type(what, "a str or os.PathLike path", value))
}

fn is_path(value: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(value.cast::<PyString>().is_ok() || value.hasattr("__fspath__")?)
}

/// `mapping[key]`, or `None` when missing (or `None`).
pub(crate) fn field<'py>(
    map: &Bound<'py, PyAny>,
    key: &str,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    Ok(entry(map, &PyString::new(map.py(), key))?.filter(|v| !v.is_none()))
}

/// `mapping[key]` as given (`None` included), or nothing when the mapping lacks the key: a
/// dict's entry, or any other mapping's, whose `KeyError` means the key is left out.
fn entry<'py>(
    map: &Bound<'py, PyAny>,
    key: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    if let Ok(dict) = map.cast::<PyDict>() {
        return dict.get_item(key);
    }
    match map.get_item(key) {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.is_instance_of::<PyKeyError>(map.py()) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A guide from a mapping in the JSON Lines shape (`id`, `title`, `body`, `category`,
/// `audiences`, `keywords`, `url`); other keys are ignored, as in a JSON Lines file.
fn guide_from(item: &Bound<'_, PyAny>, position: usize) -> PyResult<Guide> {
    if item.cast::<PyDict>().is_err() && item.cast::<PyMapping>().is_err() {
        return Err(PyTypeError::new_err(format!(
            "guide #{position} must be a dict in the JSON Lines shape \
             ({{\"id\": ..., \"title\": ..., \"body\": ...}}), not {}",
            type_name(item)
        )));
    }
    // Each key looked up once, as an interned str, and an error's subject written only for an
    // error: a fresh key string for each of 13 lookups, and a subject formatted for every field,
    // were half of converting a guide (100 000 guides: 0.21 → 0.11 s).
    let py = item.py();
    let keys = [
        intern!(py, "id"),
        intern!(py, "title"),
        intern!(py, "body"),
        intern!(py, "category"),
        intern!(py, "audiences"),
        intern!(py, "keywords"),
        intern!(py, "url"),
    ];
    let mut values: Vec<(&str, Option<Bound<'_, PyAny>>)> = Vec::with_capacity(keys.len());
    for key in keys {
        values.push((key.to_str()?, entry(item, key)?));
    }
    // A JSON Lines file refuses `null` for the guide's texts: so does a dict (None), so that
    // every entry point accepts the same guides (the rest is `Guide::validate`, below).
    for (key, value) in values.iter().filter(|(key, _)| *key != "url") {
        if value.as_ref().is_some_and(|v| v.is_none()) {
            return Err(Error::Guide {
                message: format!(
                    "guide #{position} {key:?} is None; leave the key out or give a value (a JSON \
                     Lines file refuses null there too)"
                ),
                guide_id: None,
            }
            .into());
        }
    }
    let given = |key: &str| -> Option<&Bound<'_, PyAny>> {
        let (_, value) = values.iter().find(|(k, _)| *k == key)?;
        value.as_ref().filter(|v| !v.is_none())
    };
    let subject = |key: &str| format!("guide #{position} {key:?}");
    let text = |key: &str| -> PyResult<Option<String>> {
        given(key)
            .map(|v| convert::string_with(&|| subject(key), v))
            .transpose()
    };
    let list = |key: &str| -> PyResult<Vec<String>> {
        match given(key) {
            Some(v) => convert::strings_with(&|| subject(key), v, false),
            None => Ok(Vec::new()),
        }
    };
    let id = text("id")?;
    let missing = |key: &str, id: Option<&str>| -> PyErr {
        Error::Guide {
            message: format!(
                "guide #{position} has no {key:?}; every guide needs an id and a title"
            ),
            guide_id: id.map(str::to_string),
        }
        .into()
    };
    let Some(id) = id else {
        return Err(missing("id", None));
    };
    let Some(title) = text("title")? else {
        return Err(missing("title", Some(&id)));
    };
    Ok(Guide {
        id,
        title,
        body: text("body")?.unwrap_or_default(),
        category: text("category")?.unwrap_or_default(),
        audiences: list("audiences")?,
        keywords: list("keywords")?,
        url: text("url")?,
    })
}

/// Guides from an iterable of mappings.
fn guides_from(guides: &Bound<'_, PyAny>) -> PyResult<Vec<Guide>> {
    if guides.cast::<PyDict>().is_ok() || guides.cast::<PyMapping>().is_ok() {
        return Err(PyTypeError::new_err(
            "guides must be an iterable of guide dicts, not one dict; wrap it in a list: [guide]",
        ));
    }
    if guides.cast::<PyString>().is_ok() {
        return Err(PyTypeError::new_err(
            "guides must be an iterable of guide dicts, not a str; to read a JSON Lines file use \
             GuideIndex.from_jsonl(path)",
        ));
    }
    let Ok(iter) = guides.try_iter() else {
        return Err(wrong_type("guides", "an iterable of guide dicts", guides));
    };
    iter.enumerate()
        .map(|(i, item)| guide_from(&item?, i + 1))
        .collect()
}

/// A guide as a dict in the JSON Lines shape.
fn guide_dict(py: Python<'_>, guide: &Guide) -> PyResult<Py<PyAny>> {
    convert::to_py_data(py, guide)
}

/// Labelled queries: a JSON Lines file (or folder), or an iterable of dicts
/// `{"query": ..., "relevant": [...], "kind"?: ...}`.
fn queries_from(py: Python<'_>, queries: &Bound<'_, PyAny>) -> PyResult<Vec<LabelledQuery>> {
    if is_path(queries)? {
        let path = path_of("queries", queries)?;
        let read = py.detach(|| read_jsonl_path(&path, eval::parse_queries));
        return index_result(read);
    }
    let Ok(iter) = queries.try_iter() else {
        return Err(wrong_type(
            "queries",
            "a path or an iterable of query dicts",
            queries,
        ));
    };
    let mut out = Vec::new();
    for (i, item) in iter.enumerate() {
        let item = item?;
        let n = i + 1;
        if item.cast::<PyDict>().is_err() && item.cast::<PyMapping>().is_err() {
            return Err(wrong_type(
                &format!("query #{n}"),
                "a dict {\"query\": ..., \"relevant\": [...]}",
                &item,
            ));
        }
        let query = match field(&item, "query")? {
            Some(q) => convert::string(&format!("query #{n} \"query\""), &q)?,
            None => return Err(errors::input(format!("query #{n} has no \"query\""))),
        };
        let relevant = convert::optional_strings(
            &format!("query #{n} \"relevant\""),
            field(&item, "relevant")?.as_ref(),
            false,
        )?;
        if relevant.is_empty() {
            return Err(errors::input(format!(
                "query #{n}: \"relevant\" is empty; name at least one guide id"
            )));
        }
        let kind = convert::optional_string(
            &format!("query #{n} \"kind\""),
            field(&item, "kind")?.as_ref(),
        )?;
        out.push(LabelledQuery {
            query,
            relevant,
            kind,
        });
    }
    Ok(out)
}

/// Suggest options from Python arguments.
fn options(
    limit: Option<&Bound<'_, PyAny>>,
    categories: Option<&Bound<'_, PyAny>>,
    audiences: Option<&Bound<'_, PyAny>>,
    semantic: Option<&Bound<'_, PyAny>>,
) -> PyResult<SuggestOptions> {
    Ok(SuggestOptions {
        semantic: semantic
            .filter(|s| !s.is_none())
            .map(|s| weight("semantic", s))
            .transpose()?,
        limit: match limit.filter(|l| !l.is_none()) {
            Some(limit) => convert::count("limit", limit)?,
            None => SuggestOptions::default().limit,
        },
        filters: Filters {
            categories: convert::optional_strings("categories", categories, true)?,
            audiences: convert::optional_strings("audiences", audiences, true)?,
        },
    })
}

/// A semantic weight: a number from 0 (the stage off) to 1.
fn weight(what: &str, value: &Bound<'_, PyAny>) -> PyResult<f32> {
    if value.is_instance_of::<pyo3::types::PyBool>() {
        return Err(wrong_type(what, "a number from 0 to 1", value));
    }
    let w: f64 = value
        .extract()
        .map_err(|_| wrong_type(what, "a number from 0 to 1", value))?;
    if !(0.0..=1.0).contains(&w) {
        return Err(errors::input(format!(
            "{what} must be a number from 0 (no semantic stage) to 1, not {w}"
        )));
    }
    Ok(w as f32)
}

/// The embedder of an `embedder=` argument (`None`: the shipped static vectors).
fn embedder_of(embedder: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Arc<PyEmbedder>>> {
    embedder
        .filter(|e| !e.is_none())
        .map(|e| PyEmbedder::new(e).map(Arc::new))
        .transpose()
}

/// The semantic settings of a constructor: the weight, then the embedder, whose vectors of the
/// guides already in the index are computed and committed (then merged, with `optimize`, for
/// an index built whole). The GIL is released meanwhile: the embedder takes it to run.
fn configure(
    py: Python<'_>,
    index: &GuideIndex,
    embedder: Option<Arc<PyEmbedder>>,
    semantic_weight: Option<f32>,
    optimize: bool,
) -> PyResult<()> {
    if let Some(w) = semantic_weight {
        index_result(index.set_semantic_weight(w))?;
    }
    let Some(embedder) = embedder else {
        return Ok(());
    };
    let result = py.detach(|| {
        let had_guides = !index.is_empty();
        index.set_embedder(Some(embedder as Arc<dyn vagvisare::embed::Embedder>))?;
        if had_guides {
            index.commit()?;
            if optimize {
                index.optimize()?;
            }
        }
        Ok(())
    });
    index_result(result)
}

/// The core's suggest, with the limit no larger than the number of guides (a larger one could
/// only allocate more, never find more).
fn suggest_in(index: &GuideIndex, text: &str, options: &SuggestOptions) -> Vec<Suggestion> {
    let mut options = options.clone();
    options.limit = options
        .limit
        .min(usize::try_from(index.len()).unwrap_or(usize::MAX));
    index.suggest(text, &options)
}

#[pymethods]
impl PyGuideIndex {
    /// ``cache_mib``: megabytes the kept scores of searching may hold (default 64; see the
    /// README, "Memory"); more keeps more typed and common words ready between keystrokes.
    #[new]
    #[pyo3(signature = (path=None, *, embedder=None, semantic_weight=None, cache_mib=None))]
    fn new(
        py: Python<'_>,
        path: Option<&Bound<'_, PyAny>>,
        embedder: Option<&Bound<'_, PyAny>>,
        semantic_weight: Option<&Bound<'_, PyAny>>,
        cache_mib: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let semantic_weight = semantic_weight
            .filter(|w| !w.is_none())
            .map(|w| weight("semantic_weight", w))
            .transpose()?;
        let embedder = embedder_of(embedder)?;
        let budget = match cache_mib.filter(|c| !c.is_none()) {
            None => None,
            Some(mib) => match convert::count("cache_mib", mib)? {
                0 => return Err(errors::input("cache_mib must be 1 or more, not 0")),
                mib => Some(CacheBudget {
                    kept_scores: mib.saturating_mul(1 << 20),
                    ..CacheBudget::default()
                }),
            },
        };
        let inner = match path.filter(|p| !p.is_none()) {
            None => GuideIndex::in_memory(),
            Some(path) => {
                let path = path_of("path", path)?;
                py.detach(|| GuideIndex::open_or_create(&path))
            }
        };
        let mut inner = index_result(inner)?;
        if let Some(budget) = budget {
            inner.set_cache_budget(budget);
            py.detach(|| inner.warm());
        }
        configure(py, &inner, embedder, semantic_weight, false)?;
        Ok(Self { inner })
    }

    /// An in-memory index of the guides in a JSON Lines file (or a folder of them), committed.
    /// A malformed line raises ``GuideError`` with its file and line number.
    #[staticmethod]
    #[pyo3(signature = (path, *, embedder=None, semantic_weight=None))]
    fn from_jsonl(
        py: Python<'_>,
        path: &Bound<'_, PyAny>,
        embedder: Option<&Bound<'_, PyAny>>,
        semantic_weight: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let path = path_of("path", path)?;
        let semantic_weight = semantic_weight
            .filter(|w| !w.is_none())
            .map(|w| weight("semantic_weight", w))
            .transpose()?;
        let embedder = embedder_of(embedder)?;
        let inner = index_result(py.detach(|| GuideIndex::from_jsonl(&path)))?;
        configure(py, &inner, embedder, semantic_weight, true)?;
        Ok(Self { inner })
    }

    /// An in-memory index of the Swedish guides bundled with Vägvisare, committed.
    #[staticmethod]
    #[pyo3(signature = (*, embedder=None, semantic_weight=None))]
    fn bundled(
        py: Python<'_>,
        embedder: Option<&Bound<'_, PyAny>>,
        semantic_weight: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let semantic_weight = semantic_weight
            .filter(|w| !w.is_none())
            .map(|w| weight("semantic_weight", w))
            .transpose()?;
        let embedder = embedder_of(embedder)?;
        let inner = index_result(py.detach(vagvisare::bundled::index))?;
        configure(py, &inner, embedder, semantic_weight, true)?;
        Ok(Self { inner })
    }

    /// Chooses the embedder of the semantic stage (``None``: the shipped static vectors) and
    /// computes its vectors of every committed guide, searchable after ``commit()``; until
    /// then searches use the static vectors. See ``GuideIndex(embedder=...)``.
    #[pyo3(signature = (embedder))]
    fn set_embedder(&self, py: Python<'_>, embedder: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let embedder = embedder_of(embedder)?.map(|e| e as Arc<dyn vagvisare::embed::Embedder>);
        let result = py.detach(|| self.inner.set_embedder(embedder));
        index_result(result)
    }

    /// The name of the embedder searches use: the object's ``name`` (or class name) when one
    /// was given, else the shipped static vectors'.
    #[getter]
    fn embedder_name(&self, py: Python<'_>) -> String {
        // Detached: the embedders' lock may wait on a change whose embedder waits on the GIL.
        py.detach(|| self.inner.embedder_name())
    }

    /// Share of the semantic stage in the ranking, 0 (off: words alone) to 1; a search may
    /// choose its own (``suggest(..., semantic=...)``).
    #[getter]
    fn get_semantic_weight(&self) -> f64 {
        f64::from(self.inner.semantic_weight())
    }

    #[setter]
    fn set_semantic_weight(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let w = weight("semantic_weight", value)?;
        index_result(self.inner.set_semantic_weight(w))
    }

    /// Whether a costly embedder (``embedder=``) is asked on every keystroke, the word being
    /// typed included, and its vector counted as a finished text's (one model run a keystroke);
    /// off by default: it is asked once a word is complete (one model run a word).
    #[getter]
    fn get_embed_while_typing(&self) -> bool {
        self.inner.embeds_while_typing()
    }

    #[setter]
    fn set_embed_while_typing(&self, value: bool) {
        self.inner.set_embed_while_typing(value);
    }

    /// Whether typed words also find their synonyms in the bundled Swedish thesaurus (on by
    /// default, weighed below the portal's own synonyms); off, only ``set_synonyms``'s count.
    #[getter]
    fn get_thesaurus(&self) -> bool {
        self.inner.uses_thesaurus()
    }

    #[setter]
    fn set_thesaurus(&self, value: bool) {
        self.inner.set_thesaurus(value);
    }

    /// How many reads, and embedder calls, have failed since the index was opened: a search
    /// answers on without what failed (an embedder that raised: the static vectors).
    #[getter]
    fn read_errors(&self) -> u64 {
        self.inner.read_errors()
    }

    /// The directory the index lives in (``None`` in memory).
    #[getter]
    fn path(&self) -> Option<PathBuf> {
        self.inner.dir().map(PathBuf::from)
    }

    /// Adds guides (dicts in the JSON Lines shape: ``id``, ``title``, ``body``, ``category``,
    /// ``audiences``, ``keywords``, ``url``), replacing any with the same id. The whole batch is
    /// checked first: one bad guide raises ``GuideError`` and nothing is added. Searchable after
    /// ``commit()``.
    fn upsert(&self, py: Python<'_>, guides: &Bound<'_, PyAny>) -> PyResult<()> {
        let guides = guides_from(guides)?;
        let result = py.detach(|| self.inner.upsert(&guides));
        index_result(result)
    }

    /// Removes guides by id (a str or an iterable of str; unknown ids are ignored). Takes
    /// effect at ``commit()``.
    fn delete(&self, py: Python<'_>, ids: &Bound<'_, PyAny>) -> PyResult<()> {
        let ids = convert::strings("ids", ids, true)?;
        py.detach(|| self.inner.delete(&ids));
        Ok(())
    }

    /// Makes every change so far durable (on disk) and searchable.
    fn commit(&self, py: Python<'_>) -> PyResult<()> {
        let result = py.detach(|| {
            let result = self.inner.commit();
            crate::release_freed_memory();
            result
        });
        index_result(result)
    }

    /// Drops every change since the last commit.
    fn rollback(&self, py: Python<'_>) -> PyResult<()> {
        let result = py.detach(|| self.inner.rollback());
        index_result(result)
    }

    /// Merges the committed guides into one segment (worth it after a bulk load), then
    /// prepares the common words (see ``warm``).
    fn optimize(&self, py: Python<'_>) -> PyResult<()> {
        let result = py.detach(|| {
            // The merge's freed segments are handed back before warming allocates.
            let result = self.inner.merge();
            crate::release_freed_memory();
            if result.is_ok() {
                self.inner.warm();
                crate::release_freed_memory();
            }
            result
        });
        index_result(result)
    }

    /// Reads now the scores of the words every person types (two-letter starts of words, stop
    /// words) and keeps them until the next commit, so that no keystroke waits for them.
    /// ``optimize`` does it; call it after a commit, off the request path. Returns the number
    /// of words prepared.
    fn warm(&self, py: Python<'_>) -> usize {
        py.detach(|| self.inner.warm())
    }

    /// Waits until the semantic stage's nearest-neighbour graphs are built. An index of more
    /// than 10 000 texts builds them on a background thread once a search, ``warm`` or
    /// ``optimize`` meets a commit's texts (and after opening); until then a search adds no guide
    /// that only the stage would find there. This asks for them itself, so it may follow a
    /// commit directly. An index in a directory keeps each graph there once built, and opening
    /// it again reads them: wait for them before a process that indexed exits. For benchmarks,
    /// and for a portal that wants complete answers first.
    fn wait_for_semantic_graphs(&self, py: Python<'_>) {
        py.detach(|| {
            self.inner.wait_for_semantic_graphs();
            crate::release_freed_memory();
        })
    }

    /// Replaces the synonyms with the text of a synonym file (``mejl, mail, e-post`` groups and
    /// ``lösen => lösenord`` one-way lines). A bad line raises ``InputError``.
    fn set_synonyms(&self, text: &str) -> PyResult<()> {
        let synonyms = Synonyms::parse(text).map_err(py_err)?;
        self.inner.set_synonyms(synonyms);
        Ok(())
    }

    /// Extends the compound lexicon with a word list (one word a line).
    fn add_word_list(&self, py: Python<'_>, text: &str) {
        py.detach(|| self.inner.add_word_list(text));
    }

    /// The committed guide with this id, as a dict in the JSON Lines shape, or ``None``.
    fn get(&self, py: Python<'_>, id: &str) -> PyResult<Option<Py<PyAny>>> {
        let guide = py.detach(|| self.inner.get(id));
        guide.map(|g| guide_dict(py, &g)).transpose()
    }

    /// Suggestions for the text exactly as typed so far, best first. Never fails on any text
    /// (empty, punctuation, emoji, query syntax, megabytes). ``categories`` keeps guides in
    /// those categories (or below them); ``audiences`` keeps guides for everyone or for one of
    /// those audiences. Both take a str or an iterable of str. ``semantic`` is this search's
    /// share of the semantic stage, 0 (words alone) to 1; ``None``: the index's
    /// ``semantic_weight``.
    #[pyo3(
        signature = (text, limit=None, categories=None, audiences=None, semantic=None),
        text_signature = "($self, text, limit=5, categories=None, audiences=None, semantic=None)"
    )]
    fn suggest(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        limit: Option<&Bound<'_, PyAny>>,
        categories: Option<&Bound<'_, PyAny>>,
        audiences: Option<&Bound<'_, PyAny>>,
        semantic: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<PySuggestion>> {
        let text = typed_text(text)?;
        let options = options(limit, categories, audiences, semantic)?;
        let text: &str = &text;
        let found = py.detach(|| suggest_in(&self.inner, text, &options));
        Ok(found.into_iter().map(PySuggestion::from).collect())
    }

    /// Recall@1/@5, MRR@10, as typed, with typos and without å/ä/ö on labelled queries (a JSON
    /// Lines path, or an iterable of ``{"query", "relevant", "kind"?}`` dicts): the figures of
    /// ``vagvisare eval``.
    #[pyo3(signature = (queries, *, seed=42, typed_share=true))]
    fn evaluate(
        &self,
        py: Python<'_>,
        queries: &Bound<'_, PyAny>,
        seed: u64,
        typed_share: bool,
    ) -> PyResult<PyEvalReport> {
        let queries = queries_from(py, queries)?;
        let options = EvalOptions { seed, typed_share };
        let report = py.detach(|| eval::evaluate_with(&self.inner, &queries, &options));
        Ok(PyEvalReport::from(report))
    }

    /// Records one answer to "Fick du hjälp av guiderna?": the text as typed, the guide it is
    /// about (``None`` when none was chosen), whether it helped, the 1-based rank it was shown
    /// at, whether a case was filed anyway, when (a time-zone-aware ``datetime``; now if
    /// omitted) and an opaque actor key (a hash of the user id) so one person counts once.
    /// The text is redacted (personnummer, phone numbers, e-mail addresses) before it is kept;
    /// a "helped" answer teaches the guide the text, searchable after ``commit()``. Feedback
    /// about a guide the index does not hold raises ``InputError`` and nothing is recorded.
    /// A text counts once two distinct actors gave it (``set_learn_policy(min_actors=…)``);
    /// ``trusted=True`` (an editor's action, a curated import) makes it count at once.
    /// Returns how many guides learned new text (0 or 1).
    #[pyo3(
        signature = (query, guide=None, *, helped, rank=None, filed_anyway=None, at=None, actor=None, trusted=false),
        text_signature = "($self, query, guide=None, *, helped, rank=None, filed_anyway=False, at=None, actor=None, trusted=False)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn feedback(
        &self,
        py: Python<'_>,
        query: &Bound<'_, PyAny>,
        guide: Option<&Bound<'_, PyAny>>,
        helped: &Bound<'_, PyAny>,
        rank: Option<&Bound<'_, PyAny>>,
        filed_anyway: Option<&Bound<'_, PyAny>>,
        at: Option<&Bound<'_, PyAny>>,
        actor: Option<&Bound<'_, PyAny>>,
        trusted: bool,
    ) -> PyResult<usize> {
        let record = feedback::record(
            "feedback",
            &feedback::Values {
                query,
                guide,
                helped,
                rank,
                filed_anyway,
                at,
                actor,
            },
        )?;
        let records = std::slice::from_ref(&record);
        let result = py.detach(|| {
            if trusted {
                self.inner.import_feedback(records)
            } else {
                self.inner.feedback(records)
            }
        });
        index_result(result)
    }

    /// Records many answers: an iterable of dicts in the JSON Lines shape of ``vagvisare
    /// feedback`` (``query``, ``guide``, ``helped``, ``rank``, ``filed_anyway``, ``at``,
    /// ``actor``). All or nothing: one bad record, or one about a guide the index does not
    /// hold, raises and none is recorded. ``trusted`` as for ``feedback``. Returns how many
    /// guides learned new text.
    #[pyo3(signature = (records, *, trusted=false))]
    fn feedback_many(
        &self,
        py: Python<'_>,
        records: &Bound<'_, PyAny>,
        trusted: bool,
    ) -> PyResult<usize> {
        let records = feedback::records(records)?;
        let result = py.detach(|| {
            if trusted {
                self.inner.import_feedback(&records)
            } else {
                self.inner.feedback(&records)
            }
        });
        index_result(result)
    }

    /// A guide's learned texts, heaviest first, as an editor reviews them: dicts with
    /// ``text``, ``weight``, ``actors``, ``trusted`` and ``active`` (counts in search now).
    fn learned(&self, py: Python<'_>, id: &str) -> PyResult<Py<PyAny>> {
        let terms = py.detach(|| self.inner.learned(id));
        convert::to_py_data(py, &terms)
    }

    /// Removes one learned text of a guide (takes effect at ``commit()``); ``InputError`` if
    /// the guide has no such text.
    fn remove_learned(&self, py: Python<'_>, id: &str, text: &str) -> PyResult<()> {
        let result = py.detach(|| self.inner.remove_learned(id, text));
        index_result(result)
    }

    /// Freezes a guide's learned texts (it keeps them and learns nothing new), or thaws them.
    #[pyo3(signature = (id, frozen=true))]
    fn freeze_learned(&self, py: Python<'_>, id: &str, frozen: bool) {
        py.detach(|| self.inner.freeze_learned(id, frozen));
    }

    /// Re-weighs every learned text for the time now, so old texts fade (call it now and then,
    /// e.g. nightly, then ``commit()``).
    fn refresh_learned(&self, py: Python<'_>) -> PyResult<()> {
        let result = py.detach(|| self.inner.refresh_learned());
        index_result(result)
    }

    /// Replaces how feedback becomes learned text; omitted values keep their defaults
    /// (half-life 180 days, 1 actor, 64 texts per guide, minimum weight 0.25). Takes effect at
    /// ``commit()``.
    #[pyo3(signature = (*, half_life_days=None, min_actors=None, max_texts=None, min_weight=None))]
    fn set_learn_policy(
        &self,
        py: Python<'_>,
        half_life_days: Option<f64>,
        min_actors: Option<&Bound<'_, PyAny>>,
        max_texts: Option<&Bound<'_, PyAny>>,
        min_weight: Option<f64>,
    ) -> PyResult<()> {
        let policy = feedback::policy(half_life_days, min_actors, max_texts, min_weight)?;
        let result = py.detach(|| self.inner.set_learn_policy(policy));
        index_result(result)
    }

    /// The figures a portal steers by, as a dict (the JSON of ``vagvisare report``): answers,
    /// shown, helped, deflected, ``deflection_rate``, per-guide figures, the ``gaps`` most
    /// frequent content gaps, and weekly deflection.
    #[pyo3(signature = (gaps=None), text_signature = "($self, gaps=20)")]
    fn feedback_report(
        &self,
        py: Python<'_>,
        gaps: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let gaps = gaps.map_or(Ok(20), |g| convert::count("gaps", g))?;
        let report = py.detach(|| self.inner.feedback_report(gaps));
        convert::to_py_data(py, &report)
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        py.detach(|| usize::try_from(self.inner.len()).unwrap_or(usize::MAX))
    }

    fn __repr__(&self) -> String {
        let guides = self.inner.len();
        match self.inner.dir() {
            Some(dir) => format!(
                "GuideIndex({}, guides={guides})",
                repr_str(&dir.display().to_string())
            ),
            None => format!("GuideIndex(guides={guides})"),
        }
    }
}

/// The figures of ``vagvisare eval`` for an engine over guides and labelled queries.
/// ``engine`` is ``"vagvisare"`` or ``"baseline"`` (plain Tantivy: default tokenizer, terms
/// OR-ed).
#[pyfunction]
#[pyo3(signature = (guides, queries, *, engine="vagvisare", seed=42, typed_share=true))]
pub(crate) fn evaluate(
    py: Python<'_>,
    guides: &Bound<'_, PyAny>,
    queries: &Bound<'_, PyAny>,
    engine: &str,
    seed: u64,
    typed_share: bool,
) -> PyResult<PyEvalReport> {
    if engine != "vagvisare" && engine != "baseline" {
        return Err(errors::input(format!(
            "engine must be \"vagvisare\" or \"baseline\", not {engine:?}"
        )));
    }
    let guides = if is_path(guides)? {
        let path = path_of("guides", guides)?;
        index_result(py.detach(|| vagvisare::guide::read_guides(&path)))?
    } else {
        guides_from(guides)?
    };
    let queries = queries_from(py, queries)?;
    let options = EvalOptions { seed, typed_share };
    let report = py.detach(|| -> Result<Report, IndexError> {
        if engine == "baseline" {
            let baseline = Baseline::build(&guides)?;
            return Ok(eval::evaluate_with(
                &baseline as &dyn Engine,
                &queries,
                &options,
            ));
        }
        let index = GuideIndex::in_memory()?;
        index.upsert(&guides)?;
        index.commit()?;
        index.optimize()?;
        Ok(eval::evaluate_with(&index, &queries, &options))
    });
    Ok(PyEvalReport::from(index_result(report)?))
}

/// For `bench_overhead.py` only (cargo feature `bench`): the same `suggest` call as `GuideIndex.suggest`, timed in Rust, once
/// per text in order; nanoseconds per call. The GIL is released throughout.
#[cfg(feature = "bench")]
#[pyfunction]
#[pyo3(name = "_time_suggest_in_rust", signature = (index, texts, limit=5))]
pub(crate) fn time_suggest_in_rust(
    py: Python<'_>,
    index: &PyGuideIndex,
    texts: Vec<String>,
    limit: usize,
) -> Vec<u64> {
    let options = SuggestOptions::limit(limit);
    py.detach(|| {
        texts
            .iter()
            .map(|text| {
                let started = std::time::Instant::now();
                let found = suggest_in(&index.inner, std::hint::black_box(text), &options);
                let took = started.elapsed();
                std::hint::black_box(found);
                u64::try_from(took.as_nanos()).unwrap_or(u64::MAX)
            })
            .collect()
    })
}

/// A guide suggested for the typed text.
#[pyclass(module = "vagvisare", name = "Suggestion", frozen, eq)]
#[derive(PartialEq)]
pub struct PySuggestion {
    inner: Suggestion,
}

impl From<Suggestion> for PySuggestion {
    fn from(inner: Suggestion) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl PySuggestion {
    /// The guide's id.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// The guide's title.
    #[getter]
    fn title(&self) -> &str {
        &self.inner.title
    }

    /// The guide's category breadcrumb.
    #[getter]
    fn category(&self) -> &str {
        &self.inner.category
    }

    /// Where the full guide is, if known.
    #[getter]
    fn url(&self) -> Option<&str> {
        self.inner.url.as_deref()
    }

    /// A short passage of the guide with the matched words marked.
    #[getter]
    fn snippet(&self) -> PySnippet {
        PySnippet::from(&self.inner.snippet)
    }

    /// Each query word that matched, the guide's word it matched, and how.
    #[getter]
    fn matched(&self) -> Vec<PyMatch> {
        self.inner.matched.iter().map(PyMatch::from).collect()
    }

    /// The ranking score (higher is better; comparable within one request only).
    #[getter]
    fn score(&self) -> f64 {
        f64::from(self.inner.score)
    }

    /// The suggestion as plain data, in the shape of the CLI's JSON output (highlights as
    /// character offsets, and ``highlights_utf16`` for JavaScript), ready for ``json.dumps`` or
    /// a web framework's JSON response.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let value =
            serde_json::to_value(&self.inner).map_err(|e| PyTypeError::new_err(e.to_string()))?;
        convert::json_to_py(py, &value)
    }

    fn __repr__(&self) -> String {
        format!(
            "Suggestion(id={}, title={}, score={:.3})",
            repr_str(&self.inner.id),
            repr_str(&self.inner.title),
            self.inner.score
        )
    }
}

/// A passage of a guide's body, with the matched words marked.
#[pyclass(module = "vagvisare", name = "Snippet", frozen, eq)]
#[derive(PartialEq)]
pub struct PySnippet {
    /// Plain text.
    #[pyo3(get)]
    text: String,
    /// The same text, HTML-escaped, with matched words in ``<mark>``.
    #[pyo3(get)]
    html: String,
    /// ``(start, end)`` character offsets of the matched words in ``text``.
    #[pyo3(get)]
    highlights: Vec<(usize, usize)>,
}

impl From<&Snippet> for PySnippet {
    fn from(s: &Snippet) -> Self {
        Self {
            text: s.text.clone(),
            html: s.html.clone(),
            highlights: s.highlights.clone(),
        }
    }
}

#[pymethods]
impl PySnippet {
    fn __repr__(&self) -> String {
        format!("Snippet(text={})", repr_str(&self.text))
    }

    fn __str__(&self) -> String {
        self.text.clone()
    }
}

/// How one query word matched a guide.
#[pyclass(module = "vagvisare", name = "Match", frozen, eq)]
#[derive(PartialEq)]
pub struct PyMatch {
    /// The query word, normalised.
    #[pyo3(get)]
    query: String,
    /// The guide's word as written in the guide ("För *lösenord*").
    #[pyo3(get)]
    guide_word: String,
    /// How it matched: ``exact``, ``stemmed``, ``folded``, ``compound_part``, ``synonym``,
    /// ``typo``, ``prefix``, ``learned`` or ``related`` (near in meaning: the semantic stage).
    #[pyo3(get)]
    kind: &'static str,
    /// For a ``learned`` match (or a ``related`` one through a learned text), the learned text
    /// it matched; else ``None``.
    #[pyo3(get)]
    learned_text: Option<String>,
}

impl From<&Match> for PyMatch {
    fn from(m: &Match) -> Self {
        Self {
            query: m.query.clone(),
            guide_word: m.guide_word.clone(),
            kind: m.kind.as_str(),
            learned_text: m.learned_text.clone(),
        }
    }
}

#[pymethods]
impl PyMatch {
    fn __repr__(&self) -> String {
        format!(
            "Match(query={}, guide_word={}, kind={})",
            repr_str(&self.query),
            repr_str(&self.guide_word),
            repr_str(self.kind)
        )
    }
}

/// The figures of one evaluation run (see ``GuideIndex.evaluate``).
#[pyclass(module = "vagvisare", name = "EvalReport", frozen)]
pub struct PyEvalReport {
    inner: Report,
    /// Share of queries with a relevant guide first.
    #[pyo3(get)]
    recall_at_1: f64,
    /// Share of queries with a relevant guide in the top 5.
    #[pyo3(get)]
    recall_at_5: f64,
    /// Mean reciprocal rank of the first relevant guide in the top 10.
    #[pyo3(get)]
    mrr_at_10: f64,
    /// Recall@5 on the first 25 % of each query's characters, as typed.
    #[pyo3(get)]
    recall_at_5_typed_25: f64,
    /// Recall@5 on the first 50 % of each query's characters.
    #[pyo3(get)]
    recall_at_5_typed_50: f64,
    /// Recall@5 on the first 75 % of each query's characters.
    #[pyo3(get)]
    recall_at_5_typed_75: f64,
    /// Recall@5 with one seeded typo in every word of five letters or more.
    #[pyo3(get)]
    recall_at_5_typos: f64,
    /// MRR@10 with the same typos.
    #[pyo3(get)]
    mrr_at_10_typos: f64,
    /// Recall@5 with å/ä/ö typed as a/a/o.
    #[pyo3(get)]
    recall_at_5_no_diacritics: f64,
    /// MRR@10 without å/ä/ö.
    #[pyo3(get)]
    mrr_at_10_no_diacritics: f64,
    /// Mean share of a query's characters typed before a right guide first shows in the top 5
    /// (1.0 for a query where none ever does).
    #[pyo3(get)]
    typed_share_to_top_5: f64,
}

impl From<Report> for PyEvalReport {
    fn from(report: Report) -> Self {
        Self {
            recall_at_1: report.recall_at_1,
            recall_at_5: report.recall_at_5,
            mrr_at_10: report.mrr_at_10,
            recall_at_5_typed_25: report.recall_at_5_typed_25,
            recall_at_5_typed_50: report.recall_at_5_typed_50,
            recall_at_5_typed_75: report.recall_at_5_typed_75,
            recall_at_5_typos: report.recall_at_5_typos,
            mrr_at_10_typos: report.mrr_at_10_typos,
            recall_at_5_no_diacritics: report.recall_at_5_no_diacritics,
            mrr_at_10_no_diacritics: report.mrr_at_10_no_diacritics,
            typed_share_to_top_5: report.typed_share_to_top_5,
            inner: report,
        }
    }
}

#[pymethods]
impl PyEvalReport {
    /// Number of labelled queries asked.
    #[getter]
    fn queries(&self) -> usize {
        self.inner.queries
    }

    /// Full-query figures per kind of query: ``{kind: {"queries", "recall_at_5", "mrr_at_10"}}``.
    #[getter]
    fn by_kind(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py_data(py, &self.inner.by_kind)
    }

    /// Every figure as plain data (the JSON of ``vagvisare eval --format json``).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        convert::to_py_data(py, &self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "EvalReport(queries={}, recall_at_1={:.3}, recall_at_5={:.3}, mrr_at_10={:.3})",
            self.inner.queries,
            self.inner.recall_at_1,
            self.inner.recall_at_5,
            self.inner.mrr_at_10
        )
    }
}
