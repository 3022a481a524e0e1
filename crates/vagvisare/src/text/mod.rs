//! Swedish text analysis: segmentation, normalisation, stemming, folding, compounds, synonyms.

pub mod fold;
pub mod stem;
pub mod tokenize;
pub mod compound;
pub mod stopwords;
pub mod synonyms;
pub mod analyzer;
