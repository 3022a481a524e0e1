//! The Swedish guide corpus bundled with Vägvisare (`data/guides/`), compiled in.

use crate::guide::{parse_jsonl, Guide, GuideIndex, IndexError};

/// The bundled guides as JSON Lines.
pub const GUIDES_JSONL: &str = include_str!(concat!(env!("OUT_DIR"), "/bundled_guides.jsonl"));

/// The bundled guides.
pub fn guides() -> Vec<Guide> {
    parse_jsonl(GUIDES_JSONL).expect("the bundled guides parse (checked by a test)")
}

/// An in-memory index of the bundled guides, committed.
pub fn index() -> Result<GuideIndex, IndexError> {
    let index = GuideIndex::in_memory()?;
    index.upsert(&guides())?;
    index.commit()?;
    index.optimize()?;
    Ok(index)
}
