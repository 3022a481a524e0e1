//! Issue 20.5: `vagvisare suggest --stdin` stopped the whole stream at the first line that was
//! not UTF-8. Such a line now gets a JSON error line of its own and the stream goes on.

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn a_line_that_is_not_utf8_gets_an_error_line_and_the_stream_goes_on() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vagvisare"))
        .args(["suggest", "--stdin", "--format", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vagvisare suggest");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"skrivare\n\xff\xfe trasig\nskrivaren fungerar inte\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0]["suggestions"].is_array());
    assert_eq!(lines[1]["error"]["code"], "invalid_utf8");
    assert_eq!(lines[1]["error"]["line"], 2);
    assert!(lines[2]["suggestions"].is_array());
}

/// Issue 21.3: the CLI's JSON gave byte offsets where Python gave characters. They are character
/// offsets now, as everywhere, with UTF-16 units beside them for browsers.
#[test]
fn the_json_highlights_are_character_offsets() {
    let output = Command::new(env!("CARGO_BIN_EXE_vagvisare"))
        .args([
            "suggest",
            "--format",
            "json",
            "--limit",
            "1",
            "glömt lösenordet",
        ])
        .output()
        .expect("run vagvisare suggest");
    assert!(output.status.success());
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let snippet = &answer["suggestions"][0]["snippet"];
    let chars: Vec<char> = snippet["text"].as_str().unwrap().chars().collect();
    let marked: Vec<String> = snippet["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let (a, b) = (
                r[0].as_u64().unwrap() as usize,
                r[1].as_u64().unwrap() as usize,
            );
            chars[a..b].iter().collect()
        })
        .collect();
    assert!(!marked.is_empty(), "{snippet}");
    let html = snippet["html"].as_str().unwrap();
    for word in &marked {
        assert!(
            html.contains(&format!("<mark>{word}</mark>")),
            "{word:?} in {html}"
        );
    }
    assert!(
        marked
            .iter()
            .any(|w| w.to_lowercase().starts_with("lösenord")),
        "{marked:?}"
    );
}
