//! Stage 1, candidates: the best `n` guides by the lexical score of [`super::query`].
//!
//! The score is the one [`to_query`](super::query::to_query) asks Tantivy for:
//!
//! ```text
//! score(guide) = Σ over clauses c of weight(c) × ((1 − t) × max_a S(c, a) + t × Σ_a S(c, a))
//! S(c, a)      = Σ over the terms of alternative a of boost × BM25(term in its field)
//! ```
//!
//! with `t` the tie breaker; a clause is a query word (its alternatives) or an adjacent pair (one
//! alternative of one term). Tantivy scores that tree through boxed scorers that merge their
//! children document by document. Here it is scored term at a time ([`term_at_a_time`]): every
//! posting, a decoded block at a time, is added into per-document accumulators, alternative by
//! alternative and clause by clause, at a few nanoseconds a posting and with no merging. The
//! same guides with the same scores as Tantivy (ties to the earlier document, as in its
//! `TopDocs`; a test holds the two equal).
//!
//! Pruning does not pay here. MaxScore (document at a time, skipping the postings of terms whose
//! bounds cannot lift a guide into the top `n`) was tried, and lost to this on every plan it was
//! given, 3 to 4 times on one common word at 100 000 guides (`keystroke-latency --text`): a word
//! is many near-identical lists (its forms in title, body and learned texts) whose bounds add
//! up past any threshold. What does pay is not reading the same postings again:
//! [`super::settled`] keeps the score of the words already typed, so a keystroke reads only
//! the postings of the word being typed.

use std::cmp::Ordering;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::ops::Range;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::BlockSegmentPostings;
use tantivy::query::{Bm25StatisticsProvider, Bm25Weight, EnableScoring, Query, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentReader, Term};

use super::query::{scored_terms, QueryPlan, Weights};
use super::schema::Fields;

/// One term of the score: which clause and alternative it belongs to and its boost.
#[derive(Debug, Clone)]
struct ScoredTerm {
    term: Term,
    clause: usize,
    alternative: usize,
    /// Alternative boost × source boost (the clause weight is applied per clause).
    boost: Score,
}

/// A clause of the score: a query word with its alternatives, or an adjacent pair.
#[derive(Debug, Clone)]
struct Clause {
    weight: Score,
}

/// What a clause is, as far as its score over the guides of one committed state goes: a query
/// word (whose alternatives that state resolves) or a pair, with its weight.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClauseKey {
    /// A query word, its weight's bits, and whether it is being typed.
    Word(String, u32, bool),
    /// A pair term and its weight's bits.
    Pair(String, u32),
}

/// The score of a plan, as terms grouped into alternatives and clauses.
#[derive(Debug, Clone, Default)]
pub struct Scoring {
    terms: Vec<ScoredTerm>,
    clauses: Vec<Clause>,
    /// Number of alternatives (of every clause).
    alternatives: usize,
    tie_breaker: Score,
    /// Per clause, what it is.
    pub(super) keys: Vec<ClauseKey>,
    /// Per clause, the typed word (token) that brought it; clauses are in this order.
    pub(super) token: Vec<usize>,
    /// The leading clauses that stay as they are while the text grows ([`super::settled`]).
    pub(super) settled: usize,
}

impl Scoring {
    /// The terms, alternatives and clauses of a plan's score (what [`to_query`](super::query::to_query)
    /// builds as a Tantivy query), in the order the words were typed: each word, then the pairs
    /// it completes.
    pub fn of(plan: &QueryPlan, fields: &Fields, w: &Weights) -> Self {
        let mut scoring = Scoring {
            tie_breaker: w.tie_breaker,
            ..Scoring::default()
        };
        let mut pairs = plan.pairs.iter().peekable();
        let mut words = plan.words.iter().peekable();
        loop {
            let word_first = match (words.peek(), pairs.peek()) {
                (Some(qw), Some(pair)) => qw.at <= pair.at,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if word_first {
                let Some(qw) = words.next() else { break };
                let mut alternatives: Vec<Vec<(Term, Score)>> = Vec::new();
                for alt in &qw.alternatives {
                    let terms: Vec<(Term, Score)> = scored_terms(alt, fields, w)
                        .into_iter()
                        .map(|(field, text, boost)| (Term::from_field_text(field, text), boost))
                        .collect();
                    if !terms.is_empty() {
                        alternatives.push(terms);
                    }
                }
                let key = ClauseKey::Word(qw.text.clone(), qw.weight.to_bits(), qw.prefix);
                scoring.push_clause(qw.weight, alternatives, key, qw.at);
            } else {
                let Some(pair) = pairs.next() else { break };
                let term = Term::from_field_text(fields.pair, &pair.term);
                let key = ClauseKey::Pair(pair.term.clone(), pair.weight.to_bits());
                scoring.push_clause(pair.weight, vec![vec![(term, 1.0)]], key, pair.at);
            }
        }
        scoring.settled = scoring
            .token
            .partition_point(|&token| token < plan.settled_tokens);
        scoring
    }

    fn push_clause(
        &mut self,
        weight: Score,
        alternatives: Vec<Vec<(Term, Score)>>,
        key: ClauseKey,
        token: usize,
    ) {
        if alternatives.is_empty() {
            return;
        }
        let clause = self.clauses.len();
        self.clauses.push(Clause { weight });
        self.keys.push(key);
        self.token.push(token);
        for terms in alternatives {
            let alternative = self.alternatives;
            self.alternatives += 1;
            for (term, boost) in terms {
                self.terms.push(ScoredTerm {
                    term,
                    clause,
                    alternative,
                    boost,
                });
            }
        }
    }

    /// The terms of clauses `clauses` (terms are in clause order).
    pub(super) fn terms_of(&self, clauses: Range<usize>) -> Range<usize> {
        let from = self.terms.partition_point(|t| t.clause < clauses.start);
        let to = self.terms.partition_point(|t| t.clause < clauses.end);
        from..to
    }

    /// Number of clauses.
    pub(super) fn clauses(&self) -> usize {
        self.clauses.len()
    }

    /// True when nothing can match.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// BM25 weights of every term, with searcher-wide statistics (what Tantivy's `TermQuery`
    /// computes: `Bm25Weight::for_terms` of one term), boosted; `None` where the index holds no
    /// such term. One document-frequency lookup per term, and each field's token count once.
    fn weights(&self, searcher: &Searcher) -> Vec<Option<Bm25Weight>> {
        let Ok(docs) = searcher.total_num_docs() else {
            return vec![None; self.terms.len()];
        };
        let mut average_norm: HashMap<Field, Option<Score>> = HashMap::new();
        self.terms
            .iter()
            .map(|t| {
                let doc_freq = searcher.doc_freq(&t.term).ok()?;
                if doc_freq == 0 {
                    return None;
                }
                let average = *average_norm.entry(t.term.field()).or_insert_with(|| {
                    let tokens = searcher.total_num_tokens(t.term.field()).ok()?;
                    Some(tokens as Score / docs as Score)
                });
                let weight = Bm25Weight::for_one_term(doc_freq, docs, average?);
                Some(weight.boost_by(t.boost))
            })
            .collect()
    }
}

/// A hit: its score and address; ordered so that the better hit is the greater (a higher score,
/// or the same score and an earlier document).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Hit {
    pub(super) score: Score,
    pub(super) address: DocAddress,
}

impl Eq for Hit {}

impl Ord for Hit {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.address.cmp(&self.address))
    }
}

impl PartialOrd for Hit {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The best `n` hits seen so far; the worst of them is the threshold to beat.
pub(super) struct TopN {
    n: usize,
    /// A min-heap by hit quality: `Reverse` keeps the worst on top.
    heap: BinaryHeap<Reverse<Hit>>,
}

impl TopN {
    pub(super) fn new(n: usize) -> Self {
        Self {
            n,
            heap: BinaryHeap::with_capacity(n + 1),
        }
    }

    /// A score a later document must exceed to enter (documents come in address order, so a tie
    /// with the worst loses).
    pub(super) fn threshold(&self) -> Score {
        if self.heap.len() < self.n {
            Score::NEG_INFINITY
        } else {
            self.heap.peek().map_or(Score::NEG_INFINITY, |h| h.0.score)
        }
    }

    pub(super) fn push(&mut self, hit: Hit) {
        if self.heap.len() < self.n {
            self.heap.push(Reverse(hit));
        } else if self.heap.peek().is_some_and(|worst| hit > worst.0) {
            self.heap.pop();
            self.heap.push(Reverse(hit));
        }
    }

    pub(super) fn into_sorted(self) -> Vec<(Score, DocAddress)> {
        let mut hits: Vec<Hit> = self.heap.into_iter().map(|h| h.0).collect();
        hits.sort_by(|a, b| b.cmp(a));
        hits.into_iter().map(|h| (h.score, h.address)).collect()
    }
}

/// Documents a filter lets through, per segment (as a bit set).
pub struct Allowed(Vec<u64>);

impl Allowed {
    pub(super) fn contains(&self, doc: DocId) -> bool {
        self.0
            .get(doc as usize / 64)
            .is_some_and(|w| w & (1 << (doc % 64)) != 0)
    }
}

/// The documents of `segment` that `filter` matches.
pub(super) fn allowed(filter: &dyn Weight, segment: &SegmentReader) -> Allowed {
    let mut bits = vec![0u64; (segment.max_doc() as usize).div_ceil(64)];
    let _ = filter.for_each_no_score(segment, &mut |docs| {
        for &d in docs {
            bits[d as usize / 64] |= 1 << (d % 64);
        }
    });
    Allowed(bits)
}

/// A term's postings in a segment as blocks (the first one loaded) and its field's norms;
/// `None` where the segment does not hold the term.
fn open_blocks(
    segment: &SegmentReader,
    term: &Term,
) -> Option<(BlockSegmentPostings, FieldNormReader)> {
    let field: Field = term.field();
    let inverted = segment.inverted_index(field).ok()?;
    let blocks = inverted
        .read_block_postings(term, IndexRecordOption::WithFreqs)
        .ok()??;
    Some((blocks, norms(segment, field)))
}

/// A field's norms in a segment (every document of length 1 if the field has none).
fn norms(segment: &SegmentReader, field: Field) -> FieldNormReader {
    segment
        .fieldnorms_readers()
        .get_field(field)
        .ok()
        .flatten()
        .unwrap_or_else(|| FieldNormReader::constant(segment.max_doc(), 1))
}

/// Per-document accumulators of one segment's term-at-a-time search, zero between uses.
#[derive(Default)]
pub(super) struct Accumulators {
    alternative: Vec<Score>,
    /// Per document, the highest and the sum of the clause's alternatives so far (side by side:
    /// one cache line for both).
    clause: Vec<(Score, Score)>,
    touched_alternative: Vec<DocId>,
    touched_clause: Vec<DocId>,
    /// Per document, the sum of its clauses' scores.
    pub(super) total: Vec<Score>,
    /// The documents whose `total` is not zero.
    pub(super) touched_total: Vec<DocId>,
}

impl Accumulators {
    /// Room for every document of a segment.
    pub(super) fn ready(&mut self, max_doc: usize) {
        for v in [&mut self.alternative, &mut self.total] {
            if v.len() < max_doc {
                v.resize(max_doc, 0.0);
            }
        }
        if self.clause.len() < max_doc {
            self.clause.resize(max_doc, (0.0, 0.0));
        }
    }

    /// Adds the scores of clauses `clauses` of `scoring` to every document of `segment` in
    /// `totals` (one per document), and notes in `touched` the documents whose total was zero.
    pub(super) fn add_clauses(
        &mut self,
        scoring: &Scoring,
        weights: &[Option<Bm25Weight>],
        clauses: Range<usize>,
        segment: &SegmentReader,
        totals: &mut [Score],
        mut touched: Option<&mut Vec<DocId>>,
    ) {
        self.ready(segment.max_doc() as usize);
        let Accumulators {
            alternative,
            clause: per_clause,
            touched_alternative,
            touched_clause,
            ..
        } = self;
        let t = scoring.tie_breaker;
        let terms = scoring.terms_of(clauses);
        let (end, mut i) = (terms.end, terms.start);
        // Terms are grouped by clause and alternative, in order.
        while i < end {
            let clause = scoring.terms[i].clause;
            while i < end && scoring.terms[i].clause == clause {
                let alt = scoring.terms[i].alternative;
                let first = i;
                while i < end && scoring.terms[i].alternative == alt {
                    i += 1;
                }
                // An alternative of one term goes straight into its clause; one of several
                // (the same word in title and body) is summed first.
                let single = i - first == 1;
                for (term, weight) in scoring.terms[first..i].iter().zip(&weights[first..i]) {
                    let Some(bm25) = weight else { continue };
                    let Some((mut blocks, norms)) = open_blocks(segment, &term.term) else {
                        continue;
                    };
                    // A block of decoded documents and frequencies at a time.
                    while !blocks.docs().is_empty() {
                        for (&doc, &freq) in blocks.docs().iter().zip(blocks.freqs()) {
                            let score = bm25
                                .score(norms.fieldnorm_id(doc), freq)
                                .max(Score::MIN_POSITIVE);
                            if single {
                                let (max, sum) = &mut per_clause[doc as usize];
                                if *sum == 0.0 {
                                    touched_clause.push(doc);
                                }
                                *max = max.max(score);
                                *sum += score;
                                continue;
                            }
                            let slot = &mut alternative[doc as usize];
                            if *slot == 0.0 {
                                touched_alternative.push(doc);
                            }
                            *slot += score;
                        }
                        blocks.advance();
                    }
                }
                for &doc in touched_alternative.iter() {
                    let d = doc as usize;
                    let s = std::mem::take(&mut alternative[d]);
                    let (max, sum) = &mut per_clause[d];
                    if *sum == 0.0 {
                        touched_clause.push(doc);
                    }
                    *max = max.max(s);
                    *sum += s;
                }
                touched_alternative.clear();
            }
            let weight = scoring.clauses[clause].weight;
            for &doc in touched_clause.iter() {
                let d = doc as usize;
                let (max, sum) = std::mem::take(&mut per_clause[d]);
                if let Some(touched) = touched.as_deref_mut() {
                    if totals[d] == 0.0 {
                        touched.push(doc);
                    }
                }
                totals[d] += (weight * (max + (sum - max) * t)).max(Score::MIN_POSITIVE);
            }
            touched_clause.clear();
        }
    }

    /// Adds the clauses to the accumulators' own totals (see [`add_clauses`](Self::add_clauses)).
    pub(super) fn add_to_total(
        &mut self,
        scoring: &Scoring,
        weights: &[Option<Bm25Weight>],
        clauses: Range<usize>,
        segment: &SegmentReader,
    ) {
        let mut total = std::mem::take(&mut self.total);
        let mut touched = std::mem::take(&mut self.touched_total);
        total.resize(total.len().max(segment.max_doc() as usize), 0.0);
        self.add_clauses(
            scoring,
            weights,
            clauses,
            segment,
            &mut total,
            Some(&mut touched),
        );
        self.total = total;
        self.touched_total = touched;
    }
}

/// What a search needs before reading postings.
pub(super) struct Prepared {
    /// The filter's weight, when there is a filter.
    pub(super) filter: Option<Box<dyn Weight>>,
    /// Every term's BM25 weight ([`Scoring::weights`]).
    pub(super) weights: Vec<Option<Bm25Weight>>,
}

/// [`Prepared`] for a search; `None` when nothing is to be found.
pub(super) fn prepare(
    searcher: &Searcher,
    scoring: &Scoring,
    filter: Option<&dyn Query>,
    n: usize,
) -> Option<Prepared> {
    if scoring.is_empty() || n == 0 {
        return None;
    }
    let filter = filter.and_then(|q| {
        q.weight(EnableScoring::disabled_from_searcher(searcher))
            .ok()
    });
    Some(Prepared {
        filter,
        weights: scoring.weights(searcher),
    })
}

thread_local! {
    static ACCUMULATORS: std::cell::RefCell<Accumulators> = std::cell::RefCell::default();
}

/// Runs `f` with this thread's accumulators (kept between searches, so that a keystroke does
/// not allocate them again).
pub(super) fn with_accumulators<T>(f: impl FnOnce(&mut Accumulators) -> T) -> T {
    ACCUMULATORS.with(|acc| f(&mut acc.borrow_mut()))
}

/// The best `n` documents by the score of `scoring`, only those `filter` matches when there is
/// one, term at a time: every posting of every term is added into per-document accumulators,
/// alternative by alternative and clause by clause, which combine as the score says (see the
/// module text).
pub fn term_at_a_time(
    searcher: &Searcher,
    scoring: &Scoring,
    filter: Option<&dyn Query>,
    n: usize,
) -> Vec<(Score, DocAddress)> {
    let Some(Prepared { filter, weights }) = prepare(searcher, scoring, filter, n) else {
        return Vec::new();
    };
    let mut top = TopN::new(n);
    with_accumulators(|acc| {
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            acc.add_to_total(scoring, &weights, 0..scoring.clauses(), segment);
            let allowed = filter.as_deref().map(|f| allowed(f, segment));
            let alive = segment.alive_bitset();
            let Accumulators {
                total,
                touched_total,
                ..
            } = acc;
            // In any order: a hit that ties the worst kept one enters only by an earlier address.
            for &doc in touched_total.iter() {
                let score = std::mem::take(&mut total[doc as usize]);
                if score >= top.threshold()
                    && alive.is_none_or(|a| a.is_alive(doc))
                    && allowed.as_ref().is_none_or(|a| a.contains(doc))
                {
                    top.push(Hit {
                        score,
                        address: DocAddress::new(ord as u32, doc),
                    });
                }
            }
            touched_total.clear();
        }
    });
    top.into_sorted()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::parse_queries;
    use crate::guide::model::read_jsonl_path;
    use crate::guide::query::{filter_query, to_query, Filters};
    use crate::guide::settled::{top_docs_typed, SettledCache};
    use crate::guide::GuideIndex;
    use crate::{Guide, SuggestOptions};
    use tantivy::collector::TopDocs;

    /// Every `prefix_step`-th prefix of every `query_step`-th bundled labelled query, and the
    /// full query, in typing order.
    fn prefixes(query_step: usize, prefix_step: usize) -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/eval");
        let queries = read_jsonl_path(dir.as_ref(), parse_queries).expect("labelled queries");
        let mut texts = Vec::new();
        for q in queries.iter().step_by(query_step) {
            let chars: Vec<char> = q.query.chars().collect();
            for k in (1..=chars.len()).step_by(prefix_step) {
                texts.push(chars[..k].iter().collect());
            }
            texts.push(q.query.clone());
        }
        texts
    }

    /// Every 4th prefix of every 20th labelled query.
    fn texts() -> Vec<String> {
        prefixes(20, 4)
    }

    fn assert_same(ours: &[(Score, DocAddress)], other: &[(Score, DocAddress)], what: &str) {
        assert_eq!(ours.len(), other.len(), "{what}: lengths");
        for (i, ((sa, da), (sb, db))) in ours.iter().zip(other).enumerate() {
            let close = (sa - sb).abs() <= 1e-4 * sa.abs().max(1.0);
            assert!(close, "{what}: score {i}: {sa} vs {sb}");
            // Documents may swap only where scores tie (to rounding).
            if da != db {
                let tie = other
                    .iter()
                    .any(|(s, d)| d == da && (s - sa).abs() <= 1e-4 * sa.abs().max(1.0));
                assert!(tie, "{what}: document {i}: {da:?} vs {db:?} ({sa} vs {sb})");
            }
        }
    }

    /// An index of several segments with deletions, so cursors cross segments and skip the dead.
    fn segmented_index() -> GuideIndex {
        let guides = crate::bundled::guides();
        let index = GuideIndex::in_memory().unwrap();
        for chunk in guides.chunks(40) {
            index.upsert(chunk).unwrap();
            index.commit().unwrap();
        }
        // Re-upserting deletes the old copies: dead documents in the early segments.
        index.upsert(&guides[..30]).unwrap();
        index
            .upsert(&[Guide::new(
                "extra",
                "Byta lösenord",
                "Lösenordet byts i portalen.",
            )])
            .unwrap();
        index.commit().unwrap();
        index
    }

    #[test]
    fn term_at_a_time_and_tantivy_find_the_same() {
        let index = segmented_index();
        let searcher = index.searcher();
        assert!(searcher.segment_readers().len() > 1, "several segments");
        let filters = [
            Filters::default(),
            Filters {
                categories: vec!["IT och telefoni".into()],
                audiences: vec![],
            },
            Filters {
                categories: vec![],
                audiences: vec!["utförare".into()],
            },
        ];
        let mut compared = 0;
        for text in texts() {
            let plan = index.plan(&text, &searcher);
            if plan.is_empty() {
                continue;
            }
            let scoring = Scoring::of(&plan, &index.fields, &index.weights);
            for filters in &filters {
                let filter = filter_query(&index.fields, filters);
                for n in [1, 5, 20] {
                    let ours = term_at_a_time(&searcher, &scoring, filter.as_deref(), n);
                    let query = to_query(&plan, &index.fields, &index.weights, filters);
                    let tantivy = searcher
                        .search(&query, &TopDocs::with_limit(n).order_by_score())
                        .unwrap();
                    assert_same(&ours, &tantivy, &format!("{text:?} n={n} vs Tantivy"));
                    compared += 1;
                }
            }
        }
        assert!(compared > 300, "{compared} searches compared");
    }

    /// Typing order: every prefix of a few labelled queries, one after another.
    fn typed() -> Vec<String> {
        prefixes(101, 1)
    }

    #[test]
    fn kept_scores_of_typed_words_find_the_same_as_scoring_everything() {
        let index = segmented_index();
        let searcher = index.searcher();
        let filters = [
            Filters::default(),
            Filters {
                categories: vec![],
                audiences: vec!["utförare".into()],
            },
        ];
        // A budget of one state as well: a keystroke whose base was evicted starts over.
        for cache in [SettledCache::default(), SettledCache::with_budget(1)] {
            let mut settled = 0;
            for text in typed() {
                let plan = index.plan(&text, &searcher);
                let scoring = Scoring::of(&plan, &index.fields, &index.weights);
                settled += usize::from(scoring.settled > 0);
                for filters in &filters {
                    let filter = filter_query(&index.fields, filters);
                    for n in [1, 5] {
                        let typed =
                            top_docs_typed(&searcher, &scoring, filter.as_deref(), n, &cache);
                        let all = term_at_a_time(&searcher, &scoring, filter.as_deref(), n);
                        assert_same(&typed, &all, &format!("{text:?} n={n} {filters:?}"));
                    }
                }
            }
            assert!(settled > 200, "{settled} keystrokes with settled words");
            assert!(!cache.is_empty());
        }
    }

    #[test]
    fn a_typed_word_is_scored_once_and_kept_for_the_next_keystrokes() {
        let index = segmented_index();
        let searcher = index.searcher();
        let cache = SettledCache::default();
        let search = |text: &str| {
            let plan = index.plan(text, &searcher);
            let scoring = Scoring::of(&plan, &index.fields, &index.weights);
            (
                scoring.settled,
                top_docs_typed(&searcher, &scoring, None, 5, &cache),
            )
        };
        assert_eq!(search("glömt lös").0, 1, "the complete word is settled");
        assert_eq!(cache.len(), 1);
        search("glömt löse");
        assert_eq!(cache.len(), 1, "the next keystroke reuses it");
        let (settled, _) = search("glömt lösenordet ");
        // glömt, lösenordet, and the pairs they make.
        assert!(settled >= 3, "{settled}");
        assert_eq!(cache.len(), 2, "one more state, built on the first");
    }

    #[test]
    fn a_commit_replaces_the_kept_scores() {
        let index = segmented_index();
        let options = SuggestOptions::limit(3);
        let before = index.suggest_ids("glömt zyxwort", &options);
        assert!(!before.contains(&"new".to_string()));
        index
            .upsert(&[Guide::new("new", "Glömt zyxwort", "Glömt zyxwort, glömt.")])
            .unwrap();
        index.commit().unwrap();
        let after = index.suggest_ids("glömt zyxwort", &options);
        assert_eq!(after.first().map(String::as_str), Some("new"), "{after:?}");
    }

    #[test]
    fn the_suggestions_are_those_of_the_best_scores() {
        let index = segmented_index();
        let found = index.suggest("glömt lösenordet", &SuggestOptions::limit(3));
        assert_eq!(found.len(), 3);
        assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(found
            .iter()
            .any(|s| s.id == "extra" || s.id.contains("losenord")));
    }

    #[test]
    fn a_hit_is_better_with_a_higher_score_or_an_earlier_document() {
        let hit = |score, doc| Hit {
            score,
            address: DocAddress::new(0, doc),
        };
        assert!(hit(2.0, 9) > hit(1.0, 1));
        assert!(hit(1.0, 1) > hit(1.0, 2));
        let mut top = TopN::new(2);
        for h in [
            hit(1.0, 1),
            hit(3.0, 2),
            hit(1.0, 3),
            hit(2.0, 4),
            hit(2.0, 5),
        ] {
            top.push(h);
        }
        let kept: Vec<u32> = top.into_sorted().iter().map(|(_, a)| a.doc_id).collect();
        assert_eq!(kept, [2, 4]);
    }
}
