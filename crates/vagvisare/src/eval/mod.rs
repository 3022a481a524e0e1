//! Quality as a number: recall@k and MRR on labelled queries, as typed (prefixes), with typos
//! and without å/ä/ö.
//!
//! recall@k of one query = |relevant ∩ top k| / min(|relevant|, k), so a query with one right
//! guide scores 1 when it is in the top k; MRR@10 = 1 / rank of the first relevant guide in the
//! top 10 (0 when none). Figures are means over queries.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::guide::{GuideIndex, IndexError, SuggestOptions};

pub mod baseline;
pub mod feedback_split;

/// A query with the ids of the guides that answer it, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelledQuery {
    /// The text a person types.
    pub query: String,
    /// Ids of the guides that answer it, best first.
    pub relevant: Vec<String>,
    /// What kind of query it is (paraphrase, typo, …), for per-kind figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// Reads labelled queries from JSON Lines text.
pub fn parse_queries(text: &str) -> Result<Vec<LabelledQuery>, IndexError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let q: LabelledQuery = serde_json::from_str(line).map_err(|e| IndexError::BadLine {
            line: i + 1,
            message: e.to_string(),
        })?;
        if q.relevant.is_empty() {
            return Err(IndexError::BadLine {
                line: i + 1,
                message: "`relevant` is empty".into(),
            });
        }
        out.push(q);
    }
    Ok(out)
}

/// Something that ranks guide ids for a text.
pub trait Engine {
    /// The ids of the best `k` guides for the text as typed.
    fn search(&self, text: &str, k: usize) -> Vec<String>;
}

impl Engine for GuideIndex {
    fn search(&self, text: &str, k: usize) -> Vec<String> {
        self.suggest_ids(text, &SuggestOptions::limit(k))
    }
}

/// Figures for one group of queries.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KindFigures {
    /// Number of queries.
    pub queries: usize,
    /// Mean recall@5.
    pub recall_at_5: f64,
    /// Mean MRR@10.
    pub mrr_at_10: f64,
}

/// All figures of one evaluation run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// Number of labelled queries asked.
    pub queries: usize,
    /// Share of queries with a relevant guide first.
    pub recall_at_1: f64,
    /// Share of queries with a relevant guide in the top 5.
    pub recall_at_5: f64,
    /// Mean reciprocal rank of the first relevant guide in the top 10.
    pub mrr_at_10: f64,
    /// Recall@5 on the first 25 % of each query's characters, as typed.
    pub recall_at_5_typed_25: f64,
    /// Recall@5 on the first 50 % of each query's characters, as typed.
    pub recall_at_5_typed_50: f64,
    /// Recall@5 on the first 75 % of each query's characters, as typed.
    pub recall_at_5_typed_75: f64,
    /// Recall@5 with one seeded typo in every word of five letters or more.
    pub recall_at_5_typos: f64,
    /// MRR@10 with the same typos.
    pub mrr_at_10_typos: f64,
    /// Recall@5 with å/ä/ö typed as a/a/o.
    pub recall_at_5_no_diacritics: f64,
    /// MRR@10 without å/ä/ö.
    pub mrr_at_10_no_diacritics: f64,
    /// Mean share of a query's characters typed before a right guide first shows in the top 5
    /// (1.0 for a query where none ever does).
    pub typed_share_to_top_5: f64,
    /// Full-query figures per query kind.
    pub by_kind: BTreeMap<String, KindFigures>,
}

/// recall@k of one ranking.
pub fn recall_at(ranked: &[String], relevant: &[String], k: usize) -> f64 {
    let found = ranked
        .iter()
        .take(k)
        .filter(|id| relevant.contains(id))
        .count();
    found as f64 / relevant.len().min(k).max(1) as f64
}

/// Reciprocal rank of the first relevant id within the top k.
pub fn reciprocal_rank(ranked: &[String], relevant: &[String], k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .position(|id| relevant.contains(id))
        .map_or(0.0, |p| 1.0 / (p + 1) as f64)
}

/// The first `share` of the text's characters (at least one), cut mid-word as typing does.
pub fn typed_prefix(text: &str, share: f64) -> String {
    let n = text.chars().count();
    let k = ((n as f64 * share).round() as usize).clamp(1, n.max(1));
    text.chars().take(k).collect()
}

/// Removes å/ä/ö (→ a, a, o) and every other diacritic, keeping case.
pub fn strip_diacritics(text: &str) -> String {
    text.nfd()
        .filter(|&c| !is_combining_mark(c))
        .map(|c| match c {
            'ø' => 'o',
            'Ø' => 'O',
            'æ' => 'a',
            'Æ' => 'A',
            c => c,
        })
        .nfc()
        .collect()
}

/// SplitMix64: a tiny seeded generator, so typo variants are the same on every machine.
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One typo in every word of five or more letters: an adjacent-letter swap or a dropped letter,
/// never the first letter. The same seed gives the same typos.
pub fn add_typos(text: &str, seed: u64) -> String {
    let mut rng = SplitMix(seed);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_alphabetic() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_alphabetic() {
            i += 1;
        }
        let mut word: Vec<char> = chars[start..i].to_vec();
        if word.len() >= 5 {
            if rng.below(2) == 0 {
                let at = 1 + rng.below(word.len() - 2);
                word.swap(at, at + 1);
            } else {
                word.remove(1 + rng.below(word.len() - 1));
            }
        }
        out.extend(word);
    }
    out
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// How an evaluation runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalOptions {
    /// Seed of the typo variants.
    pub seed: u64,
    /// Also measure the share typed before a right guide shows (one search per character).
    pub typed_share: bool,
}

/// Runs every figure for an engine over labelled queries. `seed` fixes the typo variants.
pub fn evaluate(engine: &dyn Engine, queries: &[LabelledQuery], seed: u64) -> Report {
    evaluate_with(
        engine,
        queries,
        &EvalOptions {
            seed,
            typed_share: true,
        },
    )
}

/// [`evaluate`] with options.
pub fn evaluate_with(
    engine: &dyn Engine,
    queries: &[LabelledQuery],
    options: &EvalOptions,
) -> Report {
    let seed = options.seed;
    let mut r1 = Vec::new();
    let mut r5 = Vec::new();
    let mut mrr = Vec::new();
    let mut typed = [Vec::new(), Vec::new(), Vec::new()];
    let mut typos_r5 = Vec::new();
    let mut typos_mrr = Vec::new();
    let mut nodia_r5 = Vec::new();
    let mut nodia_mrr = Vec::new();
    let mut share = Vec::new();
    let mut by_kind: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for (i, q) in queries.iter().enumerate() {
        let rel = &q.relevant;
        let ranked = engine.search(&q.query, 10);
        r1.push(recall_at(&ranked, rel, 1));
        r5.push(recall_at(&ranked, rel, 5));
        mrr.push(reciprocal_rank(&ranked, rel, 10));
        if let Some(kind) = &q.kind {
            let entry = by_kind.entry(kind.clone()).or_default();
            entry.0.push(recall_at(&ranked, rel, 5));
            entry.1.push(reciprocal_rank(&ranked, rel, 10));
        }
        for (slot, s) in typed.iter_mut().zip([0.25, 0.5, 0.75]) {
            slot.push(recall_at(
                &engine.search(&typed_prefix(&q.query, s), 5),
                rel,
                5,
            ));
        }
        let typo = engine.search(
            &add_typos(
                &q.query,
                seed ^ (i as u64).wrapping_mul(0x51_7CC1_B727_220A),
            ),
            10,
        );
        typos_r5.push(recall_at(&typo, rel, 5));
        typos_mrr.push(reciprocal_rank(&typo, rel, 10));
        let nodia = engine.search(&strip_diacritics(&q.query), 10);
        nodia_r5.push(recall_at(&nodia, rel, 5));
        nodia_mrr.push(reciprocal_rank(&nodia, rel, 10));
        if !options.typed_share {
            continue;
        }
        let chars: Vec<char> = q.query.chars().collect();
        let first = (1..=chars.len()).find(|&k| {
            let prefix: String = chars[..k].iter().collect();
            engine.search(&prefix, 5).iter().any(|id| rel.contains(id))
        });
        share.push(first.map_or(1.0, |k| k as f64 / chars.len() as f64));
    }
    Report {
        queries: queries.len(),
        recall_at_1: mean(&r1),
        recall_at_5: mean(&r5),
        mrr_at_10: mean(&mrr),
        recall_at_5_typed_25: mean(&typed[0]),
        recall_at_5_typed_50: mean(&typed[1]),
        recall_at_5_typed_75: mean(&typed[2]),
        recall_at_5_typos: mean(&typos_r5),
        mrr_at_10_typos: mean(&typos_mrr),
        recall_at_5_no_diacritics: mean(&nodia_r5),
        mrr_at_10_no_diacritics: mean(&nodia_mrr),
        typed_share_to_top_5: mean(&share),
        by_kind: by_kind
            .into_iter()
            .map(|(k, (r, m))| {
                (
                    k,
                    KindFigures {
                        queries: r.len(),
                        recall_at_5: mean(&r),
                        mrr_at_10: mean(&m),
                    },
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recall_and_rank() {
        let ranked = ids(&["a", "b", "c"]);
        assert_eq!(recall_at(&ranked, &ids(&["b"]), 1), 0.0);
        assert_eq!(recall_at(&ranked, &ids(&["b"]), 5), 1.0);
        assert_eq!(recall_at(&ranked, &ids(&["b", "z"]), 5), 0.5);
        assert_eq!(reciprocal_rank(&ranked, &ids(&["c"]), 10), 1.0 / 3.0);
        assert_eq!(reciprocal_rank(&ranked, &ids(&["z"]), 10), 0.0);
    }

    #[test]
    fn prefixes_cut_mid_word() {
        assert_eq!(typed_prefix("glömt lösenord", 0.5), "glömt l");
        assert_eq!(typed_prefix("a", 0.25), "a");
    }

    #[test]
    fn diacritics_are_stripped_keeping_case() {
        assert_eq!(
            strip_diacritics("Återställ lösenord på Café"),
            "Aterstall losenord pa Cafe"
        );
        assert_eq!(strip_diacritics("A\u{30A}r"), "Ar");
    }

    #[test]
    fn typos_touch_long_words_only_and_never_the_first_letter() {
        for seed in 0..50 {
            let out = add_typos("glömt mitt lösenord idag", seed);
            let words: Vec<&str> = out.split(' ').collect();
            assert_eq!(words[1], "mitt");
            assert_eq!(words[3], "idag");
            assert!(
                words[0].starts_with('g') && words[2].starts_with('l'),
                "{out}"
            );
            assert_ne!(words[0], "glömt");
            assert_ne!(words[2], "lösenord");
            assert!(words[2].chars().count() >= 7);
        }
        assert_eq!(add_typos("lösenordet", 7), add_typos("lösenordet", 7));
    }
}
