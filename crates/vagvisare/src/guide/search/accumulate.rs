//! Stages 2 and 3 at the level of postings: every posting of a clause's terms, a decoded block
//! at a time, is scored (BM25) and added into per-document accumulators, alternative by
//! alternative and clause by clause, with no merging; the accumulators are swept into one
//! score per document, with the highest of each block of [`BLOCK`] documents.

use std::ops::Range;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::BlockSegmentPostings;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Score, SegmentReader, Term, TERMINATED};

use super::bm25::Bm25;
use super::scoring::Scoring;

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
pub(super) const BLOCK: usize = 128;

/// A score for every document of one segment, with the highest of each block of [`BLOCK`]
/// documents (zero for a block that no score reached). Scores only grow as clauses are added,
/// so the maxima stay exact.
#[derive(Debug, Clone, Default)]
pub(super) struct BlockScores {
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
pub(super) fn highest_sum(a: &[Score], b: &[Score]) -> Score {
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
    bm25: &'a Bm25,
    /// Scores by frequency (1 to [`TABLE_FREQS`]) and field norm, for a long list.
    table: Option<Box<[[Score; 256]; TABLE_FREQS]>>,
    alternative: usize,
}

impl<'a> Cursor<'a> {
    fn new(
        blocks: BlockSegmentPostings,
        norms: FieldNormReader,
        bm25: &'a Bm25,
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
    /// The scores of a search's clauses: the part of the word being typed ([`super::top_docs`]),
    /// or the whole score (the test-only reference search).
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
        weights: &[Option<Bm25>],
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
    #[cfg(test)]
    pub(super) fn add_to_scores(
        &mut self,
        scoring: &Scoring,
        weights: &[Option<Bm25>],
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

thread_local! {
    static ACCUMULATORS: std::cell::RefCell<Accumulators> = std::cell::RefCell::default();
}

/// Runs `f` with this thread's accumulators (kept between searches, so that a keystroke does
/// not allocate them again).
pub(super) fn with_accumulators<T>(f: impl FnOnce(&mut Accumulators) -> T) -> T {
    ACCUMULATORS.with(|acc| f(&mut acc.borrow_mut()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
