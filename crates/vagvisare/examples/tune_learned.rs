//! Tries weights of the learned source on the feedback-split protocol (issue 8) and prints, per
//! weight, the asked half before and after feedback and the held-out guides' queries after, so
//! the weight is judged on gain and on harm together.
//!
//! `cargo run --release --example tune_learned -- GUIDES QUERIES [SEED] [HOLDOUT]`

#[path = "split_args/mod.rs"]
mod split_args;

use vagvisare::eval::feedback_split::run_on_index;
use vagvisare::eval::{EvalOptions, Report};
use vagvisare::guide::{GuideIndex, Weights};

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
    let (guides, queries, split) = split_args::from_args();
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
