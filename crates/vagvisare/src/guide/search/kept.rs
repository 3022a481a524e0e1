//! Kept scores: the score of the words already typed, and of common words, kept from one
//! keystroke to the next.
//!
//! A keystroke changes only the word being typed. The words before it, and the pairs they
//! complete, give every guide the same score as at the keystroke before: the leading clauses
//! of [`Scoring`], its first `kept` (see [`QueryPlan::kept_tokens`]). So their sum is kept, per
//! committed state, as one score per document of each segment with the highest score of each
//! block of [`BLOCK`](super::accumulate::BLOCK) documents ([`KeptState`]). A keystroke then reads only the
//! postings of the word being typed (and its pairs), and the best guides are the best by kept +
//! typed score ([`select`](super::select::select)).
//!
//! When a word is completed (a space, or pasted text), its state is the longest kept state of
//! the same leading clauses plus the clauses that are new, so a typed text costs each word's
//! postings once rather than once per keystroke. Exact: the scores are those of scoring every
//! clause at once, up to the rounding of a sum taken in another order (the tests hold the two
//! equal). Filters and deleted guides are applied when the best are chosen, so one state serves
//! every filter.
//!
//! A common word (a clause with at least as many postings as there are guides: two letters
//! being typed, "för", "och") is read once per committed state, alone, and its scores kept: the
//! next person to type it, or to complete it, adds the kept scores instead of reading its
//! postings again. [`GuideIndex::warm`](crate::guide::GuideIndex::warm) reads those every person
//! types before anyone does, up to half the budget of common words.
//!
//! A state costs 4 bytes a document; [`KeptScores`] keeps the most recently used states, and
//! apart from them the most recently used common words, each within a byte budget, and a
//! commit, which changes every score, empties both.
//!
//! [`QueryPlan::kept_tokens`]: crate::guide::plan::QueryPlan::kept_tokens

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use tantivy::{DocId, Searcher, SegmentReader};

use super::accumulate::{with_accumulators, Accumulators, BlockScores};
use super::bm25::Bm25;
use super::scoring::{ClauseKey, Scoring};
use super::{prepare, Prepared};
use crate::guide::index::ReadErrors;

/// Bytes of kept states a cache holds by default: half the default budget of kept scores
/// ([`CacheBudget`](crate::guide::CacheBudget), 32 MiB: 80 states of 100 000 guides).
const DEFAULT_BUDGET: usize = 32 << 20;

/// The summed score of some leading clauses, for every document of one committed state.
#[derive(Debug)]
pub(super) struct KeptState {
    keys: Vec<ClauseKey>,
    /// Per segment, in the searcher's order.
    pub(super) segments: Vec<BlockScores>,
}

impl KeptState {
    fn bytes(&self) -> usize {
        self.segments.iter().map(BlockScores::bytes).sum::<usize>()
            + self.keys.len() * std::mem::size_of::<ClauseKey>()
    }
}

/// Kept states of the latest committed state, most recently used first, within a byte budget.
#[derive(Debug)]
pub(super) struct KeptCache {
    state: Mutex<CacheState>,
    budget: usize,
}

#[derive(Debug, Default)]
struct CacheState {
    generation: u64,
    /// Raised by [`KeptCache::clear`]: a state computed before it is not kept.
    version: u64,
    entries: VecDeque<Arc<KeptState>>,
    bytes: usize,
}

impl Default for KeptCache {
    fn default() -> Self {
        Self::with_budget(DEFAULT_BUDGET)
    }
}

impl KeptCache {
    /// A cache keeping states of at most `budget` bytes together (and always the newest one).
    fn with_budget(budget: usize) -> Self {
        Self {
            state: Mutex::new(CacheState::default()),
            budget,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The kept state of exactly these clauses in `generation`, now the most recently used.
    fn get(&self, generation: u64, keys: &[ClauseKey]) -> Option<Arc<KeptState>> {
        let mut state = self.lock();
        if generation > state.generation {
            state.generation = generation;
            state.bytes = 0;
            let old = std::mem::take(&mut state.entries);
            discard(old);
        }
        if generation != state.generation {
            return None;
        }
        let at = state.entries.iter().position(|s| s.keys == keys)?;
        let found = state.entries.remove(at)?;
        state.entries.push_front(Arc::clone(&found));
        Some(found)
    }

    fn version(&self) -> u64 {
        self.lock().version
    }

    /// Keeps a state computed in `generation` since `version`, unless either has moved on.
    fn insert(&self, generation: u64, version: u64, kept: Arc<KeptState>) {
        let mut state = self.lock();
        if generation != state.generation || version != state.version {
            return;
        }
        state.bytes += kept.bytes();
        state.entries.push_front(kept);
        while state.bytes > self.budget && state.entries.len() > 1 {
            if let Some(old) = state.entries.pop_back() {
                state.bytes -= old.bytes();
            }
        }
    }

    /// The state of `keys` with these scores, kept as [`insert`](Self::insert) keeps it.
    fn keep(
        &self,
        generation: u64,
        version: u64,
        keys: &[ClauseKey],
        segments: Vec<BlockScores>,
    ) -> Arc<KeptState> {
        let state = Arc::new(KeptState {
            keys: keys.to_vec(),
            segments,
        });
        self.insert(generation, version, Arc::clone(&state));
        state
    }

    /// Forgets every state (after a change that is not a commit, such as new synonyms).
    fn clear(&self) {
        let mut state = self.lock();
        state.version += 1;
        state.bytes = 0;
        let old = std::mem::take(&mut state.entries);
        discard(old);
    }

    /// Number of kept states.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True when no state is kept.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a keystroke finds ready: the kept states of typed words, and the scores of common words
/// alone (see [`top_docs`](super::top_docs)), each cache within its own budget.
#[derive(Debug)]
pub(crate) struct KeptScores {
    pub(super) states: KeptCache,
    pub(super) words: KeptCache,
}

impl Default for KeptScores {
    fn default() -> Self {
        Self::with_budget(DEFAULT_BUDGET)
    }
}

impl KeptScores {
    /// Caches of at most `budget` bytes each (and always the newest entry).
    pub(crate) fn with_budget(budget: usize) -> Self {
        Self {
            states: KeptCache::with_budget(budget),
            words: KeptCache::with_budget(budget),
        }
    }

    /// Forgets everything (after a change that is not a commit, such as new synonyms).
    pub(crate) fn clear(&self) {
        self.states.clear();
        self.words.clear();
    }

    /// Number of kept states of typed words.
    #[cfg(test)]
    pub(crate) fn states(&self) -> usize {
        self.states.len()
    }

    /// Number of kept scores of common words.
    #[cfg(test)]
    pub(crate) fn words(&self) -> usize {
        self.words.len()
    }

    /// True when the kept scores of common words fill half their budget (what warming stops at,
    /// leaving the rest to the words people go on to type).
    pub(crate) fn words_half_full(&self, searcher: &Searcher) -> bool {
        let state = self.words.lock();
        state.generation == searcher.generation().generation_id()
            && state.bytes * 2 >= self.words.budget
    }

    /// Reads and keeps the scores of the first clause of `scoring` (the word a one-word text
    /// is planned into), if it is common (see [`top_docs`](super::top_docs)); true when they are
    /// kept. What cannot be read is counted in `errors`.
    pub(crate) fn keep_common_word(
        &self,
        searcher: &Searcher,
        scoring: &Scoring,
        errors: &ReadErrors,
    ) -> bool {
        let Some(prepared) = prepare(searcher, scoring, None, 1, errors) else {
            return false;
        };
        let kept = common_clauses(searcher, scoring, &prepared, 0..1, &self.words);
        kept.first().is_some_and(Option::is_some)
    }
}

/// Drops states on a thread of their own (inline if no thread can be started), so that the
/// keystroke that finds a new commit does not wait for megabytes to be freed.
fn discard(states: VecDeque<Arc<KeptState>>) {
    if states.is_empty() {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("vagvisare-kept-drop".into())
        .spawn(move || drop(states));
}

/// The scores of the query words among clauses `clauses` that have at least as many postings
/// as the index has guides (a word being typed two letters long, a common word), each alone
/// over every guide: from the cache, or read once and cached. `None` for the other clauses.
/// Such a clause costs most of a keystroke, and the same few recur as people type.
pub(super) fn common_clauses(
    searcher: &Searcher,
    scoring: &Scoring,
    prepared: &Prepared,
    clauses: Range<usize>,
    cache: &KeptCache,
) -> Vec<Option<Arc<KeptState>>> {
    let generation = searcher.generation().generation_id();
    let guides = u64::from(
        (searcher.segment_readers().iter())
            .map(|s| s.max_doc())
            .sum::<DocId>(),
    );
    clauses
        .map(|clause| {
            if !scoring.is_word(clause) || prepared.postings(scoring, clause) < guides.max(1) {
                return None;
            }
            let keys = std::slice::from_ref(&scoring.keys[clause]);
            let version = cache.version();
            if let Some(found) = cache.get(generation, keys) {
                return Some(found);
            }
            let segments = with_accumulators(|acc| {
                (searcher.segment_readers().iter())
                    .map(|segment| {
                        let mut scores = BlockScores::zeros(segment.max_doc() as usize);
                        let one = clause..clause + 1;
                        acc.add_clauses(scoring, &prepared.weights, one, segment, &mut scores);
                        scores
                    })
                    .collect()
            });
            Some(cache.keep(generation, version, keys, segments))
        })
        .collect()
}

/// Adds clauses `clauses` of `scoring` in `segment` (number `ord`) to `out`: the scores of
/// `common` ones (see [`common_clauses`], one per clause) as kept, the others read anew.
#[allow(clippy::too_many_arguments)]
pub(super) fn add_clauses(
    acc: &mut Accumulators,
    scoring: &Scoring,
    weights: &[Option<Bm25>],
    clauses: Range<usize>,
    common: &[Option<Arc<KeptState>>],
    segment: &SegmentReader,
    ord: usize,
    out: &mut BlockScores,
) {
    let mut from = clauses.start;
    for (clause, kept) in clauses.clone().zip(common) {
        let Some(kept) = kept else { continue };
        acc.add_clauses(scoring, weights, from..clause, segment, out);
        out.add(&kept.segments[ord]);
        from = clause + 1;
    }
    acc.add_clauses(scoring, weights, from..clauses.end, segment, out);
}

/// The kept state of the leading clauses of `scoring` that stay as they are while the text grows:
/// from the cache, or the longest cached state of fewer leading words plus the clauses it lacks
/// (then cached).
pub(super) fn kept_state(
    searcher: &Searcher,
    scoring: &Scoring,
    prepared: &Prepared,
    kept: &KeptScores,
) -> Arc<KeptState> {
    let cache = &kept.states;
    let generation = searcher.generation().generation_id();
    let keys = &scoring.keys[..scoring.kept];
    let version = cache.version();
    if let Some(found) = cache.get(generation, keys) {
        return found;
    }
    // Fewer leading words: the clause counts where a word's clauses begin, longest first.
    let base = (1..scoring.kept)
        .rev()
        .filter(|&len| scoring.token[len] != scoring.token[len - 1])
        .find_map(|len| cache.get(generation, &keys[..len]));
    let new = base.as_ref().map_or(0, |b| b.keys.len())..scoring.kept;
    let common = common_clauses(searcher, scoring, prepared, new.clone(), &kept.words);
    let segments = with_accumulators(|acc| {
        (searcher.segment_readers().iter().enumerate())
            .map(|(ord, segment)| {
                let mut kept = match &base {
                    Some(base) => base.segments[ord].clone(),
                    None => BlockScores::zeros(segment.max_doc() as usize),
                };
                let weights = &prepared.weights;
                add_clauses(
                    acc,
                    scoring,
                    weights,
                    new.clone(),
                    &common,
                    segment,
                    ord,
                    &mut kept,
                );
                kept
            })
            .collect()
    });
    cache.keep(generation, version, keys, segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guide::search::accumulate::BLOCK;

    /// A state of `docs` documents in one segment, for the clauses `words`.
    fn state(words: &[&str], docs: usize) -> Arc<KeptState> {
        Arc::new(KeptState {
            keys: words
                .iter()
                .map(|w| ClauseKey::Word(w.to_string(), 1.0f32.to_bits(), false, false))
                .collect(),
            segments: vec![BlockScores {
                score: vec![1.0; docs],
                block_max: vec![1.0; docs.div_ceil(BLOCK)],
            }],
        })
    }

    fn keys(words: &[&str]) -> Vec<ClauseKey> {
        state(words, 0).keys.clone()
    }

    #[test]
    fn the_most_recently_used_states_are_kept_within_the_budget() {
        let size = state(&["a"], 1000).bytes();
        let cache = KeptCache::with_budget(2 * size);
        let version = cache.version();
        assert!(cache.get(1, &keys(&["a"])).is_none());
        cache.insert(1, version, state(&["a"], 1000));
        cache.insert(1, version, state(&["b"], 1000));
        assert_eq!(cache.len(), 2);
        // Using "a" makes "b" the least recently used, so "c" pushes "b" out.
        assert!(cache.get(1, &keys(&["a"])).is_some());
        cache.insert(1, version, state(&["c"], 1000));
        assert_eq!(cache.len(), 2);
        assert!(cache.get(1, &keys(&["b"])).is_none());
        assert!(cache.get(1, &keys(&["a"])).is_some());
        assert!(cache.get(1, &keys(&["c"])).is_some());
        // A state larger than the whole budget is still kept, alone.
        cache.insert(1, version, state(&["big"], 10_000));
        assert_eq!(cache.len(), 1);
        assert!(cache.get(1, &keys(&["big"])).is_some());
    }

    #[test]
    fn a_state_of_an_older_commit_or_from_before_a_clear_is_not_kept() {
        let cache = KeptCache::default();
        let version = cache.version();
        cache.insert(0, version, state(&["a"], 10));
        assert!(cache.get(0, &keys(&["a"])).is_some());
        // A newer commit empties the cache; a search still on the older one neither reads nor
        // fills it.
        assert!(cache.get(2, &keys(&["a"])).is_none());
        assert!(cache.is_empty());
        cache.insert(1, version, state(&["a"], 10));
        assert!(cache.is_empty());
        // A state computed before a clear (new synonyms, say) is dropped, not kept.
        let before = cache.version();
        cache.clear();
        cache.insert(2, before, state(&["a"], 10));
        assert!(cache.is_empty());
        cache.insert(2, cache.version(), state(&["a"], 10));
        assert_eq!(cache.len(), 1);
        // Other clauses are another state.
        assert!(cache.get(2, &keys(&["a", "b"])).is_none());
    }
}
