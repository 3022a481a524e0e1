//! Guides and the suggestion index ("Möjliga lösningar").
//!
//! The pipeline of one keystroke: [`query::plan`] analyses the typed text into words and their
//! alternatives, [`query::expand`] completes the half-typed last word and corrects unknown words
//! against the index's vocabulary, the index finds and scores candidates (BM25 over title and
//! body per form of a word), and [`suggest::explain`] says what matched and cuts a snippet.

pub mod cache;
pub mod error;
pub mod index;
pub mod model;
pub mod query;
pub mod schema;
pub mod settled;
pub mod suggest;
pub mod sum;
pub mod topk;

pub use error::IndexError;
pub use index::{GuideIndex, SuggestOptions};
pub use model::{parse_jsonl, read_guides, Guide};
pub use query::{Filters, MatchKind, Weights};
pub use suggest::{Match, Snippet, Suggestion};
