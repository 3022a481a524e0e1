//! Versioned schema migrations, one list per database. A store applies, at start and in one
//! transaction, every migration newer than the version recorded in `schema_migrations`, and
//! refuses a database whose version is newer than any it knows (written by a newer service).
//!
//! A migration, once released, is never edited: a change to the schema is a new entry.

/// One migration: its version, a name, and the SQL it runs.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// Version, from 1, without gaps.
    pub version: i64,
    /// What it does.
    pub name: &'static str,
    /// The statements.
    pub sql: &'static str,
}

/// The schema of `schema_migrations` itself (the same on both databases).
pub const BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";

/// The migrations for SQLite.
pub const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "guides and meta",
        sql: "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE guide_revision (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO guide_revision (id, value) VALUES (1, 0);
CREATE TABLE guides (
    id TEXT PRIMARY KEY,
    doc TEXT,
    revision INTEGER NOT NULL,
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
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow TEXT NOT NULL,
    version INTEGER NOT NULL,
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
    case_id INTEGER NOT NULL REFERENCES cases (id),
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE TABLE case_people (
    person_id TEXT NOT NULL,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    PRIMARY KEY (person_id, case_id)
);
CREATE TABLE case_numbers (prefix TEXT PRIMARY KEY, series TEXT NOT NULL);
CREATE TABLE attachments (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    seq INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    name TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (case_id, seq, idx)
);
",
    },
    Migration {
        version: 3,
        name: "feedback",
        sql: "
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    query TEXT NOT NULL,
    guide_id TEXT,
    helped INTEGER NOT NULL,
    rank INTEGER,
    filed_anyway INTEGER NOT NULL,
    case_number TEXT,
    actor TEXT
);
CREATE INDEX feedback_by_guide ON feedback (guide_id);
",
    },
];

/// The migrations for PostgreSQL.
pub const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "guides and meta",
        sql: "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE guide_revision (id INTEGER PRIMARY KEY CHECK (id = 1), value BIGINT NOT NULL);
INSERT INTO guide_revision (id, value) VALUES (1, 0);
CREATE TABLE guides (
    id TEXT PRIMARY KEY,
    doc TEXT,
    revision BIGINT NOT NULL,
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
    id BIGSERIAL PRIMARY KEY,
    workflow TEXT NOT NULL,
    version BIGINT NOT NULL,
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
    case_id BIGINT NOT NULL REFERENCES cases (id),
    seq BIGINT NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE TABLE case_people (
    person_id TEXT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    PRIMARY KEY (person_id, case_id)
);
CREATE TABLE case_numbers (prefix TEXT PRIMARY KEY, series TEXT NOT NULL);
CREATE TABLE attachments (
    case_id BIGINT NOT NULL REFERENCES cases (id),
    seq BIGINT NOT NULL,
    idx INTEGER NOT NULL,
    name TEXT NOT NULL,
    content BYTEA NOT NULL,
    PRIMARY KEY (case_id, seq, idx)
);
",
    },
    Migration {
        version: 3,
        name: "feedback",
        sql: "
CREATE TABLE feedback (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    query TEXT NOT NULL,
    guide_id TEXT,
    helped BOOLEAN NOT NULL,
    rank INTEGER,
    filed_anyway BOOLEAN NOT NULL,
    case_number TEXT,
    actor TEXT
);
CREATE INDEX feedback_by_guide ON feedback (guide_id);
",
    },
];

/// The newest version in `migrations`.
pub fn latest(migrations: &[Migration]) -> i64 {
    migrations.last().map_or(0, |m| m.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_run_from_one_without_gaps_and_match_across_databases() {
        for list in [SQLITE, POSTGRES] {
            for (i, m) in list.iter().enumerate() {
                assert_eq!(m.version, i as i64 + 1, "{}", m.name);
            }
        }
        let names = |list: &[Migration]| list.iter().map(|m| m.name).collect::<Vec<_>>();
        assert_eq!(names(SQLITE), names(POSTGRES));
    }
}
