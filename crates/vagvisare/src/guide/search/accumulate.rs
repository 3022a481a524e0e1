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
//! alternative and clause by clause, with no merging. A clause with at least as many postings
//! as there are guides (a two-letter word being typed reaches most of them) is read a window of
//! `WINDOW` documents at a time, so that the accumulators being written stay in the core's
//! cache, and swept into the scores window by window; a clause with fewer notes the guides it
//! reaches and sweeps only those. The scores keep the highest of each block of [`BLOCK`]
//! guides, and the best are chosen block by block (`select`), highest bound first, passing
//! over every block that cannot reach them. The same guides with the same scores as Tantivy
//! (ties to the earlier document, as in its `TopDocs`; a test holds the two equal).
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
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentReader, Term, TERMINATED};

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
    /// Also each term's document frequency.
    fn weights(&self, searcher: &Searcher) -> (Vec<Option<Bm25Weight>>, Vec<u64>) {
        let Ok(docs) = searcher.total_num_docs() else {
            return (vec![None; self.terms.len()], vec![0; self.terms.len()]);
        };
        let mut average_norm: HashMap<Field, Option<Score>> = HashMap::new();
        self.terms
            .iter()
            .map(|t| {
                let doc_freq = searcher.doc_freq(&t.term).unwrap_or(0);
                if doc_freq == 0 {
                    return (None, 0);
                }
                let average = *average_norm.entry(t.term.field()).or_insert_with(|| {
                    let tokens = searcher.total_num_tokens(t.term.field()).ok()?;
                    Some(tokens as Score / docs as Score)
                });
                let weight = average.map(|average| {
                    Bm25Weight::for_one_term(doc_freq, docs, average).boost_by(t.boost)
                });
                (weight, doc_freq)
            })
            .unzip()
    }

    /// True when clause `clause` is a query word (not a pair).
    pub(super) fn is_word(&self, clause: usize) -> bool {
        matches!(self.keys[clause], ClauseKey::Word(..))
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
    pub(super) n: usize,
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

/// Documents per block of [`BlockScores`]: a block whose highest score cannot reach the best
/// `n` is passed over whole.
pub const BLOCK: usize = 128;

/// A score for every document of one segment, with the highest of each block of [`BLOCK`]
/// documents (zero for a block that no score reached). Scores only grow as clauses are added,
/// so the maxima stay exact.
#[derive(Debug, Clone, Default)]
pub struct BlockScores {
    pub(super) score: Vec<Score>,
    pub(super) block_max: Vec<Score>,
}

impl BlockScores {
    /// Zero for each of `docs` documents.
    pub(super) fn zeros(docs: usize) -> Self {
        Self {
            score: vec![0.0; docs],
            block_max: vec![0.0; docs.div_ceil(BLOCK)],
        }
    }

    /// Room for `docs` documents (the new ones zero).
    fn ready(&mut self, docs: usize) {
        if self.score.len() < docs {
            self.score.resize(docs, 0.0);
            self.block_max.resize(docs.div_ceil(BLOCK), 0.0);
        }
    }

    /// Adds `other`'s scores (of as many documents), passing over its empty blocks.
    pub(super) fn add(&mut self, other: &BlockScores) {
        self.ready(other.score.len());
        for (block, &max) in other.block_max.iter().enumerate() {
            if max == 0.0 {
                continue;
            }
            let range = block * BLOCK..((block + 1) * BLOCK).min(other.score.len());
            let scores = &mut self.score[range.clone()];
            for (s, o) in scores.iter_mut().zip(&other.score[range]) {
                *s += o;
            }
            let zeros = &[0.0; BLOCK][..scores.len()];
            self.block_max[block] = larger(self.block_max[block], highest_sum(scores, zeros));
        }
    }

    /// Every score back to zero, touching only the blocks that hold one.
    pub(super) fn reset(&mut self) {
        for (block, max) in self.block_max.iter_mut().enumerate() {
            if *max != 0.0 {
                *max = 0.0;
                let to = ((block + 1) * BLOCK).min(self.score.len());
                self.score[block * BLOCK..to].fill(0.0);
            }
        }
    }

    /// Bytes held.
    pub(super) fn bytes(&self) -> usize {
        (self.score.len() + self.block_max.len()) * std::mem::size_of::<Score>()
    }
}

/// The larger of two scores (never NaN): one instruction, where `f32::max` also handles NaN.
#[inline(always)]
fn larger(a: Score, b: Score) -> Score {
    if a > b {
        a
    } else {
        b
    }
}

/// A score, at least the smallest positive one (a matching document's score is never zero).
#[inline(always)]
fn positive(score: Score) -> Score {
    larger(score, Score::MIN_POSITIVE)
}

/// The highest of `a[i] + b[i]` (zero if none is higher), eight lanes at a time.
fn highest_sum(a: &[Score], b: &[Score]) -> Score {
    debug_assert_eq!(a.len(), b.len());
    let mut lanes = [0.0 as Score; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let (a_rest, b_rest) = (a8.remainder(), b8.remainder());
    for (a, b) in a8.zip(b8) {
        for i in 0..8 {
            lanes[i] = larger(lanes[i], a[i] + b[i]);
        }
    }
    let rest = a_rest
        .iter()
        .zip(b_rest)
        .fold(0.0, |m, (a, b)| larger(m, a + b));
    lanes.into_iter().fold(rest, larger)
}

/// A set of documents of one segment, a bit each.
#[derive(Default)]
struct DocSet(Vec<u64>);

impl DocSet {
    #[inline(always)]
    fn insert(&mut self, doc: DocId) {
        self.0[doc as usize / 64] |= 1 << (doc % 64);
    }

    #[inline(always)]
    fn remove(&mut self, doc: DocId) {
        self.0[doc as usize / 64] &= !(1 << (doc % 64));
    }

    #[inline(always)]
    fn contains(&self, doc: DocId) -> bool {
        self.0[doc as usize / 64] & (1 << (doc % 64)) != 0
    }
}

/// Postings from which on a term's scores of frequencies up to [`TABLE_FREQS`] are looked up in
/// a table by frequency and field norm rather than computed (each costs a division; the table
/// costs 256 of them per frequency to fill).
const SCORE_TABLE_FROM: u32 = 2048;
/// Frequencies in a term's score table (most postings have frequency 1 or 2).
const TABLE_FREQS: usize = 4;

/// Documents per window of a clause with many postings: every term of the clause is read a
/// window at a time, so that the accumulators being written stay in the core's cache.
const WINDOW: usize = 32 * BLOCK;

/// A term of a clause, opened in one segment and read in document order.
struct Cursor<'a> {
    blocks: BlockSegmentPostings,
    /// The next posting of the decoded block.
    at: usize,
    norms: FieldNormReader,
    bm25: &'a Bm25Weight,
    /// Scores by frequency (1 to [`TABLE_FREQS`]) and field norm, for a long list.
    table: Option<Box<[[Score; 256]; TABLE_FREQS]>>,
    alternative: usize,
}

impl<'a> Cursor<'a> {
    fn new(
        blocks: BlockSegmentPostings,
        norms: FieldNormReader,
        bm25: &'a Bm25Weight,
        alternative: usize,
    ) -> Self {
        let table = (blocks.doc_freq() >= SCORE_TABLE_FROM).then(|| {
            Box::new(std::array::from_fn(|freq| {
                std::array::from_fn(|norm| positive(bm25.score(norm as u8, freq as u32 + 1)))
            }))
        });
        Self {
            blocks,
            at: 0,
            norms,
            bm25,
            table,
            alternative,
        }
    }

    /// Calls `f` with the document and score (at least the smallest positive one) of every
    /// posting before document `end`, a decoded block at a time.
    #[inline(always)]
    fn until(&mut self, end: DocId, mut f: impl FnMut(DocId, Score)) {
        let Cursor {
            blocks,
            at,
            norms,
            bm25,
            table,
            ..
        } = self;
        loop {
            let docs = blocks.docs();
            let Some(&last) = docs.last() else { return };
            let stop = if last < end {
                docs.len()
            } else {
                *at + docs[*at..].partition_point(|&d| d < end)
            };
            let postings = docs[*at..stop].iter().zip(&blocks.freqs()[*at..stop]);
            match table {
                Some(table) => {
                    for (&doc, &freq) in postings {
                        let norm = norms.fieldnorm_id(doc);
                        let score = match table.get((freq as usize).wrapping_sub(1)) {
                            Some(by_norm) => by_norm[norm as usize],
                            None => positive(bm25.score(norm, freq)),
                        };
                        f(doc, score);
                    }
                }
                None => {
                    for (&doc, &freq) in postings {
                        f(doc, positive(bm25.score(norms.fieldnorm_id(doc), freq)));
                    }
                }
            }
            if stop < docs.len() {
                *at = stop;
                return;
            }
            blocks.advance();
            *at = 0;
        }
    }
}

/// The sum per document of the shorter lists of an alternative of several terms.
#[derive(Default)]
struct Staging {
    /// Per document, the sum so far.
    score: Vec<Score>,
    /// The documents with a sum (one may repeat).
    docs: Vec<DocId>,
    /// The same, as a set.
    set: DocSet,
}

impl Staging {
    /// Reads the postings of one clause's terms before document `end` (the terms grouped by
    /// alternative, the longest list of each last) and gives `add` each document's score of
    /// each alternative.
    fn read(&mut self, cursors: &mut [Cursor<'_>], end: DocId, mut add: impl FnMut(DocId, Score)) {
        let Staging {
            score: alternative,
            docs: alternative_docs,
            set: staged,
        } = self;
        let mut at = 0;
        while at < cursors.len() {
            let alt = cursors[at].alternative;
            let end_of_alt = at
                + cursors[at..]
                    .iter()
                    .take_while(|c| c.alternative == alt)
                    .count();
            // An alternative of several terms (the same word in title and body): all but the
            // longest list are summed per document first, and the longest adds that sum as it
            // goes; what it lacks is added after.
            let (longest, others) = cursors[at..end_of_alt]
                .split_last_mut()
                .expect("an alternative has a term");
            for cursor in others {
                cursor.until(end, |doc, score| {
                    alternative[doc as usize] += score;
                    alternative_docs.push(doc);
                    staged.insert(doc);
                });
            }
            if alternative_docs.is_empty() {
                longest.until(end, &mut add);
            } else {
                longest.until(end, |doc, score| {
                    let staged_score = if staged.contains(doc) {
                        std::mem::take(&mut alternative[doc as usize])
                    } else {
                        0.0
                    };
                    add(doc, score + staged_score);
                });
                for &doc in alternative_docs.iter() {
                    staged.remove(doc);
                    let score = std::mem::take(&mut alternative[doc as usize]);
                    if score != 0.0 {
                        add(doc, score);
                    }
                }
                alternative_docs.clear();
            }
            at = end_of_alt;
        }
    }
}

/// Per-document accumulators of one segment's term-at-a-time search, zero between uses.
#[derive(Default)]
pub(super) struct Accumulators {
    /// Alternatives of several terms, summed.
    staging: Staging,
    /// Per document, the highest and the sum of the clause's alternatives so far (side by side:
    /// one cache line for both).
    clause: Vec<(Score, Score)>,
    /// The documents the clause reached, for a clause with few postings.
    reached: Vec<DocId>,
    /// The scores of a search's clauses: the whole score ([`term_at_a_time`]), or the part of
    /// the word being typed ([`super::settled`]).
    pub(super) scores: BlockScores,
}

impl Accumulators {
    /// Room for every document of a segment.
    fn ready(&mut self, docs: usize) {
        if self.clause.len() < docs {
            self.clause.resize(docs, (0.0, 0.0));
            self.staging.score.resize(docs, 0.0);
            self.staging.set.0.resize(docs.div_ceil(64), 0);
        }
    }

    /// Adds the scores of clauses `clauses` of `scoring` to `out`, for every document of
    /// `segment`: each posting of a clause into its document's accumulator, then the
    /// accumulators swept into `out`. A clause with at least as many postings as the segment
    /// has documents (a short word being typed) is read and swept a window of documents at a
    /// time; one with fewer notes the documents it reaches and sweeps those.
    pub(super) fn add_clauses(
        &mut self,
        scoring: &Scoring,
        weights: &[Option<Bm25Weight>],
        clauses: Range<usize>,
        segment: &SegmentReader,
        out: &mut BlockScores,
    ) {
        let docs = segment.max_doc() as usize;
        self.ready(docs);
        out.ready(docs);
        let terms = scoring.terms_of(clauses);
        let mut i = terms.start;
        // Terms are grouped by clause and alternative, in order.
        while i < terms.end {
            let clause = scoring.terms[i].clause;
            let mut cursors = Vec::new();
            while i < terms.end && scoring.terms[i].clause == clause {
                let term = &scoring.terms[i];
                if let (Some(bm25), Some((blocks, norms))) =
                    (&weights[i], open_blocks(segment, &term.term))
                {
                    cursors.push(Cursor::new(blocks, norms, bm25, term.alternative));
                }
                i += 1;
            }
            // Within an alternative, the longest list last (see `read`).
            cursors.sort_by_key(|c| (c.alternative, c.blocks.doc_freq()));
            let postings: usize = cursors.iter().map(|c| c.blocks.doc_freq() as usize).sum();
            let weight = scoring.clauses[clause].weight;
            let score = clause_score(weight, scoring.tie_breaker);
            if postings >= docs {
                for from in (0..docs).step_by(WINDOW) {
                    let to = (from + WINDOW).min(docs);
                    let per_clause = &mut self.clause;
                    self.staging.read(&mut cursors, to as DocId, |doc, score| {
                        let (max, sum) = &mut per_clause[doc as usize];
                        *max = larger(*max, score);
                        *sum += score;
                    });
                    sweep_window(&mut self.clause[from..to], from, out, &score);
                }
            } else {
                let (per_clause, reached) = (&mut self.clause, &mut self.reached);
                self.staging.read(&mut cursors, TERMINATED, |doc, score| {
                    let (max, sum) = &mut per_clause[doc as usize];
                    if *sum == 0.0 {
                        reached.push(doc);
                    }
                    *max = larger(*max, score);
                    *sum += score;
                });
                for &doc in &self.reached {
                    let d = doc as usize;
                    let s = &mut out.score[d];
                    *s += score(std::mem::take(&mut self.clause[d]));
                    let block_max = &mut out.block_max[d / BLOCK];
                    *block_max = larger(*block_max, *s);
                }
                self.reached.clear();
            }
        }
    }

    /// Adds the clauses to the accumulators' own [`scores`](Self::scores).
    pub(super) fn add_to_scores(
        &mut self,
        scoring: &Scoring,
        weights: &[Option<Bm25Weight>],
        clauses: Range<usize>,
        segment: &SegmentReader,
    ) {
        let mut scores = std::mem::take(&mut self.scores);
        self.add_clauses(scoring, weights, clauses, segment, &mut scores);
        self.scores = scores;
    }
}

/// A clause's score from the highest and the sum of its alternatives' scores: its weight ×
/// (highest + tie breaker × the rest).
fn clause_score(weight: Score, t: Score) -> impl Fn((Score, Score)) -> Score {
    move |(max, sum)| positive(weight * (max + (sum - max) * t))
}

/// Adds a window of clause accumulators (of the documents from `from` on) to `out`, and zeroes
/// them.
fn sweep_window(
    window: &mut [(Score, Score)],
    from: usize,
    out: &mut BlockScores,
    score: &impl Fn((Score, Score)) -> Score,
) {
    for (i, accumulators) in window.chunks_mut(BLOCK).enumerate() {
        let start = from + i * BLOCK;
        let scores = &mut out.score[start..start + accumulators.len()];
        for (acc, s) in accumulators.iter_mut().zip(scores.iter_mut()) {
            let acc = std::mem::take(acc);
            let add = score(acc);
            *s += if acc.1 != 0.0 { add } else { 0.0 };
        }
        let block_max = &mut out.block_max[start / BLOCK];
        *block_max = larger(
            *block_max,
            highest_sum(scores, &[0.0; BLOCK][..scores.len()]),
        );
    }
}

/// Pushes into `top` the documents of segment `ord` (`docs` documents) whose score, `kept` (when
/// given) plus `scores`, is among the best, if `admitted`. A block is passed over when the sum
/// of its two maxima is below the threshold, or else when its highest sum is; the blocks of the
/// highest bounds are visited first, so that the threshold is high from the start. Then
/// `scores` is zero again.
pub(super) fn select(
    top: &mut TopN,
    ord: u32,
    docs: usize,
    kept: Option<&BlockScores>,
    scores: &mut BlockScores,
    admitted: impl Fn(DocId) -> bool,
) {
    let blocks = docs.div_ceil(BLOCK);
    let bounds: Vec<Score> = match kept {
        Some(kept) => (kept.block_max[..blocks].iter())
            .zip(&scores.block_max[..blocks])
            .map(|(a, b)| a + b)
            .collect(),
        None => scores.block_max[..blocks].to_vec(),
    };
    let visit = |top: &mut TopN, block: usize| {
        let range = block * BLOCK..((block + 1) * BLOCK).min(docs);
        let typed = &scores.score[range.clone()];
        let zeros = [0.0; BLOCK];
        let kept = kept.map_or(&zeros[..typed.len()], |k| &k.score[range.clone()]);
        if highest_sum(kept, typed) < top.threshold() {
            return;
        }
        for ((d, &k), &t) in range.zip(kept).zip(typed) {
            let score = k + t;
            if score > 0.0 && score >= top.threshold() && admitted(d as DocId) {
                top.push(Hit {
                    score,
                    address: DocAddress::new(ord, d as DocId),
                });
            }
        }
    };
    // The blocks of the highest bounds first, then every other block that can still reach.
    let mut first: Vec<usize> = (0..blocks).filter(|&b| bounds[b] > 0.0).collect();
    let seeds = top.n.min(first.len());
    if seeds > 0 && seeds < first.len() {
        first.select_nth_unstable_by(seeds - 1, |&a, &b| bounds[b].total_cmp(&bounds[a]));
    }
    first.truncate(seeds);
    for &block in &first {
        visit(top, block);
    }
    first.sort_unstable();
    for (block, &bound) in bounds.iter().enumerate() {
        if bound > 0.0 && bound >= top.threshold() && first.binary_search(&block).is_err() {
            visit(top, block);
        }
    }
    scores.reset();
}

/// What a search needs before reading postings.
pub(super) struct Prepared {
    /// The filter's weight, when there is a filter.
    pub(super) filter: Option<Box<dyn Weight>>,
    /// Every term's BM25 weight ([`Scoring::weights`]).
    pub(super) weights: Vec<Option<Bm25Weight>>,
    /// Every term's document frequency.
    pub(super) doc_freqs: Vec<u64>,
}

impl Prepared {
    /// The postings of clause `clause` of `scoring`, in every segment.
    pub(super) fn postings(&self, scoring: &Scoring, clause: usize) -> u64 {
        self.doc_freqs[scoring.terms_of(clause..clause + 1)]
            .iter()
            .sum()
    }
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
    let (weights, doc_freqs) = scoring.weights(searcher);
    Some(Prepared {
        filter,
        weights,
        doc_freqs,
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
    let Some(Prepared {
        filter, weights, ..
    }) = prepare(searcher, scoring, filter, n)
    else {
        return Vec::new();
    };
    let mut top = TopN::new(n);
    with_accumulators(|acc| {
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            acc.add_to_scores(scoring, &weights, 0..scoring.clauses(), segment);
            let allowed = filter.as_deref().map(|f| allowed(f, segment));
            let alive = segment.alive_bitset();
            let admitted = |doc: DocId| {
                alive.is_none_or(|a| a.is_alive(doc))
                    && allowed.as_ref().is_none_or(|a| a.contains(doc))
            };
            let docs = segment.max_doc() as usize;
            select(&mut top, ord as u32, docs, None, &mut acc.scores, admitted);
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
    use crate::guide::settled::{top_docs_typed, KeptScores};
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
        for cache in [KeptScores::default(), KeptScores::with_budget(1)] {
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
            assert!(cache.states() > 0);
            assert!(cache.words() > 0, "common words' scores were kept and used");
        }
    }

    /// The settled clauses of `text` and its best five guides, with the scores kept in `cache`.
    fn typed_top5(
        index: &GuideIndex,
        cache: &KeptScores,
        text: &str,
    ) -> (usize, Vec<(Score, DocAddress)>) {
        let searcher = index.searcher();
        let plan = index.plan(text, &searcher);
        let scoring = Scoring::of(&plan, &index.fields, &index.weights);
        let top = top_docs_typed(&searcher, &scoring, None, 5, cache);
        (scoring.settled, top)
    }

    #[test]
    fn a_typed_word_is_scored_once_and_kept_for_the_next_keystrokes() {
        let index = segmented_index();
        let cache = KeptScores::default();
        let search = |text: &str| typed_top5(&index, &cache, text);
        assert_eq!(search("glömt lös").0, 1, "the complete word is settled");
        assert_eq!(cache.states(), 1);
        search("glömt löse");
        assert_eq!(cache.states(), 1, "the next keystroke reuses it");
        let (settled, _) = search("glömt lösenordet ");
        // glömt, lösenordet, and the pairs they make.
        assert!(settled >= 3, "{settled}");
        assert_eq!(cache.states(), 2, "one more state, built on the first");
    }

    #[test]
    fn a_common_word_is_read_once_and_its_scores_kept() {
        let index = segmented_index();
        let cache = KeptScores::default();
        let search = |text: &str| typed_top5(&index, &cache, text).1;
        search("zyxwvu");
        assert_eq!(cache.words(), 0, "a word no guide holds is not common");
        let first = search("och");
        assert_eq!(cache.words(), 1, "'och' reaches every guide");
        assert_eq!(search("och"), first);
        search("glömt och");
        assert_eq!(
            cache.words(),
            1,
            "the same word being typed, after other words"
        );
        search("glömt och ");
        assert_eq!(cache.words(), 2, "complete, it is another clause");
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
    fn the_highest_sum_counts_every_lane_and_the_rest() {
        for len in [0, 1, 7, 8, 9, 42, 128] {
            let a: Vec<Score> = (0..len).map(|i| i as Score).collect();
            let b: Vec<Score> = (0..len).map(|i| (i % 3) as Score).collect();
            let expected = a.iter().zip(&b).map(|(a, b)| a + b).fold(0.0, Score::max);
            assert_eq!(highest_sum(&a, &b), expected, "{len}");
        }
        assert_eq!(highest_sum(&[-1.0], &[-1.0]), 0.0, "zero if none is higher");
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
