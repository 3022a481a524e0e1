//! Stage 1 while typing: the score of the words already typed, kept from one keystroke to the
//! next.
//!
//! A keystroke changes only the word being typed. The words before it, and the pairs they
//! complete, give every guide the same score as at the keystroke before: the *settled* clauses
//! of [`Scoring`] (its leading clauses, see [`QueryPlan::settled_tokens`]). So their sum is kept,
//! per committed state, as one score per document of each segment, with the highest score of
//! each block of [`BLOCK`](super::topk::BLOCK) documents. A keystroke then reads only the
//! postings of the word being typed (and its pairs), term at a time, and the best guides are
//! the best by kept + typed score, chosen block by block: a block whose two highest scores
//! together are below the threshold is passed over whole.
//!
//! When a word is completed (a space, or pasted text), its state is the longest kept state of
//! the same leading clauses plus the clauses that are new, so a typed text costs each word's
//! postings once rather than once per keystroke. Exact: the scores are those of
//! [`term_at_a_time`](super::topk::term_at_a_time) up to the rounding of a sum taken in another
//! order (the tests hold the two equal). Filters and deleted guides are applied when the best
//! are chosen, so one state serves every filter.
//!
//! What is left of a keystroke's cost is the word being typed while it is short: two letters
//! complete to the most frequent words of the index and reach most guides, as does a common word
//! ("för", "och"). Such a word (a clause with at least as many postings as there are guides) is
//! read once per committed state, alone, and its scores kept: the next person to type it, or to
//! complete it, adds the kept scores instead of reading its postings again. Those that every
//! person types (every word passes through its first two letters; the stop words) are read
//! before anyone types them, by [`GuideIndex::warm`](super::GuideIndex::warm), most postings
//! first, up to half the budget of common words.
//!
//! A state costs 4 bytes a document (400 kB at 100 000 guides); [`KeptScores`] keeps the most
//! recently used states, and apart from them the most recently used common words, each within a
//! byte budget, and a commit, which changes every score, empties both.
//!
//! [`QueryPlan::settled_tokens`]: super::query::QueryPlan::settled_tokens

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use tantivy::query::{Bm25Weight, Query};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentReader};

use super::topk::{
    allowed, prepare, select, with_accumulators, Accumulators, BlockScores, ClauseKey, Prepared,
    Scoring, TopN,
};

/// Bytes of kept states a cache holds by default (64 MiB: 160 states of 100 000 guides).
pub const DEFAULT_BUDGET: usize = 64 << 20;

/// The summed score of some leading clauses, for every document of one committed state.
#[derive(Debug)]
pub struct Settled {
    keys: Vec<ClauseKey>,
    /// Per segment, in the searcher's order.
    segments: Vec<BlockScores>,
}

impl Settled {
    fn bytes(&self) -> usize {
        self.segments.iter().map(BlockScores::bytes).sum::<usize>()
            + self.keys.len() * std::mem::size_of::<ClauseKey>()
    }
}

/// Kept states of the latest committed state, most recently used first, within a byte budget.
#[derive(Debug)]
pub struct SettledCache {
    state: Mutex<CacheState>,
    budget: usize,
}

#[derive(Debug, Default)]
struct CacheState {
    generation: u64,
    /// Raised by [`SettledCache::clear`]: a state computed before it is not kept.
    version: u64,
    entries: VecDeque<Arc<Settled>>,
    bytes: usize,
}

impl Default for SettledCache {
    fn default() -> Self {
        Self::with_budget(DEFAULT_BUDGET)
    }
}

impl SettledCache {
    /// A cache keeping states of at most `budget` bytes together (and always the newest one).
    pub fn with_budget(budget: usize) -> Self {
        Self {
            state: Mutex::new(CacheState::default()),
            budget,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The kept state of exactly these clauses in `generation`, now the most recently used.
    fn get(&self, generation: u64, keys: &[ClauseKey]) -> Option<Arc<Settled>> {
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
    fn insert(&self, generation: u64, version: u64, settled: Arc<Settled>) {
        let mut state = self.lock();
        if generation != state.generation || version != state.version {
            return;
        }
        state.bytes += settled.bytes();
        state.entries.push_front(settled);
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
    ) -> Arc<Settled> {
        let settled = Arc::new(Settled {
            keys: keys.to_vec(),
            segments,
        });
        self.insert(generation, version, Arc::clone(&settled));
        settled
    }

    /// Forgets every state (after a change that is not a commit, such as new synonyms).
    pub fn clear(&self) {
        let mut state = self.lock();
        state.version += 1;
        state.bytes = 0;
        let old = std::mem::take(&mut state.entries);
        discard(old);
    }

    /// Number of kept states.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True when no state is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a keystroke finds ready: the kept states of typed words, and the scores of common words
/// alone (see [`top_docs_typed`]), each cache within its own budget.
#[derive(Debug)]
pub struct KeptScores {
    states: SettledCache,
    words: SettledCache,
}

impl Default for KeptScores {
    fn default() -> Self {
        Self::with_budget(DEFAULT_BUDGET)
    }
}

impl KeptScores {
    /// Caches of at most `budget` bytes each (and always the newest entry).
    pub fn with_budget(budget: usize) -> Self {
        Self {
            states: SettledCache::with_budget(budget),
            words: SettledCache::with_budget(budget),
        }
    }

    /// Forgets everything (after a change that is not a commit, such as new synonyms).
    pub fn clear(&self) {
        self.states.clear();
        self.words.clear();
    }

    /// Number of kept states of typed words.
    pub fn states(&self) -> usize {
        self.states.len()
    }

    /// Number of kept scores of common words.
    pub fn words(&self) -> usize {
        self.words.len()
    }

    /// True when the kept scores of common words fill half their budget (what warming stops at,
    /// leaving the rest to the words people go on to type).
    pub fn words_half_full(&self, searcher: &Searcher) -> bool {
        let state = self.words.lock();
        state.generation == searcher.generation().generation_id()
            && state.bytes * 2 >= self.words.budget
    }

    /// Reads and keeps the scores of the first clause of `scoring` (the word a one-word text
    /// is planned into), if it is common (see [`top_docs_typed`]); true when they are kept.
    pub fn keep_common_word(&self, searcher: &Searcher, scoring: &Scoring) -> bool {
        let Some(prepared) = prepare(searcher, scoring, None, 1) else {
            return false;
        };
        let kept = common_clauses(searcher, scoring, &prepared, 0..1, &self.words);
        kept.first().is_some_and(Option::is_some)
    }
}

/// Drops states on a thread of their own (inline if no thread can be started), so that the
/// keystroke that finds a new commit does not wait for megabytes to be freed.
fn discard(states: VecDeque<Arc<Settled>>) {
    if states.is_empty() {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("vagvisare-settled-drop".into())
        .spawn(move || drop(states));
}

/// The scores of the query words among clauses `clauses` that have at least as many postings
/// as the index has guides (a word being typed two letters long, a common word), each alone
/// over every guide: from the cache, or read once and cached. `None` for the other clauses.
/// Such a clause costs most of a keystroke, and the same few recur as people type.
fn common_clauses(
    searcher: &Searcher,
    scoring: &Scoring,
    prepared: &Prepared,
    clauses: Range<usize>,
    cache: &SettledCache,
) -> Vec<Option<Arc<Settled>>> {
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
fn add_clauses(
    acc: &mut Accumulators,
    scoring: &Scoring,
    weights: &[Option<Bm25Weight>],
    clauses: Range<usize>,
    common: &[Option<Arc<Settled>>],
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

/// The kept state of the settled clauses of `scoring`: from the cache, or the longest cached
/// state of fewer leading words plus the clauses it lacks (then cached).
fn settled_state(
    searcher: &Searcher,
    scoring: &Scoring,
    prepared: &Prepared,
    kept: &KeptScores,
) -> Arc<Settled> {
    let cache = &kept.states;
    let generation = searcher.generation().generation_id();
    let keys = &scoring.keys[..scoring.settled];
    let version = cache.version();
    if let Some(found) = cache.get(generation, keys) {
        return found;
    }
    // Fewer leading words: the clause counts where a word's clauses begin, longest first.
    let base = (1..scoring.settled)
        .rev()
        .filter(|&len| scoring.token[len] != scoring.token[len - 1])
        .find_map(|len| cache.get(generation, &keys[..len]));
    let new = base.as_ref().map_or(0, |b| b.keys.len())..scoring.settled;
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

/// The best `n` documents by the score of `scoring`, only those `filter` matches when there is
/// one, with the settled clauses' scores, and those of common words, kept in `cache` (see the
/// module text). The same as [`term_at_a_time`](super::topk::term_at_a_time).
pub fn top_docs_typed(
    searcher: &Searcher,
    scoring: &Scoring,
    filter: Option<&dyn Query>,
    n: usize,
    cache: &KeptScores,
) -> Vec<(Score, DocAddress)> {
    let Some(prepared) = prepare(searcher, scoring, filter, n) else {
        return Vec::new();
    };
    let settled = (scoring.settled > 0).then(|| settled_state(searcher, scoring, &prepared, cache));
    let typed = scoring.settled..scoring.clauses();
    let common = common_clauses(searcher, scoring, &prepared, typed.clone(), &cache.words);
    let mut top = TopN::new(n);
    with_accumulators(|acc| {
        let mut scores = std::mem::take(&mut acc.scores);
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let weights = &prepared.weights;
            add_clauses(
                acc,
                scoring,
                weights,
                typed.clone(),
                &common,
                segment,
                ord,
                &mut scores,
            );
            let allowed = prepared.filter.as_deref().map(|f| allowed(f, segment));
            let alive = segment.alive_bitset();
            let admitted = |doc: DocId| {
                alive.is_none_or(|a| a.is_alive(doc))
                    && allowed.as_ref().is_none_or(|a| a.contains(doc))
            };
            let docs = segment.max_doc() as usize;
            let kept = settled.as_ref().map(|s| &s.segments[ord]);
            select(&mut top, ord as u32, docs, kept, &mut scores, admitted);
        }
        acc.scores = scores;
    });
    top.into_sorted()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guide::topk::BLOCK;

    /// A state of `docs` documents in one segment, for the clauses `words`.
    fn state(words: &[&str], docs: usize) -> Arc<Settled> {
        Arc::new(Settled {
            keys: words
                .iter()
                .map(|w| ClauseKey::Word(w.to_string(), 1.0f32.to_bits(), false))
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
        let cache = SettledCache::with_budget(2 * size);
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
        let cache = SettledCache::default();
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
