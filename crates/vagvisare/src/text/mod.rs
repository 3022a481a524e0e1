//! Swedish text analysis: segmentation, normalisation, stemming, folding, compounds, synonyms.

pub mod analyzer;
pub mod compound;
pub mod fold;
pub mod stem;
pub mod stopwords;
pub mod synonyms;
pub mod tokenize;
