//! The learning-from-use protocol: for every guide with at least two labelled queries, a seeded
//! half of its queries become "this guide helped" feedback and the other half are asked. The
//! figures before and after the feedback are compared on the asked half, and on the queries of
//! guides that got no feedback (which must not get worse).
//!
//! Guides get no feedback when they have fewer than two labelled queries, or when they are held
//! out: with [`SplitOptions::holdout`] above zero a seeded share of the other guides is kept
//! apart and all their queries are asked, so that "must not get worse" is measured even on a set
//! where every guide has two queries or more.
//!
//! The protocol runs on any [`Engine`] with a closure that applies feedback to it
//! ([`run_with`]); [`run`] is the same for a [`GuideIndex`].

use std::collections::BTreeMap;

use serde::Serialize;

use super::{evaluate_with, Engine, EvalOptions, LabelledQuery, Report, SplitMix};
use crate::feedback::Feedback;
use crate::guide::{GuideIndex, IndexError};

/// Which queries teach and which are asked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Split {
    /// Queries given as feedback to their first relevant guide.
    pub feedback: Vec<LabelledQuery>,
    /// Queries asked, of guides that got feedback.
    pub asked: Vec<LabelledQuery>,
    /// Queries of guides that got no feedback: fewer than two labelled queries, or held out.
    pub untouched: Vec<LabelledQuery>,
}

/// How queries are split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitOptions {
    /// Seed of the split (and of the held-out guides).
    pub seed: u64,
    /// Share of the guides with two or more queries that get no feedback (0 to 1).
    pub holdout: f64,
}

impl SplitOptions {
    /// The protocol of issue 8: every guide with two or more queries gets feedback.
    pub fn seeded(seed: u64) -> Self {
        Self { seed, holdout: 0.0 }
    }
}

/// Splits queries by their first relevant guide, seeded (no guide held out).
pub fn split(queries: &[LabelledQuery], seed: u64) -> Split {
    split_with(queries, &SplitOptions::seeded(seed))
}

/// Splits queries by their first relevant guide. Guides are taken in id order; for each guide
/// with two or more queries, a seeded Fisher–Yates shuffle (SplitMix64 from `seed`, one stream
/// for the whole set) puts the first half (rounded down) into feedback and the rest into asked.
/// Held-out guides are drawn from a second stream (`seed` ^ a constant), only when `holdout` is
/// above zero, so a split without holdout never depends on it.
pub fn split_with(queries: &[LabelledQuery], options: &SplitOptions) -> Split {
    let mut by_guide: BTreeMap<&str, Vec<&LabelledQuery>> = BTreeMap::new();
    for q in queries {
        if let Some(first) = q.relevant.first() {
            by_guide.entry(first).or_default().push(q);
        }
    }
    let mut rng = SplitMix(options.seed);
    let mut holdout_rng = SplitMix(options.seed ^ 0x484F_4C44_4F55_5421);
    let holdout = options.holdout.clamp(0.0, 1.0);
    let mut out = Split::default();
    for (_, mut list) in by_guide {
        let held_out =
            holdout > 0.0 && (holdout_rng.next() >> 11) as f64 / (1u64 << 53) as f64 <= holdout;
        if list.len() < 2 || held_out {
            out.untouched.extend(list.into_iter().cloned());
            continue;
        }
        for i in (1..list.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            list.swap(i, j);
        }
        let half = list.len() / 2;
        out.feedback
            .extend(list[..half].iter().map(|q| (*q).clone()));
        out.asked.extend(list[half..].iter().map(|q| (*q).clone()));
    }
    out
}

/// The feedback of a split: each feedback query "helped" its first relevant guide, from an actor
/// of its own (`eval-0`, `eval-1`, …), so that every query counts as one person.
pub fn feedback_records(split: &Split) -> Vec<Feedback> {
    split
        .feedback
        .iter()
        .enumerate()
        .map(|(i, q)| {
            Feedback::helped(q.query.clone(), q.relevant[0].clone()).by(format!("eval-{i}"))
        })
        .collect()
}

/// Figures before and after feedback.
#[derive(Debug, Clone, Serialize)]
pub struct SplitReport {
    /// Queries given as feedback.
    pub feedback_queries: usize,
    /// Asked queries (of guides with feedback), before feedback.
    pub before: Report,
    /// The same queries after feedback.
    pub after: Report,
    /// Queries of guides without feedback, before.
    pub untouched_before: Report,
    /// The same after.
    pub untouched_after: Report,
}

/// Runs the protocol on any engine: evaluates the asked and untouched queries, hands the
/// feedback records to `apply` (which teaches the engine and makes it searchable), evaluates
/// again. An error of `apply` ends the run.
pub fn run_with<Err>(
    engine: &dyn Engine,
    queries: &[LabelledQuery],
    split_options: &SplitOptions,
    options: &EvalOptions,
    apply: impl FnOnce(&[Feedback]) -> Result<(), Err>,
) -> Result<SplitReport, Err> {
    let parts = split_with(queries, split_options);
    let before = evaluate_with(engine, &parts.asked, options);
    let untouched_before = evaluate_with(engine, &parts.untouched, options);
    let records = feedback_records(&parts);
    apply(&records)?;
    Ok(SplitReport {
        feedback_queries: records.len(),
        before,
        after: evaluate_with(engine, &parts.asked, options),
        untouched_before,
        untouched_after: evaluate_with(engine, &parts.untouched, options),
    })
}

/// Runs the protocol on an index of the guides (committed, without feedback yet): evaluates,
/// imports the feedback half as trusted (one distinct actor per query), commits, evaluates again.
pub fn run(
    index: &GuideIndex,
    queries: &[LabelledQuery],
    seed: u64,
    options: &EvalOptions,
) -> Result<SplitReport, IndexError> {
    run_on_index(index, queries, &SplitOptions::seeded(seed), options)
}

/// [`run`] with split options (e.g. held-out guides).
pub fn run_on_index(
    index: &GuideIndex,
    queries: &[LabelledQuery],
    split_options: &SplitOptions,
    options: &EvalOptions,
) -> Result<SplitReport, IndexError> {
    run_with(index, queries, split_options, options, |records| {
        index.import_feedback(records)?;
        index.commit()
    })
}

/// Figures on the asked queries before and after a given set of feedback records.
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackReport {
    /// Records given as feedback.
    pub feedback_records: usize,
    /// The queries, before the feedback.
    pub before: Report,
    /// The same queries after it.
    pub after: Report,
}

/// The protocol with a feedback file of its own: evaluates `queries` on a committed index,
/// imports `records` as trusted (a curated file: each text counts at once), commits, evaluates
/// again. This is how
/// a set whose feedback and asked halves are fixed in files (corona-dev's `feedback-split`) is
/// measured, the same for every engine.
pub fn run_with_records(
    index: &GuideIndex,
    queries: &[LabelledQuery],
    records: &[Feedback],
    options: &EvalOptions,
) -> Result<FeedbackReport, IndexError> {
    let before = evaluate_with(index, queries, options);
    index.import_feedback(records)?;
    index.commit()?;
    Ok(FeedbackReport {
        feedback_records: records.len(),
        before,
        after: evaluate_with(index, queries, options),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str, guide: &str) -> LabelledQuery {
        LabelledQuery {
            query: text.into(),
            relevant: vec![guide.into()],
            kind: None,
        }
    }

    fn set() -> Vec<LabelledQuery> {
        let mut out = Vec::new();
        for g in 0..20 {
            for i in 0..5 {
                out.push(q(&format!("q{g}-{i}"), &format!("g{g:02}")));
            }
        }
        out.push(q("alone", "solo"));
        out
    }

    #[test]
    fn every_guide_with_two_queries_teaches_half_and_the_split_is_seeded() {
        let s = split(&set(), 7);
        assert_eq!((s.feedback.len(), s.asked.len()), (40, 60));
        assert_eq!(s.untouched, vec![q("alone", "solo")]);
        assert_eq!(s, split(&set(), 7));
        assert_ne!(s.feedback, split(&set(), 8).feedback);
        for g in 0..20 {
            let id = format!("g{g:02}");
            let taught = s.feedback.iter().filter(|q| q.relevant[0] == id).count();
            assert_eq!(taught, 2, "{id}");
        }
        let mut all: Vec<String> = s
            .feedback
            .iter()
            .chain(&s.asked)
            .chain(&s.untouched)
            .map(|q| q.query.clone())
            .collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 101, "every query lands in exactly one part");
    }

    #[test]
    fn holding_out_guides_keeps_all_their_queries_apart() {
        let options = SplitOptions {
            seed: 7,
            holdout: 0.3,
        };
        let s = split_with(&set(), &options);
        let held: std::collections::BTreeSet<&str> = s
            .untouched
            .iter()
            .map(|q| q.relevant[0].as_str())
            .filter(|g| *g != "solo")
            .collect();
        assert!(!held.is_empty() && held.len() < 20, "{held:?}");
        for g in &held {
            assert_eq!(
                s.untouched.iter().filter(|q| q.relevant[0] == *g).count(),
                5
            );
            assert!(s.feedback.iter().all(|q| q.relevant[0] != *g));
        }
        assert_eq!(s, split_with(&set(), &options));
        let none = split_with(&set(), &SplitOptions::seeded(7));
        assert_eq!(none, split(&set(), 7), "holdout 0 is the plain protocol");
    }
}
