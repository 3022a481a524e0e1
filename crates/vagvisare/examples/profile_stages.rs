//! Where a keystroke's time goes: plan, expand, candidates and explain, summed over every prefix
//! of the bundled queries. `cargo run --release --example profile_stages`
use std::time::{Duration, Instant};

use vagvisare::eval::parse_queries;
use vagvisare::guide::model::read_jsonl_path;
use vagvisare::SuggestOptions;

fn main() {
    let index = vagvisare::bundled::index().expect("index");
    let queries = read_jsonl_path("data/eval".as_ref(), parse_queries).expect("queries");
    let mut texts = Vec::new();
    for q in &queries {
        let chars: Vec<char> = q.query.chars().collect();
        for k in 1..=chars.len() {
            texts.push(chars[..k].iter().collect::<String>());
        }
    }
    let (mut ids, mut full) = (Duration::ZERO, Duration::ZERO);
    let (mut plan_t, mut n) = (Duration::ZERO, 0);
    for t in &texts {
        let s = Instant::now();
        let searcher = index.searcher();
        let _ = index.plan(t, &searcher);
        plan_t += s.elapsed();
        let s = Instant::now();
        let _ = index.suggest_ids(t, &SuggestOptions::limit(5));
        ids += s.elapsed();
        let s = Instant::now();
        let _ = index.suggest(t, &SuggestOptions::limit(5));
        full += s.elapsed();
        n += 1;
    }
    let per = |d: Duration| d / n;
    println!(
        "{n} keystrokes: plan+expand {:?}, ids {:?}, full {:?}",
        per(plan_t),
        per(ids),
        per(full)
    );
}
