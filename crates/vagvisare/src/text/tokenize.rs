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

/// True when nothing between two words of `text` (`before`, then `after`) ends a sentence: no
/// full stop, question or exclamation mark, semicolon or line break. Adjacent words pair into
/// phrases only then ("logga ut" is a phrase; "…inloggning. Du…" is not).
pub fn same_sentence(text: &str, before: &Word, after: &Word) -> bool {
    text.get(before.end..after.start)
        .is_none_or(|between| !between.contains(['.', '!', '?', ';', '\n', '\r']))
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
///
/// The words are those of UAX #29 word segmentation. White space always separates words there,
/// so the text is taken a white-space-separated piece at a time, and a piece of Latin letters
/// and digits (most of Swedish text), perhaps closed by punctuation that never joins a word, is
/// one word without the segmentation's tables; any other piece is segmented by them. A test
/// holds the two equal.
pub fn words(text: &str) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    let mut piece_start = None;
    for (i, b) in text.bytes().enumerate() {
        if b.is_ascii_whitespace() {
            if let Some(start) = piece_start.take() {
                piece_words(text, start, i, &mut out);
            }
        } else if piece_start.is_none() {
            piece_start = Some(i);
        }
    }
    if let Some(start) = piece_start {
        piece_words(text, start, text.len(), &mut out);
    }
    out.retain(|w| w.text.len() <= MAX_WORD_BYTES);
    out
}

/// A letter or digit that UAX #29 counts as part of a word (ALetter or Numeric) and that is in
/// normal form composition already: ASCII and the Latin-1 letters (å, ä, ö, é, ü, …).
fn is_plain_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || (matches!(c, '\u{C0}'..='\u{FF}') && c != '×' && c != '÷')
}

/// The lower case of a [plain word character](is_plain_word_char) (the same as
/// `char::to_lowercase`: Latin-1 capitals are 32 below their small letters; ß, ÿ and the small
/// letters have no other case).
fn lower_plain(c: char) -> char {
    match c {
        'A'..='Z' | '\u{C0}'..='\u{DE}' => char::from_u32(c as u32 + 32).unwrap_or(c),
        _ => c,
    }
}

/// The lower case of a word of [plain word characters](is_plain_word_char), already in normal
/// form composition.
fn lower_plain_word(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(word.len());
    out.extend(word.chars().map(lower_plain));
    out
}

/// Punctuation that, after a word and before white space, is never part of it.
fn is_closing(c: char) -> bool {
    matches!(c, '.' | ',' | '!' | '?' | ':' | ';' | ')' | '"')
}

/// The words of `text[start..end]`, a piece without white space, onto `out`.
fn piece_words(text: &str, start: usize, end: usize, out: &mut Vec<Word>) {
    let piece = &text[start..end];
    let word_end = piece
        .char_indices()
        .find(|&(_, c)| !is_plain_word_char(c))
        .map_or(piece.len(), |(i, _)| i);
    if word_end > 0 && piece[word_end..].chars().all(is_closing) {
        out.push(Word {
            text: lower_plain_word(&piece[..word_end]),
            hyphen_parts: Vec::new(),
            start,
            end: start + word_end,
        });
        return;
    }
    segment_words(piece, start, out);
}

/// The words of `text` by UAX #29 word segmentation, offsets shifted by `offset`, onto `out`.
fn segment_words(text: &str, offset: usize, out: &mut Vec<Word>) {
    let first = out.len();
    // A hyphen directly after the last word of this text (no space): the next word joins it.
    let mut pending_hyphen = false;
    for (at, segment) in text.split_word_bound_indices() {
        let start = offset + at;
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
                && out.len() > first
                && out.last().is_some_and(|w| w.end == start);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The words of the whole text by UAX #29 alone (what `words` gave before its fast path).
    fn segmented(text: &str) -> Vec<Word> {
        let mut out = Vec::new();
        segment_words(text, 0, &mut out);
        out.retain(|w| w.text.len() <= MAX_WORD_BYTES);
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn the_fast_path_finds_the_words_of_uax29(
            text in proptest::collection::vec(prop_oneof![
                6 => proptest::char::range('a', 'z'),
                2 => prop_oneof![Just('å'), Just('ä'), Just('ö'), Just('Ö'), Just('É'), Just('ü')],
                2 => Just(' '),
                1 => proptest::char::range('0', '9'),
                1 => prop_oneof![
                    Just('.'), Just(','), Just('!'), Just('?'), Just(':'), Just(';'), Just(')'),
                    Just('('), Just('"'), Just('\''), Just('-'), Just('\u{2010}'), Just('\n'),
                    Just('\t'), Just('\u{30A}'), Just('\u{308}'), Just('×'), Just('ß'),
                    Just('\u{A0}'), Just('😀'), Just('\u{200D}'), Just('ω'), Just('/'),
                    Just('@'), Just('_'), Just('\r'),
                ],
            ], 0..40).prop_map(|chars| chars.into_iter().collect::<String>())
        ) {
            prop_assert_eq!(words(&text), segmented(&text), "{:?}", text);
        }
    }

    fn texts(input: &str) -> Vec<String> {
        words(input).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn plain_word_characters_lower_as_unicode_says() {
        for c in ('\u{0}'..='\u{FF}').filter(|&c| is_plain_word_char(c)) {
            assert_eq!(
                lower_plain(c).to_string(),
                c.to_lowercase().to_string(),
                "{c:?}"
            );
        }
    }

    #[test]
    fn a_sentence_ends_at_its_punctuation_or_a_line_break() {
        let text = "Logga ut, sedan in. Klart!\nNästa; sist";
        let w = words(text);
        let joined: Vec<bool> = w
            .windows(2)
            .map(|p| same_sentence(text, &p[0], &p[1]))
            .collect();
        // logga ut | ut sedan | sedan in | in. Klart | Klart!\nNästa | Nästa; sist
        assert_eq!(joined, [true, true, true, false, false, false]);
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
