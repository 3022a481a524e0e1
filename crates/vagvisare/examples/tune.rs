//! Tries ranking weight variations on labelled queries and prints the main figures of each,
//! so a weight change is judged on the totals, not on one case.
//!
//! `cargo run --release --example tune -- GUIDES QUERIES [GUIDES QUERIES …]`

use vagvisare::eval::{evaluate_with, parse_queries, EvalOptions, Report};
use vagvisare::guide::read_jsonl_path;
use vagvisare::guide::{read_guides, GuideIndex, Weights};

type Variant = (&'static str, fn(&mut Weights));

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sets: Vec<_> = args
        .chunks(2)
        .map(|pair| {
            let guides = read_guides(pair[0].as_ref()).expect("guides");
            let queries = read_jsonl_path(pair[1].as_ref(), parse_queries).expect("queries");
            (guides, queries)
        })
        .collect();
    let variants: Vec<Variant> = vec![
        ("default", |_| {}),
        ("cpair 0.3", |w| w.compound_pair = 0.3),
        ("cpair 0.9", |w| w.compound_pair = 0.9),
        ("cpair 1.2", |w| w.compound_pair = 1.2),
    ];
    let filter: Option<String> = std::env::var("VARIANT").ok();
    for (name, change) in variants {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let mut line = format!("{name:<16}");
        for (guides, queries) in &sets {
            let mut index = GuideIndex::in_memory().expect("index");
            let mut w = Weights::default();
            change(&mut w);
            index.set_weights(w);
            index.upsert(guides).expect("upsert");
            index.commit().expect("commit");
            let r: Report = evaluate_with(
                &index,
                queries,
                &EvalOptions {
                    seed: 42,
                    typed_share: false,
                },
            );
            line.push_str(&format!(
                " | r1 {:.3} r5 {:.3} mrr {:.3} t50 {:.3} typo {:.3} nodia {:.3}",
                r.recall_at_1,
                r.recall_at_5,
                r.mrr_at_10,
                r.recall_at_5_typed_50,
                r.recall_at_5_typos,
                r.recall_at_5_no_diacritics
            ));
        }
        println!("{line}");
    }
}
