//! Latency of one keystroke on the bundled corpus: every prefix of the bundled labelled queries,
//! replayed in typing order, through Vägvisare (with and without explanations, and with its
//! per-commit caches emptied before every keystroke) and through plain
//! Tantivy (default tokenizer, terms OR-ed) measured in the same run as the peer.
//! `VAGVISARE_BENCH_SEMANTIC=0` times Vägvisare without its semantic stage (any weight within 0
//! and 1 replaces the default).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use vagvisare::eval::baseline::Baseline;
use vagvisare::eval::Engine;
use vagvisare::SuggestOptions;
use vagvisare_benches::{keystrokes, queries, semantic_from_env};

fn keystroke(c: &mut Criterion) {
    let guides = vagvisare::bundled::guides();
    let index = vagvisare::bundled::index().expect("bundled index");
    semantic_from_env(&index);
    let baseline = Baseline::build(&guides).expect("baseline index");
    let texts = keystrokes(&queries());
    let options = SuggestOptions::limit(5);
    let mut group = c.benchmark_group("keystroke_bundled");
    // Each iteration is the next keystroke of the replay; the result is checked so nothing is
    // optimised away.
    let mut replay = |name: &str, search: &dyn Fn(&str) -> usize| {
        let mut i = 0usize;
        group.bench_function(name, |b| {
            b.iter(|| {
                let text = &texts[i % texts.len()];
                i += 1;
                let found = search(black_box(text));
                assert!(found <= 5);
                found
            })
        });
    };
    replay("vagvisare_suggest", &|t| index.suggest(t, &options).len());
    // The same without the caches of the previous keystrokes' words and guides.
    replay("vagvisare_suggest_cold", &|t| {
        index.clear_caches();
        index.suggest(t, &options).len()
    });
    replay("vagvisare_ids_only", &|t| {
        index.suggest_ids(t, &options).len()
    });
    replay("tantivy_default", &|t| baseline.search(t, 5).len());
    group.finish();
}

criterion_group!(benches, keystroke);
criterion_main!(benches);
