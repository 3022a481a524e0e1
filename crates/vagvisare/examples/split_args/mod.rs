//! The arguments the feedback-split examples share: `GUIDES QUERIES [SEED] [HOLDOUT]` (seed 7 and
//! a held-out share of 0.3 by default, the bundled set's protocol).

use vagvisare::eval::feedback_split::SplitOptions;
use vagvisare::eval::{parse_queries, LabelledQuery};
use vagvisare::guide::{read_guides, read_jsonl_path, Guide};

/// The guides, the labelled queries and the split, from the command line.
pub fn from_args() -> (Vec<Guide>, Vec<LabelledQuery>, SplitOptions) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let guides = read_guides(args[0].as_ref()).expect("guides");
    let queries = read_jsonl_path(args[1].as_ref(), parse_queries).expect("queries");
    let seed = args.get(2).map_or(7, |s| s.parse().expect("seed"));
    let holdout = args.get(3).map_or(0.3, |s| s.parse().expect("holdout"));
    (guides, queries, SplitOptions { seed, holdout })
}
