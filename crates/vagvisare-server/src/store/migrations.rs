//! Versioned schema migrations, one list for both databases. A store applies, at start and in one
//! transaction, every migration newer than the version recorded in `schema_migrations`, and
//! refuses a database whose version is newer than any it knows (written by a newer service).
//!
//! A migration, once released, is never edited: a change to the schema is a new entry.

/// One migration: its version, a name, and the SQL it runs (with the type tokens of [`Types`]).
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// Version, from 1, without gaps.
    pub version: i64,
    /// What it does.
    pub name: &'static str,
    /// The statements, with type tokens.
    pub sql: &'static str,
}

impl Migration {
    /// The statements for a database whose types are `types`.
    pub fn sql_for(&self, types: &Types) -> String {
        self.sql
            .replace("{serial}", types.serial)
            .replace("{int8}", types.int8)
            .replace("{bool}", types.boolean)
            .replace("{bytes}", types.bytes)
    }
}

/// The column types that differ between the databases: what each token in a migration becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Types {
    /// `{serial}`: a generated 64-bit id that is the table's primary key.
    pub serial: &'static str,
    /// `{int8}`: a 64-bit integer.
    pub int8: &'static str,
    /// `{bool}`: a truth value.
    pub boolean: &'static str,
    /// `{bytes}`: a byte string.
    pub bytes: &'static str,
}

/// SQLite's types (an `INTEGER` holds 64 bits; truth values are 0 and 1).
pub const SQLITE: Types = Types {
    serial: "INTEGER PRIMARY KEY AUTOINCREMENT",
    int8: "INTEGER",
    boolean: "INTEGER",
    bytes: "BLOB",
};

/// PostgreSQL's types.
pub const POSTGRES: Types = Types {
    serial: "BIGSERIAL PRIMARY KEY",
    int8: "BIGINT",
    boolean: "BOOLEAN",
    bytes: "BYTEA",
};

/// The schema of `schema_migrations` itself (the same on both databases).
pub const BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";

/// The migrations, in order. Their SQL names the types that differ between the databases as
/// tokens ([`Types`]): `{serial}` (a generated id, the primary key), `{int8}` (a 64-bit integer),
/// `{bool}` and `{bytes}`.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "guides and meta",
        sql: "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE guide_revision (id INTEGER PRIMARY KEY CHECK (id = 1), value {int8} NOT NULL);
INSERT INTO guide_revision (id, value) VALUES (1, 0);
CREATE TABLE guides (
    id TEXT PRIMARY KEY,
    doc TEXT,
    revision {int8} NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX guides_by_revision ON guides (revision);
",
    },
    Migration {
        version: 2,
        name: "cases as events",
        sql: "
CREATE TABLE cases (
    id {serial},
    workflow TEXT NOT NULL,
    version {int8} NOT NULL,
    service TEXT NOT NULL,
    organisation TEXT NOT NULL,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    number TEXT UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_by_organisation ON cases (organisation, id);
CREATE TABLE case_events (
    case_id {int8} NOT NULL REFERENCES cases (id),
    seq {int8} NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE TABLE case_people (
    person_id TEXT NOT NULL,
    case_id {int8} NOT NULL REFERENCES cases (id),
    PRIMARY KEY (person_id, case_id)
);
CREATE TABLE case_numbers (prefix TEXT PRIMARY KEY, series TEXT NOT NULL);
CREATE TABLE attachments (
    case_id {int8} NOT NULL REFERENCES cases (id),
    seq {int8} NOT NULL,
    idx INTEGER NOT NULL,
    name TEXT NOT NULL,
    content {bytes} NOT NULL,
    PRIMARY KEY (case_id, seq, idx)
);
",
    },
    Migration {
        version: 3,
        name: "feedback",
        sql: "
CREATE TABLE feedback (
    id {serial},
    at TEXT NOT NULL,
    query TEXT NOT NULL,
    guide_id TEXT,
    helped {bool} NOT NULL,
    rank INTEGER,
    filed_anyway {bool} NOT NULL,
    case_number TEXT,
    actor TEXT
);
CREATE INDEX feedback_by_guide ON feedback (guide_id);
",
    },
    Migration {
        version: 4,
        name: "attachment parts and quotas",
        sql: "
CREATE TABLE attachment_parts (
    case_id {int8} NOT NULL,
    seq {int8} NOT NULL,
    idx INTEGER NOT NULL,
    part INTEGER NOT NULL,
    content {bytes} NOT NULL,
    PRIMARY KEY (case_id, seq, idx, part)
);
ALTER TABLE attachments ADD COLUMN size {int8};
ALTER TABLE attachments ADD COLUMN sender TEXT;
CREATE INDEX attachments_by_sender ON attachments (sender);
",
    },
    Migration {
        version: 5,
        name: "the guides a feedback answer was shown",
        sql: "
ALTER TABLE feedback ADD COLUMN shown TEXT;
",
    },
    Migration {
        version: 6,
        name: "editors' decisions on learned texts, and cases counted by status",
        sql: "
CREATE TABLE learning_decisions (
    id {serial},
    after_feedback {int8} NOT NULL,
    at TEXT NOT NULL,
    guide_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    text TEXT,
    editor TEXT
);
CREATE INDEX cases_by_status ON cases (category, organisation, status);
",
    },
];

/// The newest version in [`MIGRATIONS`].
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_run_from_one_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.name);
        }
        assert_eq!(latest(), MIGRATIONS.len() as i64);
    }

    #[test]
    fn every_token_is_replaced_for_both_databases() {
        for types in [SQLITE, POSTGRES] {
            for m in MIGRATIONS {
                let sql = m.sql_for(&types);
                assert!(!sql.contains(['{', '}']), "{}: {sql}", m.name);
            }
        }
        let feedback = MIGRATIONS[2].sql_for(&POSTGRES);
        assert!(feedback.contains("id BIGSERIAL PRIMARY KEY,"), "{feedback}");
        assert!(feedback.contains("helped BOOLEAN NOT NULL"), "{feedback}");
        let cases = MIGRATIONS[1].sql_for(&SQLITE);
        assert!(
            cases.contains("id INTEGER PRIMARY KEY AUTOINCREMENT,"),
            "{cases}"
        );
        assert!(cases.contains("content BLOB NOT NULL"), "{cases}");
        let decisions = MIGRATIONS[5].sql_for(&POSTGRES);
        assert!(
            decisions.contains("id BIGSERIAL PRIMARY KEY,"),
            "{decisions}"
        );
        assert!(
            decisions.contains("after_feedback BIGINT NOT NULL"),
            "{decisions}"
        );
    }
}
