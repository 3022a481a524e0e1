//! A small cache of values derived from one committed state of the index.
//!
//! Typing repeats itself: every keystroke re-plans the words typed before it and re-explains the
//! guides that were already on screen. What those depend on changes only at a commit, so each
//! entry belongs to the searcher generation it was computed from, and a newer generation empties
//! the cache. A search still running on an older searcher neither reads nor fills it. A full
//! cache forgets its least recently used entry: what one person is typing stays while the texts
//! typed before move out.

use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;

/// Entries kept by default before the least recently used goes (keeps memory bounded).
const DEFAULT_CAPACITY: usize = 4096;
/// Default number of analysed guides kept (see [`CacheBudget::analysed_guides`]).
const ANALYSED_GUIDES: usize = 1024;

/// How much the caches of searching may hold: what a portal process gives them. Each lasts
/// until the next commit; a smaller budget costs keystrokes that read again what a larger one
/// kept, never a different suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheBudget {
    /// Bytes of kept scores (4 bytes a guide each, see `search/kept.rs`), half for the words
    /// people have typed and half for common words ([`GuideIndex::warm`] fills half of that
    /// half). Default 64 MiB: 160 kept scores of 100 000 guides.
    ///
    /// [`GuideIndex::warm`]: crate::guide::GuideIndex::warm
    pub kept_scores: usize,
    /// Guides analysed for explaining (title, body and their words, with where each term
    /// stands), kept by number. Default 1 024: some 20 MB at 100 000 generated guides while
    /// each term's word numbers were a list of their own, 16–22 MiB less since they share one
    /// array per guide; 4 096 held 80 MB more and made the first pass over their
    /// keystrokes 5 % faster at the median.
    pub analysed_guides: usize,
    /// Query words with their expansions against the index (completions, typo neighbours),
    /// kept by number. Default 4 096.
    pub expanded_words: usize,
    /// Texts with the guides the semantic stage found near them (everybody's "Hej!" looked
    /// for once per commit), kept by number. Default 4 096: a few hundred bytes each.
    pub searched_texts: usize,
}

impl Default for CacheBudget {
    fn default() -> Self {
        Self {
            kept_scores: 64 << 20,
            analysed_guides: ANALYSED_GUIDES,
            expanded_words: DEFAULT_CAPACITY,
            searched_texts: DEFAULT_CAPACITY,
        }
    }
}

/// Values of one searcher generation, by key.
#[derive(Debug)]
pub(crate) struct GenerationCache<K: Hash + Eq, V> {
    state: Mutex<State<K, V>>,
    capacity: NonZeroUsize,
}

#[derive(Debug)]
struct State<K: Hash + Eq, V> {
    generation: u64,
    entries: LruCache<K, Arc<V>>,
}

impl<K: Eq + Hash + Clone + Send + 'static, V: Send + Sync + 'static> Default
    for GenerationCache<K, V>
{
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl<K: Eq + Hash + Clone + Send + 'static, V: Send + Sync + 'static> GenerationCache<K, V> {
    /// A cache holding at most `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Self {
            state: Mutex::new(State {
                generation: 0,
                entries: LruCache::new(capacity),
            }),
            capacity,
        }
    }

    /// The value of `key` in `generation`, computed by `compute` unless cached. The lock is not
    /// held while computing, so two threads may compute the same value once each.
    pub fn get_or_compute(&self, generation: u64, key: K, compute: impl FnOnce() -> V) -> Arc<V> {
        self.get_or_compute_keeping(generation, key, || (compute(), true))
    }

    /// [`get_or_compute`](Self::get_or_compute) for a value that is kept only when `compute`
    /// says so (a value computed within a search's budget is not the key's whole value).
    pub fn get_or_compute_keeping(
        &self,
        generation: u64,
        key: K,
        compute: impl FnOnce() -> (V, bool),
    ) -> Arc<V> {
        {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if generation > state.generation {
                state.generation = generation;
                let old = std::mem::replace(&mut state.entries, LruCache::new(self.capacity));
                discard(old);
            }
            if generation == state.generation {
                if let Some(value) = state.entries.get(&key) {
                    return Arc::clone(value);
                }
            }
        }
        let (value, keep) = compute();
        let value = Arc::new(value);
        if !keep {
            return value;
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if generation == state.generation {
            // One entry makes room for the next (the least recently used): emptying a full cache
            // at once would cost one keystroke the drop of thousands of analysed guides.
            state.entries.put(key, Arc::clone(&value));
        }
        value
    }

    /// Forgets every entry (after a change that is not a commit, such as new weights).
    pub fn clear(&self) {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .clear();
    }

    /// Number of cached entries.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .len()
    }

    /// True when nothing is cached.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Drops a generation's entries on a thread of their own, so that the keystroke that finds a new
/// commit does not wait for them (inline if no thread can be started).
fn discard<K: Hash + Eq + Send + 'static, V: Send + Sync + 'static>(entries: LruCache<K, Arc<V>>) {
    if entries.is_empty() {
        return;
    }
    // Should no thread start, the closure, and with it the entries, is dropped right here.
    let _ = std::thread::Builder::new()
        .name("vagvisare-cache-drop".into())
        .spawn(move || drop(entries));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_computed_once_per_generation() {
        let cache = GenerationCache::with_capacity(8);
        let mut calls = 0;
        for _ in 0..3 {
            let v = cache.get_or_compute(1, "k", || {
                calls += 1;
                7
            });
            assert_eq!(*v, 7);
        }
        assert_eq!(calls, 1);
        let v = cache.get_or_compute(2, "k", || 8);
        assert_eq!(*v, 8, "a newer generation recomputes");
    }

    #[test]
    fn an_older_generation_neither_reads_nor_fills() {
        let cache = GenerationCache::with_capacity(8);
        cache.get_or_compute(5, "k", || 1);
        assert_eq!(*cache.get_or_compute(4, "k", || 2), 2);
        assert_eq!(*cache.get_or_compute(5, "k", || 3), 1);
        cache.get_or_compute(4, "other", || 9);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_full_cache_forgets_the_least_recently_used() {
        let cache = GenerationCache::with_capacity(3);
        for k in 0..3 {
            cache.get_or_compute(1, k, || k);
        }
        // 0 is used again, so 1 is the one that goes when 3 comes.
        cache.get_or_compute(1, 0, || 99);
        cache.get_or_compute(1, 3, || 3);
        assert_eq!(*cache.get_or_compute(1, 0, || 99), 0, "kept");
        assert_eq!(*cache.get_or_compute(1, 2, || 99), 2, "kept");
        assert_eq!(
            *cache.get_or_compute(1, 1, || 42),
            42,
            "forgotten, computed again"
        );
    }

    #[test]
    fn capacity_bounds_the_entries() {
        let cache = GenerationCache::with_capacity(2);
        for k in 0..5 {
            cache.get_or_compute(1, k, || k);
        }
        assert_eq!(cache.len(), 2);
        // The newest entry is kept, and found without computing again.
        assert_eq!(*cache.get_or_compute(1, 4, || 99), 4);
        cache.clear();
        assert!(cache.is_empty());
    }
}
