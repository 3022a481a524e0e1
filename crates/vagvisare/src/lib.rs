//! Vägvisare: a Swedish case model and guide suggester for self-service portals.

pub mod case;
pub mod redact;
