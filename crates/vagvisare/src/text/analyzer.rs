//! The whole analysis of one text: every word with the forms the index stores and queries match.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::compound::Lexicon;
use super::fold::fold;
use super::stem::stems;
use super::stopwords::is_stop_word;
use super::tokenize::{words, Word};

/// The forms one distinct word is indexed and matched under.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Forms {
    /// Stems, Snowball's first, then base forms from the inflection layer.
    pub stems: Vec<String>,
    /// The stems with å/ä/ö folded (only those that differ from a stem).
    pub folded: Vec<String>,
    /// Stems of the compound parts (and their folded forms), empty for a simple word.
    pub parts: Vec<String>,
    /// The primary stem of each compound part, in order (for part pairs).
    pub part_heads: Vec<String>,
    /// True for a stop word.
    pub stop: bool,
}

/// One analysed word of a text.
#[derive(Debug, Clone)]
pub struct Token {
    /// The word as segmented and normalised.
    pub word: Word,
    /// Its forms (shared between repeats of the same word).
    pub forms: Arc<Forms>,
}

impl Token {
    /// The normalised surface form.
    pub fn surface(&self) -> &str {
        &self.word.text
    }

    /// The primary stem.
    pub fn stem(&self) -> &str {
        &self.forms.stems[0]
    }
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Computes the forms of one normalised word.
pub fn forms(word: &Word, lexicon: &Lexicon) -> Forms {
    let stems = stems(&word.text);
    let mut folded = Vec::new();
    for stem in &stems {
        let f = fold(stem);
        if !stems.contains(&f) {
            push_unique(&mut folded, f);
        }
    }
    let pieces: Vec<String> = if word.hyphen_parts.len() >= 2 {
        word.hyphen_parts.clone()
    } else {
        lexicon.split(&word.text).unwrap_or_default()
    };
    let mut parts = Vec::new();
    let mut part_heads = Vec::new();
    for piece in &pieces {
        let piece_stems = super::stem::stems(piece);
        part_heads.push(piece_stems[0].clone());
        for stem in piece_stems {
            push_unique(&mut parts, fold(&stem));
            push_unique(&mut parts, stem);
        }
    }
    Forms {
        stems,
        folded,
        parts,
        part_heads,
        stop: is_stop_word(&word.text),
    }
}

/// Analyses texts against a lexicon, remembering the forms of words it has seen (a guide body
/// repeats its words; a batch of guides repeats them more).
pub struct Analyzer<'a> {
    lexicon: &'a Lexicon,
    seen: FxHashMap<String, Arc<Forms>>,
}

impl<'a> Analyzer<'a> {
    /// An analyzer splitting compounds with `lexicon`.
    pub fn new(lexicon: &'a Lexicon) -> Self {
        Self {
            lexicon,
            seen: FxHashMap::default(),
        }
    }

    /// Every word of the text with its forms.
    pub fn analyze(&mut self, text: &str) -> Vec<Token> {
        self.analyze_words(words(text))
    }

    /// Every word, already segmented by [`words`], with its forms (for a caller that segmented
    /// the text before, e.g. to teach the lexicon its words, and would otherwise do it twice).
    pub fn analyze_words(&mut self, words: Vec<Word>) -> Vec<Token> {
        words
            .into_iter()
            .map(|word| {
                let forms = match self.seen.get(&word.text) {
                    Some(forms) => Arc::clone(forms),
                    None => {
                        let forms = Arc::new(forms(&word, self.lexicon));
                        self.seen.insert(word.text.clone(), Arc::clone(&forms));
                        forms
                    }
                };
                Token { word, forms }
            })
            .collect()
    }
}

/// The pair term of two adjacent parts of one compound (`lösenords|byte` → `lösenord+byt`):
/// what a query that writes the compound apart ("lösenord byte") looks for.
pub fn compound_pair_term(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len() + 1);
    write_compound_pair_term(&mut s, a, b);
    s
}

/// [`compound_pair_term`] written into a reused buffer (cleared first).
pub fn write_compound_pair_term(out: &mut String, a: &str, b: &str) {
    out.clear();
    out.push_str(a);
    out.push('+');
    out.push_str(b);
}

/// The term of an adjacent pair of stems (`logga` `ut` → `logg ut`).
pub fn pair_term(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len() + 1);
    write_pair_term(&mut s, a, b);
    s
}

/// [`pair_term`] written into a reused buffer (cleared first).
pub fn write_pair_term(out: &mut String, a: &str, b: &str) {
    out.clear();
    out.push_str(a);
    out.push(' ');
    out.push_str(b);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon(words: &[&str]) -> Lexicon {
        Lexicon::from_words(words.iter().copied())
    }

    #[test]
    fn table_of_swedish_words() {
        let lex = lexicon(&["lösenord", "byte", "skrivare", "kö"]);
        let mut analyzer = Analyzer::new(&lex);
        let tokens = analyzer.analyze("Lösenordsbytet i Skrivarkön, e-post!");
        let table: Vec<(&str, Vec<String>, Vec<String>)> = tokens
            .iter()
            .map(|t| (t.surface(), t.forms.stems.clone(), t.forms.parts.clone()))
            .collect();
        assert_eq!(table[0].0, "lösenordsbytet");
        assert_eq!(table[0].2, ["losenord", "lösenord", "bytet", "byt"]);
        assert_eq!(table[1].0, "i");
        assert!(tokens[1].forms.stop);
        assert_eq!(table[2].0, "skrivarkön");
        assert_eq!(table[3].0, "epost");
        assert_eq!(table[3].2, ["e", "post"]);
    }

    #[test]
    fn folded_forms_only_where_they_differ() {
        let lex = Lexicon::new();
        let mut analyzer = Analyzer::new(&lex);
        let tokens = analyzer.analyze("lösenord glömt skrivare");
        assert_eq!(tokens[0].forms.folded, ["losenord"]);
        assert_eq!(tokens[1].forms.folded, ["glomm"]);
        assert!(tokens[2].forms.folded.is_empty());
    }

    #[test]
    fn presegmented_words_analyse_like_text() {
        let lex = lexicon(&["lösenord", "byte"]);
        let text = "Lösenordsbytet på e-post, lösenordsbytet!";
        let from_text = Analyzer::new(&lex).analyze(text);
        let from_words = Analyzer::new(&lex).analyze_words(words(text));
        assert_eq!(from_text.len(), 4);
        for (a, b) in from_text.iter().zip(&from_words) {
            assert_eq!(a.word, b.word);
            assert_eq!(a.forms, b.forms);
        }
    }

    #[test]
    fn pair_terms_in_a_reused_buffer() {
        let mut buf = String::from("old text");
        write_pair_term(&mut buf, "logg", "ut");
        assert_eq!(buf, pair_term("logg", "ut"));
        assert_eq!(buf, "logg ut");
        write_compound_pair_term(&mut buf, "lösenord", "byt");
        assert_eq!(buf, compound_pair_term("lösenord", "byt"));
        assert_eq!(buf, "lösenord+byt");
    }

    #[test]
    fn repeated_words_share_forms() {
        let lex = Lexicon::new();
        let mut analyzer = Analyzer::new(&lex);
        let tokens = analyzer.analyze("lås lås");
        assert!(Arc::ptr_eq(&tokens[0].forms, &tokens[1].forms));
    }
}
