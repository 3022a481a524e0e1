//! Stage 2, **Candidates**, chosen: the best `n` guides by their summed scores, block by block,
//! passing over every block that cannot reach them. A guide and its learned passages are
//! documents of one group: a guide counts once, by its best document.

use std::cmp::Ordering;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use tantivy::{DocAddress, DocId, Score};

use super::accumulate::{highest_sum, BlockScores, BLOCK};

/// A hit: its score and address; ordered so that the better hit is the greater (a higher score,
/// or the same score and an earlier document).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Hit {
    pub(super) score: Score,
    pub(super) address: DocAddress,
    /// The guide it speaks for ([`crate::guide::schema::group_key`]), when the index has
    /// passages; `None` counts as a group of its own.
    pub(super) group: Option<u64>,
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

/// The best `n` hits of distinct groups seen so far; the worst of them is the threshold to beat.
pub(super) struct TopN {
    pub(super) n: usize,
    /// A min-heap by hit quality: `Reverse` keeps the worst on top.
    heap: BinaryHeap<Reverse<Hit>>,
    /// The score of each group's hit in the heap.
    groups: HashMap<u64, Score>,
}

impl TopN {
    pub(super) fn new(n: usize) -> Self {
        Self {
            n,
            heap: BinaryHeap::with_capacity(n + 1),
            groups: HashMap::new(),
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

    /// Offers a hit: it enters if it beats the worst, or its group's hit (which it replaces).
    pub(super) fn push(&mut self, hit: Hit) {
        if let Some(group) = hit.group {
            if let Some(&held) = self.groups.get(&group) {
                // Hits come in address order, so on a tie the group's earlier document stays.
                if hit.score <= held {
                    return;
                }
                self.heap.retain(|h| h.0.group != Some(group));
                self.groups.remove(&group);
            }
        }
        if self.heap.len() < self.n {
            self.insert(hit);
        } else if self.heap.peek().is_some_and(|worst| hit > worst.0) {
            if let Some(Reverse(out)) = self.heap.pop() {
                if let Some(group) = out.group {
                    self.groups.remove(&group);
                }
            }
            self.insert(hit);
        }
    }

    fn insert(&mut self, hit: Hit) {
        if let Some(group) = hit.group {
            self.groups.insert(group, hit.score);
        }
        self.heap.push(Reverse(hit));
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
    group: impl Fn(DocId) -> Option<u64>,
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
                    group: group(d as DocId),
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
            group: None,
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

    #[test]
    fn a_group_is_held_once_by_its_best_hit() {
        let hit = |score, doc, group| Hit {
            score,
            address: DocAddress::new(0, doc),
            group: Some(group),
        };
        let mut top = TopN::new(2);
        for h in [
            hit(1.0, 1, 7),
            hit(3.0, 2, 8),
            hit(2.0, 3, 7), // replaces the group's first hit
            hit(2.5, 4, 8), // below the group's hit: left out
            hit(2.0, 5, 7), // a tie with the group's hit: the earlier stays
            hit(1.5, 6, 9), // below the worst of a full top
        ] {
            top.push(h);
        }
        let kept: Vec<(Score, u32)> = top
            .into_sorted()
            .iter()
            .map(|(s, a)| (*s, a.doc_id))
            .collect();
        assert_eq!(kept, [(3.0, 2), (2.0, 3)]);
        let mut top = TopN::new(2);
        for h in [hit(1.0, 1, 7), hit(2.0, 2, 8), hit(3.0, 3, 9)] {
            top.push(h);
        }
        top.push(hit(1.5, 4, 7)); // group 7 was pushed out: it may come back
        let kept: Vec<u32> = top.into_sorted().iter().map(|(_, a)| a.doc_id).collect();
        assert_eq!(kept, [3, 2]);
    }
}
