//! The shared store: PostgreSQL, for several service instances behind a load balancer.
//!
//! The same tables as SQLite. Writers to a case lock its row (`SELECT … FOR UPDATE`) and check
//! its version; case numbers are drawn under a row lock on their series; the guide revision
//! counter is one row updated by every guide write, so revisions become visible in the order
//! they were committed and an instance polling "changes since revision n" never skips one.
//! Migrations run under a transaction-scoped advisory lock, so instances starting together
//! migrate once.

use std::time::Duration;

use postgres::{Client, IsolationLevel, NoTls, Transaction};
use vagvisare::Guide;

use super::migrations::{self, Migration};
use super::sqlite::check_sequence;
use super::{
    event_json, group_cases, guide_json, now_text, parse_guide, series_of, CaseId, Decide, Decided,
    FeedbackRow, GuideChange, Pool, Series, Store, StoreError, StoredCase, Target,
};

/// The advisory lock key migrations and seeding run under ("vägvisare" in a number).
const MIGRATION_LOCK: i64 = 0x7661_6776_6973_6172;

/// PostgreSQL behind a URL (`postgres://user@host:port/database`).
pub struct PostgresStore {
    pool: Pool<Client>,
}

fn db(error: postgres::Error) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl PostgresStore {
    /// Connects to `url` with up to `pool_size` connections and brings the schema up to date.
    pub fn open(url: &str, pool_size: usize) -> Result<Self, StoreError> {
        let mut config: postgres::Config = url.parse().map_err(|e| {
            StoreError::Open(format!(
                "the database URL cannot be read ({e}); write it as postgres://user:password@host:port/database"
            ))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("vagvisare");
        }
        let store = PostgresStore {
            pool: Pool::new(pool_size, move || {
                config
                    .connect(NoTls)
                    .map_err(|e| StoreError::Open(format!("cannot connect to PostgreSQL: {e}")))
            }),
        };
        store.with(|client| migrate(client, migrations::POSTGRES))?;
        Ok(store)
    }

    fn with<R>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.pool.with(Client::is_closed, f)
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // A `postgres::Client` closes its connection by blocking on a runtime of its own, which
        // panics on a thread that drives async tasks: close them on a plain thread.
        let clients = self.pool.take_all();
        if !clients.is_empty() {
            let _ = std::thread::spawn(move || drop(clients)).join();
        }
    }
}

fn migrate(client: &mut Client, list: &[Migration]) -> Result<(), StoreError> {
    let mut tx = client.transaction().map_err(db)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(db)?;
    tx.batch_execute(migrations::BOOKKEEPING).map_err(db)?;
    let current: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations",
            &[],
        )
        .map_err(db)?
        .get(0);
    let known = migrations::latest(list);
    if current > known {
        return Err(StoreError::NewerSchema {
            found: current,
            known,
        });
    }
    for migration in list.iter().filter(|m| m.version > current) {
        tx.batch_execute(migration.sql).map_err(db)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&migration.version, &migration.name, &now_text()],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)
}

fn bump_revision(tx: &mut Transaction<'_>) -> Result<i64, StoreError> {
    Ok(tx
        .query_one(
            "UPDATE guide_revision SET value = value + 1 WHERE id = 1 RETURNING value",
            &[],
        )
        .map_err(db)?
        .get(0))
}

fn put_guides_in(tx: &mut Transaction<'_>, guides: &[Guide]) -> Result<i64, StoreError> {
    let revision = bump_revision(tx)?;
    let now = now_text();
    let statement = tx
        .prepare(
            "INSERT INTO guides (id, doc, revision, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, revision = excluded.revision,
             updated_at = excluded.updated_at",
        )
        .map_err(db)?;
    for guide in guides {
        tx.execute(
            &statement,
            &[&guide.id, &guide_json(guide), &revision, &now],
        )
        .map_err(db)?;
    }
    Ok(revision)
}

fn snapshot(client: &mut Client) -> Result<Transaction<'_>, StoreError> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(db)
}

fn revision(tx: &mut Transaction<'_>) -> Result<i64, StoreError> {
    Ok(tx
        .query_one("SELECT value FROM guide_revision WHERE id = 1", &[])
        .map_err(db)?
        .get(0))
}

fn load_cases(
    client: &mut Client,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<Vec<StoredCase>, StoreError> {
    let rows = client.query(sql, params).map_err(db)?;
    group_cases(rows.iter().map(|row| {
        Ok((
            row.get::<_, i64>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2),
        ))
    }))
}

impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgresql"
    }

    fn schema_version(&self) -> Result<i64, StoreError> {
        self.with(|client| {
            Ok(client
                .query_one(
                    "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations",
                    &[],
                )
                .map_err(db)?
                .get(0))
        })
    }

    fn seed_guides(&self, guides: &[Guide]) -> Result<bool, StoreError> {
        self.with(|client| {
            let mut tx = client.transaction().map_err(db)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                .map_err(db)?;
            let first = tx
                .execute(
                    "INSERT INTO meta (key, value) VALUES ('bundled_guides_seeded', $1)
                     ON CONFLICT (key) DO NOTHING",
                    &[&now_text()],
                )
                .map_err(db)?
                == 1;
            if first && !guides.is_empty() {
                put_guides_in(&mut tx, guides)?;
            }
            tx.commit().map_err(db)?;
            Ok(first)
        })
    }

    fn all_guides(&self) -> Result<(i64, Vec<Guide>), StoreError> {
        self.with(|client| {
            let mut tx = snapshot(client)?;
            let revision = revision(&mut tx)?;
            let rows = tx
                .query(
                    "SELECT doc FROM guides WHERE doc IS NOT NULL ORDER BY id",
                    &[],
                )
                .map_err(db)?;
            let guides = rows
                .iter()
                .map(|row| parse_guide(row.get::<_, &str>(0)))
                .collect::<Result<Vec<_>, _>>()?;
            tx.commit().map_err(db)?;
            Ok((revision, guides))
        })
    }

    fn guide_changes(&self, since: i64) -> Result<(i64, Vec<GuideChange>), StoreError> {
        self.with(|client| {
            let mut tx = snapshot(client)?;
            let revision = revision(&mut tx)?;
            let mut changes = Vec::new();
            if revision > since {
                let rows = tx
                    .query(
                        "SELECT id, doc FROM guides WHERE revision > $1 ORDER BY revision, id",
                        &[&since],
                    )
                    .map_err(db)?;
                for row in rows {
                    let doc: Option<&str> = row.get(1);
                    changes.push(GuideChange {
                        id: row.get(0),
                        guide: doc.map(parse_guide).transpose()?,
                    });
                }
            }
            tx.commit().map_err(db)?;
            Ok((revision, changes))
        })
    }

    fn guide(&self, id: &str) -> Result<Option<Guide>, StoreError> {
        self.with(|client| {
            let row = client
                .query_opt("SELECT doc FROM guides WHERE id = $1", &[&id])
                .map_err(db)?;
            let doc: Option<String> = row.and_then(|r| r.get(0));
            doc.as_deref().map(parse_guide).transpose()
        })
    }

    fn put_guides(&self, guides: &[Guide]) -> Result<i64, StoreError> {
        self.with(|client| {
            let mut tx = client.transaction().map_err(db)?;
            let revision = put_guides_in(&mut tx, guides)?;
            tx.commit().map_err(db)?;
            Ok(revision)
        })
    }

    fn delete_guide(&self, id: &str) -> Result<Option<i64>, StoreError> {
        self.with(|client| {
            let mut tx = client.transaction().map_err(db)?;
            let exists = tx
                .query_opt(
                    "SELECT 1 FROM guides WHERE id = $1 AND doc IS NOT NULL FOR UPDATE",
                    &[&id],
                )
                .map_err(db)?
                .is_some();
            if !exists {
                return Ok(None);
            }
            let revision = bump_revision(&mut tx)?;
            tx.execute(
                "UPDATE guides SET doc = NULL, revision = $2, updated_at = $3 WHERE id = $1",
                &[&id, &revision, &now_text()],
            )
            .map_err(db)?;
            tx.commit().map_err(db)?;
            Ok(Some(revision))
        })
    }

    fn case(&self, id: CaseId) -> Result<Option<StoredCase>, StoreError> {
        self.with(|client| {
            let cases = load_cases(
                client,
                "SELECT c.id, c.workflow, e.event FROM cases c
                 JOIN case_events e ON e.case_id = c.id
                 WHERE c.id = $1 ORDER BY e.seq",
                &[&id],
            )?;
            Ok(cases.into_iter().next())
        })
    }

    fn cases_of_person(&self, person: &str, limit: usize) -> Result<Vec<StoredCase>, StoreError> {
        self.with(|client| {
            load_cases(
                client,
                "SELECT c.id, c.workflow, e.event FROM cases c
                 JOIN case_events e ON e.case_id = c.id
                 WHERE c.id IN (SELECT case_id FROM case_people WHERE person_id = $1
                                ORDER BY case_id DESC LIMIT $2)
                 ORDER BY c.id DESC, e.seq",
                &[&person, &to_i64(limit as u64)],
            )
        })
    }

    fn cases_of_organisation(
        &self,
        organisation: &str,
        limit: usize,
    ) -> Result<Vec<StoredCase>, StoreError> {
        self.with(|client| {
            load_cases(
                client,
                "SELECT c.id, c.workflow, e.event FROM cases c
                 JOIN case_events e ON e.case_id = c.id
                 WHERE c.id IN (SELECT id FROM cases WHERE organisation = $1
                                AND category NOT IN ('draft', 'none')
                                ORDER BY id DESC LIMIT $2)
                 ORDER BY c.id DESC, e.seq",
                &[&organisation, &to_i64(limit as u64)],
            )
        })
    }

    fn write_case(
        &self,
        target: &Target,
        series: Option<&Series>,
        decide: &mut Decide<'_>,
    ) -> Result<(CaseId, Decided), StoreError> {
        self.with(|client| {
            let mut tx = client.transaction().map_err(db)?;
            let expected = match target {
                Target::New { .. } => 0,
                Target::Existing {
                    id,
                    expected_version,
                } => {
                    let row = tx
                        .query_opt("SELECT version FROM cases WHERE id = $1 FOR UPDATE", &[id])
                        .map_err(db)?
                        .ok_or(StoreError::NoSuchCase(*id))?;
                    let found = u64::try_from(row.get::<_, i64>(0)).unwrap_or(0);
                    if found != *expected_version {
                        return Err(StoreError::Conflict {
                            expected: *expected_version,
                            found,
                        });
                    }
                    found
                }
            };
            let number = match series {
                None => None,
                Some(series) => {
                    let start = serde_json::to_string(&series.start()?).unwrap_or_default();
                    tx.execute(
                        "INSERT INTO case_numbers (prefix, series) VALUES ($1, $2)
                         ON CONFLICT (prefix) DO NOTHING",
                        &[&series.prefix, &start],
                    )
                    .map_err(db)?;
                    let stored: String = tx
                        .query_one(
                            "SELECT series FROM case_numbers WHERE prefix = $1 FOR UPDATE",
                            &[&series.prefix],
                        )
                        .map_err(db)?
                        .get(0);
                    let mut numbers = series_of(Some(stored), series)?;
                    let number = numbers.next_number()?;
                    tx.execute(
                        "UPDATE case_numbers SET series = $2 WHERE prefix = $1",
                        &[
                            &series.prefix,
                            &serde_json::to_string(&numbers).unwrap_or_default(),
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
            let id: i64 = match target {
                Target::Existing { id, .. } => {
                    let changed = tx
                        .execute(
                            "UPDATE cases SET version = $2, service = $3, organisation = $4,
                             status = $5, category = $6, number = $7, updated_at = $8
                             WHERE id = $1 AND version = $9",
                            &[
                                id,
                                &version,
                                &meta.service,
                                &meta.organisation,
                                &meta.status,
                                &meta.category,
                                &meta.number,
                                &now,
                                &to_i64(expected),
                            ],
                        )
                        .map_err(db)?;
                    if changed != 1 {
                        return Err(StoreError::Conflict {
                            expected,
                            found: expected + 1,
                        });
                    }
                    *id
                }
                Target::New { workflow } => tx
                    .query_one(
                        "INSERT INTO cases (workflow, version, service, organisation, status,
                         category, number, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                        &[
                            workflow,
                            &version,
                            &meta.service,
                            &meta.organisation,
                            &meta.status,
                            &meta.category,
                            &meta.number,
                            &now,
                        ],
                    )
                    .map_err(db)?
                    .get(0),
            };
            let insert = tx
                .prepare("INSERT INTO case_events (case_id, seq, event) VALUES ($1, $2, $3)")
                .map_err(db)?;
            for event in &decided.events {
                tx.execute(&insert, &[&id, &to_i64(event.seq), &event_json(event)])
                    .map_err(db)?;
            }
            for who in &meta.people {
                tx.execute(
                    "INSERT INTO case_people (person_id, case_id) VALUES ($1, $2)
                     ON CONFLICT DO NOTHING",
                    &[who, &id],
                )
                .map_err(db)?;
            }
            for b in &decided.blobs {
                let index = i32::try_from(b.index).unwrap_or(i32::MAX);
                tx.execute(
                    "INSERT INTO attachments (case_id, seq, idx, name, content)
                     VALUES ($1, $2, $3, $4, $5)",
                    &[&id, &to_i64(b.seq), &index, &b.name, &&b.bytes[..]],
                )
                .map_err(db)?;
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
        let index = i32::try_from(index).unwrap_or(i32::MAX);
        self.with(|client| {
            Ok(client
                .query_opt(
                    "SELECT name, content FROM attachments WHERE case_id = $1 AND seq = $2 AND idx = $3",
                    &[&case, &to_i64(seq), &index],
                )
                .map_err(db)?
                .map(|row| (row.get(0), row.get(1))))
        })
    }

    fn add_feedback(&self, record: &FeedbackRow) -> Result<i64, StoreError> {
        let rank = record.rank.map(|r| i32::try_from(r).unwrap_or(i32::MAX));
        self.with(|client| {
            Ok(client
                .query_one(
                    "INSERT INTO feedback (at, query, guide_id, helped, rank, filed_anyway,
                     case_number, actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    &[
                        &record.at,
                        &record.query,
                        &record.guide,
                        &record.helped,
                        &rank,
                        &record.filed_anyway,
                        &record.case_number,
                        &record.actor,
                    ],
                )
                .map_err(db)?
                .get(0))
        })
    }

    fn feedback(&self, limit: usize) -> Result<Vec<FeedbackRow>, StoreError> {
        self.read_feedback("ORDER BY id DESC", i64::MIN, limit)
    }

    fn feedback_after(&self, after: i64, limit: usize) -> Result<Vec<FeedbackRow>, StoreError> {
        self.read_feedback("ORDER BY id", after, limit)
    }
}

impl PostgresStore {
    /// Feedback records with an id above `after`, in `order`, at most `limit`.
    fn read_feedback(
        &self,
        order: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<FeedbackRow>, StoreError> {
        self.with(|client| {
            let rows = client
                .query(
                    &format!("SELECT id, at, query, guide_id, helped, rank, filed_anyway, case_number, actor
                     FROM feedback WHERE id > $1 {order} LIMIT $2"),
                    &[&after, &to_i64(limit as u64)],
                )
                .map_err(db)?;
            Ok(rows
                .iter()
                .map(|row| FeedbackRow {
                    id: row.get(0),
                    at: row.get(1),
                    query: row.get(2),
                    guide: row.get(3),
                    helped: row.get(4),
                    rank: row
                        .get::<_, Option<i32>>(5)
                        .and_then(|r| u32::try_from(r).ok()),
                    filed_anyway: row.get(6),
                    case_number: row.get(7),
                    actor: row.get(8),
                })
                .collect())
        })
    }
}
