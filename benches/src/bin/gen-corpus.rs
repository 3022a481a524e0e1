//! Writes a seeded generated corpus as JSON Lines, the same guides the `scale` benchmark builds:
//!
//!     cargo run --release -p vagvisare-benches --bin gen-corpus -- --size 100000 --seed 1 --out guides.jsonl
//!
//! The first guides are the bundled ones unchanged; the rest mix the titles, bodies and categories
//! of the bundled and the SweFAQ dev guides (`data/swefaq/dev/guides.jsonl`).

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Writes a seeded generated corpus of guides as JSON Lines.
#[derive(Parser)]
#[command(name = "gen-corpus")]
struct Args {
    /// Number of guides.
    #[arg(long)]
    size: usize,
    /// Seed: the same seed and size give the same file on every machine.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file (JSON Lines).
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if vagvisare_benches::swefaq_guides().is_empty() {
        eprintln!(
            "gen-corpus: the SweFAQ guides ({}) are missing; the corpus mixes the bundled guides only",
            vagvisare_benches::swefaq_path().display()
        );
    }
    let guides = vagvisare_benches::generate(args.size, args.seed);
    let written = File::create(&args.out)
        .and_then(|file| vagvisare_benches::write_guides(&guides, &mut BufWriter::new(file)));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-corpus: cannot write {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
