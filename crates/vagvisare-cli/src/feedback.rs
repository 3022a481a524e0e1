//! `vagvisare feedback` and `vagvisare report`: learning from use, from the shell.

use std::path::{Path, PathBuf};

use vagvisare::case::DeflectionRecord;
use vagvisare::feedback::report::report_with;
use vagvisare::feedback::{parse_feedback_jsonl, FeedbackStore, FEEDBACK_FILE};
use vagvisare::GuideIndex;

/// Records a JSON Lines file of feedback into an on-disk index and commits it, as a trusted
/// import: the file is the operator's, so each text counts at once (feedback from the service's
/// users counts only once enough distinct people gave it). A bad line, or a record for a guide
/// the index does not hold, refuses the whole file.
pub fn record(index_dir: &Path, file: &Path) -> Result<(), String> {
    let records = read_records(file)?;
    let index = GuideIndex::open(index_dir).map_err(|e| e.to_string())?;
    let changed = index
        .import_feedback(&records)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    index.commit().map_err(|e| e.to_string())?;
    eprintln!(
        "recorded {} feedback records as a trusted import; {changed} guides learned new text",
        records.len()
    );
    Ok(())
}

/// Reads a JSON Lines file of feedback records; a bad line refuses the file.
pub fn read_records(file: &Path) -> Result<Vec<vagvisare::feedback::Feedback>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    parse_feedback_jsonl(&text).map_err(|e| format!("{}: {e}", file.display()))
}

/// Reads suggestion sessions: JSON Lines of deflection records. A bad line refuses the file.
fn read_sessions(paths: &[PathBuf]) -> Result<Vec<DeflectionRecord>, String> {
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let record: DeflectionRecord = serde_json::from_str(line)
                .map_err(|e| format!("{} line {}: {e}", path.display(), i + 1))?;
            out.push(record);
        }
    }
    Ok(out)
}

/// Writes the report of an index's feedback (and of any session files) into `out` (report.json,
/// report.txt and deflection-per-week.svg) and prints it.
pub fn report(
    index_dir: &Path,
    out: &Path,
    sessions: &[PathBuf],
    json: bool,
    gaps: usize,
) -> Result<(), String> {
    // Opening checks that the directory is an index of a version this build reads.
    GuideIndex::open(index_dir).map_err(|e| e.to_string())?;
    let store = FeedbackStore::load(&index_dir.join(FEEDBACK_FILE)).map_err(|e| e.to_string())?;
    let sessions = read_sessions(sessions)?;
    let report = report_with(store.records(), &sessions, gaps);
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let json_text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    let write = |name: &str, text: &str| {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    write("report.json", &json_text)?;
    write("report.txt", &report.to_text())?;
    write("deflection-per-week.svg", &report.weekly_svg())?;
    if json {
        println!("{json_text}");
    } else {
        print!("{}", report.to_text());
        println!("\nchart: {}", out.join("deflection-per-week.svg").display());
    }
    Ok(())
}
