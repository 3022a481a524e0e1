//! The embedded store: SQLite (rusqlite with its bundled SQLite) in the data directory, in WAL
//! mode with `synchronous = FULL`, so a committed write survives a crash of the process or the
//! machine. Writers take the database's write lock at the start of their transaction
//! (`BEGIN IMMEDIATE`); readers never wait for writers. The store's logic is in `store::sql`;
//! this file opens connections and runs statements on them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params_from_iter, Connection, TransactionBehavior};

use super::migrations;
use super::sql::{self, Access, Backend, Cell, Dialect, Job, Row, Tx, Value};
use super::{Pool, StoreError};

/// The file name of the database in the data directory.
pub const FILE_NAME: &str = "vagvisare.sqlite3";

/// How long a writer waits for the write lock before it reports the database as busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How many prepared statements a connection keeps (the store runs about 25 different ones).
const STATEMENT_CACHE: usize = 64;

/// SQLite's differences: a write transaction holds the database's write lock from its start, so
/// a read in it needs no row lock.
static SQLITE: Dialect = Dialect::new("sqlite", "", migrations::SQLITE);

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
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
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
        sql::migrate(&store)?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Backend for SqliteStore {
    const DIALECT: &'static Dialect = &SQLITE;

    fn run<R>(&self, access: Access, work: Job<'_, R>) -> Result<R, StoreError> {
        self.pool.with(
            |_| false,
            |conn| {
                let behavior = match access {
                    Access::Single => return work(&mut Sqlite(conn)),
                    Access::Read => TransactionBehavior::Deferred,
                    Access::Write | Access::Serial => TransactionBehavior::Immediate,
                };
                let tx = conn.transaction_with_behavior(behavior).map_err(db)?;
                let result = work(&mut Sqlite(&tx))?;
                tx.commit().map_err(db)?;
                Ok(result)
            },
        )
    }
}

/// A connection, or a transaction on one (which derefs to its connection).
struct Sqlite<'a>(&'a Connection);

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Value::Int(v) => ToSqlOutput::from(v),
            Value::Small(v) => ToSqlOutput::from(v),
            Value::OptSmall(v) => v.map_or(ToSqlOutput::Borrowed(ValueRef::Null), |v| v.into()),
            Value::Text(v) => ToSqlOutput::from(v),
            Value::OptText(v) => v.map_or(ToSqlOutput::Borrowed(ValueRef::Null), |v| v.into()),
            Value::Bool(v) => ToSqlOutput::from(v),
            Value::Bytes(v) => ToSqlOutput::from(v),
        })
    }
}

fn cell(value: ValueRef<'_>) -> Result<Cell, StoreError> {
    Ok(match value {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(v) => Cell::Int(v),
        ValueRef::Real(v) => {
            return Err(StoreError::Corrupt {
                what: "row".into(),
                message: format!("a real number ({v}) where the schema has none"),
            })
        }
        ValueRef::Text(v) => {
            Cell::Text(
                String::from_utf8(v.to_vec()).map_err(|e| StoreError::Corrupt {
                    what: "row".into(),
                    message: format!("text that is not UTF-8: {e}"),
                })?,
            )
        }
        ValueRef::Blob(v) => Cell::Bytes(v.to_vec()),
    })
}

impl Tx for Sqlite<'_> {
    fn dialect(&self) -> &'static Dialect {
        &SQLITE
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.0.execute_batch(sql).map_err(db)
    }

    fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> Result<u64, StoreError> {
        let mut statement = self.0.prepare_cached(sql).map_err(db)?;
        let changed = statement.execute(params_from_iter(params)).map_err(db)?;
        Ok(changed as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Vec<Row>, StoreError> {
        let mut statement = self.0.prepare_cached(sql).map_err(db)?;
        let columns = statement.column_count();
        let mut rows = statement.query(params_from_iter(params)).map_err(db)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(db)? {
            let cells = (0..columns)
                .map(|i| cell(row.get_ref(i).map_err(db)?))
                .collect::<Result<_, _>>()?;
            out.push(Row(cells));
        }
        Ok(out)
    }
}
