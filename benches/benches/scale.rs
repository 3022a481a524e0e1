//! Keystroke latency, build throughput, index size and commit-to-visible time on generated
//! corpora of growing size (`vagvisare_benches::generate`, seed 1, built at bench time, never
//! stored).
//!
//!     VAGVISARE_BENCH_SIZES=1000,10000,100000,1000000 cargo bench -p vagvisare-benches --bench scale
//!
//! Sizes default to 1000,10000,100000. For each size:
//!
//! - build: the guides upserted in batches of 10 000 into an in-memory index and committed
//!   (guides per second), then `optimize` (merged into one segment) timed apart; the same into
//!   an on-disk index for its size on disk (skipped with `VAGVISARE_BENCH_DISK=0`). RAM is the growth of this process's resident set
//!   (`/proc/self/statm`) across the in-memory build: the index files held in RAM plus the
//!   index writer's arena and whatever the allocator keeps, so an upper bound.
//! - keystrokes: every prefix, in typing order, of a fixed sample of the bundled labelled
//!   queries (every k-th, about `VAGVISARE_BENCH_QUERIES` = 200 of them; the bundled guides are
//!   the first guides of every corpus), timed one by one for p50 / p99 / max, on a single
//!   thread, once the semantic stage's nearest-neighbour indexes are built (beyond 10 000
//!   vectors), starting with empty caches (as after a commit; the caches then fill as typing goes
//!   on); then through Criterion (`scale/keystroke_ids/N`, `scale/keystroke_full/N`), which
//!   cycles through the same keystrokes with the caches warm.
//! - commit-to-visible (at 100 000 guides): one guide changed, upserted and committed, until a
//!   search finds its new word (`scale/commit_to_visible/100000`).
//!
//! `VAGVISARE_BENCH_SEMANTIC` sets the semantic weight of the searched index (`0`: the lexical
//! stages alone); unset, the index's default.
//!
//! Build figures and per-keystroke percentiles are printed and written as JSON to
//! `$VAGVISARE_BENCH_FIGURES` (default `<target dir>/bench-figures/scale-N.json`), where
//! `benches/compare/bench_report.py` collects them with Criterion's estimates.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use vagvisare::{Guide, GuideIndex, SuggestOptions};
use vagvisare_benches::{generate, keystrokes, queries, semantic_from_env};

/// Every k-th bundled labelled query, about `VAGVISARE_BENCH_QUERIES` of them (default 200).
fn sampled_queries() -> Vec<vagvisare::eval::LabelledQuery> {
    let all = queries();
    let wanted: usize = std::env::var("VAGVISARE_BENCH_QUERIES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(200)
        .max(1);
    let step = all.len().div_ceil(wanted).max(1);
    all.into_iter().step_by(step).collect()
}

fn sizes() -> Vec<usize> {
    std::env::var("VAGVISARE_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().replace('_', "").parse().ok())
        .collect()
}

/// Where the figures Criterion does not keep go.
fn figures_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("VAGVISARE_BENCH_FIGURES") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("bench-figures")
}

/// Whether to build each corpus a second time on disk for its size there
/// (`VAGVISARE_BENCH_DISK=0` skips it, to halve the time of a 1 000 000-guide run).
fn on_disk_wanted() -> bool {
    std::env::var("VAGVISARE_BENCH_DISK")
        .map(|v| v.trim() != "0")
        .unwrap_or(true)
}

/// Resident memory of this process in bytes (Linux; 0 elsewhere).
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

/// Upserts in batches and commits; returns the seconds to searchable and then to one segment.
fn build(guides: &[Guide], index: &GuideIndex) -> (f64, f64) {
    let started = Instant::now();
    for batch in guides.chunks(10_000) {
        index.upsert(batch).expect("generated guides are valid");
    }
    index.commit().expect("commit");
    let committed = started.elapsed().as_secs_f64();
    let started = Instant::now();
    index.optimize().expect("optimize");
    (committed, started.elapsed().as_secs_f64())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Every keystroke once, timed one by one: (p50, p99, max) in microseconds.
fn replay_percentiles(index: &GuideIndex, texts: &[String], options: &SuggestOptions) -> [f64; 3] {
    let mut micros: Vec<f64> = texts
        .iter()
        .map(|text| {
            let started = Instant::now();
            let found = index.suggest(black_box(text), options);
            let elapsed = started.elapsed().as_secs_f64() * 1e6;
            assert!(found.len() <= options.limit);
            elapsed
        })
        .collect();
    micros.sort_by(f64::total_cmp);
    [
        percentile(&micros, 50.0),
        percentile(&micros, 99.0),
        micros[micros.len() - 1],
    ]
}

fn scale(c: &mut Criterion) {
    let sample = sampled_queries();
    let texts = keystrokes(&sample);
    let options = SuggestOptions::limit(5);
    let figures = figures_dir();
    std::fs::create_dir_all(&figures).expect("figures directory");
    let mut group = c.benchmark_group("scale");
    group.sample_size(30);
    for n in sizes() {
        let guides = generate(n, 1);
        let words: usize = guides
            .iter()
            .map(|g| g.title.split_whitespace().count() + g.body.split_whitespace().count())
            .sum();
        let before = rss();
        let index = GuideIndex::in_memory().expect("index");
        semantic_from_env(&index);
        let (build_s, optimize_s) = build(&guides, &index);
        let ram = rss().saturating_sub(before);
        assert_eq!(index.len(), n as u64);

        let (disk_build_s, disk_optimize_s, disk) = if on_disk_wanted() {
            let dir =
                std::env::temp_dir().join(format!("vagvisare-scale-{n}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let on_disk = GuideIndex::create(&dir).expect("on-disk index");
            let (build_s, optimize_s) = build(&guides, &on_disk);
            let bytes = dir_size(&dir);
            assert_eq!(on_disk.len(), n as u64);
            drop(on_disk);
            let _ = std::fs::remove_dir_all(&dir);
            (Some(build_s), Some(optimize_s), Some(bytes))
        } else {
            (None, None, None)
        };

        // Typing from a fresh commit: the caches fill as the keystrokes go on. Beyond the exact
        // scan the semantic stage's nearest-neighbour indexes are built first (under a second at
        // 100 000 guides), so that every keystroke is the finished index's, as a portal's are.
        index.wait_for_semantic_graphs();
        index.clear_caches();
        let timed = replay_percentiles(&index, &texts, &options);
        let report = serde_json::json!({
            "guides": n,
            "words": words,
            "build_seconds": build_s,
            "guides_per_second": n as f64 / build_s,
            "optimize_seconds": optimize_s,
            "guides_per_second_with_optimize": n as f64 / (build_s + optimize_s),
            "disk_build_seconds": disk_build_s,
            "disk_optimize_seconds": disk_optimize_s,
            "rss_growth_bytes": ram,
            "disk_bytes": disk,
            "queries": sample.len(),
            "keystrokes": texts.len(),
            "semantic_weight": index.semantic_weight(),
            "keystroke_us": {"p50": timed[0], "p99": timed[1], "max": timed[2]},
            "threads": std::thread::available_parallelism().map_or(1, |n| n.get()),
            "unix_time": std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        });
        println!("scale {n}: {report}");
        std::fs::write(figures.join(format!("scale-{n}.json")), report.to_string())
            .expect("write figures");

        let mut i = 0usize;
        group.bench_function(BenchmarkId::new("keystroke_ids", n), |b| {
            b.iter(|| {
                let text = &texts[i % texts.len()];
                i += 1;
                let found = index.suggest_ids(black_box(text), &options);
                assert!(found.len() <= 5);
                found.len()
            })
        });
        let mut i = 0usize;
        group.bench_function(BenchmarkId::new("keystroke_full", n), |b| {
            b.iter(|| {
                let text = &texts[i % texts.len()];
                i += 1;
                let found = index.suggest(black_box(text), &options);
                assert!(found.len() <= 5);
                found.len()
            })
        });
        if n == 100_000 {
            // One guide changed and committed, until a search finds its new word.
            let mut round = 0u64;
            group.bench_function(BenchmarkId::new("commit_to_visible", n), |b| {
                b.iter(|| {
                    round += 1;
                    let word = format!("ändringsord{round}");
                    let mut changed = guides[0].clone();
                    changed.body = format!("{} {word}", guides[0].body);
                    index.upsert(&[changed]).expect("upsert");
                    index.commit().expect("commit");
                    let found = index.suggest_ids(&format!("{word} "), &options);
                    assert_eq!(found.first(), Some(&guides[0].id));
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, scale);
criterion_main!(benches);
