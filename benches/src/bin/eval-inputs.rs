//! Writes the query variants of the evaluation protocol as JSON Lines, one labelled query a line
//! with its 25/50/75 %-typed prefixes, its seeded typos and its text without diacritics, computed
//! by the functions `vagvisare eval` uses, so every engine of the side-by-side comparison gets
//! exactly the inputs the Rust evaluation asks:
//!
//!     cargo run --release -p vagvisare-benches --bin eval-inputs -- --queries data/eval --out inputs.jsonl

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Writes the evaluation protocol's query variants as JSON Lines.
#[derive(Parser)]
#[command(name = "eval-inputs")]
struct Args {
    /// Labelled queries: a JSON Lines file or a folder of them.
    #[arg(long)]
    queries: PathBuf,
    /// Seed of the typo variants (the default of `vagvisare eval`).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Output file (JSON Lines); standard output when left out.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn write(args: &Args) -> Result<(), String> {
    let queries = vagvisare_benches::read_queries(&args.queries)
        .map_err(|e| format!("cannot read {}: {e}", args.queries.display()))?;
    let inputs = vagvisare_benches::eval_inputs(&queries, args.seed);
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    for input in &inputs {
        let line = serde_json::to_string(input).map_err(|e| e.to_string())?;
        writeln!(out, "{line}").map_err(|e| format!("cannot write: {e}"))?;
    }
    out.flush().map_err(|e| format!("cannot write: {e}"))
}

fn main() -> ExitCode {
    match write(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("eval-inputs: {message}");
            ExitCode::FAILURE
        }
    }
}
