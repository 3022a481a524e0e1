//! `vagvisare try`: suggestions redrawn after every keystroke, in a terminal.

use std::io::{IsTerminal, Read, Write};
use std::process::Command;

use vagvisare::guide::{GuideIndex, SuggestOptions};

/// Puts the terminal in character-at-a-time mode and restores it when dropped.
struct RawMode;

impl RawMode {
    fn enter() -> Result<Self, String> {
        let status = Command::new("stty")
            .args(["-icanon", "-echo", "min", "1"])
            .stdin(std::process::Stdio::inherit())
            .status()
            .map_err(|e| format!("stty: {e}"))?;
        if !status.success() {
            return Err("could not switch the terminal to keystroke mode (stty failed)".into());
        }
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = Command::new("stty")
            .args(["icanon", "echo"])
            .stdin(std::process::Stdio::inherit())
            .status();
    }
}

fn redraw(out: &mut impl Write, index: &GuideIndex, text: &str) -> std::io::Result<()> {
    write!(out, "\x1b[2J\x1b[H")?;
    writeln!(
        out,
        "Kort beskrivning av ditt ärende (Esc eller Ctrl-D avslutar):"
    )?;
    writeln!(out, "> {text}\n")?;
    let suggestions = index.suggest(text, &SuggestOptions::limit(5));
    if !text.trim().is_empty() {
        writeln!(out, "Möjliga lösningar:")?;
    }
    for s in &suggestions {
        let words: Vec<&str> = s.matched.iter().map(|m| m.guide_word.as_str()).collect();
        writeln!(out, "  • {}   (för {})", s.title, words.join(", "))?;
    }
    write!(out, "\x1b[2;{}H", 3 + text.chars().count())?;
    out.flush()
}

/// Runs the interactive loop until Esc, Ctrl-D or Ctrl-C.
pub fn run(index: &GuideIndex) -> Result<(), String> {
    if !std::io::stdin().is_terminal() {
        return Err(
            "`try` needs a terminal; for scripts use `suggest --stdin --format jsonl`".into(),
        );
    }
    let _raw = RawMode::enter()?;
    let mut out = std::io::stdout().lock();
    let mut bytes: Vec<u8> = Vec::new();
    let mut text = String::new();
    redraw(&mut out, index, &text).map_err(|e| e.to_string())?;
    for byte in std::io::stdin().lock().bytes() {
        let byte = byte.map_err(|e| e.to_string())?;
        match byte {
            0x1b | 0x04 | 0x03 => break,
            0x7f | 0x08 => {
                text.pop();
            }
            b'\n' | b'\r' => text.clear(),
            _ => {
                bytes.push(byte);
                match std::str::from_utf8(&bytes) {
                    Ok(s) => {
                        text.push_str(s);
                        bytes.clear();
                    }
                    Err(e) if e.error_len().is_none() => continue, // an incomplete UTF-8 sequence
                    Err(_) => bytes.clear(),
                }
            }
        }
        redraw(&mut out, index, &text).map_err(|e| e.to_string())?;
    }
    writeln!(out).map_err(|e| e.to_string())?;
    Ok(())
}
