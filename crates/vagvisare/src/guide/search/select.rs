//! Stage 2, **Candidates**, chosen: the best `n` guides by their summed scores, block by block,
//! passing over every block that cannot reach them.

use std::cmp::Ordering;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use tantivy::{DocAddress, DocId, Score};

use super::accumulate::{highest_sum, BlockScores, BLOCK};

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

#[cfg(test)]
mod tests {
    use super::*;

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
