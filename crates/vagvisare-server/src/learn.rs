//! Feedback teaches the suggestion index (issue 8, "Learning from use"): every instance replays
//! the stored feedback when it starts and then learns what any instance stores, as it polls for
//! guide changes, so all instances behind a load balancer suggest alike.
//!
//! Stored feedback is already redacted; the core's [`GuideIndex::feedback`] applies the guard
//! rails (one actor once per guide and text, the cap, fading, "helped: no" and "filed anyway"
//! teach nothing) and keeps every record for the report.
//!
//! Which rows are new: ids come from the store's sequence, and with PostgreSQL a lower id can
//! commit after a higher one is visible. So each poll reads again the last [`WINDOW`] ids below
//! the highest one applied and skips those already applied; a row that stays invisible for more
//! than [`WINDOW`] later rows is missed until the next restart.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use vagvisare::feedback::Feedback;
use vagvisare::{GuideIndex, IndexError};

use crate::store::{FeedbackRow, Store, StoreError};

/// Ids below the highest applied one that are read again, in case they committed late.
pub const WINDOW: i64 = 256;

/// Rows read from the store at a time.
const PAGE: usize = 5_000;

/// The feedback rows an instance has applied to its index (the recent ones, see [`WINDOW`]).
#[derive(Debug, Default, Clone)]
pub struct Applied {
    ids: BTreeSet<i64>,
    highest: i64,
}

impl Applied {
    /// Reads the rows not applied yet, oldest first.
    pub fn unseen(&self, store: &dyn Store) -> Result<Vec<FeedbackRow>, StoreError> {
        let mut after = (self.highest - WINDOW).max(0);
        let mut out = Vec::new();
        loop {
            let page = store.feedback_after(after, PAGE)?;
            let full = page.len() == PAGE;
            if let Some(last) = page.last() {
                after = last.id;
            }
            out.extend(page.into_iter().filter(|row| !self.ids.contains(&row.id)));
            if !full {
                return Ok(out);
            }
        }
    }

    /// Marks rows applied, and forgets ids that will not be read again.
    pub fn mark(&mut self, rows: &[FeedbackRow]) {
        for row in rows {
            self.ids.insert(row.id);
            self.highest = self.highest.max(row.id);
        }
        let floor = self.highest - WINDOW;
        self.ids = self.ids.split_off(&floor);
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

/// Teaches the index the rows and commits. Rows about a guide the index no longer holds (it was
/// deleted after the feedback) are left out, as deleting a guide forgets what it learned.
/// Returns how many guides learned new text.
pub fn teach(index: &GuideIndex, rows: &[FeedbackRow]) -> Result<usize, IndexError> {
    let records: Vec<Feedback> = rows
        .iter()
        .filter(|row| {
            row.guide
                .as_deref()
                .is_none_or(|id| index.get(id).is_some())
        })
        .map(feedback_of)
        .collect();
    if records.is_empty() {
        return Ok(0);
    }
    let changed = index.feedback(&records)?;
    index.commit()?;
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
        applied.mark(&[row(1), row(2)]);
        assert!(applied.ids.contains(&1) && applied.highest == 2);
        applied.mark(&[row(1000)]);
        assert!(
            !applied.ids.contains(&1),
            "below the window: never read again"
        );
        assert!(applied.ids.contains(&1000));
        assert_eq!(applied.highest, 1000);
    }
}
