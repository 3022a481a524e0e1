//! Guides and the suggestion index ("Möjliga lösningar").
//!
//! A [`GuideIndex`] holds [`Guide`]s and answers each keystroke with [`Suggestion`]s, through
//! the four stages of the ranking pipeline (DESIGN.md, "Ranking pipeline"; README, "How a
//! keystroke is answered"), each in its own module:
//!
//! 1. **Plan** (`plan/`): the typed text's words and every way each may match: exact, stemmed,
//!    without å/ä/ö, compound parts, synonyms, and against the index's dictionaries, the
//!    completions of the half-typed last word and the spelling neighbours of unknown words.
//!    [`Weights`] holds every boost.
//! 2. **Candidates** (`search/`): the guides the plan's terms reach, read from the index's
//!    postings term at a time, with the scores of words already typed kept from one keystroke
//!    to the next; [`Filters`] keep to the categories and audiences a person may see.
//! 3. **Scoring** (`search/`): BM25 per term in title, body and learned texts, combined per way
//!    of matching and per word, and the best `n` chosen.
//! 4. **Explanation** (`explain`): for each suggestion, which typed word matched which guide
//!    word or learned text, and how ([`MatchKind`]), and a [`Snippet`] with the matches marked.
//!
//! `suggest` runs one keystroke through the four ([`GuideIndex::suggest`]). `index/` opens,
//! writes, commits and warms the index, and keeps the texts learned from feedback (see
//! [`crate::feedback`]); `schema` lays out its fields, one per source (title, body, learned)
//! and form of a word; `cache` keeps what a committed state computes once; `import` reads guides
//! from JSON Lines, CSV and folders of Markdown or HTML pages ([`read_guides_any`]).

mod cache;
mod error;
mod explain;
mod import;
mod index;
mod model;
mod plan;
mod schema;
mod search;
mod suggest;

pub use cache::CacheBudget;
pub use error::IndexError;
pub use explain::{Match, Snippet, Suggestion};
pub use import::{parse_csv, read_guides_any, BadRecord, Imported, OnBad};
pub use index::GuideIndex;
pub use model::{parse_jsonl, read_guides, read_jsonl_path, Guide};
pub use plan::{Alternative, MatchKind, QueryPlan, QueryWord, Weights};
pub use schema::Form;
pub use search::Filters;
pub use suggest::SuggestOptions;
