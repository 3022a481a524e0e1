//! Vägvisare: a Swedish case model and guide suggester for self-service portals.
//!
//! Two halves that share nothing but this crate: [`guide`] suggests help guides while a person
//! types ("Möjliga lösningar"), built on the Swedish analysis in [`text`]; [`case`] models the
//! cases (ärenden) filed when no guide helped.
//!
//! ```
//! use vagvisare::{Guide, GuideIndex, SuggestOptions};
//!
//! let index = GuideIndex::in_memory()?;
//! index.upsert(&[Guide::new("pw", "Byta lösenord", "Så byter du lösenordet till ditt konto.")])?;
//! index.commit()?;
//! let suggestions = index.suggest("glömt lösen", &SuggestOptions::limit(5));
//! assert_eq!(suggestions[0].id, "pw");
//! # Ok::<(), vagvisare::Error>(())
//! ```

#![warn(missing_docs)]

pub mod bundled;
pub mod case;
pub mod embed;
pub mod eval;
pub mod feedback;
pub mod guide;
pub mod redact;
pub mod text;

pub use guide::{Filters, Guide, GuideIndex, IndexError, MatchKind, SuggestOptions, Suggestion};

/// Any error of the library: each module's own error, wrapped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Building, opening or changing a guide index.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A synonym file that cannot be read.
    #[error(transparent)]
    Synonyms(#[from] text::synonyms::SynonymError),
    /// A refused case command.
    #[error(transparent)]
    Case(#[from] case::CaseError),
    /// A workflow definition that cannot be used.
    #[error(transparent)]
    Workflow(#[from] case::WorkflowError),
    /// A stored case record that cannot be read.
    #[error(transparent)]
    Record(#[from] case::RecordError),
    /// A case number or number series that cannot be used.
    #[error(transparent)]
    Number(#[from] case::NumberError),
}
