//! The store's logic, written once for both databases: every [`Store`] method as SQL run through
//! a small transaction interface ([`Tx`]), which each backend implements over its own client.
//!
//! What differs between the databases is data: the type names in the migrations
//! ([`migrations::Types`]), whether a read that a write depends on locks the row
//! ([`Dialect::for_update`]), and how a transaction starts ([`Access`]). The SQL here writes its
//! parameters as `?1`, `?2`, …; a backend whose database numbers them otherwise rewrites them.

use vagvisare::Guide;

use super::migrations::{self, Types};
use super::{
    event_json, group_cases, guide_json, now_text, parse_guide, series_of, AttachmentHead,
    CaseCount, CaseId, Decide, Decided, DecisionRow, FeedbackRow, GuideChange, Series, Store,
    StoreError, StoredCase, Target,
};

/// What differs between the databases, as data.
#[derive(Debug)]
pub(crate) struct Dialect {
    /// The backend's name (`sqlite`, `postgresql`).
    pub name: &'static str,
    /// Appended to a `SELECT` whose rows a write then changes: locks them until the end of the
    /// transaction (empty where the transaction already holds the database's write lock).
    pub for_update: &'static str,
    /// The column types of the migrations.
    pub types: Types,
}

impl Dialect {
    /// A database called `name`, which locks rows read for a write with `for_update`, and whose
    /// column types are `types`.
    pub const fn new(name: &'static str, for_update: &'static str, types: Types) -> Self {
        Dialect {
            name,
            for_update,
            types,
        }
    }
}

/// How a backend runs a piece of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// One statement, committed on its own.
    Single,
    /// Several reads that must see one snapshot.
    Read,
    /// A write: one transaction, committed before the call returns.
    Write,
    /// A write that runs alone among every instance sharing the database (migrations, seeding).
    Serial,
}

/// A value bound to a parameter.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    /// A 64-bit integer.
    Int(i64),
    /// A number for a 32-bit `INTEGER` column.
    Small(u32),
    /// A number for a 32-bit `INTEGER` column, or `NULL`.
    OptSmall(Option<u32>),
    /// Text.
    Text(&'a str),
    /// Text, or `NULL`.
    OptText(Option<&'a str>),
    /// A truth value.
    Bool(bool),
    /// Bytes.
    Bytes(&'a [u8]),
}

/// A value read from a column.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) enum Cell {
    /// `NULL` (or a value already taken out of its row).
    #[default]
    Null,
    /// An integer.
    Int(i64),
    /// A truth value (PostgreSQL; SQLite stores them as integers).
    Bool(bool),
    /// Text.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
}

/// A row of a result.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Row(pub Vec<Cell>);

impl Row {
    /// Takes column `i` out of the row as a `T`.
    pub fn get<T: FromCell>(&mut self, i: usize) -> Result<T, StoreError> {
        let cell = self.0.get_mut(i).map(std::mem::take);
        let Some(cell) = cell else {
            return Err(corrupt(format!("the row has no column {i}")));
        };
        T::from_cell(cell)
    }
}

fn corrupt(message: String) -> StoreError {
    StoreError::Corrupt {
        what: "row".into(),
        message,
    }
}

/// A Rust value a [`Cell`] can become.
pub(crate) trait FromCell: Sized {
    /// The value, or why the cell does not hold one.
    fn from_cell(cell: Cell) -> Result<Self, StoreError>;
}

fn unexpected<T>(cell: &Cell, wanted: &str) -> Result<T, StoreError> {
    Err(corrupt(format!("expected {wanted}, found {cell:?}")))
}

impl FromCell for i64 {
    fn from_cell(cell: Cell) -> Result<Self, StoreError> {
        match cell {
            Cell::Int(v) => Ok(v),
            other => unexpected(&other, "an integer"),
        }
    }
}

impl FromCell for u64 {
    fn from_cell(cell: Cell) -> Result<Self, StoreError> {
        let v = i64::from_cell(cell)?;
        u64::try_from(v).map_err(|_| corrupt(format!("expected a count, found {v}")))
    }
}

impl FromCell for bool {
    fn from_cell(cell: Cell) -> Result<Self, StoreError> {
        match cell {
            Cell::Bool(v) => Ok(v),
            Cell::Int(v) => Ok(v != 0),
            other => unexpected(&other, "a truth value"),
        }
    }
}

impl FromCell for String {
    fn from_cell(cell: Cell) -> Result<Self, StoreError> {
        match cell {
            Cell::Text(v) => Ok(v),
            other => unexpected(&other, "text"),
        }
    }
}

impl FromCell for Vec<u8> {
    fn from_cell(cell: Cell) -> Result<Self, StoreError> {
        match cell {
            Cell::Bytes(v) => Ok(v),
            other => unexpected(&other, "bytes"),
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: Cell) -> Result<Self, StoreError> {
        match cell {
            Cell::Null => Ok(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

impl FromCell for u32 {
    fn from_cell(cell: Cell) -> Result<Self, StoreError> {
        let v = i64::from_cell(cell)?;
        u32::try_from(v).map_err(|_| corrupt(format!("expected a small number, found {v}")))
    }
}

/// A connection or a transaction on one: what the store's logic needs of a database.
pub(crate) trait Tx {
    /// What differs in this database.
    fn dialect(&self) -> &'static Dialect;

    /// Runs statements without parameters (separated by `;`).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;

    /// Runs a statement; returns the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> Result<u64, StoreError>;

    /// Runs a statement; returns its rows.
    fn query(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Vec<Row>, StoreError>;
}

impl dyn Tx + '_ {
    /// The first row of a statement's result, if any.
    fn query_opt(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The first row of a statement's result, which must have one.
    fn query_one(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Row, StoreError> {
        self.query_opt(sql, params)?
            .ok_or_else(|| corrupt(format!("no row from `{}`", first_words(sql))))
    }
}

/// The start of a statement, to say which one failed.
fn first_words(sql: &str) -> String {
    sql.split_whitespace().take(6).collect::<Vec<_>>().join(" ")
}

/// A piece of work on a database, which gives an `R`.
pub(crate) type Job<'a, R> = Box<dyn FnOnce(&mut dyn Tx) -> Result<R, StoreError> + 'a>;

/// A database the store's logic runs on: a backend's connection handling.
pub(crate) trait Backend: Send + Sync {
    /// What differs in this database.
    const DIALECT: &'static Dialect;

    /// Runs `work` on a connection, in a transaction as `access` says, and commits it if `work`
    /// succeeds (nothing of it is kept if it fails).
    fn run<R>(&self, access: Access, work: Job<'_, R>) -> Result<R, StoreError>;

    /// [`Backend::run`] for a closure.
    fn within<R>(
        &self,
        access: Access,
        work: impl FnOnce(&mut dyn Tx) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.run(access, Box::new(work))
    }
}

/// A number the database stores as a 64-bit integer.
fn int(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Unstorable {
        what: what.into(),
        message: format!("{value} does not fit a 64-bit integer"),
    })
}

/// A row limit: one beyond the database's integers asks for every row, as the largest does.
fn limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Brings the schema up to date, in one transaction that runs alone.
pub(crate) fn migrate(backend: &impl Backend) -> Result<(), StoreError> {
    backend.within(Access::Serial, |tx| {
        tx.batch(migrations::BOOKKEEPING)?;
        let current = schema_version(tx)?;
        let known = migrations::latest();
        if current > known {
            return Err(StoreError::NewerSchema {
                found: current,
                known,
            });
        }
        let types = tx.dialect().types;
        for migration in migrations::MIGRATIONS
            .iter()
            .filter(|m| m.version > current)
        {
            tx.batch(&migration.sql_for(&types))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                &[
                    Value::Int(migration.version),
                    Value::Text(migration.name),
                    Value::Text(&now_text()),
                ],
            )?;
        }
        Ok(())
    })
}

fn schema_version(tx: &mut dyn Tx) -> Result<i64, StoreError> {
    tx.query_one(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        &[],
    )?
    .get(0)
}

fn bump_revision(tx: &mut dyn Tx) -> Result<i64, StoreError> {
    tx.query_one(
        "UPDATE guide_revision SET value = value + 1 WHERE id = 1 RETURNING value",
        &[],
    )?
    .get(0)
}

fn revision(tx: &mut dyn Tx) -> Result<i64, StoreError> {
    tx.query_one("SELECT value FROM guide_revision WHERE id = 1", &[])?
        .get(0)
}

fn put_guides_in(tx: &mut dyn Tx, guides: &[Guide]) -> Result<i64, StoreError> {
    let revision = bump_revision(tx)?;
    let now = now_text();
    for guide in guides {
        tx.execute(
            "INSERT INTO guides (id, doc, revision, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, revision = excluded.revision,
             updated_at = excluded.updated_at",
            &[
                Value::Text(&guide.id),
                Value::Text(&guide_json(guide)?),
                Value::Int(revision),
                Value::Text(&now),
            ],
        )?;
    }
    Ok(revision)
}

fn load_cases(
    tx: &mut dyn Tx,
    sql: &str,
    params: &[Value<'_>],
) -> Result<Vec<StoredCase>, StoreError> {
    let rows = tx.query(sql, params)?;
    group_cases(
        rows.into_iter()
            .map(|mut row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))),
    )
}

/// Draws the next number of `series`, under a lock on the series until the transaction ends.
fn draw_number(
    tx: &mut dyn Tx,
    series: &Series,
) -> Result<vagvisare::case::CaseNumber, StoreError> {
    let encode = |numbers: &vagvisare::case::CaseNumberSeries| {
        serde_json::to_string(numbers).map_err(|e| StoreError::Unstorable {
            what: format!("case number series `{}`", series.prefix),
            message: e.to_string(),
        })
    };
    let start = encode(&series.start()?)?;
    tx.execute(
        "INSERT INTO case_numbers (prefix, series) VALUES (?1, ?2)
         ON CONFLICT (prefix) DO NOTHING",
        &[Value::Text(&series.prefix), Value::Text(&start)],
    )?;
    let sql = format!(
        "SELECT series FROM case_numbers WHERE prefix = ?1{}",
        tx.dialect().for_update
    );
    let stored: String = tx.query_one(&sql, &[Value::Text(&series.prefix)])?.get(0)?;
    let mut numbers = series_of(Some(stored), series)?;
    let number = numbers.next_number()?;
    tx.execute(
        "UPDATE case_numbers SET series = ?2 WHERE prefix = ?1",
        &[Value::Text(&series.prefix), Value::Text(&encode(&numbers)?)],
    )?;
    Ok(number)
}

/// The events of a write must continue the case's history exactly.
fn check_sequence(decided: &Decided, expected: u64) -> Result<(), StoreError> {
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

fn write_case_in(
    tx: &mut dyn Tx,
    target: &Target,
    series: Option<&Series>,
    decide: &mut Decide<'_>,
) -> Result<(CaseId, Decided), StoreError> {
    let expected = match target {
        Target::New { .. } => 0,
        Target::Existing {
            id,
            expected_version,
        } => {
            let sql = format!(
                "SELECT version FROM cases WHERE id = ?1{}",
                tx.dialect().for_update
            );
            let found: u64 = tx
                .query_opt(&sql, &[Value::Int(*id)])?
                .ok_or(StoreError::NoSuchCase(*id))?
                .get(0)?;
            if found != *expected_version {
                return Err(StoreError::Conflict {
                    expected: *expected_version,
                    found,
                });
            }
            found
        }
    };
    let number = series.map(|series| draw_number(tx, series)).transpose()?;
    let decided = decide(number)?;
    check_sequence(&decided, expected)?;
    let version = int(expected + decided.events.len() as u64, "case version")?;
    let meta = &decided.meta;
    let now = now_text();
    let fields = [
        Value::Int(version),
        Value::Text(&meta.service),
        Value::Text(&meta.organisation),
        Value::Text(&meta.status),
        Value::Text(&meta.category),
        Value::OptText(meta.number.as_deref()),
        Value::Text(&now),
    ];
    let id = match target {
        Target::Existing { id, .. } => {
            let mut params = vec![Value::Int(*id)];
            params.extend(fields);
            params.push(Value::Int(int(expected, "case version")?));
            let changed = tx.execute(
                "UPDATE cases SET version = ?2, service = ?3, organisation = ?4,
                 status = ?5, category = ?6, number = ?7, updated_at = ?8
                 WHERE id = ?1 AND version = ?9",
                &params,
            )?;
            if changed != 1 {
                return Err(StoreError::Conflict {
                    expected,
                    found: expected + 1,
                });
            }
            *id
        }
        Target::New { workflow } => {
            let mut params = vec![Value::Text(workflow)];
            params.extend(fields);
            tx.query_one(
                "INSERT INTO cases (workflow, version, service, organisation, status,
                 category, number, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id",
                &params,
            )?
            .get(0)?
        }
    };
    for event in &decided.events {
        tx.execute(
            "INSERT INTO case_events (case_id, seq, event) VALUES (?1, ?2, ?3)",
            &[
                Value::Int(id),
                Value::Int(int(event.seq, "event number")?),
                Value::Text(&event_json(event)?),
            ],
        )?;
    }
    for who in &meta.people {
        tx.execute(
            "INSERT INTO case_people (person_id, case_id) VALUES (?1, ?2)
             ON CONFLICT DO NOTHING",
            &[Value::Text(who), Value::Int(id)],
        )?;
    }
    for b in &decided.blobs {
        // The row, then the content in parts: never more than one part in memory.
        let seq = int(b.seq, "attachment's event number")?;
        tx.execute(
            "INSERT INTO attachments (case_id, seq, idx, name, content, size, sender)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[
                Value::Int(id),
                Value::Int(seq),
                Value::Small(b.index),
                Value::Text(&b.name),
                Value::Bytes(&[]),
                Value::Int(int(b.content.len(), "attachment size")?),
                Value::Text(&b.sender),
            ],
        )?;
        b.content.for_each_part(&mut |part, bytes| {
            tx.execute(
                "INSERT INTO attachment_parts (case_id, seq, idx, part, content)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                &[
                    Value::Int(id),
                    Value::Int(seq),
                    Value::Small(b.index),
                    Value::Small(part),
                    Value::Bytes(bytes),
                ],
            )?;
            Ok(())
        })?;
    }
    Ok((id, decided))
}

/// Feedback records with an id above `after`, in `order`, at most `count`.
fn read_feedback(
    tx: &mut dyn Tx,
    order: &str,
    after: i64,
    count: usize,
) -> Result<Vec<FeedbackRow>, StoreError> {
    let rows = tx.query(
        &format!(
            "SELECT id, at, query, guide_id, helped, rank, filed_anyway, case_number, actor, shown
             FROM feedback WHERE id > ?1 {order} LIMIT ?2"
        ),
        &[Value::Int(after), Value::Int(limit(count))],
    )?;
    rows.into_iter()
        .map(|mut row| {
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
                shown: {
                    let shown: Option<String> = row.get(9)?;
                    match shown {
                        None => Vec::new(),
                        Some(json) => {
                            serde_json::from_str(&json).map_err(|e| StoreError::Corrupt {
                                what: "feedback's shown guides".into(),
                                message: e.to_string(),
                            })?
                        }
                    }
                },
            })
        })
        .collect()
}

/// Editors' decisions with an id above `after`, oldest first, at most `count`.
fn read_decisions(
    tx: &mut dyn Tx,
    after: i64,
    count: usize,
) -> Result<Vec<DecisionRow>, StoreError> {
    let rows = tx.query(
        "SELECT id, after_feedback, at, guide_id, decision, text, editor
         FROM learning_decisions WHERE id > ?1 ORDER BY id LIMIT ?2",
        &[Value::Int(after), Value::Int(limit(count))],
    )?;
    rows.into_iter()
        .map(|mut row| {
            let id: i64 = row.get(0)?;
            let kind: String = row.get(4)?;
            let text: Option<String> = row.get(5)?;
            let decision = vagvisare::feedback::EditorDecision::from_parts(&kind, text.as_deref())
                .map_err(|e| StoreError::Corrupt {
                    what: format!("editor's decision {id}"),
                    message: e.to_string(),
                })?;
            Ok(DecisionRow {
                id,
                after_feedback: row.get(1)?,
                at: row.get(2)?,
                guide: row.get(3)?,
                decision,
                editor: row.get(6)?,
            })
        })
        .collect()
}

/// The cases' rows, `c.id, c.workflow, e.event`, for the cases chosen by `choice`.
fn cases_sql(choice: &str) -> String {
    format!(
        "SELECT c.id, c.workflow, e.event FROM cases c
         JOIN case_events e ON e.case_id = c.id
         WHERE {choice}"
    )
}

impl<B: Backend> Store for B {
    fn backend(&self) -> &'static str {
        Self::DIALECT.name
    }

    fn schema_version(&self) -> Result<i64, StoreError> {
        self.within(Access::Single, schema_version)
    }

    fn seed_guides(&self, guides: &[Guide]) -> Result<bool, StoreError> {
        self.within(Access::Serial, |tx| {
            let first = tx.execute(
                "INSERT INTO meta (key, value) VALUES ('bundled_guides_seeded', ?1)
                 ON CONFLICT (key) DO NOTHING",
                &[Value::Text(&now_text())],
            )? == 1;
            if first && !guides.is_empty() {
                put_guides_in(tx, guides)?;
            }
            Ok(first)
        })
    }

    fn all_guides(&self) -> Result<(i64, Vec<Guide>), StoreError> {
        self.within(Access::Read, |tx| {
            let revision = revision(tx)?;
            let rows = tx.query(
                "SELECT doc FROM guides WHERE doc IS NOT NULL ORDER BY id",
                &[],
            )?;
            let guides = rows
                .into_iter()
                .map(|mut row| parse_guide(&row.get::<String>(0)?))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((revision, guides))
        })
    }

    fn guide_changes(&self, since: i64) -> Result<(i64, Vec<GuideChange>), StoreError> {
        self.within(Access::Read, |tx| {
            let revision = revision(tx)?;
            let mut changes = Vec::new();
            if revision > since {
                let rows = tx.query(
                    "SELECT id, doc FROM guides WHERE revision > ?1 ORDER BY revision, id",
                    &[Value::Int(since)],
                )?;
                for mut row in rows {
                    let doc: Option<String> = row.get(1)?;
                    changes.push(GuideChange {
                        id: row.get(0)?,
                        guide: doc.as_deref().map(parse_guide).transpose()?,
                    });
                }
            }
            Ok((revision, changes))
        })
    }

    fn guide(&self, id: &str) -> Result<Option<Guide>, StoreError> {
        self.within(Access::Single, |tx| {
            let row = tx.query_opt("SELECT doc FROM guides WHERE id = ?1", &[Value::Text(id)])?;
            let doc: Option<String> = match row {
                Some(mut row) => row.get(0)?,
                None => None,
            };
            doc.as_deref().map(parse_guide).transpose()
        })
    }

    fn put_guides(&self, guides: &[Guide]) -> Result<i64, StoreError> {
        self.within(Access::Write, |tx| put_guides_in(tx, guides))
    }

    fn delete_guide(&self, id: &str) -> Result<Option<i64>, StoreError> {
        self.within(Access::Write, |tx| {
            let sql = format!(
                "SELECT 1 FROM guides WHERE id = ?1 AND doc IS NOT NULL{}",
                tx.dialect().for_update
            );
            if tx.query_opt(&sql, &[Value::Text(id)])?.is_none() {
                return Ok(None);
            }
            let revision = bump_revision(tx)?;
            tx.execute(
                "UPDATE guides SET doc = NULL, revision = ?2, updated_at = ?3 WHERE id = ?1",
                &[
                    Value::Text(id),
                    Value::Int(revision),
                    Value::Text(&now_text()),
                ],
            )?;
            Ok(Some(revision))
        })
    }

    fn case(&self, id: CaseId) -> Result<Option<StoredCase>, StoreError> {
        self.within(Access::Single, |tx| {
            let sql = cases_sql("c.id = ?1 ORDER BY e.seq");
            Ok(load_cases(tx, &sql, &[Value::Int(id)])?.into_iter().next())
        })
    }

    fn cases_of_person(&self, person: &str, count: usize) -> Result<Vec<StoredCase>, StoreError> {
        self.within(Access::Single, |tx| {
            let sql = cases_sql(
                "c.id IN (SELECT case_id FROM case_people WHERE person_id = ?1
                          ORDER BY case_id DESC LIMIT ?2)
                 ORDER BY c.id DESC, e.seq",
            );
            load_cases(tx, &sql, &[Value::Text(person), Value::Int(limit(count))])
        })
    }

    fn cases_of_organisation(
        &self,
        organisation: &str,
        count: usize,
    ) -> Result<Vec<StoredCase>, StoreError> {
        self.within(Access::Single, |tx| {
            let sql = cases_sql(
                "c.id IN (SELECT id FROM cases WHERE organisation = ?1
                          AND category NOT IN ('draft', 'none')
                          ORDER BY id DESC LIMIT ?2)
                 ORDER BY c.id DESC, e.seq",
            );
            load_cases(
                tx,
                &sql,
                &[Value::Text(organisation), Value::Int(limit(count))],
            )
        })
    }

    fn write_case(
        &self,
        target: &Target,
        series: Option<&Series>,
        decide: &mut Decide<'_>,
    ) -> Result<(CaseId, Decided), StoreError> {
        self.within(Access::Write, |tx| {
            write_case_in(tx, target, series, decide)
        })
    }

    fn attachment_head(
        &self,
        case: CaseId,
        seq: u64,
        index: u32,
    ) -> Result<Option<AttachmentHead>, StoreError> {
        let seq = int(seq, "event number")?;
        self.within(Access::Read, |tx| {
            let key = [Value::Int(case), Value::Int(seq), Value::Small(index)];
            let Some(mut row) = tx.query_opt(
                "SELECT name, content FROM attachments WHERE case_id = ?1 AND seq = ?2 AND idx = ?3",
                &key,
            )?
            else {
                return Ok(None);
            };
            let name: String = row.get(0)?;
            // Before schema version 4 the content was in the row; since, it is in parts.
            let inline: Vec<u8> = row.get(1)?;
            let mut parts = tx.query_one(
                "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(LENGTH(content)), 0) AS BIGINT)
                 FROM attachment_parts WHERE case_id = ?1 AND seq = ?2 AND idx = ?3",
                &key,
            )?;
            let count: u64 = parts.get(0)?;
            let bytes: u64 = parts.get(1)?;
            Ok(Some(AttachmentHead {
                name,
                size: inline.len() as u64 + bytes,
                inline,
                parts: u32::try_from(count).map_err(|_| StoreError::Corrupt {
                    what: "attachment".into(),
                    message: format!("{count} parts"),
                })?,
            }))
        })
    }

    fn attachment_part(
        &self,
        case: CaseId,
        seq: u64,
        index: u32,
        part: u32,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let seq = int(seq, "event number")?;
        self.within(Access::Single, |tx| {
            let Some(mut row) = tx.query_opt(
                "SELECT content FROM attachment_parts
                 WHERE case_id = ?1 AND seq = ?2 AND idx = ?3 AND part = ?4",
                &[
                    Value::Int(case),
                    Value::Int(seq),
                    Value::Small(index),
                    Value::Small(part),
                ],
            )?
            else {
                return Ok(None);
            };
            row.get(0).map(Some)
        })
    }

    fn attachment_bytes_of(&self, sender: &str) -> Result<u64, StoreError> {
        self.within(Access::Single, |tx| {
            // PostgreSQL sums BIGINTs as NUMERIC: cast back.
            let total: i64 = tx
                .query_one(
                    "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM attachments WHERE sender = ?1",
                    &[Value::Text(sender)],
                )?
                .get(0)?;
            Ok(u64::try_from(total).unwrap_or(0))
        })
    }

    fn rekey_feedback_actors(
        &self,
        rekey: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Result<usize, StoreError> {
        self.within(Access::Serial, |tx| {
            let rows = tx.query(
                "SELECT id, actor FROM feedback WHERE actor IS NOT NULL ORDER BY id",
                &[],
            )?;
            let mut changed = 0;
            for mut row in rows {
                let id: i64 = row.get(0)?;
                let actor: String = row.get(1)?;
                if let Some(key) = rekey(&actor) {
                    tx.execute(
                        "UPDATE feedback SET actor = ?1 WHERE id = ?2",
                        &[Value::Text(&key), Value::Int(id)],
                    )?;
                    changed += 1;
                }
            }
            Ok(changed)
        })
    }

    fn add_feedback(&self, record: &FeedbackRow) -> Result<i64, StoreError> {
        let shown = (!record.shown.is_empty())
            .then(|| serde_json::to_string(&record.shown))
            .transpose()
            .map_err(|e| StoreError::Unstorable {
                what: "feedback's shown guides".into(),
                message: e.to_string(),
            })?;
        self.within(Access::Single, |tx| {
            tx.query_one(
                "INSERT INTO feedback (at, query, guide_id, helped, rank, filed_anyway,
                 case_number, actor, shown) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 RETURNING id",
                &[
                    Value::Text(&record.at),
                    Value::Text(&record.query),
                    Value::OptText(record.guide.as_deref()),
                    Value::Bool(record.helped),
                    Value::OptSmall(record.rank),
                    Value::Bool(record.filed_anyway),
                    Value::OptText(record.case_number.as_deref()),
                    Value::OptText(record.actor.as_deref()),
                    Value::OptText(shown.as_deref()),
                ],
            )?
            .get(0)
        })
    }

    fn feedback(&self, count: usize) -> Result<Vec<FeedbackRow>, StoreError> {
        self.within(Access::Single, |tx| {
            read_feedback(tx, "ORDER BY id DESC", i64::MIN, count)
        })
    }

    fn feedback_after(&self, after: i64, count: usize) -> Result<Vec<FeedbackRow>, StoreError> {
        self.within(Access::Single, |tx| {
            read_feedback(tx, "ORDER BY id", after, count)
        })
    }

    fn add_decision(&self, decision: &DecisionRow) -> Result<DecisionRow, StoreError> {
        self.within(Access::Write, |tx| {
            let after_feedback: i64 = tx
                .query_one("SELECT COALESCE(MAX(id), 0) FROM feedback", &[])?
                .get(0)?;
            let id: i64 = tx
                .query_one(
                    "INSERT INTO learning_decisions (after_feedback, at, guide_id, decision, text,
                     editor) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                    &[
                        Value::Int(after_feedback),
                        Value::Text(&decision.at),
                        Value::Text(&decision.guide),
                        Value::Text(decision.decision.kind()),
                        Value::OptText(decision.decision.text()),
                        Value::OptText(decision.editor.as_deref()),
                    ],
                )?
                .get(0)?;
            Ok(DecisionRow {
                id,
                after_feedback,
                ..decision.clone()
            })
        })
    }

    fn decisions_after(&self, after: i64, count: usize) -> Result<Vec<DecisionRow>, StoreError> {
        self.within(Access::Single, |tx| read_decisions(tx, after, count))
    }

    fn case_counts(&self) -> Result<Vec<CaseCount>, StoreError> {
        self.within(Access::Single, |tx| {
            // PostgreSQL counts as BIGINT, SQLite as INTEGER: both read as 64-bit integers.
            let rows = tx.query(
                "SELECT organisation, status, COUNT(*) FROM cases
                 WHERE category NOT IN ('draft', 'none')
                 GROUP BY organisation, status ORDER BY organisation, status",
                &[],
            )?;
            rows.into_iter()
                .map(|mut row| {
                    Ok(CaseCount {
                        organisation: row.get(0)?,
                        status: row.get(1)?,
                        count: row.get(2)?,
                    })
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::postgres::PostgresStore;
    use crate::store::sqlite::SqliteStore;

    /// Runs `test` on a new SQLite store, and on a new PostgreSQL database when
    /// `VAGVISARE_TEST_PG_URL` is set.
    fn on_each_store(test: impl Fn(&dyn Store, &dyn Fn(&str, &[Value<'_>]) -> Vec<Row>)) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let sqlite = SqliteStore::open(&dir.path().join("t.sqlite3"), 1).expect("SQLite");
        test(&sqlite, &|sql, params| raw(&sqlite, sql, params));
        let Ok(url) = std::env::var("VAGVISARE_TEST_PG_URL") else {
            return;
        };
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let name = format!(
            "vv_unit_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let created = std::thread::spawn({
            let url = url.clone();
            let name = name.clone();
            move || {
                let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
                client.batch_execute(&format!("CREATE DATABASE {name}"))
            }
        })
        .join()
        .expect("create a database");
        created.expect("create a test database");
        let (server, _) = url
            .split('?')
            .next()
            .and_then(|u| u.rsplit_once('/'))
            .expect("VAGVISARE_TEST_PG_URL names a database");
        let pg = PostgresStore::open(&format!("{server}/{name}"), 1).expect("PostgreSQL");
        test(&pg, &|sql, params| raw(&pg, sql, params));
    }

    fn raw(store: &impl Backend, sql: &str, params: &[Value<'_>]) -> Vec<Row> {
        store
            .within(Access::Single, |tx| tx.query(sql, params))
            .expect(sql)
    }

    fn assert_corrupt<T: std::fmt::Debug>(
        store: &dyn Store,
        result: Result<T, StoreError>,
        value: &str,
    ) {
        match result {
            Err(StoreError::Corrupt { message, .. }) => {
                assert!(message.contains(value), "{}: {message}", store.backend())
            }
            other => panic!("{}: {other:?}", store.backend()),
        }
    }

    #[test]
    fn a_stored_version_below_zero_is_corrupt_not_zero() {
        on_each_store(|store, raw| {
            let mut row = raw(
                "INSERT INTO cases (workflow, version, service, organisation, status, category,
                 created_at, updated_at) VALUES ('w', -1, 's', 'o', 'st', 'open', 't', 't')
                 RETURNING id",
                &[],
            )
            .remove(0);
            let id: i64 = row.get(0).expect("id");
            let target = Target::Existing {
                id,
                expected_version: 0,
            };
            let result = store.write_case(&target, None, &mut |_| {
                Err(StoreError::Unavailable("decided".into()))
            });
            assert_corrupt(store, result, "-1");
        });
    }

    #[test]
    fn a_stored_rank_out_of_range_is_corrupt_not_missing() {
        on_each_store(|store, raw| {
            raw(
                "INSERT INTO feedback (at, query, helped, rank, filed_anyway)
                 VALUES ('t', 'q', ?1, -5, ?1) RETURNING id",
                &[Value::Bool(false)],
            );
            assert_corrupt(store, store.feedback(10), "-5");
        });
    }

    #[test]
    fn a_rank_is_stored_as_given_or_refused() {
        on_each_store(|store, _| {
            let record = FeedbackRow {
                id: 0,
                at: now_text(),
                query: "q".into(),
                guide: Some("g".into()),
                helped: true,
                rank: Some(u32::MAX),
                filed_anyway: false,
                case_number: None,
                actor: None,
                shown: Vec::new(),
            };
            match (store.backend(), store.add_feedback(&record)) {
                ("sqlite", Ok(id)) => {
                    let stored = store.feedback(1).expect("feedback");
                    assert_eq!(
                        stored,
                        vec![FeedbackRow {
                            id,
                            ..record.clone()
                        }]
                    );
                }
                ("postgresql", Err(StoreError::Unstorable { .. })) => {
                    assert_eq!(store.feedback(1).expect("feedback"), vec![]);
                }
                (backend, other) => panic!("{backend}: {other:?}"),
            }
        });
    }

    #[test]
    fn a_decision_takes_its_place_after_the_feedback_stored_before_it() {
        use vagvisare::feedback::EditorDecision;
        on_each_store(|store, raw| {
            let decision = |d: EditorDecision| DecisionRow {
                id: 0,
                after_feedback: 0,
                at: now_text(),
                guide: "g".into(),
                decision: d,
                editor: Some("k".into()),
            };
            let first = store
                .add_decision(&decision(EditorDecision::Freeze))
                .expect("stored");
            assert_eq!(first.after_feedback, 0, "{}", store.backend());
            let feedback = FeedbackRow {
                id: 0,
                at: now_text(),
                query: "q".into(),
                guide: Some("g".into()),
                helped: true,
                rank: None,
                filed_anyway: false,
                case_number: None,
                actor: None,
                shown: Vec::new(),
            };
            let f1 = store.add_feedback(&feedback).expect("feedback");
            let f2 = store.add_feedback(&feedback).expect("feedback");
            let second = store
                .add_decision(&decision(EditorDecision::remove("Glömt LÖSEN")))
                .expect("stored");
            assert!(f2 > f1 && second.id > first.id);
            assert_eq!(second.after_feedback, f2);
            assert_eq!(
                store.decisions_after(0, 10).expect("read"),
                vec![first.clone(), second.clone()]
            );
            assert_eq!(
                store.decisions_after(first.id, 10).expect("read"),
                vec![second]
            );
            raw(
                "INSERT INTO learning_decisions (after_feedback, at, guide_id, decision)
                 VALUES (0, 't', 'g', 'thaw')",
                &[],
            );
            assert_corrupt(store, store.decisions_after(0, 10), "thaw");
        });
    }

    #[test]
    fn cells_that_do_not_fit_are_errors() {
        assert_eq!(u64::from_cell(Cell::Int(7)).ok(), Some(7));
        assert!(u64::from_cell(Cell::Int(-1)).is_err());
        assert!(u32::from_cell(Cell::Int(1 << 32)).is_err());
        assert_eq!(Option::<u32>::from_cell(Cell::Null).ok(), Some(None));
        assert!(String::from_cell(Cell::Int(1)).is_err());
        assert_eq!(bool::from_cell(Cell::Int(1)).ok(), Some(true));
        assert!(Row(vec![]).get::<i64>(0).is_err());
    }
}
