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
