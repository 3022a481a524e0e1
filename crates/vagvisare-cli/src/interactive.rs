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
        "Kort beskrivning av ditt ärende (Ctrl-U rensar, Ctrl-W tar bort ett ord, Esc eller Ctrl-D avslutar):"
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
    let mut line = Line::default();
    redraw(&mut out, index, &line.text).map_err(|e| e.to_string())?;
    for byte in std::io::stdin().lock().bytes() {
        let byte = byte.map_err(|e| e.to_string())?;
        match line.key(byte) {
            Key::Quit => break,
            Key::Changed => redraw(&mut out, index, &line.text).map_err(|e| e.to_string())?,
            Key::Unchanged => {}
        }
    }
    writeln!(out).map_err(|e| e.to_string())?;
    Ok(())
}

/// The description being typed, edited a byte of terminal input at a time.
#[derive(Default)]
struct Line {
    text: String,
    /// The first bytes of a UTF-8 character still arriving.
    pending: Vec<u8>,
}

/// What a key did.
#[derive(Debug, PartialEq, Eq)]
enum Key {
    Changed,
    Unchanged,
    Quit,
}

impl Line {
    fn key(&mut self, byte: u8) -> Key {
        match byte {
            0x1b | 0x04 | 0x03 => return Key::Quit, // Esc, Ctrl-D, Ctrl-C
            0x7f | 0x08 => {
                self.text.pop();
            }
            0x15 => self.text.clear(), // Ctrl-U: the whole line, as in a shell
            0x17 => {
                // Ctrl-W: the last word and the spaces after it.
                let kept = self.text.trim_end().len();
                self.text.truncate(kept);
                let word = self.text.rfind(char::is_whitespace).map_or(0, |at| at + 1);
                self.text.truncate(word);
            }
            // Enter and every other control character: nothing to insert (a description field
            // has one line), and the text stays.
            0x00..=0x1f => return Key::Unchanged,
            _ => {
                self.pending.push(byte);
                match std::str::from_utf8(&self.pending) {
                    Ok(s) => {
                        self.text.push_str(s);
                        self.pending.clear();
                    }
                    // An incomplete UTF-8 sequence: wait for the rest.
                    Err(e) if e.error_len().is_none() => return Key::Unchanged,
                    Err(_) => {
                        // A broken sequence is dropped; an ASCII byte that broke it still counts.
                        self.pending.clear();
                        if !byte.is_ascii() {
                            return Key::Unchanged;
                        }
                        self.text.push(char::from(byte));
                    }
                }
            }
        }
        Key::Changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text after typing `input`, up to a key that quits, and the keys' effects.
    fn typed(input: &[u8]) -> (String, Vec<Key>) {
        let mut line = Line::default();
        let mut keys = Vec::new();
        for &b in input {
            keys.push(line.key(b));
            if keys.last() == Some(&Key::Quit) {
                break;
            }
        }
        (line.text, keys)
    }

    #[test]
    fn control_keys_edit_and_never_insert_themselves() {
        assert_eq!(typed("glömt lösen".as_bytes()).0, "glömt lösen");
        // Issue 21.7: Ctrl-U inserted a control character, Enter silently cleared the text.
        assert_eq!(typed(b"abc\x15de").0, "de");
        assert_eq!(typed(b"glomt losen\r").0, "glomt losen");
        assert_eq!(typed(b"glomt losen\n").0, "glomt losen");
        assert_eq!(typed(b"skrivaren  strular \x17").0, "skrivaren  ");
        assert_eq!(typed(b"a\x01\x02\x7fb").0, "b");
        let (text, keys) = typed(b"ab\x1bcd");
        assert_eq!((text.as_str(), keys[2] == Key::Quit), ("ab", true));
        // A character split over several bytes arrives whole; a broken one is dropped.
        assert_eq!(typed(&[0xc3, 0xb6, b'k']).0, "ök");
        assert_eq!(typed(&[0xc3, b'k']).0, "k");
    }
}
