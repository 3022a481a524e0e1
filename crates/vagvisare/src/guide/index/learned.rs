//! Learned texts: feedback records, and the texts people typed before a guide helped them,
//! each indexed as a passage of its guide (see [`crate::feedback`]).

use std::collections::BTreeSet;

use chrono::Utc;

use super::GuideIndex;
use crate::feedback::report::{report, Report as FeedbackReport};
use crate::feedback::{EditorDecision, Feedback, FeedbackError, LearnPolicy, LearnedTerm};
use crate::guide::error::IndexError;
use crate::guide::model::Guide;

impl GuideIndex {
    /// Records feedback on suggestions (see [`crate::feedback`]): every record is kept, redacted,
    /// for the report, and "helped" records teach their guide the typed text, searched as a
    /// passage of the guide after [`commit`](Self::commit) once enough distinct actors gave it
    /// ([`LearnPolicy::min_actors`]). The batch is refused, with nothing recorded, if one record
    /// is invalid ([`Feedback::validate`]) or names a guide that is not committed in the index.
    /// Returns the number of guides whose learned texts changed.
    pub fn feedback(&self, records: &[Feedback]) -> Result<usize, IndexError> {
        self.learn(records, false)
    }

    /// [`feedback`](Self::feedback) from a trusted source (an editor's action, a curated file):
    /// each text counts at once, whatever the number of actors, and is marked trusted
    /// ([`LearnedTerm::trusted`]); the other guard rails hold.
    pub fn import_feedback(&self, records: &[Feedback]) -> Result<usize, IndexError> {
        self.learn(records, true)
    }

    fn learn(&self, records: &[Feedback], trusted: bool) -> Result<usize, IndexError> {
        for record in records {
            record.validate()?;
            if let Some(id) = &record.guide {
                if self.get(id).is_none() {
                    return Err(FeedbackError::UnknownGuide { id: id.clone() }.into());
                }
            }
        }
        let changed: BTreeSet<String> = {
            let mut feedback = self.feedback.write().unwrap_or_else(|e| e.into_inner());
            records
                .iter()
                .filter_map(|r| {
                    if trusted {
                        feedback.record_trusted(r)
                    } else {
                        feedback.record(r)
                    }
                })
                .collect()
        };
        self.reindex(&changed)?;
        Ok(changed.len())
    }

    fn reindex(&self, ids: &BTreeSet<String>) -> Result<(), IndexError> {
        let guides: Vec<Guide> = ids.iter().filter_map(|id| self.get(id)).collect();
        if guides.is_empty() {
            return Ok(());
        }
        self.upsert(&guides)
    }

    /// A guide's learned texts, heaviest first, as an editor reviews them.
    pub fn learned(&self, id: &str) -> Vec<LearnedTerm> {
        self.feedback
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .learned(id, Utc::now())
    }

    /// Removes one learned text of a guide (takes effect at [`commit`](Self::commit)).
    pub fn remove_learned(&self, id: &str, text: &str) -> Result<(), IndexError> {
        self.feedback
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id, text)?;
        self.reindex(&BTreeSet::from([id.to_string()]))
    }

    /// Freezes a guide's learned texts (it keeps them but learns nothing new), or thaws them.
    pub fn freeze_learned(&self, id: &str, frozen: bool) {
        self.feedback
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .freeze(id, frozen);
    }

    /// Applies an editor's decision on a guide's learned texts in its place among the feedback
    /// ([`crate::feedback::FeedbackStore::decide`]), re-indexing the guide if its learned texts
    /// changed (takes effect at [`commit`](Self::commit)); returns whether they did. Refused, with
    /// nothing changed, for a guide that is not committed in the index.
    pub fn decide_learned(&self, id: &str, decision: &EditorDecision) -> Result<bool, IndexError> {
        if self.get(id).is_none() {
            return Err(FeedbackError::UnknownGuide { id: id.to_string() }.into());
        }
        let changed = self
            .feedback
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .decide(id, decision);
        if changed {
            self.reindex(&BTreeSet::from([id.to_string()]))?;
        }
        Ok(changed)
    }

    /// True when an editor froze the guide's learned texts.
    pub fn learning_frozen(&self, id: &str) -> bool {
        self.feedback
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_frozen(id)
    }

    /// Replaces the policy that turns feedback into learned texts, and re-indexes every guide
    /// with learned texts under it (takes effect at [`commit`](Self::commit)).
    pub fn set_learn_policy(&self, policy: LearnPolicy) -> Result<(), IndexError> {
        let ids: BTreeSet<String> = {
            let mut feedback = self.feedback.write().unwrap_or_else(|e| e.into_inner());
            feedback.set_policy(policy);
            feedback.guides().map(str::to_string).collect()
        };
        self.reindex(&ids)
    }

    /// Re-indexes every guide with learned texts, so that texts fade as time passes (call it
    /// now and then, e.g. nightly, then [`commit`](Self::commit)).
    pub fn refresh_learned(&self) -> Result<(), IndexError> {
        let ids: BTreeSet<String> = self
            .feedback
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .guides()
            .map(str::to_string)
            .collect();
        self.reindex(&ids)
    }

    /// The figures a portal steers by, from every feedback record (see
    /// [`crate::feedback::report`]).
    pub fn feedback_report(&self, max_gaps: usize) -> FeedbackReport {
        report(
            self.feedback
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .records(),
            max_gaps,
        )
    }
}
