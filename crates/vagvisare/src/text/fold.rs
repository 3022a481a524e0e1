//! Diacritic folding: the second tier of matching (`los` finds `lösenord`, ranked below `lös`).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Folds å/ä → a, ö/ø → o, æ → a, and removes every other combining mark (é → e, ü → u).
/// Input is expected lower-case.
pub fn fold(word: &str) -> String {
    if word.is_ascii() {
        return word.to_string();
    }
    let mut out = String::with_capacity(word.len());
    // Swedish letters directly; anything else non-ASCII through canonical decomposition.
    for c in word.chars() {
        match fold_letter(c) {
            Some(letter) => out.push(letter),
            None => fold_char(c, &mut out),
        }
    }
    out
}

/// What [`fold`] makes of a letter it folds to one letter without decomposing it: ASCII as it
/// stands, the Swedish letters and their common like; `None` for the rest.
pub fn fold_letter(c: char) -> Option<char> {
    match c {
        'å' | 'ä' | 'à' | 'á' | 'â' => Some('a'),
        'ö' | 'ó' | 'ò' | 'ô' => Some('o'),
        'é' | 'è' | 'ê' | 'ë' => Some('e'),
        'ü' | 'ú' => Some('u'),
        c if c.is_ascii() => Some(c),
        _ => None,
    }
}

fn fold_char(c: char, out: &mut String) {
    for c in std::iter::once(c).nfd() {
        match c {
            'ø' => out.push('o'),
            'æ' => out.push('a'),
            'ß' => out.push_str("ss"),
            c if is_combining_mark(c) => {}
            c => out.push(c),
        }
    }
}

/// True when the word has something that [`fold`] changes.
pub fn has_diacritics(word: &str) -> bool {
    !word.is_ascii() && fold(word) != word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_swedish_letters() {
        for (input, expected) in [
            ("lösenord", "losenord"),
            ("återställa", "aterstalla"),
            ("ärende", "arende"),
            ("café", "cafe"),
            ("smørrebrød", "smorrebrod"),
            ("plain", "plain"),
        ] {
            assert_eq!(fold(input), expected, "{input}");
        }
    }

    #[test]
    fn detects_diacritics() {
        assert!(has_diacritics("lås"));
        assert!(!has_diacritics("las"));
    }
}
