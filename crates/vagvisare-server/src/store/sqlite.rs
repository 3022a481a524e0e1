//! The embedded store: SQLite (rusqlite with its bundled SQLite) in the data directory, in WAL
//! mode with `synchronous = FULL`, so a committed write survives a crash of the process or the
//! machine. Writers take the database's write lock at the start of their transaction
//! (`BEGIN IMMEDIATE`); readers never wait for writers.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use vagvisare::Guide;

use super::migrations::{self, Migration};
use super::{
    event_json, group_cases, guide_json, now_text, parse_guide, series_of, CaseId, Decide, Decided,
    FeedbackRow, GuideChange, Pool, Series, Store, StoreError, StoredCase, Target,
};

/// The file name of the database in the data directory.
pub const FILE_NAME: &str = "vagvisare.sqlite3";

/// How long a writer waits for the write lock before it reports the database as busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// SQLite in a file.
pub struct SqliteStore {
    pool: Pool<Connection>,
    path: PathBuf,
}

fn db(error: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)
        .map_err(|e| StoreError::Open(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(db)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Open(format!(
            "{} cannot be put in WAL mode (it is in `{mode}` mode)",
            path.display()
        )));
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        .map_err(db)?;
    Ok(conn)
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, with up to `pool_size` connections,
    /// and brings its schema up to date.
    pub fn open(path: &Path, pool_size: usize) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Open(format!("cannot create {}: {e}", dir.display())))?;
        }
        let owned = path.to_path_buf();
        let store = SqliteStore {
            pool: Pool::new(pool_size, move || open_connection(&owned)),
            path: path.to_path_buf(),
        };
        store
            .pool
            .with(|_| false, |conn| migrate(conn, migrations::SQLITE))?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.pool.with(|_| false, f)
    }
}

fn migrate(conn: &mut Connection, list: &[Migration]) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    tx.execute_batch(migrations::BOOKKEEPING).map_err(db)?;
    let current: i64 = tx
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |row| row.get(0),
        )
        .map_err(db)?;
    let known = migrations::latest(list);
    if current > known {
        return Err(StoreError::NewerSchema {
            found: current,
            known,
        });
    }
    for migration in list.iter().filter(|m| m.version > current) {
        tx.execute_batch(migration.sql).map_err(db)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![migration.version, migration.name, now_text()],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)
}

fn bump_revision(tx: &Transaction<'_>) -> Result<i64, StoreError> {
    tx.query_row(
        "UPDATE guide_revision SET value = value + 1 WHERE id = 1 RETURNING value",
        [],
        |row| row.get(0),
    )
    .map_err(db)
}

fn put_guides_in(tx: &Transaction<'_>, guides: &[Guide]) -> Result<i64, StoreError> {
    let revision = bump_revision(tx)?;
    let now = now_text();
    let mut statement = tx
        .prepare_cached(
            "INSERT INTO guides (id, doc, revision, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, revision = excluded.revision,
             updated_at = excluded.updated_at",
        )
        .map_err(db)?;
    for guide in guides {
        statement
            .execute(params![guide.id, guide_json(guide), revision, now])
            .map_err(db)?;
    }
    Ok(revision)
}

fn revision(tx: &Transaction<'_>) -> Result<i64, StoreError> {
    tx.query_row("SELECT value FROM guide_revision WHERE id = 1", [], |row| {
        row.get(0)
    })
    .map_err(db)
}

fn load_cases(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<StoredCase>, StoreError> {
    let mut statement = conn.prepare_cached(sql).map_err(db)?;
    let rows = statement
        .query_map(params, |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .map_err(db)?;
    group_cases(rows.map(|r| r.map_err(db)))
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn schema_version(&self) -> Result<i64, StoreError> {
        self.with(|conn| {
            conn.query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                [],
                |row| row.get(0),
            )
            .map_err(db)
        })
    }

    fn seed_guides(&self, guides: &[Guide]) -> Result<bool, StoreError> {
        self.with(|conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db)?;
            let first = tx
                .execute(
                    "INSERT INTO meta (key, value) VALUES ('bundled_guides_seeded', ?1)
                     ON CONFLICT (key) DO NOTHING",
                    params![now_text()],
                )
                .map_err(db)?
                == 1;
            if first && !guides.is_empty() {
                put_guides_in(&tx, guides)?;
            }
            tx.commit().map_err(db)?;
            Ok(first)
        })
    }

    fn all_guides(&self) -> Result<(i64, Vec<Guide>), StoreError> {
        self.with(|conn| {
            let tx = conn.transaction().map_err(db)?;
            let revision = revision(&tx)?;
            let mut guides = Vec::new();
            {
                let mut statement = tx
                    .prepare("SELECT doc FROM guides WHERE doc IS NOT NULL ORDER BY id")
                    .map_err(db)?;
                let rows = statement
                    .query_map([], |row| row.get::<_, String>(0))
                    .map_err(db)?;
                for row in rows {
                    guides.push(parse_guide(&row.map_err(db)?)?);
                }
            }
            tx.commit().map_err(db)?;
            Ok((revision, guides))
        })
    }

    fn guide_changes(&self, since: i64) -> Result<(i64, Vec<GuideChange>), StoreError> {
        self.with(|conn| {
            let tx = conn.transaction().map_err(db)?;
            let revision = revision(&tx)?;
            let mut changes = Vec::new();
            if revision > since {
                let mut statement = tx
                    .prepare("SELECT id, doc FROM guides WHERE revision > ?1 ORDER BY revision, id")
                    .map_err(db)?;
                let rows = statement
                    .query_map([since], |row| {
                        Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?))
                    })
                    .map_err(db)?;
                for row in rows {
                    let (id, doc) = row.map_err(db)?;
                    let guide = doc.as_deref().map(parse_guide).transpose()?;
                    changes.push(GuideChange { id, guide });
                }
            }
            tx.commit().map_err(db)?;
            Ok((revision, changes))
        })
    }

    fn guide(&self, id: &str) -> Result<Option<Guide>, StoreError> {
        self.with(|conn| {
            let doc: Option<Option<String>> = conn
                .query_row("SELECT doc FROM guides WHERE id = ?1", [id], |row| {
                    row.get(0)
                })
                .optional()
                .map_err(db)?;
            doc.flatten().as_deref().map(parse_guide).transpose()
        })
    }

    fn put_guides(&self, guides: &[Guide]) -> Result<i64, StoreError> {
        self.with(|conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db)?;
            let revision = put_guides_in(&tx, guides)?;
            tx.commit().map_err(db)?;
            Ok(revision)
        })
    }

    fn delete_guide(&self, id: &str) -> Result<Option<i64>, StoreError> {
        self.with(|conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db)?;
            let exists = tx
                .query_row(
                    "SELECT 1 FROM guides WHERE id = ?1 AND doc IS NOT NULL",
                    [id],
                    |_| Ok(()),
                )
                .optional()
                .map_err(db)?
                .is_some();
            if !exists {
                return Ok(None);
            }
            let revision = bump_revision(&tx)?;
            tx.execute(
                "UPDATE guides SET doc = NULL, revision = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, revision, now_text()],
            )
            .map_err(db)?;
            tx.commit().map_err(db)?;
            Ok(Some(revision))
        })
    }

    fn case(&self, id: CaseId) -> Result<Option<StoredCase>, StoreError> {
        self.with(|conn| {
            let cases = load_cases(
                conn,
                "SELECT c.id, c.workflow, e.event FROM cases c
                 JOIN case_events e ON e.case_id = c.id
                 WHERE c.id = ?1 ORDER BY e.seq",
                [id],
            )?;
            Ok(cases.into_iter().next())
        })
    }

    fn cases_of_person(&self, person: &str, limit: usize) -> Result<Vec<StoredCase>, StoreError> {
        self.with(|conn| {
            load_cases(
                conn,
                "SELECT c.id, c.workflow, e.event FROM cases c
                 JOIN case_events e ON e.case_id = c.id
                 WHERE c.id IN (SELECT case_id FROM case_people WHERE person_id = ?1
                                ORDER BY case_id DESC LIMIT ?2)
                 ORDER BY c.id DESC, e.seq",
                params![person, to_i64(limit as u64)],
            )
        })
    }

    fn cases_of_organisation(
        &self,
        organisation: &str,
        limit: usize,
    ) -> Result<Vec<StoredCase>, StoreError> {
        self.with(|conn| {
            load_cases(
                conn,
                "SELECT c.id, c.workflow, e.event FROM cases c
                 JOIN case_events e ON e.case_id = c.id
                 WHERE c.id IN (SELECT id FROM cases WHERE organisation = ?1
                                AND category NOT IN ('draft', 'none')
                                ORDER BY id DESC LIMIT ?2)
                 ORDER BY c.id DESC, e.seq",
                params![organisation, to_i64(limit as u64)],
            )
        })
    }

    fn write_case(
        &self,
        target: &Target,
        series: Option<&Series>,
        decide: &mut Decide<'_>,
    ) -> Result<(CaseId, Decided), StoreError> {
        self.with(|conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db)?;
            let (existing, expected) = match target {
                Target::New { .. } => (None, 0),
                Target::Existing {
                    id,
                    expected_version,
                } => {
                    let version: Option<i64> = tx
                        .query_row("SELECT version FROM cases WHERE id = ?1", [id], |row| {
                            row.get(0)
                        })
                        .optional()
                        .map_err(db)?;
                    let version = version.ok_or(StoreError::NoSuchCase(*id))?;
                    let found = u64::try_from(version).unwrap_or(0);
                    if found != *expected_version {
                        return Err(StoreError::Conflict {
                            expected: *expected_version,
                            found,
                        });
                    }
                    (Some(*id), found)
                }
            };
            let number = match series {
                None => None,
                Some(series) => {
                    let start = serde_json::to_string(&series.start()?).unwrap_or_default();
                    tx.execute(
                        "INSERT INTO case_numbers (prefix, series) VALUES (?1, ?2)
                         ON CONFLICT (prefix) DO NOTHING",
                        params![series.prefix, start],
                    )
                    .map_err(db)?;
                    let stored: String = tx
                        .query_row(
                            "SELECT series FROM case_numbers WHERE prefix = ?1",
                            [&series.prefix],
                            |row| row.get(0),
                        )
                        .map_err(db)?;
                    let mut numbers = series_of(Some(stored), series)?;
                    let number = numbers.next_number()?;
                    tx.execute(
                        "UPDATE case_numbers SET series = ?2 WHERE prefix = ?1",
                        params![
                            series.prefix,
                            serde_json::to_string(&numbers).unwrap_or_default()
                        ],
                    )
                    .map_err(db)?;
                    Some(number)
                }
            };
            let decided = decide(number)?;
            check_sequence(&decided, expected)?;
            let version = to_i64(expected + decided.events.len() as u64);
            let meta = &decided.meta;
            let now = now_text();
            let id = match (existing, target) {
                (Some(id), _) => {
                    let changed = tx
                        .execute(
                            "UPDATE cases SET version = ?2, service = ?3, organisation = ?4,
                             status = ?5, category = ?6, number = ?7, updated_at = ?8
                             WHERE id = ?1 AND version = ?9",
                            params![
                                id,
                                version,
                                meta.service,
                                meta.organisation,
                                meta.status,
                                meta.category,
                                meta.number,
                                now,
                                to_i64(expected)
                            ],
                        )
                        .map_err(db)?;
                    if changed != 1 {
                        return Err(StoreError::Conflict {
                            expected,
                            found: expected + 1,
                        });
                    }
                    id
                }
                (None, Target::New { workflow }) => {
                    tx.execute(
                        "INSERT INTO cases (workflow, version, service, organisation, status,
                         category, number, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                        params![
                            workflow,
                            version,
                            meta.service,
                            meta.organisation,
                            meta.status,
                            meta.category,
                            meta.number,
                            now
                        ],
                    )
                    .map_err(db)?;
                    tx.last_insert_rowid()
                }
                (None, Target::Existing { id, .. }) => return Err(StoreError::NoSuchCase(*id)),
            };
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO case_events (case_id, seq, event) VALUES (?1, ?2, ?3)",
                    )
                    .map_err(db)?;
                for event in &decided.events {
                    insert
                        .execute(params![id, to_i64(event.seq), event_json(event)])
                        .map_err(db)?;
                }
                let mut person = tx
                    .prepare_cached(
                        "INSERT INTO case_people (person_id, case_id) VALUES (?1, ?2)
                         ON CONFLICT DO NOTHING",
                    )
                    .map_err(db)?;
                for who in &meta.people {
                    person.execute(params![who, id]).map_err(db)?;
                }
                let mut blob = tx
                    .prepare_cached(
                        "INSERT INTO attachments (case_id, seq, idx, name, content)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .map_err(db)?;
                for b in &decided.blobs {
                    blob.execute(params![id, to_i64(b.seq), b.index, b.name, &b.bytes[..]])
                        .map_err(db)?;
                }
            }
            tx.commit().map_err(db)?;
            Ok((id, decided))
        })
    }

    fn attachment(
        &self,
        case: CaseId,
        seq: u64,
        index: u32,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        self.with(|conn| {
            conn.query_row(
                "SELECT name, content FROM attachments WHERE case_id = ?1 AND seq = ?2 AND idx = ?3",
                params![case, to_i64(seq), index],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(db)
        })
    }

    fn add_feedback(&self, record: &FeedbackRow) -> Result<i64, StoreError> {
        self.with(|conn| {
            conn.execute(
                "INSERT INTO feedback (at, query, guide_id, helped, rank, filed_anyway,
                 case_number, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    record.at,
                    record.query,
                    record.guide,
                    record.helped,
                    record.rank,
                    record.filed_anyway,
                    record.case_number,
                    record.actor
                ],
            )
            .map_err(db)?;
            Ok(conn.last_insert_rowid())
        })
    }

    fn feedback(&self, limit: usize) -> Result<Vec<FeedbackRow>, StoreError> {
        self.read_feedback("ORDER BY id DESC", i64::MIN, limit)
    }

    fn feedback_after(&self, after: i64, limit: usize) -> Result<Vec<FeedbackRow>, StoreError> {
        self.read_feedback("ORDER BY id", after, limit)
    }
}

/// The events of a write must continue the case's history exactly.
pub(crate) fn check_sequence(decided: &Decided, expected: u64) -> Result<(), StoreError> {
    for (i, event) in decided.events.iter().enumerate() {
        if event.seq != expected + 1 + i as u64 {
            return Err(StoreError::Corrupt {
                what: "events to append".into(),
                message: format!(
                    "event number {} does not follow version {expected}",
                    event.seq
                ),
            });
        }
    }
    Ok(())
}

impl SqliteStore {
    /// Feedback records with an id above `after`, in `order`, at most `limit`.
    fn read_feedback(
        &self,
        order: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<FeedbackRow>, StoreError> {
        self.with(|conn| {
            let mut statement = conn
                .prepare(&format!(
                    "SELECT id, at, query, guide_id, helped, rank, filed_anyway, case_number, actor
                     FROM feedback WHERE id > ?1 {order} LIMIT ?2"
                ))
                .map_err(db)?;
            let rows = statement
                .query_map(params![after, to_i64(limit as u64)], |row| {
                    Ok(FeedbackRow {
                        id: row.get(0)?,
                        at: row.get(1)?,
                        query: row.get(2)?,
                        guide: row.get(3)?,
                        helped: row.get(4)?,
                        rank: row.get(5)?,
                        filed_anyway: row.get(6)?,
                        case_number: row.get(7)?,
                        actor: row.get(8)?,
                    })
                })
                .map_err(db)?;
            rows.map(|r| r.map_err(db)).collect()
        })
    }
}
