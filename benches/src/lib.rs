//! Shared fixtures of the benchmarks: the bundled guides, every keystroke of the bundled
//! labelled queries as a person types them, seeded corpora of any size
//! ([`generate`], also the `gen-corpus` binary) and the query variants of the evaluation protocol
//! ([`eval_inputs`], also the `eval-inputs` binary) that the side-by-side comparison
//! (`benches/compare/`) feeds to every engine.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// The allocator of every benchmark and tool of this crate, as of the `vagvisare` binary and
/// the Python module.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use vagvisare::eval::{add_typos, parse_queries, strip_diacritics, typed_prefix, LabelledQuery};
use vagvisare::guide::read_jsonl_path;

/// The repository's `data/` folder.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data")
}

/// The bundled labelled queries.
pub fn queries() -> Vec<LabelledQuery> {
    read_queries(&data_dir().join("eval")).expect("bundled queries parse")
}

/// The semantic weight asked for by `VAGVISARE_BENCH_SEMANTIC` (a number within 0 and 1; `0`
/// turns the semantic stage off), set on `index`; the index's default stays when it is unset.
/// Lets a run time the lexical stages alone, as before the semantic stage existed.
///
/// # Panics
/// When the variable is set to anything the index refuses as a weight: a benchmark that
/// silently measured the default would mislabel its figures.
pub fn semantic_from_env(index: &vagvisare::GuideIndex) {
    let Ok(value) = std::env::var("VAGVISARE_BENCH_SEMANTIC") else {
        return;
    };
    let weight: f32 = value.trim().parse().unwrap_or_else(|_| {
        panic!("VAGVISARE_BENCH_SEMANTIC must be a weight within 0 and 1, not {value:?}")
    });
    index
        .set_semantic_weight(weight)
        .unwrap_or_else(|e| panic!("VAGVISARE_BENCH_SEMANTIC: {e}"));
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

/// Where the SweFAQ development guides are: shipped in the repository's `data/swefaq/dev` (as
/// `make eval-swefaq` reads them), so that every checkout generates the same corpora.
pub fn swefaq_path() -> PathBuf {
    data_dir().join("swefaq/dev/guides.jsonl")
}

/// The SweFAQ development guides, or none when they are missing.
pub fn swefaq_guides() -> Vec<vagvisare::Guide> {
    vagvisare::guide::read_guides(&swefaq_path()).unwrap_or_default()
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

/// Writes guides as JSON Lines, the interchange format `vagvisare index` and
/// `GuideIndex::from_jsonl` read.
pub fn write_guides(guides: &[vagvisare::Guide], out: &mut dyn Write) -> std::io::Result<()> {
    for guide in guides {
        serde_json::to_writer(&mut *out, guide)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Reads labelled queries from a JSON Lines file or a folder of them, in the order
/// `vagvisare eval` reads them (the order fixes each query's typo seed).
pub fn read_queries(path: &Path) -> Result<Vec<LabelledQuery>, vagvisare::IndexError> {
    read_jsonl_path(path, parse_queries)
}

/// One labelled query and the texts the evaluation protocol asks for it
/// (`vagvisare::eval::evaluate_with`), computed by the very functions the Rust evaluation uses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalInput {
    /// Position in the query file(s); the typo seed depends on it.
    pub index: usize,
    /// The full query.
    pub query: String,
    /// Ids of the guides that answer it.
    pub relevant: Vec<String>,
    /// The kind of query, when labelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The first 25 % of its characters, as typed.
    pub typed_25: String,
    /// The first 50 % of its characters, as typed.
    pub typed_50: String,
    /// The first 75 % of its characters, as typed.
    pub typed_75: String,
    /// One seeded typo in every word of five letters or more.
    pub typos: String,
    /// å/ä/ö (and every other diacritic) removed.
    pub no_diacritics: String,
}

/// The protocol's variants of every query: the same strings, with the same seeds, as
/// `vagvisare eval --seed SEED` asks of its engines.
pub fn eval_inputs(queries: &[LabelledQuery], seed: u64) -> Vec<EvalInput> {
    queries
        .iter()
        .enumerate()
        .map(|(i, q)| EvalInput {
            index: i,
            query: q.query.clone(),
            relevant: q.relevant.clone(),
            kind: q.kind.clone(),
            typed_25: typed_prefix(&q.query, 0.25),
            typed_50: typed_prefix(&q.query, 0.5),
            typed_75: typed_prefix(&q.query, 0.75),
            // The seed of query i, exactly as in `evaluate_with`.
            typos: add_typos(
                &q.query,
                seed ^ (i as u64).wrapping_mul(0x51_7CC1_B727_220A),
            ),
            no_diacritics: strip_diacritics(&q.query),
        })
        .collect()
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
        // The bundled guides come first, unchanged, so the labelled queries keep their answers.
        let bundled = vagvisare::bundled::guides();
        assert_eq!(a[..bundled.len()], bundled[..]);
    }

    #[test]
    fn generated_guides_round_trip_through_json_lines() {
        let guides = generate(300, 3);
        let mut out = Vec::new();
        write_guides(&guides, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 300);
        assert_eq!(vagvisare::guide::parse_jsonl(&text).unwrap(), guides);
    }

    #[test]
    fn eval_inputs_are_the_protocols_variants() {
        let queries = queries();
        let inputs = eval_inputs(&queries, 42);
        assert_eq!(inputs.len(), queries.len());
        let i = 17;
        assert_eq!(inputs[i].query, queries[i].query);
        assert_eq!(inputs[i].typed_50, typed_prefix(&queries[i].query, 0.5));
        assert_eq!(
            inputs[i].typos,
            add_typos(&queries[i].query, 42 ^ (17u64 * 0x51_7CC1_B727_220A))
        );
        // The seed matters, and the variants differ from the query where they should.
        assert_ne!(
            eval_inputs(&queries, 42)
                .iter()
                .map(|e| &e.typos)
                .collect::<Vec<_>>(),
            eval_inputs(&queries, 43)
                .iter()
                .map(|e| &e.typos)
                .collect::<Vec<_>>()
        );
        assert!(inputs.iter().any(|e| e.no_diacritics != e.query));
        assert!(inputs
            .iter()
            .all(|e| e.typed_25.chars().count() <= e.typed_50.chars().count()));
    }
}
