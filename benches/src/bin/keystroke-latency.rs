//! Per-keystroke latency of one generated corpus, one keystroke at a time, without Criterion:
//! for quick before/after comparisons while working on the search path.
//!
//!     cargo run --release -p vagvisare-benches --bin keystroke-latency -- --size 100000 [--every 7] [--passes 2]
//!
//! Builds the corpus (`generate`, seed 1) in RAM, optimizes it, then replays every prefix of every
//! k-th bundled labelled query in typing order `passes` times (the first pass starts with empty
//! caches), printing p50 / p90 / p99 / max of `suggest` for each pass. With `--learned-share F`
//! a seeded share F of the guides is first taught three short texts each (trusted feedback, words
//! of the labelled queries and of other guides' titles), so learned passages are searched too.
use std::time::Instant;

use clap::Parser;
use vagvisare::feedback::Feedback;
use vagvisare::{GuideIndex, SuggestOptions};
use vagvisare_benches::{generate, keystrokes, queries};

#[derive(Parser)]
struct Args {
    /// Guides in the generated corpus.
    #[arg(long, default_value_t = 100_000)]
    size: usize,
    /// Every k-th labelled query is typed.
    #[arg(long, default_value_t = 7)]
    every: usize,
    /// How many times the keystrokes are replayed.
    #[arg(long, default_value_t = 2)]
    passes: usize,
    /// Also print this many of the slowest keystrokes of the last pass (eval texts, no personal data).
    #[arg(long, default_value_t = 0)]
    slowest: usize,
    /// Instead of the labelled queries, time only this text (ids only, then full).
    #[arg(long)]
    text: Option<String>,
    /// With `--text`: empty the caches before every pass, so each pass times a keystroke that
    /// nothing prepared, and print the median of the passes.
    #[arg(long)]
    cold: bool,
    /// Share of the guides (0 to 1, seeded) taught three learned texts each before `optimize`.
    #[arg(long, default_value_t = 0.0)]
    learned_share: f64,
    /// The index's semantic weight (0: words alone; default: the library's).
    #[arg(long)]
    semantic_weight: Option<f32>,
    /// Time each keystroke by the CPU time of this thread (where `suggest` runs) instead of
    /// the wall clock: on a busy machine, what the keystroke costs without the waits for a core.
    #[arg(long)]
    cpu: bool,
}

/// `clock_gettime` of the C library (`CLOCK_THREAD_CPUTIME_ID`, Linux).
#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}

extern "C" {
    fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
}

/// CPU time of the calling thread in microseconds (0 where the clock cannot be read).
fn thread_cpu_micros() -> f64 {
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut time = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `time` is a valid, writable timespec of the C layout for the call.
    if unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) } != 0 {
        return 0.0;
    }
    time.sec as f64 * 1e6 + time.nsec as f64 / 1e3
}

fn main() {
    let args = Args::parse();
    let guides = generate(args.size, 1);
    let index = GuideIndex::in_memory().expect("index");
    if let Some(w) = args.semantic_weight {
        index.set_semantic_weight(w).expect("a weight from 0 to 1");
    }
    let start = Instant::now();
    for batch in guides.chunks(10_000) {
        index.upsert(batch).expect("valid guides");
    }
    let upserted = start.elapsed().as_secs_f64();
    index.commit().expect("commit");
    let committed = start.elapsed().as_secs_f64();
    if args.learned_share > 0.0 {
        let mut words: Vec<String> = queries().into_iter().map(|q| q.query).collect();
        words.extend(guides.iter().step_by(97).map(|g| g.title.clone()));
        let words: Vec<&str> = words.iter().flat_map(|t| t.split_whitespace()).collect();
        let mut state = 17u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        let mut records = Vec::new();
        for guide in &guides {
            if (next() % 10_000) as f64 >= args.learned_share * 10_000.0 {
                continue;
            }
            for k in 0..3 {
                let text: Vec<&str> = (0..3).map(|_| words[next() % words.len()]).collect();
                records.push(Feedback::helped(text.join(" "), &guide.id).by(format!("bench-{k}")));
            }
        }
        let taught = index.import_feedback(&records).expect("valid feedback");
        index.commit().expect("commit");
        println!(
            "learned: {} texts on {taught} guides in {:.2} s",
            records.len(),
            start.elapsed().as_secs_f64() - committed
        );
    }
    let learned = start.elapsed().as_secs_f64();
    let segments = index.searcher().segment_readers().len();
    index.optimize().expect("optimize");
    let total = start.elapsed().as_secs_f64();
    println!(
        "{} guides indexed in {total:.2} s ({:.0} guides/s): upsert {upserted:.2} s, commit {:.2} s, \
         optimize {segments} segments {:.2} s",
        args.size,
        args.size as f64 / total,
        committed - upserted,
        total - learned,
    );
    // The semantic stage's nearest-neighbour graphs (beyond its exact scan), built in the
    // background since the commit: waited for, so that every keystroke below has them.
    let start = Instant::now();
    index.wait_for_semantic_graphs();
    println!(
        "semantic graphs ready after {:.2} s more",
        start.elapsed().as_secs_f64()
    );
    // What `optimize` warmed, timed again from empty caches.
    index.clear_caches();
    let start = Instant::now();
    let warmed = index.warm();
    println!(
        "warm: {warmed} common words in {:.3} s",
        start.elapsed().as_secs_f64()
    );
    if let Some(text) = &args.text {
        let mut times = Vec::new();
        for _ in 0..args.passes {
            if args.cold {
                index.clear_caches();
            }
            let start = Instant::now();
            let plan = index.plan(text, &index.searcher());
            let planned = start.elapsed();
            let ids = index.suggest_ids(text, &SuggestOptions::limit(5));
            let with_ids = start.elapsed();
            let full = index.suggest(text, &SuggestOptions::limit(5));
            println!(
                "plan {planned:?} ({} words, {} alternatives), ids {:?}, full {:?}: {ids:?} {}",
                plan.words.len(),
                plan.words
                    .iter()
                    .map(|w| w.alternatives.len())
                    .sum::<usize>(),
                with_ids - planned,
                start.elapsed() - with_ids,
                full.len()
            );
            times.push(with_ids - planned);
        }
        times.sort();
        println!(
            "median ids {:?} over {} passes",
            times[times.len() / 2],
            times.len()
        );
        return;
    }
    let sample: Vec<_> = queries().into_iter().step_by(args.every.max(1)).collect();
    let texts = keystrokes(&sample);
    let options = SuggestOptions::limit(5);
    for pass in 1..=args.passes {
        let timed: Vec<(f64, &String)> = texts
            .iter()
            .map(|text| {
                let start = Instant::now();
                let cpu = thread_cpu_micros();
                let found = index.suggest(text, &options);
                let elapsed = if args.cpu {
                    thread_cpu_micros() - cpu
                } else {
                    start.elapsed().as_secs_f64() * 1e6
                };
                assert!(found.len() <= 5);
                (elapsed, text)
            })
            .collect();
        let mut micros: Vec<f64> = timed.iter().map(|(t, _)| *t).collect();
        micros.sort_by(f64::total_cmp);
        if pass == args.passes && args.slowest > 0 {
            let mut slow = timed.clone();
            slow.sort_by(|a, b| b.0.total_cmp(&a.0));
            for (t, text) in slow.iter().take(args.slowest) {
                println!("  {t:>8.0} µs  {text:?}");
            }
        }
        let at = |q: f64| micros[((micros.len() - 1) as f64 * q).round() as usize];
        println!(
            "pass {pass}: {} keystrokes, p50 {:.0} µs, p90 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
            micros.len(),
            at(0.5),
            at(0.9),
            at(0.99),
            at(1.0)
        );
    }
}
