//! Keystroke latency, build throughput, index size and commit-to-visible time on generated
//! corpora of growing size (`vagvisare_benches::generate`, seeded, built at bench time).
//!
//! `VAGVISARE_BENCH_SIZES=1000,10000,100000,1000000 cargo bench -p vagvisare-benches --bench scale`
//! (default: 1000,10000). Build figures are measured once per size and printed; latency is
//! Criterion's, replaying every prefix of the bundled labelled queries in typing order.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use vagvisare::{Guide, GuideIndex, SuggestOptions};
use vagvisare_benches::{generate, keystrokes, queries};

fn sizes() -> Vec<usize> {
    std::env::var("VAGVISARE_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// Resident memory of this process in bytes (Linux), for the in-RAM size of an index.
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn build(guides: &[Guide], index: &GuideIndex) {
    for batch in guides.chunks(10_000) {
        index.upsert(batch).expect("generated guides are valid");
    }
    index.commit().expect("commit");
    index.optimize().expect("optimize");
}

fn scale(c: &mut Criterion) {
    let texts = keystrokes(&queries());
    let options = SuggestOptions::limit(5);
    for n in sizes() {
        let guides = generate(n, 1);
        let before = rss();
        let started = Instant::now();
        let index = GuideIndex::in_memory().expect("index");
        build(&guides, &index);
        let seconds = started.elapsed().as_secs_f64();
        let ram = rss().saturating_sub(before);
        let dir = std::env::temp_dir().join(format!("vagvisare-scale-{n}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let on_disk = GuideIndex::create(&dir).expect("on-disk index");
        build(&guides, &on_disk);
        let disk = dir_size(&dir);
        drop(on_disk);
        let _ = std::fs::remove_dir_all(&dir);
        println!(
            "scale {n}: build {seconds:.2} s ({:.0} guides/s), RAM +{:.1} MiB (process RSS), disk {:.1} MiB",
            n as f64 / seconds,
            ram as f64 / 1048576.0,
            disk as f64 / 1048576.0
        );
        assert_eq!(index.len(), n as u64);
        let mut group = c.benchmark_group(format!("scale_{n}"));
        group.sample_size(30);
        let mut i = 0usize;
        group.bench_function("keystroke_ids", |b| {
            b.iter(|| {
                let text = &texts[i % texts.len()];
                i += 1;
                let found = index.suggest_ids(black_box(text), &options);
                assert!(found.len() <= 5);
                found.len()
            })
        });
        let mut i = 0usize;
        group.bench_function("keystroke_full", |b| {
            b.iter(|| {
                let text = &texts[i % texts.len()];
                i += 1;
                let found = index.suggest(black_box(text), &options);
                assert!(found.len() <= 5);
                found.len()
            })
        });
        if n >= 100_000 {
            // One guide changed and committed, until a search finds its new word.
            let mut round = 0u64;
            group.bench_function("commit_to_visible", |b| {
                b.iter(|| {
                    round += 1;
                    let word = format!("ändringsord{round}");
                    let mut changed = guides[0].clone();
                    changed.body = format!("{} {word}", guides[0].body);
                    index.upsert(&[changed]).expect("upsert");
                    index.commit().expect("commit");
                    let found = index.suggest_ids(&format!("{word} "), &options);
                    assert_eq!(
                        found.first().map(String::as_str),
                        Some(guides[0].id.as_str())
                    );
                })
            });
        }
        group.finish();
    }
}

fn analyzer(c: &mut Criterion) {
    let guides = vagvisare::bundled::guides();
    let all: Vec<String> = guides
        .iter()
        .flat_map(|g| vagvisare::text::tokenize::words(&g.body))
        .map(|w| w.text)
        .collect();
    let lexicon = vagvisare::text::compound::Lexicon::from_words(all.iter().map(String::as_str));
    let words: usize = guides
        .iter()
        .map(|g| vagvisare::text::tokenize::words(&g.body).len())
        .sum();
    let mut group = c.benchmark_group("analyzer");
    group.throughput(criterion::Throughput::Elements(words as u64));
    group.bench_function("bundled_bodies", |b| {
        b.iter(|| {
            let mut analyzer = vagvisare::text::analyzer::Analyzer::new(&lexicon);
            let n: usize = guides.iter().map(|g| analyzer.analyze(&g.body).len()).sum();
            assert_eq!(n, words);
            n
        })
    });
    group.finish();
}

criterion_group!(benches, analyzer, scale);
criterion_main!(benches);
