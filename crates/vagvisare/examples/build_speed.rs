//! Index build throughput: guides from a JSON Lines file upserted into an in-memory index in
//! batches of 10 000 and committed; prints guides per second, the median of the runs.
//!
//!     cargo run --release -p vagvisare-benches --bin gen-corpus -- --size 20000 --seed 1 --out /tmp/c20k.jsonl
//!     cargo run --release -p vagvisare --example build_speed -- /tmp/c20k.jsonl [runs] [--digest]
//!
//! `--digest` also prints a fingerprint of everything the index holds for ranking: per guide,
//! every indexed term of every field with its frequency and the field norms, plus each field's
//! token total. Two builds of the library that print the same fingerprint index the same terms,
//! so they rank alike; it does not depend on how the guides fell into segments.
use std::collections::hash_map::DefaultHasher;

/// The allocator of the `vagvisare` binary, the benchmarks and the Python module.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::time::Instant;

use tantivy::postings::Postings;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, TERMINATED};
use vagvisare::guide::read_guides;
use vagvisare::GuideIndex;

/// Guides per `upsert` call (what the scale bench uses too).
const BATCH: usize = 10_000;

fn main() {
    let mut path = None;
    let mut runs = 3usize;
    let mut digest = false;
    for arg in std::env::args().skip(1) {
        if arg == "--digest" {
            digest = true;
        } else if let Ok(n) = arg.parse() {
            runs = n;
        } else {
            path = Some(arg);
        }
    }
    let Some(path) = path else {
        eprintln!("usage: build_speed GUIDES.jsonl [runs] [--digest]");
        std::process::exit(2);
    };
    let guides = read_guides(path.as_ref()).expect("readable guides");
    let mut rates = Vec::with_capacity(runs);
    for run in 1..=runs.max(1) {
        let index = GuideIndex::in_memory().expect("index");
        let cpu_start = cpu_seconds();
        let start = Instant::now();
        for batch in guides.chunks(BATCH) {
            index.upsert(batch).expect("valid guides");
        }
        index.commit().expect("commit");
        let seconds = start.elapsed().as_secs_f64();
        let cpu = cpu_seconds().zip(cpu_start).map(|(end, start)| end - start);
        assert_eq!(index.len(), guides.len() as u64, "every guide indexed");
        let rate = guides.len() as f64 / seconds;
        let cpu = cpu.map_or_else(String::new, |cpu| {
            format!(
                ", {cpu:.2} CPU-s = {:.0} guides per CPU-second",
                guides.len() as f64 / cpu
            )
        });
        println!(
            "run {run}: {} guides in {seconds:.2} s = {rate:.0} guides/s{cpu}",
            guides.len()
        );
        rates.push(rate);
        if digest && run == 1 {
            let (digest, totals) = fingerprint(&index);
            println!(
                "index digest: {digest:016x} ({} segments)",
                index.searcher().segment_readers().len()
            );
            let per_guide = |n: u64| n as f64 / guides.len() as f64;
            let all: u64 = totals.iter().map(|(_, n, _)| n).sum();
            let terms: u64 = totals.iter().map(|(_, _, t)| t).sum();
            println!(
                "indexed tokens per guide: {:.0}; distinct terms (summed over segments): {terms}",
                per_guide(all)
            );
            for (field, n, t) in totals.iter().filter(|(_, n, _)| *n > 0) {
                println!("  {field}: {:.1} tokens a guide, {t} terms", per_guide(*n));
            }
        }
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "median of {}: {:.0} guides/s",
        rates.len(),
        rates[rates.len() / 2]
    );
}

/// User + system CPU time of this process so far, every thread included (Linux only: from
/// `/proc/self/stat`, in clock ticks of 1/100 s). On a shared machine this tells the work
/// done apart from the time other processes took from it.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 of `rest`.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn hash_of(value: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// The fingerprint described in the module docs, and each field's token total.
fn fingerprint(index: &GuideIndex) -> (u64, Vec<(String, u64, u64)>) {
    let searcher = index.searcher();
    let schema = searcher.schema().clone();
    let id_field = schema.get_field("id").expect("id field");
    // Per guide id, a sum of the hashes of its (field, term, frequency) and (field, norm): a
    // sum, so that the order postings are read in does not matter.
    let mut per_guide: HashMap<String, u64> = HashMap::new();
    let mut totals: Vec<(String, u64, u64)> = Vec::new();
    for (field, entry) in schema.fields() {
        if !entry.is_indexed() {
            continue;
        }
        let (mut total, mut terms_of_field) = (0u64, 0u64);
        for segment in searcher.segment_readers() {
            let ids = guide_ids(segment, id_field);
            let inverted = segment.inverted_index(field).expect("inverted index");
            total += inverted.total_num_tokens();
            terms_of_field += inverted.terms().num_terms() as u64;
            let mut terms = inverted.terms().stream().expect("term stream");
            while terms.advance() {
                let term = terms.key().to_vec();
                let mut postings = inverted
                    .read_postings_from_terminfo(terms.value(), IndexRecordOption::WithFreqs)
                    .expect("postings");
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    if let Some(id) = &ids[doc as usize] {
                        let h = hash_of((field, &term, postings.term_freq()));
                        let sum = per_guide.entry(id.clone()).or_default();
                        *sum = sum.wrapping_add(h);
                    }
                    doc = postings.advance();
                }
            }
            if entry.has_fieldnorms() {
                let norms = segment.get_fieldnorms_reader(field).expect("norms");
                for (doc, id) in ids.iter().enumerate() {
                    if let Some(id) = id {
                        let h = hash_of((field, "norm", norms.fieldnorm_id(doc as u32)));
                        let sum = per_guide.entry(id.clone()).or_default();
                        *sum = sum.wrapping_add(h);
                    }
                }
            }
        }
        totals.push((entry.name().to_string(), total, terms_of_field));
    }
    let mut guides: Vec<(String, u64)> = per_guide.into_iter().collect();
    guides.sort();
    let tokens: Vec<(&String, u64)> = totals.iter().map(|(f, n, _)| (f, *n)).collect();
    (hash_of((guides, &tokens)), totals)
}

/// The guide id of every live document of a segment (`None` for a deleted one).
fn guide_ids(
    segment: &tantivy::SegmentReader,
    id_field: tantivy::schema::Field,
) -> Vec<Option<String>> {
    let mut ids = vec![None; segment.max_doc() as usize];
    let inverted = segment.inverted_index(id_field).expect("id index");
    let mut terms = inverted.terms().stream().expect("id terms");
    while terms.advance() {
        let id = String::from_utf8_lossy(terms.key()).into_owned();
        let mut postings = inverted
            .read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)
            .expect("id postings");
        let mut doc = postings.doc();
        while doc != TERMINATED {
            if !segment.is_deleted(doc) {
                ids[doc as usize] = Some(id.clone());
            }
            doc = postings.advance();
        }
    }
    ids
}
