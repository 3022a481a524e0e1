//! Lists the held-out guides' queries (the feedback-split protocol with a held-out share) that
//! rank their guide lower after feedback than before, as typed and with typos, with the guides
//! that now stand above it and how they matched: what the learned texts cost untaught guides.
//!
//! `cargo run --release --example heldout_losses -- GUIDES QUERIES [SEED] [HOLDOUT]`

#[path = "split_args/mod.rs"]
mod split_args;

use vagvisare::eval::add_typos;
use vagvisare::eval::feedback_split::{feedback_records, split_with};
use vagvisare::guide::GuideIndex;
use vagvisare::{SuggestOptions, Suggestion};

fn rank(list: &[Suggestion], id: &str) -> usize {
    list.iter().position(|s| s.id == id).map_or(99, |p| p + 1)
}

fn main() {
    let (guides, queries, split_options) = split_args::from_args();
    let split = split_with(&queries, &split_options);
    let index = GuideIndex::in_memory().expect("index");
    index.upsert(&guides).expect("upsert");
    index.commit().expect("commit");
    let options = SuggestOptions {
        limit: 10,
        ..SuggestOptions::default()
    };
    // The texts asked: each untouched query as typed and with the eval's typos.
    let texts: Vec<(String, &str, &str)> = split
        .untouched
        .iter()
        .enumerate()
        .flat_map(|(i, q)| {
            let typo = add_typos(&q.query, 42 ^ (i as u64).wrapping_mul(0x51_7CC1_B727_220A));
            [
                (q.query.clone(), q.relevant[0].as_str(), "typed"),
                (typo, q.relevant[0].as_str(), "typos"),
            ]
        })
        .collect();
    let before: Vec<usize> = texts
        .iter()
        .map(|(t, id, _)| rank(&index.suggest(t, &options), id))
        .collect();
    index
        .import_feedback(&feedback_records(&split))
        .expect("feedback");
    index.commit().expect("commit");
    let (mut worse, mut better) = (0, 0);
    for ((text, id, how), was) in texts.iter().zip(before) {
        let after = index.suggest(text, &options);
        let now = rank(&after, id);
        if now > was {
            worse += 1;
        } else if now < was {
            better += 1;
        }
        if now <= 5 || was > 5 {
            continue;
        }
        println!("{how} {was}->{now} [{id}] {text}");
        for s in after.iter().take(now.min(6) - 1) {
            let learned: Vec<String> = s
                .matched
                .iter()
                .map(|m| match &m.learned_text {
                    Some(l) => format!("{}~{:?}", m.query, l),
                    None => format!("{}={}:{:?}", m.query, m.guide_word, m.kind),
                })
                .collect();
            println!("    {:.2} {} {}", s.score, s.id, learned.join(" "));
        }
    }
    println!("ranked worse {worse}, better {better}");
}
