//! Vägvisare: a Swedish case model and guide suggester for self-service portals.

pub mod case;
pub mod guide;
pub mod redact;
pub mod text;

pub use guide::{Filters, Guide, GuideIndex, IndexError, MatchKind, SuggestOptions, Suggestion};
pub mod bundled;
pub mod eval;
