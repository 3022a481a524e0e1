//! Feedback teaches the suggestion index (issue 8, "Learning from use"): every instance replays
//! the stored feedback when it starts and then learns what any instance stores, as it polls for
//! guide changes, so all instances behind a load balancer suggest alike.
//!
//! Stored feedback is already redacted; the core's [`GuideIndex::feedback`] applies the guard
//! rails (one actor once per guide and text, the cap, fading, "helped: no" and "filed anyway"
//! teach nothing) and keeps every record for the report.
//!
//! Editors' decisions on learned texts (remove a text, freeze, thaw) are stored too and replayed
//! with the feedback, in one order: a decision comes after the feedback stored before it
//! ([`DecisionRow::after_feedback`]). So a text an editor removed stays removed after a restart
//! and on every instance, and a guide frozen learns nothing from feedback stored while it was
//! frozen. What a decision does is the core's rule ([`GuideIndex::decide_learned`]); this module
//! only puts the two streams in order.
//!
//! Which rows are new: ids come from the store's sequences, and with PostgreSQL a lower id can
//! commit after a higher one is visible. So each poll reads again the last [`WINDOW`] ids below
//! the highest one applied (of feedback and of decisions each) and skips those already applied;
//! a row that stays invisible for more than [`WINDOW`] later rows is missed until the next
//! restart. A row that commits late is applied when it is seen, which may be after rows that
//! follow it in the order; a restart replays it in its place.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use vagvisare::feedback::Feedback;
use vagvisare::{GuideIndex, IndexError};

use crate::store::{DecisionRow, FeedbackRow, Store, StoreError};

/// Ids below the highest applied one that are read again, in case they committed late.
pub const WINDOW: i64 = 256;

/// Rows read from the store at a time.
const PAGE: usize = 5_000;

/// The ids of one stream of rows an instance has applied (the recent ones, see [`WINDOW`]).
#[derive(Debug, Default, Clone)]
struct Seen {
    ids: BTreeSet<i64>,
    highest: i64,
}

impl Seen {
    /// Reads, page by page with `read(after, limit)`, the rows not applied yet, oldest first.
    fn unseen<R>(
        &self,
        id: impl Fn(&R) -> i64,
        read: impl Fn(i64, usize) -> Result<Vec<R>, StoreError>,
    ) -> Result<Vec<R>, StoreError> {
        let mut after = (self.highest - WINDOW).max(0);
        let mut out = Vec::new();
        loop {
            let page = read(after, PAGE)?;
            let full = page.len() == PAGE;
            if let Some(last) = page.last() {
                after = id(last);
            }
            out.extend(page.into_iter().filter(|row| !self.ids.contains(&id(row))));
            if !full {
                return Ok(out);
            }
        }
    }

    /// Marks ids applied, and forgets ids that will not be read again.
    fn mark(&mut self, ids: impl IntoIterator<Item = i64>) {
        for id in ids {
            self.ids.insert(id);
            self.highest = self.highest.max(id);
        }
        let floor = self.highest - WINDOW;
        self.ids = self.ids.split_off(&floor);
    }
}

/// The feedback rows and editors' decisions an instance has applied to its index.
#[derive(Debug, Default, Clone)]
pub struct Applied {
    feedback: Seen,
    decisions: Seen,
}

/// Feedback rows and editors' decisions read from the store, not applied yet, each oldest first.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Unseen {
    /// Feedback, by id.
    pub feedback: Vec<FeedbackRow>,
    /// Editors' decisions, by id.
    pub decisions: Vec<DecisionRow>,
}

impl Unseen {
    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.feedback.len() + self.decisions.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Applied {
    /// Reads the rows not applied yet.
    pub fn unseen(&self, store: &dyn Store) -> Result<Unseen, StoreError> {
        Ok(Unseen {
            feedback: self
                .feedback
                .unseen(|r: &FeedbackRow| r.id, |a, n| store.feedback_after(a, n))?,
            decisions: self
                .decisions
                .unseen(|r: &DecisionRow| r.id, |a, n| store.decisions_after(a, n))?,
        })
    }

    /// Marks rows applied, and forgets ids that will not be read again.
    pub fn mark(&mut self, rows: &Unseen) {
        self.feedback.mark(rows.feedback.iter().map(|r| r.id));
        self.decisions.mark(rows.decisions.iter().map(|r| r.id));
    }
}

/// The core's record of a stored row. A time that does not parse (it never should: the service
/// writes RFC 3339) counts as now.
pub fn feedback_of(row: &FeedbackRow) -> Feedback {
    Feedback {
        query: row.query.clone(),
        guide: row.guide.clone(),
        helped: row.helped,
        rank: row.rank,
        shown: row.shown.clone(),
        filed_anyway: row.filed_anyway,
        at: DateTime::parse_from_rfc3339(&row.at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|_| Utc::now()),
        actor: row.actor.clone(),
    }
}

/// One row of the merged order.
enum Step<'a> {
    Feedback(&'a FeedbackRow),
    Decision(&'a DecisionRow),
}

/// The rows in the order they apply: feedback by id, each decision after the feedback up to its
/// `after_feedback` (decisions in id order among themselves).
fn in_order(rows: &Unseen) -> Vec<Step<'_>> {
    let mut keyed: Vec<((i64, u8, i64), Step<'_>)> = rows
        .feedback
        .iter()
        .map(|f| ((f.id, 0, 0), Step::Feedback(f)))
        .chain(
            rows.decisions
                .iter()
                .map(|d| ((d.after_feedback, 1, d.id), Step::Decision(d))),
        )
        .collect();
    keyed.sort_by_key(|(key, _)| *key);
    keyed.into_iter().map(|(_, step)| step).collect()
}

/// Teaches the index the rows, feedback and editors' decisions in their order, and commits.
/// Rows about a guide the index no longer holds (it was deleted after them) are left out, as
/// deleting a guide forgets what it learned. Returns how many guides' learned texts changed.
pub fn teach(index: &GuideIndex, rows: &Unseen) -> Result<usize, IndexError> {
    let held = |id: Option<&str>| id.is_none_or(|id| index.get(id).is_some());
    let mut batch: Vec<Feedback> = Vec::new();
    let mut changed = 0;
    let mut any = false;
    let flush = |batch: &mut Vec<Feedback>, changed: &mut usize| -> Result<(), IndexError> {
        if !batch.is_empty() {
            *changed += index.feedback(batch)?;
            batch.clear();
        }
        Ok(())
    };
    for step in in_order(rows) {
        match step {
            Step::Feedback(row) if held(row.guide.as_deref()) => {
                batch.push(feedback_of(row));
                any = true;
            }
            Step::Decision(row) if held(Some(&row.guide)) => {
                flush(&mut batch, &mut changed)?;
                changed += usize::from(index.decide_learned(&row.guide, &row.decision)?);
                any = true;
            }
            Step::Feedback(_) | Step::Decision(_) => {}
        }
    }
    flush(&mut batch, &mut changed)?;
    if any {
        index.commit()?;
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64) -> FeedbackRow {
        FeedbackRow {
            id,
            at: "2026-11-25T10:00:00.000000Z".into(),
            query: "glömt lösen".into(),
            guide: Some("pw".into()),
            helped: true,
            rank: Some(1),
            filed_anyway: false,
            case_number: None,
            actor: Some("a1".into()),
            shown: Vec::new(),
        }
    }

    #[test]
    fn a_stored_row_becomes_the_same_core_record() {
        let f = feedback_of(&row(3));
        assert_eq!(
            (
                f.query.as_str(),
                f.guide.as_deref(),
                f.rank,
                f.actor.as_deref()
            ),
            ("glömt lösen", Some("pw"), Some(1), Some("a1"))
        );
        assert_eq!(f.at.to_rfc3339(), "2026-11-25T10:00:00+00:00");
        assert!(f.teaches());
    }

    #[test]
    fn applied_ids_are_kept_only_within_the_window() {
        let mut applied = Applied::default();
        let rows = |ids: &[i64]| Unseen {
            feedback: ids.iter().map(|&i| row(i)).collect(),
            decisions: Vec::new(),
        };
        applied.mark(&rows(&[1, 2]));
        let seen = &applied.feedback;
        assert!(seen.ids.contains(&1) && seen.highest == 2);
        applied.mark(&rows(&[1000]));
        let seen = &applied.feedback;
        assert!(!seen.ids.contains(&1), "below the window: never read again");
        assert!(seen.ids.contains(&1000));
        assert_eq!(seen.highest, 1000);
        assert_eq!(applied.decisions.highest, 0, "the other stream is apart");
    }

    fn decision(id: i64, after_feedback: i64) -> DecisionRow {
        DecisionRow {
            id,
            after_feedback,
            at: "2026-11-25T10:00:00.000000Z".into(),
            guide: "pw".into(),
            decision: vagvisare::feedback::EditorDecision::Freeze,
            editor: None,
        }
    }

    #[test]
    fn decisions_go_after_the_feedback_stored_before_them() {
        let rows = Unseen {
            feedback: vec![row(1), row(2), row(3)],
            decisions: vec![decision(7, 2), decision(8, 0), decision(9, 2)],
        };
        let order: Vec<String> = in_order(&rows)
            .into_iter()
            .map(|step| match step {
                Step::Feedback(f) => format!("f{}", f.id),
                Step::Decision(d) => format!("d{}", d.id),
            })
            .collect();
        assert_eq!(order, ["d8", "f1", "f2", "d7", "d9", "f3"]);
    }
}
