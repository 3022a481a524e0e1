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

/// The SweFAQ development guides beside the repository (`../shared`), if present.
pub fn swefaq_guides() -> Vec<vagvisare::Guide> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/swefaq/dev/guides.jsonl");
    vagvisare::guide::read_guides(&path).unwrap_or_default()
}

/// SplitMix64, so a generated corpus is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// `n` distinct guides generated from the bundled and SweFAQ guides, deterministically from
/// `seed`: a title of words from two source titles, a body of three to eight sentences of source
/// bodies, a source category, and every tenth guide limited to staff. The first guides are the
/// bundled ones unchanged, so the labelled queries keep right answers at every size.
pub fn generate(n: usize, seed: u64) -> Vec<vagvisare::Guide> {
    let mut sources = vagvisare::bundled::guides();
    let originals = sources.len();
    sources.extend(swefaq_guides());
    let sentences: Vec<String> = sources
        .iter()
        .flat_map(|g| g.body.split_inclusive(['.', '!', '?']))
        .map(|s| s.trim().to_string())
        .filter(|s| s.len() > 12)
        .collect();
    let mut rng = Rng(seed);
    let mut out: Vec<vagvisare::Guide> = sources.iter().take(originals.min(n)).cloned().collect();
    for i in out.len()..n {
        let a = rng.pick(&sources);
        let b = rng.pick(&sources);
        let a_words: Vec<&str> = a.title.split_whitespace().collect();
        let b_words: Vec<&str> = b.title.split_whitespace().collect();
        let title = format!(
            "{} {}",
            a_words[..a_words.len().div_ceil(2)].join(" "),
            b_words[b_words.len() / 2..].join(" ")
        );
        let count = 3 + (rng.next() % 6) as usize;
        let body: Vec<&str> = (0..count).map(|_| rng.pick(&sentences).as_str()).collect();
        let mut guide = vagvisare::Guide::new(format!("gen-{i}"), title, body.join(" "));
        guide.category = rng.pick(&sources).category.clone();
        if i % 10 == 0 {
            guide.audiences = vec!["personal".into()];
        }
        out.push(guide);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_corpora_are_deterministic_and_distinct() {
        let a = generate(500, 1);
        assert_eq!(a.len(), 500);
        assert_eq!(a, generate(500, 1));
        assert_ne!(a[400], generate(500, 2)[400]);
        let ids: std::collections::HashSet<_> = a.iter().map(|g| &g.id).collect();
        assert_eq!(ids.len(), 500);
        assert!(a.iter().all(|g| g.validate().is_ok()));
    }
}
