//! Shared fixtures of the benchmarks: the bundled guides and every keystroke of the bundled
//! labelled queries, as a person types them.

use std::path::PathBuf;

use vagvisare::eval::{parse_queries, LabelledQuery};
use vagvisare::guide::model::read_jsonl_path;

/// The repository's `data/` folder.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data")
}

/// The bundled labelled queries.
pub fn queries() -> Vec<LabelledQuery> {
    read_jsonl_path(&data_dir().join("eval"), parse_queries).expect("bundled queries parse")
}

/// Every prefix of every query, in typing order: what a portal receives keystroke by keystroke.
pub fn keystrokes(queries: &[LabelledQuery]) -> Vec<String> {
    let mut out = Vec::new();
    for q in queries {
        let chars: Vec<char> = q.query.chars().collect();
        for k in 1..=chars.len() {
            out.push(chars[..k].iter().collect());
        }
    }
    out
}
