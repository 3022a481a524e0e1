//! Word segmentation (UAX #29) with Swedish-aware hyphen handling and NFC + lower-case folding.

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
use unicode_segmentation::UnicodeSegmentation;

/// Words longer than this many bytes (after normalisation) are ignored: they are never real words
/// (base64, URLs, hashes) and would only bloat the index.
pub const MAX_WORD_BYTES: usize = 60;

/// One word of the input: its normalised form and where it stands in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// NFC, lower-cased, hyphens removed (`E-post` → `epost`).
    pub text: String,
    /// The pieces between hyphens, when the word was hyphenated (`e-post` → `e`, `post`).
    pub hyphen_parts: Vec<String>,
    /// Byte offset of the word's first byte in the original text.
    pub start: usize,
    /// Byte offset just past the word's last byte in the original text.
    pub end: usize,
}

/// NFC-normalise and lower-case one piece of text (`A` + U+030A → `å`).
pub fn normalize(text: &str) -> String {
    // Most words are ASCII or already NFC: lower-case them without composing a copy first.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return text.to_lowercase();
    }
    let nfc: String = text.nfc().collect();
    nfc.to_lowercase()
}

fn is_word(segment: &str) -> bool {
    segment.chars().any(char::is_alphanumeric)
}

/// Splits text into words. Hyphenated words (`e-post`, `covid-19`, `it-support`) are kept as one
/// word with their parts remembered; a hyphen at a word's end (`hälso- och sjukvård`) is dropped.
pub fn words(text: &str) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    // A hyphen directly after the last word (no space): the next word joins it.
    let mut pending_hyphen = false;
    for (start, segment) in text.split_word_bound_indices() {
        if is_word(segment) {
            let normalized = normalize(segment);
            let end = start + segment.len();
            match out.last_mut() {
                Some(last) if pending_hyphen && last.end + 1 == start => {
                    if last.hyphen_parts.is_empty() {
                        last.hyphen_parts.push(last.text.clone());
                    }
                    last.text.push_str(&normalized);
                    last.hyphen_parts.push(normalized);
                    last.end = end;
                }
                _ => out.push(Word {
                    text: normalized,
                    hyphen_parts: Vec::new(),
                    start,
                    end,
                }),
            }
            pending_hyphen = false;
        } else {
            pending_hyphen = (segment == "-" || segment == "\u{2010}")
                && out.last().is_some_and(|w| w.end == start);
        }
    }
    out.retain(|w| w.text.len() <= MAX_WORD_BYTES);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<String> {
        words(input).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn splits_and_lowercases() {
        assert_eq!(
            texts("Glömt LÖSENORD, igen!"),
            ["glömt", "lösenord", "igen"]
        );
    }

    #[test]
    fn recomposes_decomposed_diacritics() {
        // "Återställ" typed as A + COMBINING RING ABOVE.
        assert_eq!(texts("A\u{30A}terställ"), ["återställ"]);
    }

    #[test]
    fn normalize_agrees_with_nfc_then_lowercase() {
        // The fast paths (ASCII, already NFC) must give what the general path gives.
        for text in [
            "Glömt",
            "LÖSENORD",
            "plain ASCII Text",
            "A\u{30A}TERSTÄLL",
            "o\u{308}ppna",
            "ΣΊΣΥΦΟΣ",
            "İstanbul",
            "café",
            "",
        ] {
            let general: String = text.nfc().collect::<String>().to_lowercase();
            assert_eq!(normalize(text), general, "{text:?}");
        }
    }

    #[test]
    fn joins_hyphenated_words_and_keeps_parts() {
        let w = words("skicka e-post om covid-19");
        assert_eq!(w[1].text, "epost");
        assert_eq!(w[1].hyphen_parts, ["e", "post"]);
        assert_eq!(w[3].text, "covid19");
        assert_eq!(&"skicka e-post om covid-19"[w[1].start..w[1].end], "e-post");
    }

    #[test]
    fn dangling_hyphen_is_not_a_join() {
        assert_eq!(texts("hälso- och sjukvård"), ["hälso", "och", "sjukvård"]);
        assert_eq!(texts("a - b"), ["a", "b"]);
    }

    #[test]
    fn offsets_point_into_the_original() {
        let text = "  Skrivaren  skriver";
        let w = words(text);
        assert_eq!(&text[w[0].start..w[0].end], "Skrivaren");
        assert_eq!(&text[w[1].start..w[1].end], "skriver");
    }

    #[test]
    fn overlong_words_are_dropped() {
        let long = "a".repeat(200);
        assert_eq!(texts(&format!("hej {long} då")), ["hej", "då"]);
    }

    #[test]
    fn punctuation_and_emoji_give_no_words() {
        assert!(words("!!! 🙂 \"*\" ??").is_empty());
    }
}
