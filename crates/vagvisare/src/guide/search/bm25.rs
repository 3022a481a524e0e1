//! BM25 of one term in one field, as Tantivy scores it (`tantivy::query::Bm25Weight`: k1 1.2,
//! b 0.75, the same idf, the same table of length norms by field-norm id, the same order of
//! operations, so the same scores to the bit; learned passages alone saturate more slowly, with
//! a k1 of their own, [`Weights::learned_k1`](crate::guide::Weights)), without what a keystroke
//! does not need: Tantivy's weight builds its 256 length norms and an explanation of three
//! strings for every term, and clones both to boost it. Here a field's norms are computed once
//! per search and shared by its terms ([`Scoring::weights`](super::scoring::Scoring::weights)).

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::Score;

/// Term-frequency saturation (Tantivy's).
pub(crate) const K1: Score = 1.2;
/// Length normalisation.
const B: Score = 0.75;

/// `k1 × (1 − b + b × length / average length)` for each field-norm id: the part of a score that
/// depends on the length of the field it is in.
pub(crate) type Norms = Arc<[Score; 256]>;

/// The length norms of a field whose average length is `average`, with saturation `k1`.
pub(crate) fn norms(average: Score, k1: Score) -> Norms {
    Arc::new(std::array::from_fn(|id| {
        let length = FieldNormReader::id_to_fieldnorm(id as u8);
        k1 * (1.0 - B + B * length as Score / average)
    }))
}

/// The BM25 weight of a term: its idf, boost and field's norms.
#[derive(Debug, Clone)]
pub(crate) struct Bm25 {
    weight: Score,
    norms: Norms,
}

impl Bm25 {
    /// A term held by `doc_freq` of `docs` documents, in a field with length norms `norms` of
    /// saturation `k1`.
    pub(crate) fn for_one_term(doc_freq: u64, docs: u64, norms: &Norms, k1: Score) -> Self {
        let x = ((docs - doc_freq) as Score + 0.5) / (doc_freq as Score + 0.5);
        let idf = (1.0 + x).ln();
        Self {
            weight: idf * (1.0 + k1),
            norms: Arc::clone(norms),
        }
    }

    /// The same weight times `boost`.
    pub(crate) fn boost_by(mut self, boost: Score) -> Self {
        if boost != 1.0 {
            self.weight *= boost;
        }
        self
    }

    /// The score of the term found `term_freq` times in a field of norm id `fieldnorm_id`.
    #[inline]
    pub(crate) fn score(&self, fieldnorm_id: u8, term_freq: u32) -> Score {
        let term_freq = term_freq as Score;
        let norm = self.norms[fieldnorm_id as usize];
        self.weight * (term_freq / (term_freq + norm))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::query::Bm25Weight;

    #[test]
    fn scores_are_tantivys_to_the_bit() {
        for average in [1.0, 3.7, 12.5, 140.0, 2_000.0] {
            let shared = norms(average, K1);
            for (doc_freq, docs) in [
                (1, 1),
                (1, 10),
                (7, 10),
                (10, 10),
                (3, 100_000),
                (99_999, 100_000),
            ] {
                for boost in [1.0, 0.3, 1.25, 1.5 * 0.9] {
                    let ours = Bm25::for_one_term(doc_freq, docs, &shared, K1).boost_by(boost);
                    let theirs = Bm25Weight::for_one_term(doc_freq, docs, average).boost_by(boost);
                    for id in [0u8, 1, 17, 40, 128, 254, 255] {
                        for tf in [1, 2, 3, 9, 40, 1_000] {
                            let (a, b) = (ours.score(id, tf), theirs.score(id, tf));
                            assert_eq!(
                                a.to_bits(),
                                b.to_bits(),
                                "{doc_freq}/{docs} avg {average} boost {boost} id {id} tf {tf}: {a} {b}"
                            );
                        }
                    }
                }
            }
        }
    }
}
