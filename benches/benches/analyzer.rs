//! Analyzer throughput in words per second, over the bodies of the bundled and the SweFAQ dev
//! guides (`Throughput::Elements` = words, so Criterion prints words/s):
//!
//! - `analyzer/tokenize`: NFC, UAX #29 words, lower case;
//! - `analyzer/forms_every_word`: tokenize plus every word's forms (stems, folded stems, compound
//!   parts) computed afresh, as for a word never seen;
//! - `analyzer/analyze_batch`: a fresh `Analyzer` over all bodies, which remembers the forms of
//!   words already seen, as `GuideIndex::upsert` analyses a batch.
//!
//!     cargo bench -p vagvisare-benches --bench analyzer

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vagvisare::text::analyzer::{forms, Analyzer};
use vagvisare::text::compound::Lexicon;
use vagvisare::text::tokenize::words;

fn analyzer(c: &mut Criterion) {
    let mut guides = vagvisare::bundled::guides();
    guides.extend(vagvisare_benches::swefaq_guides());
    let bodies: Vec<&str> = guides.iter().map(|g| g.body.as_str()).collect();
    let all: Vec<String> = bodies
        .iter()
        .flat_map(|b| words(b))
        .map(|w| w.text)
        .collect();
    let lexicon = Lexicon::from_words(all.iter().map(String::as_str));
    let count = all.len();
    let mut group = c.benchmark_group("analyzer");
    group.throughput(Throughput::Elements(count as u64));
    group.bench_function("tokenize", |b| {
        b.iter(|| {
            let n: usize = bodies.iter().map(|t| words(black_box(t)).len()).sum();
            assert_eq!(n, count);
            n
        })
    });
    group.bench_function("forms_every_word", |b| {
        b.iter(|| {
            let mut stems = 0usize;
            let mut n = 0usize;
            for body in &bodies {
                for word in words(black_box(body)) {
                    stems += usize::from(!forms(&word, &lexicon).stems.is_empty());
                    n += 1;
                }
            }
            assert_eq!(n, count);
            assert_eq!(stems, count, "every word has a stem");
            stems
        })
    });
    group.bench_function("analyze_batch", |b| {
        b.iter(|| {
            let mut analyzer = Analyzer::new(&lexicon);
            let n: usize = bodies
                .iter()
                .map(|t| analyzer.analyze(black_box(t)).len())
                .sum();
            assert_eq!(n, count);
            n
        })
    });
    group.finish();
}

criterion_group!(benches, analyzer);
criterion_main!(benches);
