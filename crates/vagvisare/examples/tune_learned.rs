//! Tries weights of the learned source on the feedback-split protocol (issue 8) and prints, per
//! weight, the asked half before and after feedback and the held-out guides' queries after, so
//! the weight is judged on gain and on harm together.
//!
//! `cargo run --release --example tune_learned -- GUIDES QUERIES [SEED] [HOLDOUT]`

use vagvisare::eval::feedback_split::{run_on_index, SplitOptions};
use vagvisare::eval::{parse_queries, EvalOptions, Report};
use vagvisare::guide::read_jsonl_path;
use vagvisare::guide::{read_guides, GuideIndex, Weights};

fn figures(r: &Report) -> String {
    format!(
        "{:.3} {:.3} {:.3} {:.3} {:.3}",
        r.recall_at_5,
        r.mrr_at_10,
        r.recall_at_5_typed_50,
        r.recall_at_5_typos,
        r.recall_at_5_no_diacritics
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let guides = read_guides(args[0].as_ref()).expect("guides");
    let queries = read_jsonl_path(args[1].as_ref(), parse_queries).expect("queries");
    let seed = args.get(2).map_or(7, |s| s.parse().expect("seed"));
    let holdout = args.get(3).map_or(0.3, |s| s.parse().expect("holdout"));
    let split = SplitOptions { seed, holdout };
    println!("weight  asked before (r5 mrr t50 typo nodia) | asked after | held-out before | held-out after");
    for weight in [0.2f32, 0.3, 0.4, 0.6, 1.0] {
        let mut index = GuideIndex::in_memory().expect("index");
        index.set_weights(Weights {
            learned: weight,
            ..Weights::default()
        });
        index.upsert(&guides).expect("upsert");
        index.commit().expect("commit");
        let r = run_on_index(
            &index,
            &queries,
            &split,
            &EvalOptions {
                seed: 42,
                typed_share: false,
            },
        )
        .expect("run");
        println!(
            "{weight:<6}  {} | {} | {} | {}",
            figures(&r.before),
            figures(&r.after),
            figures(&r.untouched_before),
            figures(&r.untouched_after)
        );
    }
}
