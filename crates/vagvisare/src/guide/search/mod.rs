//! Stages 2 and 3, **Candidates** and **Scoring**: the best `n` guides for a plan, by the
//! lexical score of [`super::plan`].
//!
//! ```text
//! score(guide) = Σ over clauses c of weight(c) × ((1 − t) × max_a S(c, a) + t × Σ_a S(c, a))
//! S(c, a)      = Σ over the terms of alternative a of boost × BM25(term in its field)
//! ```
//!
//! with `t` the tie breaker; a clause is a query word (its alternatives) or an adjacent pair (one
//! alternative of one term). The parts, in the order a search runs them:
//!
//! - [`scoring`]: the plan as terms grouped into alternatives and clauses ([`Scoring`]), and
//!   each term's BM25 weight.
//! - [`accumulate`]: the candidates, term at a time: every posting of a clause's terms, a
//!   decoded block at a time, scored and added into per-document accumulators, alternative by
//!   alternative and clause by clause, with no merging. A clause with at least as many postings
//!   as there are guides is read a window of documents at a time (so the accumulators being
//!   written stay in the core's cache); one with fewer notes the guides it reaches and sweeps
//!   only those. The result is one score per guide, with the highest of each block of 128.
//! - [`kept`]: the scores of the words already typed and of common words, kept from one
//!   keystroke to the next, so that a keystroke reads only the postings of the word being typed.
//! - [`select`](mod@select): the best `n` by kept + typed score, block by block, highest bound first,
//!   passing over every block that cannot reach them; [`filter`] lets through only the guides
//!   a person may be shown.
//!
//! The same guides with the same scores as Tantivy's own search of the same score (ties to the
//! earlier document, as in its `TopDocs`): the test-only `reference` module builds that search
//! and the tests hold the two equal. Why term at a time and not a pruning algorithm
//! (MaxScore): docs/benchmarks.md, "What did not pay".
//!
//! The semantic stage ([`semantic`]) runs after them: it re-scores the best lexical candidates by
//! meaning, adds the guides nearest the typed text, and fuses the two scores.

mod accumulate;
pub(crate) mod ann;
mod bm25;
mod filter;
mod kept;
mod pages;
#[cfg(test)]
mod reference;
mod scoring;
mod select;
pub(crate) mod semantic;

use tantivy::query::{EnableScoring, Query, Weight};
use tantivy::{DocAddress, DocId, Score, Searcher};

use accumulate::with_accumulators;
use bm25::Bm25;
use filter::allowed;
use kept::{add_clauses, common_clauses, kept_state};
use select::{select, TopN};

pub(crate) use filter::filter_query;
pub use filter::Filters;
pub(crate) use kept::KeptScores;
pub(crate) use scoring::Scoring;

use super::index::ReadErrors;
use super::schema::GROUP;

/// What a search needs before reading postings.
pub(super) struct Prepared {
    /// The filter's weight, when there is a filter.
    pub(super) filter: Option<Box<dyn Weight>>,
    /// Every term's BM25 weight ([`Scoring::weights`]).
    pub(super) weights: Vec<Option<Bm25>>,
    /// Every term's document frequency.
    pub(super) doc_freqs: Vec<u64>,
    /// Whether the index holds learned passages, whose hits are grouped with their guide's.
    pub(super) grouped: bool,
}

impl Prepared {
    /// The postings of clause `clause` of `scoring`, in every segment.
    pub(super) fn postings(&self, scoring: &Scoring, clause: usize) -> u64 {
        self.doc_freqs[scoring.terms_of(clause..clause + 1)]
            .iter()
            .sum()
    }
}

/// [`Prepared`] for a search; `None` when nothing is to be found. What cannot be read is
/// counted in `errors` and counts as absent.
pub(super) fn prepare(
    searcher: &Searcher,
    scoring: &Scoring,
    filter: Option<&dyn Query>,
    n: usize,
    errors: &ReadErrors,
) -> Option<Prepared> {
    if scoring.is_empty() || n == 0 {
        return None;
    }
    let filter = filter.and_then(|q| {
        let weight = q.weight(EnableScoring::disabled_from_searcher(searcher));
        errors.or(weight.map(Some), None)
    });
    let passages = scoring.passages(searcher, errors);
    let (weights, doc_freqs) = scoring.weights(searcher, passages, errors);
    Some(Prepared {
        filter,
        weights,
        doc_freqs,
        grouped: passages > 0,
    })
}

/// The group of each document of a segment (a guide's and its passages' common key).
pub(super) fn groups(
    segment: &tantivy::SegmentReader,
    errors: &ReadErrors,
) -> Option<tantivy::columnar::Column<u64>> {
    errors.or(segment.fast_fields().u64(GROUP).map(Some), None)
}

/// The best `n` documents by the score of `scoring`, only those `filter` matches when there is
/// one: the kept clauses' scores and those of common words from `kept` (or read and kept), the
/// clauses of the word being typed read anew, the best chosen block by block (see the module
/// text). What cannot be read is counted in `errors` and counts as absent.
pub(crate) fn top_docs(
    searcher: &Searcher,
    scoring: &Scoring,
    filter: Option<&dyn Query>,
    n: usize,
    kept: &KeptScores,
    errors: &ReadErrors,
) -> Vec<(Score, DocAddress)> {
    let Some(prepared) = prepare(searcher, scoring, filter, n, errors) else {
        return Vec::new();
    };
    let state = (scoring.kept > 0).then(|| kept_state(searcher, scoring, &prepared, kept));
    let typed = scoring.kept..scoring.clauses();
    let common = common_clauses(searcher, scoring, &prepared, typed.clone(), &kept.words);
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
            let kept = state.as_ref().map(|s| &s.segments[ord]);
            let groups = prepared.grouped.then(|| groups(segment, errors)).flatten();
            let group = |doc: DocId| groups.as_ref().and_then(|c| c.first(doc));
            select(
                &mut top,
                ord as u32,
                docs,
                kept,
                &mut scores,
                admitted,
                group,
            );
        }
        acc.scores = scores;
    });
    top.into_sorted()
}
