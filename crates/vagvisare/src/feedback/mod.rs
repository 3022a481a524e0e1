//! Learning from use: feedback on suggestions, and the learned terms it gives a guide.
//!
//! The words people typed before a guide helped them are the best evidence of what the guide is
//! for. A [`Feedback`] record says what was typed, which guide was shown, whether it helped and
//! whether a case was filed anyway. [`FeedbackStore`] keeps every record (redacted, for the
//! [`report`]) and, per guide, the *learned texts*: the normalised texts that helped, with the
//! distinct actors behind each. The guide index searches a guide's learned texts as its learned
//! passage, a document of its own, and a guide is found by the better of its own text and its
//! passage (see `GuideIndex::feedback`).
//!
//! Guard rails, all in [`FeedbackStore::record`] and [`FeedbackStore::passages`]:
//! - the text is redacted (personnummer, phone numbers, e-mail addresses) before anything is
//!   kept, then normalised with the query analysis (NFC, words, lower case), cut to what a query
//!   may be ([`normalise`]);
//! - only "helped: yes" without a case filed anyway adds a text;
//! - one actor counts once per guide and text, and a text counts only once
//!   [`LearnPolicy::min_actors`] distinct actors gave it (records without an actor key count as
//!   one anonymous actor, and only where one actor is enough; two by default, so that no single person, and no anonymous caller, can teach a
//!   guide anything alone); a *trusted* import ([`FeedbackStore::record_trusted`]: an editor's
//!   action, a curated feedback file) counts at once, and the text says so
//!   ([`LearnedTerm::trusted`]);
//! - a text's weight is the sum over its actors of ½^(age / half-life), age since that actor's
//!   latest record; texts below [`LearnPolicy::min_weight`] are left out;
//! - at most [`LearnPolicy::max_texts`] texts per guide, the heaviest;
//! - an editor can list, remove and freeze a guide's learned texts (a frozen guide learns nothing
//!   new); deleting the guide forgets them, replacing its text keeps them. An editor's
//!   [`EditorDecision`] is a record of its own, applied with [`FeedbackStore::decide`] in its
//!   place among the feedback records, so that a host that stores both and replays them in the
//!   order they were stored gets the same learned texts every time (a text removed stays removed
//!   until later feedback teaches it again; feedback given while a guide is frozen teaches
//!   nothing, also after a thaw).
//!
//! What an index does with a store (the guide index does exactly this):
//! - **open**: [`FeedbackStore::load`] the [`FEEDBACK_FILE`] of the directory (a missing file is
//!   an empty store; another format version is an error);
//! - **feedback**: refuse the whole batch with [`FeedbackError::UnknownGuide`] if a record names
//!   a guide it does not hold, else [`FeedbackStore::record`] each record and re-index the guides
//!   it returns;
//! - **upsert** (new or replaced guide): index [`FeedbackStore::passages`]`(id, now)` as the
//!   guide's learned passage;
//! - **delete**: [`FeedbackStore::forget`] the guide;
//! - **commit**: [`FeedbackStore::save`] beside the index (temporary file, then rename);
//! - now and then (fading): re-index the guides of [`FeedbackStore::guides`].

pub mod report;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::redact::{find, redact, PersonalData};
use crate::text::tokenize::words;
use crate::text::{MAX_QUERY_BYTES, MAX_QUERY_WORDS};

/// Most guides a feedback record may say were shown.
pub const MAX_SHOWN: usize = 50;

/// Version of the feedback file format.
pub const FEEDBACK_FORMAT_VERSION: u32 = 1;
/// Name of the feedback file in an index directory.
pub const FEEDBACK_FILE: &str = "vagvisare-feedback.json";

/// One answer to "Fick du hjälp av guiderna?".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    /// The text as typed (redacted before it is kept).
    pub query: String,
    /// The guide it is about; `None` when no suggestion was shown or none was chosen.
    #[serde(default)]
    pub guide: Option<String>,
    /// Whether the guide helped.
    pub helped: bool,
    /// The 1-based rank the guide was shown at.
    #[serde(default)]
    pub rank: Option<u32>,
    /// Every guide the page showed for the text, best first (so that the report counts what
    /// people saw, also when they answered "Nej" or chose none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shown: Vec<String>,
    /// Whether a case was filed anyway.
    #[serde(default)]
    pub filed_anyway: bool,
    /// When (now, if not given).
    #[serde(default = "Utc::now")]
    pub at: DateTime<Utc>,
    /// An opaque key of who answered (a hash of the user id, say), for de-duplication.
    #[serde(default)]
    pub actor: Option<String>,
}

impl Feedback {
    /// A "this guide helped" record for `query`, now, anonymous.
    pub fn helped(query: impl Into<String>, guide: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            guide: Some(guide.into()),
            helped: true,
            rank: None,
            shown: Vec::new(),
            filed_anyway: false,
            at: Utc::now(),
            actor: None,
        }
    }

    /// The same record from `actor`.
    pub fn by(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }

    /// The same record at `at`.
    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        self.at = at;
        self
    }

    /// Checks what a record says: a rank counts from 1 (the first suggestion shown), so 0 is
    /// refused with [`FeedbackError::ZeroRank`]. Every host checks records with this before it
    /// keeps them; [`parse_feedback_jsonl`] checks each line.
    pub fn validate(&self) -> Result<(), FeedbackError> {
        if self.rank == Some(0) {
            return Err(FeedbackError::ZeroRank);
        }
        if self.shown.len() > MAX_SHOWN
            || self
                .shown
                .iter()
                .any(|id| id.trim().is_empty() || id.len() > crate::text::MAX_ID_BYTES)
        {
            return Err(FeedbackError::BadShown);
        }
        Ok(())
    }

    /// True when the record may teach its guide the text.
    pub fn teaches(&self) -> bool {
        self.helped && !self.filed_anyway && self.guide.is_some()
    }
}

/// Feedback that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FeedbackError {
    /// The guide is not in the index (deleted, or never there).
    #[error("feedback for guide {id:?}, which is not in the index (deleted or unknown); nothing was recorded")]
    UnknownGuide {
        /// The guide id given.
        id: String,
    },
    /// A record gives rank 0; ranks count from 1, the first suggestion shown.
    #[error("rank 0 is not a rank: ranks count from 1, the first suggestion shown")]
    ZeroRank,
    /// The guides a record says were shown are too many or not guide ids.
    #[error("`shown` lists the ids of the guides shown, best first: at most {MAX_SHOWN}, none empty or over 256 bytes")]
    BadShown,
    /// A JSON Lines feedback line is not valid.
    #[error("feedback line {line}: {message}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The feedback file of an index cannot be read or written.
    #[error("feedback file {path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A learned text that the guide does not have.
    #[error("guide {id:?} has no learned text {text:?}")]
    UnknownText {
        /// The guide.
        id: String,
        /// The text.
        text: String,
    },
    /// A stored editor's decision that is not one (an unknown kind, or a removal without text).
    #[error("editor's decision {kind:?}{}: write `remove` with the text, `freeze` or `unfreeze`", if *.has_text { " with a text" } else { " without a text" })]
    BadDecision {
        /// The kind as given.
        kind: String,
        /// Whether a text was given.
        has_text: bool,
    },
}

/// What an editor decided about the learned texts of a guide (see [`FeedbackStore::decide`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum EditorDecision {
    /// Forget one learned text, normalised ([`normalise`]). Feedback after the decision may teach
    /// it again.
    Remove {
        /// The text as the guide learned it (normalised).
        text: String,
    },
    /// Keep what the guide learned, but learn nothing new from later feedback.
    Freeze,
    /// Learn from feedback again (feedback given while frozen stays untaught).
    Unfreeze,
}

impl EditorDecision {
    /// Removing `text`, normalised as feedback is, so that it names the learned text whatever
    /// case or personal data the editor's copy of it has.
    pub fn remove(text: &str) -> Self {
        EditorDecision::Remove {
            text: normalise(text),
        }
    }

    /// Freezing (`true`) or thawing (`false`).
    pub fn freeze(frozen: bool) -> Self {
        if frozen {
            EditorDecision::Freeze
        } else {
            EditorDecision::Unfreeze
        }
    }

    /// Its kind: `remove`, `freeze` or `unfreeze` (how a host stores it).
    pub fn kind(&self) -> &'static str {
        match self {
            EditorDecision::Remove { .. } => "remove",
            EditorDecision::Freeze => "freeze",
            EditorDecision::Unfreeze => "unfreeze",
        }
    }

    /// The text a removal names.
    pub fn text(&self) -> Option<&str> {
        match self {
            EditorDecision::Remove { text } => Some(text),
            EditorDecision::Freeze | EditorDecision::Unfreeze => None,
        }
    }

    /// The decision a host stored as [`kind`](Self::kind) and [`text`](Self::text); anything
    /// else is [`FeedbackError::BadDecision`].
    pub fn from_parts(kind: &str, text: Option<&str>) -> Result<Self, FeedbackError> {
        match (kind, text) {
            ("remove", Some(text)) if !normalise(text).is_empty() => Ok(Self::remove(text)),
            ("freeze", None) => Ok(EditorDecision::Freeze),
            ("unfreeze", None) => Ok(EditorDecision::Unfreeze),
            _ => Err(FeedbackError::BadDecision {
                kind: kind.to_string(),
                has_text: text.is_some(),
            }),
        }
    }
}

/// How feedback becomes learned text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnPolicy {
    /// Half-life of an actor's contribution, in days.
    pub half_life_days: f64,
    /// Distinct actors a text needs before it counts.
    pub min_actors: usize,
    /// Most learned texts per guide (the heaviest are kept).
    pub max_texts: usize,
    /// Texts lighter than this are left out (faded).
    pub min_weight: f64,
}

impl Default for LearnPolicy {
    fn default() -> Self {
        Self {
            half_life_days: 180.0,
            min_actors: 2,
            max_texts: 64,
            min_weight: 0.25,
        }
    }
}

/// A learned text of a guide, as an editor sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearnedTerm {
    /// The normalised, redacted text.
    pub text: String,
    /// Its current weight (see [`LearnPolicy`]).
    pub weight: f64,
    /// Distinct actors that gave it (anonymous records count only where one actor is enough).
    pub actors: usize,
    /// Whether a trusted import gave it (it then counts whatever the number of actors).
    pub trusted: bool,
    /// Whether it counts in search now (enough actors, heavy enough, within the cap).
    pub active: bool,
}

/// Anonymous records count as this one actor.
const ANONYMOUS: &str = "";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct GuideLearning {
    /// Text → actor → latest time that actor gave it.
    texts: BTreeMap<String, BTreeMap<String, DateTime<Utc>>>,
    /// Texts a trusted import gave.
    #[serde(default)]
    trusted: BTreeSet<String>,
    frozen: bool,
}

/// Feedback records and the learned texts of every guide.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeedbackStore {
    format_version: u32,
    policy: LearnPolicy,
    records: Vec<Feedback>,
    guides: BTreeMap<String, GuideLearning>,
}

/// A text with personal data removed and normalised as queries are: the words, lower case,
/// separated by single spaces. Personnummer, phone numbers and e-mail addresses are dropped, and
/// so are the placeholders [`redact`] puts in their place, so a text normalises the same whether
/// it was redacted before or not. Like a query, only the first
/// [`MAX_QUERY_BYTES`] bytes and
/// [`MAX_QUERY_WORDS`] words count, so one pasted page
/// cannot teach a guide a whole vocabulary.
pub fn normalise(text: &str) -> String {
    let mut end = text.len().min(MAX_QUERY_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];
    let mut cleaned = text.to_string();
    for finding in find(text).into_iter().rev() {
        cleaned.replace_range(finding.span, " ");
    }
    for kind in [
        PersonalData::Personnummer,
        PersonalData::Phone,
        PersonalData::Email,
    ] {
        if cleaned.contains(kind.placeholder()) {
            cleaned = cleaned.replace(kind.placeholder(), " ");
        }
    }
    words(&cleaned)
        .into_iter()
        .take(MAX_QUERY_WORDS)
        .map(|w| w.text)
        .collect::<Vec<_>>()
        .join(" ")
}

impl FeedbackStore {
    /// An empty store with the default policy.
    pub fn new() -> Self {
        Self {
            format_version: FEEDBACK_FORMAT_VERSION,
            ..Self::default()
        }
    }

    /// The policy in use.
    pub fn policy(&self) -> &LearnPolicy {
        &self.policy
    }

    /// Replaces the policy (applies to every text from now on).
    pub fn set_policy(&mut self, policy: LearnPolicy) {
        self.policy = policy;
    }

    /// Every record kept (queries redacted), oldest first.
    pub fn records(&self) -> &[Feedback] {
        &self.records
    }

    /// Keeps one record (the caller has checked that its guide exists). Returns the guide whose
    /// learned text may have changed. Its text counts once [`LearnPolicy::min_actors`] distinct
    /// actors gave it.
    pub fn record(&mut self, feedback: &Feedback) -> Option<String> {
        self.keep(feedback, false)
    }

    /// [`record`](Self::record) from a trusted source (an editor, a curated file): the text
    /// counts at once, whatever the number of actors (the other guard rails hold: redaction,
    /// fading, the cap, freezing, removal).
    pub fn record_trusted(&mut self, feedback: &Feedback) -> Option<String> {
        self.keep(feedback, true)
    }

    fn keep(&mut self, feedback: &Feedback, trusted: bool) -> Option<String> {
        let mut kept = feedback.clone();
        kept.query = redact(&feedback.query);
        self.records.push(kept);
        if !feedback.teaches() {
            return None;
        }
        let guide = feedback.guide.clone()?;
        let text = normalise(&feedback.query);
        if text.is_empty() {
            return None;
        }
        let learning = self.guides.entry(guide.clone()).or_default();
        if learning.frozen {
            return None;
        }
        if trusted {
            learning.trusted.insert(text.clone());
        }
        let actor = feedback.actor.clone().unwrap_or_else(|| ANONYMOUS.into());
        let latest = learning
            .texts
            .entry(text)
            .or_default()
            .entry(actor)
            .or_insert(feedback.at);
        if feedback.at > *latest {
            *latest = feedback.at;
        }
        Some(guide)
    }

    fn weight(&self, actors: &BTreeMap<String, DateTime<Utc>>, now: DateTime<Utc>) -> f64 {
        let half_life = self.policy.half_life_days.max(1e-9);
        actors
            .values()
            .map(|at| {
                let age_days = (now - *at).num_seconds().max(0) as f64 / 86_400.0;
                0.5f64.powf(age_days / half_life)
            })
            .sum()
    }

    /// A guide's learned texts, heaviest first, with whether each counts now.
    pub fn learned(&self, guide: &str, now: DateTime<Utc>) -> Vec<LearnedTerm> {
        let Some(learning) = self.guides.get(guide) else {
            return Vec::new();
        };
        let mut terms: Vec<LearnedTerm> = learning
            .texts
            .iter()
            .map(|(text, actors)| {
                let weight = self.weight(actors, now);
                let trusted = learning.trusted.contains(text);
                // Anonymous records cannot be told apart: they count as a person only where
                // one person is enough.
                let counted = actors
                    .keys()
                    .filter(|a| a.as_str() != ANONYMOUS || self.policy.min_actors <= 1)
                    .count();
                LearnedTerm {
                    text: text.clone(),
                    weight,
                    actors: counted,
                    trusted,
                    active: (trusted || counted >= self.policy.min_actors)
                        && weight >= self.policy.min_weight,
                }
            })
            .collect();
        terms.sort_by(|a, b| {
            b.active
                .cmp(&a.active)
                .then(b.weight.total_cmp(&a.weight))
                .then_with(|| a.text.cmp(&b.text))
        });
        let mut active = 0;
        for term in &mut terms {
            if term.active {
                active += 1;
                term.active = active <= self.policy.max_texts;
            }
        }
        terms
    }

    /// The guide's learned texts that count at `now` (enough actors or trusted, not faded, within
    /// the cap), heaviest first: what the index searches, together as the guide's learned
    /// passage. The passage counts as strongly as the guide's own text, and a guide is found by
    /// the better of its own text and its passage (not their sum), so a taught guide does not
    /// crowd out the guides nobody has taught yet. Empty when the guide has learned nothing that
    /// counts.
    pub fn passages(&self, guide: &str, now: DateTime<Utc>) -> Vec<String> {
        if !self.guides.contains_key(guide) {
            return Vec::new();
        }
        self.learned(guide, now)
            .into_iter()
            .filter(|t| t.active)
            .map(|t| t.text)
            .collect()
    }

    /// Forgets one learned text of a guide.
    pub fn remove(&mut self, guide: &str, text: &str) -> Result<(), FeedbackError> {
        let normalised = normalise(text);
        self.guides
            .get_mut(guide)
            .and_then(|l| {
                l.trusted.remove(&normalised);
                l.texts.remove(&normalised)
            })
            .map(|_| ())
            .ok_or_else(|| FeedbackError::UnknownText {
                id: guide.into(),
                text: normalised,
            })
    }

    /// Freezes (or thaws) a guide: a frozen guide keeps its learned texts but learns no new ones.
    pub fn freeze(&mut self, guide: &str, frozen: bool) {
        self.guides.entry(guide.into()).or_default().frozen = frozen;
    }

    /// Applies an editor's decision on `guide` in its place among the records: a removal forgets
    /// the text if the guide has it, a freeze or thaw sets whether later records teach the
    /// guide. Replaying a host's decisions is safe: removing a text the guide does not have (any
    /// more) changes nothing. Returns whether the guide's learned texts changed (the index then
    /// re-indexes it).
    pub fn decide(&mut self, guide: &str, decision: &EditorDecision) -> bool {
        match decision {
            EditorDecision::Remove { text } => self.remove(guide, text).is_ok(),
            EditorDecision::Freeze | EditorDecision::Unfreeze => {
                self.freeze(guide, *decision == EditorDecision::Freeze);
                false
            }
        }
    }

    /// True when the guide is frozen.
    pub fn is_frozen(&self, guide: &str) -> bool {
        self.guides.get(guide).is_some_and(|l| l.frozen)
    }

    /// Forgets everything learned for a deleted guide (its records stay for the report).
    pub fn forget(&mut self, guide: &str) {
        self.guides.remove(guide);
    }

    /// Ids of guides with learned texts.
    pub fn guides(&self) -> impl Iterator<Item = &str> {
        self.guides.keys().map(String::as_str)
    }

    /// Reads a store saved by [`save`](Self::save); a missing file is an empty store.
    pub fn load(path: &Path) -> Result<Self, FeedbackError> {
        let file_error = |message: String| FeedbackError::File {
            path: path.display().to_string(),
            message,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::new()),
            Err(e) => return Err(file_error(e.to_string())),
        };
        let store: Self = serde_json::from_str(&text).map_err(|e| file_error(e.to_string()))?;
        if store.format_version != FEEDBACK_FORMAT_VERSION {
            return Err(file_error(format!(
                "format version {} (this version reads {FEEDBACK_FORMAT_VERSION})",
                store.format_version
            )));
        }
        Ok(store)
    }

    /// Writes the store atomically: a temporary file beside it, synced, then a rename.
    pub fn save(&self, path: &Path) -> Result<(), FeedbackError> {
        let file_error = |message: String| FeedbackError::File {
            path: path.display().to_string(),
            message,
        };
        let json = serde_json::to_string(self).map_err(|e| file_error(e.to_string()))?;
        let tmp = path.with_extension("json.tmp");
        let write = || -> std::io::Result<()> {
            use std::io::Write as _;
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(json.as_bytes())?;
            // On disk before the rename, so a crash leaves the old file or the new, never half.
            file.sync_all()
        };
        write().map_err(|e| file_error(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| file_error(e.to_string()))
    }
}

/// Reads feedback records, one JSON object a line (`{"query": ..., "guide": ..., "helped": true}`).
/// A bad line refuses the whole batch, with its line number.
pub fn parse_feedback_jsonl(text: &str) -> Result<Vec<Feedback>, FeedbackError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let bad = |message: String| FeedbackError::BadLine {
                line: i + 1,
                message,
            };
            let record: Feedback = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
            record.validate().map_err(|e| bad(e.to_string()))?;
            Ok(record)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_rank_counts_from_one() {
        let mut record = Feedback::helped("glömt lösen", "pw");
        assert_eq!(record.validate(), Ok(()));
        record.rank = Some(1);
        assert_eq!(record.validate(), Ok(()));
        record.rank = Some(0);
        assert_eq!(record.validate(), Err(FeedbackError::ZeroRank));
        let lines = "{\"query\": \"a\", \"helped\": true, \"rank\": 2}\n\
                     {\"query\": \"b\", \"helped\": true, \"rank\": 0}\n";
        match parse_feedback_jsonl(lines) {
            Err(FeedbackError::BadLine { line: 2, message }) => {
                assert!(message.contains("ranks count from 1"), "{message}")
            }
            other => panic!("rank 0 read as {other:?}"),
        }
    }

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, d, 12, 0, 0).unwrap()
    }

    #[test]
    fn normalising_redacts_and_lowercases() {
        assert_eq!(
            normalise("Glömt LÖSEN, pnr 19811228-9874, ring 070-123 45 67!"),
            "glömt lösen pnr ring"
        );
        assert_eq!(normalise("mejla mig på anna@example.se"), "mejla mig på");
        assert_eq!(
            normalise(&redact("glömt lösen 19811228-9874")),
            normalise("glömt lösen 19811228-9874"),
            "redacted and raw text normalise alike"
        );
        let page = "ord ".repeat(1000);
        assert_eq!(normalise(&page).split(' ').count(), MAX_QUERY_WORDS);
        let long = "å".repeat(3000);
        assert!(normalise(&long).len() <= MAX_QUERY_BYTES);
    }

    #[test]
    fn only_helpful_feedback_teaches() {
        let mut store = FeedbackStore::new();
        let mut no = Feedback::helped("skrivaren krånglar", "g").at(day(1));
        no.helped = false;
        let mut filed = Feedback::helped("skrivaren krånglar", "g").at(day(1));
        filed.filed_anyway = true;
        assert_eq!(store.record(&no), None);
        assert_eq!(store.record(&filed), None);
        assert!(store.learned("g", day(1)).is_empty());
        assert_eq!(store.records().len(), 2, "kept for the report");
        assert_eq!(
            store.record(
                &Feedback::helped("skrivaren krånglar", "g")
                    .by("u1")
                    .at(day(1))
            ),
            Some("g".into())
        );
        assert_eq!(
            store.passages("g", day(1)),
            Vec::<String>::new(),
            "one actor"
        );
        store.record(
            &Feedback::helped("Skrivaren KRÅNGLAR", "g")
                .by("u2")
                .at(day(1)),
        );
        assert_eq!(store.passages("g", day(1)), ["skrivaren krånglar"]);
    }

    #[test]
    fn a_trusted_import_counts_at_once_and_says_so() {
        let mut store = FeedbackStore::new();
        assert_eq!(
            store.policy().min_actors,
            2,
            "the default holds one person back"
        );
        store.record(&Feedback::helped("printern är död", "g").by("u1").at(day(1)));
        store.record_trusted(&Feedback::helped("skrivaren tuggar papper", "g").at(day(1)));
        assert_eq!(store.passages("g", day(1)), ["skrivaren tuggar papper"]);
        let learned = store.learned("g", day(1));
        let trusted: Vec<(&str, bool, bool)> = learned
            .iter()
            .map(|t| (t.text.as_str(), t.trusted, t.active))
            .collect();
        assert_eq!(
            trusted,
            [
                ("skrivaren tuggar papper", true, true),
                ("printern är död", false, false)
            ]
        );
        store.remove("g", "skrivaren tuggar papper").unwrap();
        store.record(
            &Feedback::helped("skrivaren tuggar papper", "g")
                .by("u1")
                .at(day(1)),
        );
        assert!(
            store.passages("g", day(1)).is_empty(),
            "removing a text forgets that it was trusted"
        );
    }

    #[test]
    fn one_actor_counts_once_and_min_actors_holds_back() {
        let mut store = FeedbackStore::new();
        store.set_policy(LearnPolicy {
            min_actors: 2,
            ..LearnPolicy::default()
        });
        for _ in 0..50 {
            store.record(&Feedback::helped("köp aktier", "g").by("spammer").at(day(1)));
        }
        let learned = store.learned("g", day(1));
        assert_eq!(learned[0].actors, 1);
        assert!(!learned[0].active);
        assert!(store.passages("g", day(1)).is_empty());
        store.record(&Feedback::helped("köp aktier", "g").at(day(1)));
        assert!(
            store.passages("g", day(1)).is_empty(),
            "an anonymous record is no second person"
        );
        store.record(&Feedback::helped("köp aktier", "g").by("other").at(day(1)));
        assert_eq!(store.passages("g", day(1)), ["köp aktier"]);
        store.set_policy(LearnPolicy {
            min_actors: 1,
            ..LearnPolicy::default()
        });
        store.record(&Feedback::helped("sälj aktier", "g").at(day(1)));
        assert!(store
            .passages("g", day(1))
            .contains(&"sälj aktier".to_string()));
    }

    #[test]
    fn texts_fade_with_the_half_life_and_are_capped() {
        let mut store = FeedbackStore::new();
        store.set_policy(LearnPolicy {
            half_life_days: 10.0,
            max_texts: 2,
            ..LearnPolicy::default()
        });
        store.record_trusted(&Feedback::helped("gammal fråga", "g").at(day(1)));
        let w = store.learned("g", day(11))[0].weight;
        assert!((w - 0.5).abs() < 1e-6, "{w}");
        assert_eq!(store.passages("g", day(11)), ["gammal fråga"]);
        assert!(
            store.passages("g", day(31)).is_empty(),
            "faded below the minimum"
        );
        for (i, text) in ["a b", "c d", "e f"].iter().enumerate() {
            store.record_trusted(&Feedback::helped(*text, "g").by(format!("u{i}")).at(day(30)));
        }
        let active = store
            .learned("g", day(30))
            .iter()
            .filter(|t| t.active)
            .count();
        assert_eq!(active, 2);
    }

    #[test]
    fn editors_remove_and_freeze() {
        let mut store = FeedbackStore::new();
        store.record(&Feedback::helped("lösen", "g").at(day(1)));
        store.freeze("g", true);
        assert_eq!(
            store.record(&Feedback::helped("nytt ord", "g").at(day(1))),
            None
        );
        assert_eq!(store.learned("g", day(1)).len(), 1);
        store.remove("g", "Lösen").unwrap();
        assert!(store.learned("g", day(1)).is_empty());
        assert!(matches!(
            store.remove("g", "saknas"),
            Err(FeedbackError::UnknownText { .. })
        ));
        store.forget("g");
        assert!(!store.is_frozen("g"));
    }

    #[test]
    fn decisions_apply_in_their_place_among_the_records() {
        let taught = |store: &mut FeedbackStore, text: &str, d: u32| {
            store.record_trusted(&Feedback::helped(text, "g").at(day(d)));
        };
        let mut store = FeedbackStore::new();
        taught(&mut store, "glömt lösen", 1);
        assert!(store.decide("g", &EditorDecision::remove("Glömt LÖSEN")));
        assert!(
            !store.decide("g", &EditorDecision::remove("glömt lösen")),
            "replayed twice: nothing left to remove, and no error"
        );
        assert!(store.learned("g", day(1)).is_empty());
        assert!(!store.decide("g", &EditorDecision::Freeze));
        taught(&mut store, "låst ute", 2);
        assert!(store.learned("g", day(2)).is_empty(), "frozen: nothing new");
        store.decide("g", &EditorDecision::Unfreeze);
        taught(&mut store, "glömt lösen", 3);
        assert_eq!(
            store.passages("g", day(3)),
            ["glömt lösen"],
            "feedback after the thaw counts, also a text removed before"
        );
        // The same records and decisions in another order give another result.
        let mut other = FeedbackStore::new();
        other.decide("g", &EditorDecision::Freeze);
        taught(&mut other, "glömt lösen", 1);
        assert!(other.learned("g", day(1)).is_empty());
    }

    #[test]
    fn a_stored_decision_is_read_back_or_refused() {
        for decision in [
            EditorDecision::remove("Glömt lösen 070-123 45 67"),
            EditorDecision::freeze(true),
            EditorDecision::freeze(false),
        ] {
            assert_eq!(
                EditorDecision::from_parts(decision.kind(), decision.text()),
                Ok(decision.clone())
            );
        }
        assert_eq!(
            EditorDecision::remove("Glömt lösen 070-123 45 67").text(),
            Some("glömt lösen")
        );
        for (kind, text) in [
            ("remove", None),
            ("remove", Some(" 070-123 45 67 ")),
            ("freeze", Some("x")),
            ("thaw", None),
        ] {
            assert!(
                matches!(
                    EditorDecision::from_parts(kind, text),
                    Err(FeedbackError::BadDecision { .. })
                ),
                "{kind} {text:?}"
            );
        }
    }

    #[test]
    fn the_store_round_trips_through_its_file() {
        let dir = std::env::temp_dir().join(format!("vv-feedback-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(FEEDBACK_FILE);
        let mut store = FeedbackStore::new();
        store.record(
            &Feedback::helped("ring 070-123 45 67 lösen", "g")
                .by("a")
                .at(day(2)),
        );
        store.save(&path).unwrap();
        let back = FeedbackStore::load(&path).unwrap();
        assert_eq!(back, store);
        assert!(!std::fs::read_to_string(&path).unwrap().contains("070"));
        std::fs::write(&path, r#"{"format_version": 99}"#).unwrap();
        assert!(FeedbackStore::load(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        let err =
            parse_feedback_jsonl("{\"query\": \"a\", \"guide\": \"g\", \"helped\": true}\n\n{oops")
                .unwrap_err();
        assert!(
            matches!(err, FeedbackError::BadLine { line: 3, .. }),
            "{err}"
        );
    }
}
