//! Where a keystroke's time goes: plan, expand, candidates and explain, summed over every prefix
//! of the bundled queries. `cargo run --release --example profile_stages`
use std::time::{Duration, Instant};

use vagvisare::eval::parse_queries;
use vagvisare::guide::read_jsonl_path;
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
    // In typing order: each keystroke finds the caches its predecessors filled (as in a portal),
    // then the same keystroke on a second index whose caches are emptied (nothing prepared it).
    let (mut plan_t, mut ids, mut full, mut cold) = (
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    );
    let options = SuggestOptions::limit(5);
    count_terms(&index, &texts);
    let cold_index = vagvisare::bundled::index().expect("index");
    for t in &texts {
        let s = Instant::now();
        let _ = index.suggest(t, &options);
        full += s.elapsed();
        let s = Instant::now();
        let _ = index.suggest_ids(t, &options);
        ids += s.elapsed();
        cold_index.clear_caches();
        let s = Instant::now();
        let searcher = cold_index.searcher();
        let _ = cold_index.plan(t, &searcher);
        plan_t += s.elapsed();
        cold_index.clear_caches();
        let s = Instant::now();
        let _ = cold_index.suggest(t, &options);
        cold += s.elapsed();
    }
    let n = texts.len() as u32;
    println!(
        "{n} keystrokes (mean): typing {:?}, ids only after it {:?}; cold: plan+expand {:?}, full {:?}",
        full / n,
        ids / n,
        plan_t / n,
        cold / n
    );
}

#[allow(dead_code)]
fn count_terms(index: &vagvisare::GuideIndex, texts: &[String]) {
    let mut terms = 0usize;
    let mut kinds = std::collections::BTreeMap::new();
    for t in texts {
        let searcher = index.searcher();
        let plan = index.plan(t, &searcher);
        for w in &plan.words {
            for a in &w.alternatives {
                terms += a.terms.len();
                *kinds.entry(format!("{:?}", a.kind)).or_insert(0usize) += a.terms.len();
            }
        }
    }
    println!(
        "terms per keystroke {:.1}",
        terms as f64 / texts.len() as f64
    );
    for (k, n) in kinds {
        println!("  {k}: {:.1}", n as f64 / texts.len() as f64);
    }
}
