//! The whole analysis of one text: every word with the forms the index stores and queries match.

use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use super::compound::Lexicon;
use super::fold::fold;
use super::stem::stems;
use super::stopwords::{is_function_word, is_negation, is_stop_word};
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
    /// True for a function word ([`is_function_word`]): it forms no word pair.
    pub function: bool,
    /// True for a negation: it forms a word pair even with a function word ("kan inte").
    pub negation: bool,
    /// The hashed terms of these forms, as explaining a guide looks them up: computed the first
    /// time a guide holding the word is explained, then shared by every guide and keystroke
    /// that sees the word again (`explain::AnalysedGuide`).
    pub(crate) term_keys: TermKeys,
}

/// [`Forms::term_keys`]: derived from the forms on first use, so it takes no part in comparing
/// two forms (one explained already and one not are the same forms).
#[derive(Debug, Clone, Default)]
pub(crate) struct TermKeys(std::sync::OnceLock<Box<[u64]>>);

impl TermKeys {
    /// The keys, computed by `keys` the first time they are asked for.
    pub(crate) fn get_or_init(&self, keys: impl FnOnce() -> Box<[u64]>) -> &[u64] {
        self.0.get_or_init(keys)
    }
}

impl PartialEq for TermKeys {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for TermKeys {}

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
        function: is_function_word(&word.text),
        negation: is_negation(&word.text),
        term_keys: TermKeys::default(),
    }
}

/// Distinct words a [`FormsMemo`] holds; past it, it starts again (some 10 MB of forms).
const MEMO_WORDS: usize = 1 << 15;

/// The forms of words analysed before, shared by the analyses of many texts and threads against
/// the same state of a lexicon (a word's compound parts depend on what the lexicon knows, so a
/// lexicon that learned a word empties it). What explaining a shown guide, and planning a
/// keystroke, would otherwise split and stem again for every text: most words of a guide were in
/// a guide shown before.
#[derive(Debug, Default)]
pub struct FormsMemo {
    state: Mutex<MemoState>,
}

#[derive(Debug, Default)]
struct MemoState {
    /// The [`Lexicon::version`] the forms were computed with.
    version: u64,
    forms: FxHashMap<String, Arc<Forms>>,
}

impl FormsMemo {
    fn state(&self) -> std::sync::MutexGuard<'_, MemoState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The forms of `word` computed with this state of `lexicon`, if remembered.
    fn get(&self, lexicon: &Lexicon, word: &str) -> Option<Arc<Forms>> {
        let state = self.state();
        (state.version == lexicon.version())
            .then(|| state.forms.get(word).cloned())
            .flatten()
    }

    /// Remembers the forms of `word` computed with this state of `lexicon`.
    fn put(&self, lexicon: &Lexicon, word: &str, forms: &Arc<Forms>) {
        let mut state = self.state();
        if state.version != lexicon.version() || state.forms.len() >= MEMO_WORDS {
            state.forms.clear();
            state.version = lexicon.version();
        }
        state.forms.insert(word.to_string(), Arc::clone(forms));
    }

    /// Forgets every word.
    pub fn clear(&self) {
        self.state().forms.clear();
    }

    /// Number of words remembered.
    pub fn len(&self) -> usize {
        self.state().forms.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Analyses texts against a lexicon, remembering the forms of words it has seen (a guide body
/// repeats its words; a batch of guides repeats them more), and with a [`FormsMemo`] those that
/// analyses before it saw.
pub struct Analyzer<'a> {
    lexicon: &'a Lexicon,
    seen: FxHashMap<String, Arc<Forms>>,
    memo: Option<&'a FormsMemo>,
}

impl<'a> Analyzer<'a> {
    /// An analyzer splitting compounds with `lexicon`.
    pub fn new(lexicon: &'a Lexicon) -> Self {
        Self {
            lexicon,
            seen: FxHashMap::default(),
            memo: None,
        }
    }

    /// An analyzer that also reads and fills `memo` (shared with other analyses).
    pub fn with_memo(lexicon: &'a Lexicon, memo: &'a FormsMemo) -> Self {
        Self {
            memo: Some(memo),
            ..Self::new(lexicon)
        }
    }

    /// Every word of the text with its forms.
    pub fn analyze(&mut self, text: &str) -> Vec<Token> {
        self.analyze_words(words(text))
    }

    /// Every word, already segmented by [`words`], with its forms (for a caller that segmented
    /// the text before, e.g. to teach the lexicon its words, and would otherwise do it twice).
    pub fn analyze_words(&mut self, words: Vec<Word>) -> Vec<Token> {
        // With a memo, every word it remembers is looked up under one lock (most words of a
        // guide were seen before), and only the others go the way below.
        let remembered: Vec<Option<Arc<Forms>>> = match self.memo {
            Some(memo) => {
                let state = memo.state();
                let current = state.version == self.lexicon.version();
                words
                    .iter()
                    .map(|word| {
                        (current && word.hyphen_parts.is_empty())
                            .then(|| state.forms.get(&word.text).cloned())
                            .flatten()
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        let mut remembered = remembered.into_iter();
        words
            .into_iter()
            .map(|word| {
                if let Some(forms) = remembered.next().flatten() {
                    return Token { word, forms };
                }
                let forms = match self.seen.get(&word.text) {
                    Some(forms) => Arc::clone(forms),
                    None => {
                        // A hyphenated word's parts are its pieces, not its text's split
                        // ("e-post" and "epost" differ): only the others are shared.
                        let memo = self.memo.filter(|_| word.hyphen_parts.is_empty());
                        let remembered = memo.and_then(|m| m.get(self.lexicon, &word.text));
                        let forms = remembered.unwrap_or_else(|| {
                            let computed = Arc::new(forms(&word, self.lexicon));
                            if let Some(memo) = memo {
                                memo.put(self.lexicon, &word.text, &computed);
                            }
                            computed
                        });
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

/// Whether two adjacent words of one sentence of a guide's own text form a pair term
/// ([`pair_term`]): not when either is a function word, unless the other is a negation.
/// Prepositions and particles pair ("logga ut", "på distans"), negations with anything ("kan
/// inte"). A function word's pairs ("jag har", "att det", "och sedan") are half the pairs of a
/// guide and the commonest terms of an index, and weigh least: leaving them out made loading
/// 100 000 guides from Python 4–20 % faster in alternating runs and moved the evaluation
/// figures by a question or two either way (docs/benchmarks.md, "Pairs of function words", has
/// both sides). A learned text keeps them (`Source::pairs` in guide/schema.rs), and a typed text
/// asks for them, since they find learned texts.
pub fn forms_pair(a: &Token, b: &Token) -> bool {
    a.forms.negation || b.forms.negation || !(a.forms.function || b.forms.function)
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
    fn forms_compare_alike_whether_their_term_keys_were_computed_or_not() {
        let lex = Lexicon::new();
        let word = &words("lösenordet")[0];
        let (explained, fresh) = (forms(word, &lex), forms(word, &lex));
        assert_eq!(
            explained.term_keys.get_or_init(|| vec![1, 2].into()),
            [1, 2]
        );
        assert_eq!(explained, fresh);
        // Computed once: a second call keeps the first keys.
        assert_eq!(explained.term_keys.get_or_init(|| vec![3].into()), [1, 2]);
        assert_ne!(forms(&words("byte")[0], &lex), fresh);
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
    fn a_memo_gives_the_forms_of_the_lexicon_as_it_is_now() {
        let memo = FormsMemo::default();
        let mut lex = lexicon(&["lösenord"]);
        let text = "lösenordsbyte i skrivarkön";
        let parts = |lex: &Lexicon, memo: &FormsMemo| -> Vec<Vec<String>> {
            Analyzer::with_memo(lex, memo)
                .analyze(text)
                .iter()
                .map(|t| t.forms.parts.clone())
                .collect()
        };
        // Read from the memo, the forms are those computed without it.
        let fresh: Vec<Vec<String>> = Analyzer::new(&lex)
            .analyze(text)
            .iter()
            .map(|t| t.forms.parts.clone())
            .collect();
        assert_eq!(parts(&lex, &memo), fresh);
        assert_eq!(memo.len(), 3);
        assert_eq!(parts(&lex, &memo), fresh);
        assert!(fresh[0].is_empty(), "'byte' is not known yet: {fresh:?}");
        memo.clear();
        assert!(memo.is_empty());
        // Once the lexicon knows "byte", the compound splits, memo or not.
        lex.add("byte");
        assert_eq!(parts(&lex, &memo)[0], ["losenord", "lösenord", "byt"]);
        // A lexicon with other words never reads this one's forms.
        let other = lexicon(&["lösenord"]);
        assert!(parts(&other, &memo)[0].is_empty());
    }

    #[test]
    fn a_hyphenated_word_and_the_same_word_joined_keep_their_own_forms() {
        let memo = FormsMemo::default();
        let lex = Lexicon::new();
        let hyphenated = Analyzer::with_memo(&lex, &memo).analyze("e-post");
        let joined = Analyzer::with_memo(&lex, &memo).analyze("epost");
        assert_eq!(hyphenated[0].forms.parts, ["e", "post"]);
        assert!(joined[0].forms.parts.is_empty(), "{:?}", joined[0].forms);
        assert_eq!(
            joined[0].forms,
            Analyzer::new(&lex).analyze("epost")[0].forms
        );
    }

    #[test]
    fn a_memo_holds_a_bounded_number_of_words() {
        let memo = FormsMemo::default();
        let lex = Lexicon::new();
        let text: String = (0..MEMO_WORDS + 10).map(|i| format!("ord{i} ")).collect();
        let tokens = Analyzer::with_memo(&lex, &memo).analyze(&text);
        assert_eq!(tokens.len(), MEMO_WORDS + 10);
        assert!(
            !memo.is_empty() && memo.len() <= MEMO_WORDS,
            "{}",
            memo.len()
        );
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
