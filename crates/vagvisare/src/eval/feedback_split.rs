//! The learning-from-use protocol: for every guide with at least two labelled queries, a seeded
//! half of its queries become "this guide helped" feedback and the other half are asked. The
//! figures before and after the feedback are compared on the asked half, and on the queries of
//! guides that got no feedback (which must not get worse).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{evaluate_with, EvalOptions, LabelledQuery, Report, SplitMix};
use crate::feedback::Feedback;
use crate::guide::{GuideIndex, IndexError};

/// Which queries teach and which are asked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Split {
    /// Queries given as feedback to their first relevant guide.
    pub feedback: Vec<LabelledQuery>,
    /// Queries asked, of guides that got feedback.
    pub asked: Vec<LabelledQuery>,
    /// Queries of guides with fewer than two labelled queries (no feedback for them).
    pub untouched: Vec<LabelledQuery>,
}

/// Splits queries by their first relevant guide, seeded.
pub fn split(queries: &[LabelledQuery], seed: u64) -> Split {
    let mut by_guide: BTreeMap<&str, Vec<&LabelledQuery>> = BTreeMap::new();
    for q in queries {
        if let Some(first) = q.relevant.first() {
            by_guide.entry(first).or_default().push(q);
        }
    }
    let mut rng = SplitMix(seed);
    let mut out = Split::default();
    for (_, mut list) in by_guide {
        if list.len() < 2 {
            out.untouched.extend(list.into_iter().cloned());
            continue;
        }
        // Fisher–Yates with the seeded generator, then the first half teaches.
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

/// Runs the protocol on an index of the guides (committed, without feedback yet): evaluates,
/// records the feedback half (one distinct actor per query), commits, evaluates again.
pub fn run(
    index: &GuideIndex,
    queries: &[LabelledQuery],
    seed: u64,
    options: &EvalOptions,
) -> Result<SplitReport, IndexError> {
    let parts = split(queries, seed);
    let before = evaluate_with(index, &parts.asked, options);
    let untouched_before = evaluate_with(index, &parts.untouched, options);
    let records: Vec<Feedback> = parts
        .feedback
        .iter()
        .enumerate()
        .map(|(i, q)| {
            Feedback::helped(q.query.clone(), q.relevant[0].clone()).by(format!("eval-{i}"))
        })
        .collect();
    index.feedback(&records)?;
    index.commit()?;
    Ok(SplitReport {
        feedback_queries: records.len(),
        before,
        after: evaluate_with(index, &parts.asked, options),
        untouched_before,
        untouched_after: evaluate_with(index, &parts.untouched, options),
    })
}
