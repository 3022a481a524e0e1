//! The shared store: PostgreSQL, for several service instances behind a load balancer.
//!
//! The same tables as SQLite. Writers to a case lock its row (`SELECT … FOR UPDATE`) and check
//! its version; case numbers are drawn under a row lock on their series; the guide revision
//! counter is one row updated by every guide write, so revisions become visible in the order
//! they were committed and an instance polling "changes since revision n" never skips one.
//! Migrations and seeding run under a transaction-scoped advisory lock, so instances starting
//! together migrate once. The store's logic is in `store::sql`; this file connects and runs
//! statements.

use std::collections::HashMap;
use std::time::Duration;

use postgres::types::{ToSql, Type};
use postgres::{Client, GenericClient, IsolationLevel, NoTls, Statement};

use super::migrations;
use super::sql::{self, Access, Backend, Cell, Dialect, Job, Row, Tx, Value};
use super::{Pool, StoreError};

/// The advisory lock key migrations and seeding run under ("vägvisare" in a number).
const MIGRATION_LOCK: i64 = 0x7661_6776_6973_6172;

/// PostgreSQL's differences: a read that a write depends on locks its rows.
static POSTGRES: Dialect = Dialect::new("postgresql", " FOR UPDATE", migrations::POSTGRES);

/// PostgreSQL behind a URL (`postgres://user@host:port/database`).
pub struct PostgresStore {
    pool: Pool<Client>,
}

/// An error with every cause under it: the `postgres` crate says "error connecting to server"
/// and keeps the reason (refused, unknown host, no such database, bad password) as its source.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn db(error: postgres::Error) -> StoreError {
    StoreError::Unavailable(with_causes(&error))
}

impl PostgresStore {
    /// Connects to `url` with up to `pool_size` connections and brings the schema up to date.
    pub fn open(url: &str, pool_size: usize) -> Result<Self, StoreError> {
        let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            StoreError::Open(format!(
                "the database URL cannot be read ({}); write it as \
                 postgres://user:password@host:port/database",
                with_causes(&e)
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
                config.connect(NoTls).map_err(|e| {
                    StoreError::Open(format!("cannot connect to PostgreSQL: {}", with_causes(&e)))
                })
            }),
        };
        sql::migrate(&store)?;
        Ok(store)
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

impl Backend for PostgresStore {
    const DIALECT: &'static Dialect = &POSTGRES;

    fn run<R>(&self, access: Access, work: Job<'_, R>) -> Result<R, StoreError> {
        self.pool.with(Client::is_closed, |client| {
            let mut tx = match access {
                Access::Single => return work(&mut Postgres::new(client)),
                Access::Read => client
                    .build_transaction()
                    .isolation_level(IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start(),
                Access::Write | Access::Serial => client.transaction(),
            }
            .map_err(db)?;
            if access == Access::Serial {
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                    .map_err(db)?;
            }
            let result = work(&mut Postgres::new(&mut tx))?;
            tx.commit().map_err(db)?;
            Ok(result)
        })
    }
}

/// A client or a transaction, with the statements prepared on it during one piece of work.
struct Postgres<'a, C: GenericClient> {
    client: &'a mut C,
    statements: HashMap<String, Statement>,
}

impl<'a, C: GenericClient> Postgres<'a, C> {
    fn new(client: &'a mut C) -> Self {
        Postgres {
            client,
            statements: HashMap::new(),
        }
    }

    /// The statement for `sql` (parameters `?n` written `$n`), prepared once per piece of work.
    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        let sql = sql.replace('?', "$");
        if let Some(statement) = self.statements.get(&sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(&sql).map_err(db)?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }
}

/// The parameters as the `postgres` crate takes them; a number too large for an `INTEGER`
/// column is an error, not a different number.
fn parameters<'a>(params: &'a [Value<'a>]) -> Result<Vec<Box<dyn ToSql + Sync + 'a>>, StoreError> {
    let small = |v: u32| {
        i32::try_from(v).map_err(|_| StoreError::Unstorable {
            what: "number".into(),
            message: format!("{v} does not fit PostgreSQL's INTEGER"),
        })
    };
    params
        .iter()
        .map(|value| -> Result<Box<dyn ToSql + Sync + 'a>, StoreError> {
            Ok(match *value {
                Value::Int(v) => Box::new(v),
                Value::Small(v) => Box::new(small(v)?),
                Value::OptSmall(v) => Box::new(v.map(small).transpose()?),
                Value::Text(v) => Box::new(v),
                Value::OptText(v) => Box::new(v),
                Value::Bool(v) => Box::new(v),
                Value::Bytes(v) => Box::new(v),
            })
        })
        .collect()
}

fn row(row: &postgres::Row) -> Result<Row, StoreError> {
    let cell = |i: usize, ty: &Type| -> Result<Cell, postgres::Error> {
        Ok(match *ty {
            Type::INT8 => row
                .try_get::<_, Option<i64>>(i)?
                .map_or(Cell::Null, Cell::Int),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(i)?
                .map_or(Cell::Null, |v| Cell::Int(v.into())),
            Type::BOOL => row
                .try_get::<_, Option<bool>>(i)?
                .map_or(Cell::Null, Cell::Bool),
            Type::BYTEA => row
                .try_get::<_, Option<Vec<u8>>>(i)?
                .map_or(Cell::Null, Cell::Bytes),
            _ => row
                .try_get::<_, Option<String>>(i)?
                .map_or(Cell::Null, Cell::Text),
        })
    };
    let cells = row
        .columns()
        .iter()
        .enumerate()
        .map(|(i, column)| {
            cell(i, column.type_()).map_err(|e| StoreError::Corrupt {
                what: format!("column `{}`", column.name()),
                message: with_causes(&e),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Row(cells))
}

impl<C: GenericClient> Tx for Postgres<'_, C> {
    fn dialect(&self) -> &'static Dialect {
        &POSTGRES
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client.batch_execute(sql).map_err(db)
    }

    fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> Result<u64, StoreError> {
        let statement = self.statement(sql)?;
        let params = parameters(params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| &**p as _).collect();
        self.client.execute(&statement, &refs).map_err(db)
    }

    fn query(&mut self, sql: &str, params: &[Value<'_>]) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql)?;
        let params = parameters(params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| &**p as _).collect();
        let rows = self.client.query(&statement, &refs).map_err(db)?;
        rows.iter().map(row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_error(url: &str) -> String {
        match PostgresStore::open(url, 1) {
            Ok(_) => panic!("{url} opened"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_bad_url_names_the_cause() {
        for (url, cause) in [
            ("not a url", "expected `=` but got `a`"),
            (
                "postgres://u@localhost:99999/db",
                "invalid value for option `port`",
            ),
            ("postgres://", "host and hostaddr are missing"),
            // Nothing listens on port 1 of the loopback interface.
            ("postgres://u@127.0.0.1:1/db", "Connection refused"),
        ] {
            let error = open_error(url);
            assert!(error.contains(cause), "{url}: {error}");
        }
        assert!(open_error("not a url").contains("postgres://user:password@host:port/database"));
    }

    #[test]
    fn a_missing_database_is_named_when_a_server_is_given() {
        let Ok(url) = std::env::var("VAGVISARE_TEST_PG_URL") else {
            return;
        };
        let server = url.split('?').next().and_then(|u| u.rsplit_once('/'));
        let Some((server, _)) = server else {
            panic!("VAGVISARE_TEST_PG_URL has no database: {url}");
        };
        let error = open_error(&format!("{server}/vv_no_such_database"));
        assert!(
            error.contains("cannot connect to PostgreSQL")
                && error.contains("\"vv_no_such_database\" does not exist"),
            "{error}"
        );
    }

    #[test]
    fn a_number_too_large_for_an_integer_column_is_an_error() {
        assert!(parameters(&[Value::Small(i32::MAX as u32)]).is_ok());
        for value in [Value::Small(u32::MAX), Value::OptSmall(Some(1 << 31))] {
            match parameters(&[value]) {
                Err(StoreError::Unstorable { message, .. }) => {
                    assert!(message.contains("does not fit"), "{message}")
                }
                other => panic!("{value:?}: {:?}", other.map(|p| p.len())),
            }
        }
    }
}
