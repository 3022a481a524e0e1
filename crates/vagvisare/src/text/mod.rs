//! Swedish text analysis: segmentation, normalisation, stemming, folding, compounds, synonyms
//! (the portal's and the bundled thesaurus's).

pub mod analyzer;
pub mod compound;
pub mod fold;
pub mod stem;
pub mod stopwords;
pub mod synonyms;
pub mod thesaurus;
pub mod tokenize;

/// Typed text beyond this many bytes is ignored (cut at a character boundary): by the plan of a
/// search and by the feedback that learns from typed text alike.
pub const MAX_QUERY_BYTES: usize = 2048;
/// Words of typed text beyond this many are ignored (see [`MAX_QUERY_BYTES`]).
pub const MAX_QUERY_WORDS: usize = 64;
/// Longest accepted guide id, in bytes (a limit of every entry point: guides, feedback).
pub const MAX_ID_BYTES: usize = 256;
