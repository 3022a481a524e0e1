//! `vagvisare feedback` and `vagvisare report`: learning from use, from the shell.

use std::path::Path;

use vagvisare::feedback::parse_feedback_jsonl;
use vagvisare::GuideIndex;

/// Records a JSON Lines file of feedback into an on-disk index and commits it.
pub fn record(index_dir: &Path, file: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let records = parse_feedback_jsonl(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let index = GuideIndex::open(index_dir).map_err(|e| e.to_string())?;
    let changed = index.feedback(&records).map_err(|e| e.to_string())?;
    index.commit().map_err(|e| e.to_string())?;
    eprintln!(
        "recorded {} feedback records; {changed} guides learned new text",
        records.len()
    );
    Ok(())
}

/// Writes the report of an index's feedback into `out` (report.json, report.txt and
/// deflection-per-week.svg) and prints it.
pub fn report(index_dir: &Path, out: &Path, json: bool, gaps: usize) -> Result<(), String> {
    let index = GuideIndex::open(index_dir).map_err(|e| e.to_string())?;
    let report = index.feedback_report(gaps);
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
