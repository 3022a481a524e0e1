//! Latency of one keystroke on the bundled corpus: every prefix of the bundled labelled queries,
//! replayed in typing order, through Vägvisare (with and without explanations) and through plain
//! Tantivy (default tokenizer, terms OR-ed) measured in the same run as the peer.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use vagvisare::eval::baseline::Baseline;
use vagvisare::eval::Engine;
use vagvisare::SuggestOptions;
use vagvisare_benches::{keystrokes, queries};

fn keystroke(c: &mut Criterion) {
    let guides = vagvisare::bundled::guides();
    let index = vagvisare::bundled::index().expect("bundled index");
    let baseline = Baseline::build(&guides).expect("baseline index");
    let texts = keystrokes(&queries());
    let options = SuggestOptions::limit(5);
    let mut group = c.benchmark_group("keystroke_bundled");
    let mut i = 0usize;
    group.bench_function("vagvisare_suggest", |b| {
        b.iter(|| {
            let text = &texts[i % texts.len()];
            i += 1;
            let found = index.suggest(black_box(text), &options);
            assert!(found.len() <= 5);
            found
        })
    });
    let mut i = 0usize;
    group.bench_function("vagvisare_ids_only", |b| {
        b.iter(|| {
            let text = &texts[i % texts.len()];
            i += 1;
            let found = index.suggest_ids(black_box(text), &options);
            assert!(found.len() <= 5);
            found
        })
    });
    let mut i = 0usize;
    group.bench_function("tantivy_default", |b| {
        b.iter(|| {
            let text = &texts[i % texts.len()];
            i += 1;
            let found = baseline.search(black_box(text), 5);
            assert!(found.len() <= 5);
            found
        })
    });
    group.finish();
}

criterion_group!(benches, keystroke);
criterion_main!(benches);
