//! Storage: the [`Store`] trait and its two implementations, embedded SQLite ([`sqlite`]) and
//! PostgreSQL ([`postgres`]).
//!
//! What is stored, in both:
//! - **cases** as their append-only events (`case_events`, one JSON event per row, keyed by case
//!   and sequence number); the core model's fold (`Case::replay`) gives the state. The `cases` row
//!   holds the version (the number of events) that the optimistic check compares, and what
//!   listing needs (status, organisation); `case_people` says who has a part in which case;
//! - **case numbers**: one `CaseNumberSeries` per prefix, drawn in the same transaction as the
//!   submission that uses the number, so numbers have no gaps and never repeat;
//! - **guides**, one row per guide with a revision from one counter, deletions kept as rows
//!   without a document, so every instance can ask "what changed since revision n";
//! - **feedback** ("Fick du hjälp av guiderna?"), with the typed text redacted before it is stored;
//! - **attachments**: the bytes of files sent with messages;
//! - **editors' decisions** on what a guide learned from feedback (remove a text, freeze, thaw),
//!   each with its place among the feedback ([`DecisionRow::after_feedback`]), so that every
//!   instance replays feedback and decisions in one order ([`crate::learn`]).
//!
//! Every write is one transaction, and the call returns only after it is committed. The schema
//! is versioned ([`migrations`]) and brought up to date when a store is opened.
//!
//! The logic is written once, in `sql`, over a small transaction interface; [`sqlite`] and
//! [`postgres`] each hold only their connection handling and what differs in their SQL.

pub mod migrations;
pub mod postgres;
mod sql;
pub mod sqlite;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use vagvisare::case::{
    Case, CaseError, CaseNumber, CaseNumberSeries, Event, NumberError, StatusCategory, Workflow,
};
use vagvisare::feedback::EditorDecision;
use vagvisare::Guide;

use crate::error::{ApiError, ErrorCode};

/// A case's id in the store (not its human-facing number, which a draft does not have yet).
pub type CaseId = i64;

/// A stored case: its id, the id of its workflow, and its events, oldest first.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredCase {
    /// The case's id.
    pub id: CaseId,
    /// The workflow the case follows.
    pub workflow: String,
    /// The events, oldest first.
    pub events: Vec<Event>,
}

impl StoredCase {
    /// The case's version: the number of its events.
    pub fn version(&self) -> u64 {
        self.events.len() as u64
    }

    /// The case, folded from its events by the core model.
    pub fn replay(&self) -> Result<Case, StoreError> {
        Case::replay(&self.events).map_err(|e| StoreError::Corrupt {
            what: format!("case {}", self.id),
            message: e.to_string(),
        })
    }
}

/// What listing and access need to know of a case, derived from its state after each write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseMeta {
    /// The service (form) it was filed through.
    pub service: String,
    /// The organisation handling it.
    pub organisation: String,
    /// Its status id.
    pub status: String,
    /// The status category (`draft`, `open`, …).
    pub category: String,
    /// Its number, once submitted.
    pub number: Option<String>,
    /// Ids of everyone with a personal part in it: requester, assigned officer, approvers, people
    /// it is shared with.
    pub people: Vec<String>,
}

impl CaseMeta {
    /// The meta data of `case`, which follows `workflow`.
    pub fn of(case: &Case, workflow: &Workflow) -> Self {
        // Who has a part in the case, and the status's category: the core's rules.
        let people = case.participants().iter().map(|p| p.id.clone()).collect();
        let category = workflow
            .category(case.status())
            .map_or("none", StatusCategory::id)
            .to_string();
        CaseMeta {
            service: case.service().to_string(),
            organisation: case.organisation().to_string(),
            status: case.status().to_string(),
            category,
            number: case.number().map(ToString::to_string),
            people,
        }
    }
}

/// The bytes of a file sent with a message: event `seq`, attachment number `index` in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blob {
    /// The sequence number of the event that carries the attachment.
    pub seq: u64,
    /// The attachment's position among the event's attachments.
    pub index: u32,
    /// The file name.
    pub name: String,
    /// Who sent it (the user id; attachment quotas count per sender).
    pub sender: String,
    /// The content.
    pub content: BlobContent,
}

/// Where a blob's bytes are before they are stored: in memory, or spooled to a file (uploads,
/// so that no upload is ever held whole in memory). The store copies them in parts of
/// [`PART_BYTES`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlobContent {
    /// Bytes in memory.
    Memory(axum::body::Bytes),
    /// A spooled file, removed when the last clone is dropped.
    File(std::sync::Arc<SpoolFile>),
}

/// Called with each part of a blob: its number and bytes.
pub(crate) type PartFn<'a> = dyn FnMut(u32, &[u8]) -> Result<(), StoreError> + 'a;

/// The size of one stored part of an attachment.
pub const PART_BYTES: usize = 1 << 20;

/// A file an upload is spooled to, removed when dropped.
#[derive(Debug, PartialEq, Eq)]
pub struct SpoolFile {
    /// Where it is.
    pub path: std::path::PathBuf,
    /// How many bytes it holds.
    pub len: u64,
}

impl Drop for SpoolFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl BlobContent {
    /// Its length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            BlobContent::Memory(bytes) => bytes.len() as u64,
            BlobContent::File(file) => file.len,
        }
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `part` with each part of at most [`PART_BYTES`], in order.
    pub(crate) fn for_each_part(&self, part: &mut PartFn<'_>) -> Result<(), StoreError> {
        match self {
            BlobContent::Memory(bytes) => {
                for (i, chunk) in bytes.chunks(PART_BYTES).enumerate() {
                    part(u32::try_from(i).unwrap_or(u32::MAX), chunk)?;
                }
                Ok(())
            }
            BlobContent::File(file) => {
                use std::io::Read;
                let unreadable = |e: std::io::Error| StoreError::Unstorable {
                    what: "attachment".into(),
                    message: format!("the spooled upload cannot be read: {e}"),
                };
                let mut reader = std::fs::File::open(&file.path).map_err(unreadable)?;
                let mut buffer = vec![0u8; PART_BYTES];
                let mut i = 0u32;
                loop {
                    let mut filled = 0;
                    while filled < PART_BYTES {
                        let n = reader.read(&mut buffer[filled..]).map_err(unreadable)?;
                        if n == 0 {
                            break;
                        }
                        filled += n;
                    }
                    if filled == 0 {
                        return Ok(());
                    }
                    part(i, &buffer[..filled])?;
                    i += 1;
                    if filled < PART_BYTES {
                        return Ok(());
                    }
                }
            }
        }
    }
}

/// Where a stored attachment's bytes are: first `inline` (attachments stored before schema
/// version 4 kept their bytes in their row), then parts `0..parts` of [`PART_BYTES`] each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentHead {
    /// The file name.
    pub name: String,
    /// Its size in bytes: `inline` and every part together.
    pub size: u64,
    /// The bytes kept in the attachment's row (empty since schema version 4).
    pub inline: Vec<u8>,
    /// How many parts follow.
    pub parts: u32,
}

/// What a write appends: the new events, the case's meta data after them, and any file bytes.
#[derive(Clone, Debug)]
pub struct Decided {
    /// The events, continuing the case's history.
    pub events: Vec<Event>,
    /// The case's meta data after the events.
    pub meta: CaseMeta,
    /// Bytes of attachments the events carry.
    pub blobs: Vec<Blob>,
}

/// Which case a write goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A new case following `workflow`.
    New {
        /// The workflow id.
        workflow: String,
    },
    /// An existing case, whose version must still be `expected_version`.
    Existing {
        /// The case.
        id: CaseId,
        /// The version the events were decided against.
        expected_version: u64,
    },
}

/// A case number series: numbers `prefix` + digits from `first`, padded to `width`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// Prefix (`"C"`, or `""`).
    pub prefix: String,
    /// The first number.
    pub first: u64,
    /// Digits are zero-padded to this width.
    pub width: u8,
}

impl Series {
    /// A new core series for this description.
    pub fn start(&self) -> Result<CaseNumberSeries, NumberError> {
        Ok(CaseNumberSeries::new(&self.prefix, self.first)?.with_width(self.width))
    }
}

/// A guide change: the guide as it is now, or `None` when it was deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuideChange {
    /// The guide's id.
    pub id: String,
    /// The guide, or `None` if deleted.
    pub guide: Option<Guide>,
}

/// One answer to "Fick du hjälp av guiderna?", as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackRow {
    /// Its id in the store (0 before it is stored).
    #[serde(default)]
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// The typed text, redacted (`vagvisare::redact`) before it was stored.
    pub query: String,
    /// The guide it is about, if any.
    pub guide: Option<String>,
    /// Whether the guide (or the guides) helped.
    pub helped: bool,
    /// The rank the guide was shown at, from 1.
    pub rank: Option<u32>,
    /// Whether a case was filed anyway.
    pub filed_anyway: bool,
    /// The number of the case filed, if any.
    pub case_number: Option<String>,
    /// An opaque key of who answered (a hash of the user id), if known.
    pub actor: Option<String>,
    /// The guides the page showed, best first (empty when not told).
    #[serde(default)]
    pub shown: Vec<String>,
}

/// An editor's decision on what a guide learned from feedback, as stored. Decisions and feedback
/// are one sequence: a decision comes after the feedback with an id up to `after_feedback` and
/// before any with a higher id; decisions with the same `after_feedback` come in `id` order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionRow {
    /// Its id in the store, in the order decisions were stored (0 before it is stored).
    pub id: i64,
    /// The highest feedback id stored when it was decided (0 if none).
    pub after_feedback: i64,
    /// When (RFC 3339).
    pub at: String,
    /// The guide.
    pub guide: String,
    /// What was decided (a removal names the text as the core normalises it).
    pub decision: EditorDecision,
    /// An opaque key of the editor (the keyed hash feedback actors get), if the request named a
    /// user; `None` for the admin token alone. Never a raw id.
    pub editor: Option<String>,
}

/// How many cases of an organisation are in a status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseCount {
    /// The organisation handling them.
    pub organisation: String,
    /// Their status id.
    pub status: String,
    /// How many.
    pub count: u64,
}

/// A store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The case's version is no longer the one the events were decided against.
    #[error("the case is at version {found}, not {expected}")]
    Conflict {
        /// The version the write expected.
        expected: u64,
        /// The version found.
        found: u64,
    },
    /// The case does not exist.
    #[error("case {0} does not exist")]
    NoSuchCase(CaseId),
    /// The core model refused the command (nothing was written).
    #[error(transparent)]
    Refused(#[from] CaseError),
    /// The case number series could not issue a number (nothing was written).
    #[error(transparent)]
    Number(#[from] NumberError),
    /// The database cannot be reached or refused the operation.
    #[error("the database failed: {0}")]
    Unavailable(String),
    /// Stored data cannot be read.
    #[error("stored {what} cannot be read: {message}")]
    Corrupt {
        /// What was being read.
        what: String,
        /// Why it failed.
        message: String,
    },
    /// The database was written by a newer version of the service.
    #[error(
        "the database schema is at version {found}, but this service knows versions up to \
         {known}; run the newer service, or restore a backup"
    )]
    NewerSchema {
        /// The version found in the database.
        found: i64,
        /// The newest version this service knows.
        known: i64,
    },
    /// The store cannot be opened (bad URL, unwritable directory).
    #[error("{0}")]
    Open(String),
    /// A value cannot be put in the database (nothing was written).
    #[error("{what} cannot be stored: {message}")]
    Unstorable {
        /// What was being written.
        what: String,
        /// Why it failed.
        message: String,
    },
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict { expected, found } => ApiError::conflict(expected, found),
            StoreError::NoSuchCase(_) => ApiError::case_not_found(),
            StoreError::Refused(e) => e.into(),
            StoreError::Number(e) => e.into(),
            StoreError::Unavailable(message) | StoreError::Open(message) => ApiError::new(
                ErrorCode::StorageUnavailable,
                format!("the database failed: {message}"),
            ),
            e @ (StoreError::Corrupt { .. }
            | StoreError::NewerSchema { .. }
            | StoreError::Unstorable { .. }) => ApiError::internal(e.to_string()),
        }
    }
}

/// Runs one write's decision inside the write's transaction: given the number drawn for it (if
/// the write draws one), the events to append, or the core model's refusal.
pub type Decide<'a> = dyn FnMut(Option<CaseNumber>) -> Result<Decided, StoreError> + 'a;

/// Where the service keeps its state. Every method blocks; the service calls them from
/// `tokio::task::spawn_blocking`. Every write is one transaction, committed before it returns.
pub trait Store: Send + Sync {
    /// `sqlite` or `postgresql`.
    fn backend(&self) -> &'static str;

    /// The schema version the database is at.
    fn schema_version(&self) -> Result<i64, StoreError>;

    /// Stores the bundled guides, once in the database's life: returns whether it did (false if
    /// guides were seeded before, by this or another instance).
    fn seed_guides(&self, guides: &[Guide]) -> Result<bool, StoreError>;

    /// Every guide, with the guide revision they are current as of.
    fn all_guides(&self) -> Result<(i64, Vec<Guide>), StoreError>;

    /// The guides changed or deleted after revision `since`, and the revision now.
    fn guide_changes(&self, since: i64) -> Result<(i64, Vec<GuideChange>), StoreError>;

    /// One guide.
    fn guide(&self, id: &str) -> Result<Option<Guide>, StoreError>;

    /// Adds or replaces guides (one transaction); returns the new revision.
    fn put_guides(&self, guides: &[Guide]) -> Result<i64, StoreError>;

    /// Deletes a guide; returns the new revision, or `None` if there was no such guide.
    fn delete_guide(&self, id: &str) -> Result<Option<i64>, StoreError>;

    /// One case.
    fn case(&self, id: CaseId) -> Result<Option<StoredCase>, StoreError>;

    /// The newest `limit` cases `person` has a personal part in, newest first.
    fn cases_of_person(&self, person: &str, limit: usize) -> Result<Vec<StoredCase>, StoreError>;

    /// The newest `limit` cases handled by `organisation` that are not drafts, newest first.
    fn cases_of_organisation(
        &self,
        organisation: &str,
        limit: usize,
    ) -> Result<Vec<StoredCase>, StoreError>;

    /// One write to a case, in one transaction: checks the version of an existing case, draws a
    /// number from `series` if given, calls `decide` with it, then appends the events, updates
    /// the case's meta data and stores the attachment bytes. Nothing is written if any step
    /// fails. Returns the case's id and what was appended.
    fn write_case(
        &self,
        target: &Target,
        series: Option<&Series>,
        decide: &mut Decide<'_>,
    ) -> Result<(CaseId, Decided), StoreError>;

    /// Attachment `index` of event `seq` of a case: its name, size and where its bytes are, so
    /// that a download reads them one part at a time ([`Store::attachment_part`]).
    fn attachment_head(
        &self,
        case: CaseId,
        seq: u64,
        index: u32,
    ) -> Result<Option<AttachmentHead>, StoreError>;

    /// Part `part` (from 0) of an attachment's bytes, at most [`PART_BYTES`]; `None` past the
    /// last. Each part is its own read, so a slow download holds no database connection.
    fn attachment_part(
        &self,
        case: CaseId,
        seq: u64,
        index: u32,
        part: u32,
    ) -> Result<Option<Vec<u8>>, StoreError>;

    /// Replaces every stored feedback actor key for which `rekey` gives a new one (one
    /// transaction, run alone); returns how many changed. Used once to replace the unkeyed
    /// hashes of older versions ([`crate::api::feedback::ActorKeys::rekey_legacy`]).
    fn rekey_feedback_actors(
        &self,
        rekey: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Result<usize, StoreError>;

    /// The attachment bytes `sender` has stored, over every case (attachments stored before
    /// schema version 4 do not count: their sender was not recorded).
    fn attachment_bytes_of(&self, sender: &str) -> Result<u64, StoreError>;

    /// Stores a feedback record (its `query` must already be redacted); returns its id.
    fn add_feedback(&self, record: &FeedbackRow) -> Result<i64, StoreError>;

    /// The newest `limit` feedback records, newest first.
    fn feedback(&self, limit: usize) -> Result<Vec<FeedbackRow>, StoreError>;

    /// At most `limit` feedback records with an id above `after`, oldest first: what an instance
    /// has not learned from yet.
    fn feedback_after(&self, after: i64, limit: usize) -> Result<Vec<FeedbackRow>, StoreError>;

    /// Stores an editor's decision (its `id` and `after_feedback` are ignored): in one
    /// transaction, reads the highest feedback id stored, which becomes the decision's place
    /// among the feedback, and appends the decision. Returns the row as stored.
    fn add_decision(&self, decision: &DecisionRow) -> Result<DecisionRow, StoreError>;

    /// At most `limit` editors' decisions with an id above `after`, oldest first.
    fn decisions_after(&self, after: i64, limit: usize) -> Result<Vec<DecisionRow>, StoreError>;

    /// The submitted cases (not drafts) by organisation and status, counted by the database
    /// (`GROUP BY`), without reading a case.
    fn case_counts(&self) -> Result<Vec<CaseCount>, StoreError>;
}

/// A small pool of connections: each call takes a free one (or waits for one), and a connection
/// that failed is dropped and opened again on its next use.
pub(crate) struct Pool<C> {
    slots: Vec<Mutex<Option<C>>>,
    next: AtomicUsize,
    #[allow(clippy::type_complexity)]
    connect: Box<dyn Fn() -> Result<C, StoreError> + Send + Sync>,
}

impl<C> Pool<C> {
    pub(crate) fn new(
        size: usize,
        connect: impl Fn() -> Result<C, StoreError> + Send + Sync + 'static,
    ) -> Self {
        Pool {
            slots: (0..size.max(1)).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
            connect: Box::new(connect),
        }
    }

    /// Takes every open connection out of the pool.
    pub(crate) fn take_all(&mut self) -> Vec<C> {
        self.slots
            .iter_mut()
            .filter_map(|slot| slot.get_mut().unwrap_or_else(|e| e.into_inner()).take())
            .collect()
    }

    fn slot(&self) -> MutexGuard<'_, Option<C>> {
        let n = self.slots.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        for i in 0..n {
            if let Ok(guard) = self.slots[(start + i) % n].try_lock() {
                return guard;
            }
        }
        self.slots[start]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` with a connection. When `f` fails and `broken` says the connection is unusable,
    /// the connection is dropped.
    pub(crate) fn with<R>(
        &self,
        broken: impl Fn(&C) -> bool,
        f: impl FnOnce(&mut C) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut slot = self.slot();
        if slot.is_none() {
            *slot = Some((self.connect)()?);
        }
        let Some(conn) = slot.as_mut() else {
            return Err(StoreError::Unavailable("no connection".into()));
        };
        let result = f(conn);
        if result.is_err() && broken(conn) {
            *slot = None;
        }
        result
    }
}

/// Parses a stored event.
pub(crate) fn parse_event(case: CaseId, text: &str) -> Result<Event, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        what: format!("event of case {case}"),
        message: e.to_string(),
    })
}

/// Serialises an event for storage.
pub(crate) fn event_json(event: &Event) -> Result<String, StoreError> {
    serde_json::to_string(event).map_err(|e| StoreError::Unstorable {
        what: format!("event {}", event.seq),
        message: e.to_string(),
    })
}

/// Parses a stored guide.
pub(crate) fn parse_guide(text: &str) -> Result<Guide, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        what: "guide".into(),
        message: e.to_string(),
    })
}

/// Serialises a guide for storage.
pub(crate) fn guide_json(guide: &Guide) -> Result<String, StoreError> {
    serde_json::to_string(guide).map_err(|e| StoreError::Unstorable {
        what: format!("guide `{}`", guide.id),
        message: e.to_string(),
    })
}

/// Parses a stored number series, or starts it.
pub(crate) fn series_of(
    stored: Option<String>,
    series: &Series,
) -> Result<CaseNumberSeries, StoreError> {
    match stored {
        Some(text) => serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
            what: format!("case number series `{}`", series.prefix),
            message: e.to_string(),
        }),
        None => Ok(series.start()?),
    }
}

/// Groups `(case id, workflow, event)` rows, ordered by case then sequence, into cases, keeping
/// the order in which cases first appear.
pub(crate) fn group_cases(
    rows: impl IntoIterator<Item = Result<(CaseId, String, String), StoreError>>,
) -> Result<Vec<StoredCase>, StoreError> {
    let mut cases: Vec<StoredCase> = Vec::new();
    for row in rows {
        let (id, workflow, event) = row?;
        let event = parse_event(id, &event)?;
        match cases.last_mut() {
            Some(case) if case.id == id => case.events.push(event),
            _ => cases.push(StoredCase {
                id,
                workflow,
                events: vec![event],
            }),
        }
    }
    Ok(cases)
}

/// The current time as stored (RFC 3339, UTC).
pub(crate) fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
