//! Stage 1, the plan against the index: completions of the half-typed last word and spelling
//! neighbours of unknown words, looked up in the index's term dictionaries; every term no guide
//! holds is dropped.

use std::collections::HashMap;
use std::sync::OnceLock;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA, SINK_STATE};
use tantivy::schema::Field;
use tantivy::{Searcher, Term};
use tantivy_fst::Automaton;

use super::{Alternative, MatchKind, QueryPlan, QueryWord, Weights};
use crate::guide::index::ReadErrors;
use crate::guide::schema::{Fields, Form, Source};
use crate::text::fold::{fold, fold_letter};

/// A Levenshtein DFA of a folded word run over terms folded as they are read ([`fold`]: å/ä →
/// a, ö → o, other marks dropped): the terms within its edits of the word once both are
/// folded, for a complete word and for a half-typed one (a prefix DFA). One automaton serves
/// every form's dictionary, where a word with å/ä/ö needed two (one for its word form, one for
/// its folded and stem forms; building one for a long word at two edits is most of a first
/// keystroke's spelling search), and a word typed without å/ä/ö and misspelt is one edit from
/// its guide word, not two.
struct Folded<'a>(&'a DFA);

/// Where [`Folded`] stands: the DFA's state, and the bytes of a character read in part.
#[derive(Clone, Copy)]
struct FoldedState {
    dfa: u32,
    pending: [u8; 4],
    have: u8,
}

impl Folded<'_> {
    fn feed(&self, mut state: u32, bytes: &[u8]) -> u32 {
        for &b in bytes {
            state = self.0.transition(state, b);
        }
        state
    }
}

impl Automaton for Folded<'_> {
    type State = FoldedState;
    fn start(&self) -> FoldedState {
        FoldedState {
            dfa: self.0.initial_state(),
            pending: [0; 4],
            have: 0,
        }
    }
    fn is_match(&self, state: &FoldedState) -> bool {
        state.have == 0 && matches!(self.0.distance(state.dfa), Distance::Exact(_))
    }
    fn can_match(&self, state: &FoldedState) -> bool {
        state.dfa != SINK_STATE
    }
    fn accept(&self, state: &FoldedState, byte: u8) -> FoldedState {
        let mut next = *state;
        if state.have == 0 && byte.is_ascii() {
            next.dfa = self.0.transition(state.dfa, byte);
            return next;
        }
        next.pending[usize::from(state.have)] = byte;
        next.have += 1;
        let need = match next.pending[0] {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            // Not a lead byte (terms are UTF-8, so this is never met): read as it stands.
            _ => 1,
        };
        if next.have < need {
            return next;
        }
        let bytes = &next.pending[..usize::from(next.have)];
        next.dfa = match std::str::from_utf8(bytes) {
            Ok(c) => match c.chars().next().and_then(fold_letter) {
                // Å, ä, ö and their like without a string each (most non-ASCII letters read).
                Some(letter) => self.feed(state.dfa, letter.encode_utf8(&mut [0; 4]).as_bytes()),
                None => self.feed(state.dfa, fold(c).as_bytes()),
            },
            Err(_) => self.feed(state.dfa, bytes),
        };
        next.have = 0;
        next
    }
}

/// Builds the spelling search's automaton builders now (the one for two edits takes some
/// 0.2 ms), so that the first misspelt long word typed does not wait for it.
pub(crate) fn prepare_spelling() {
    lev_builder(1);
    lev_builder(2);
}

fn lev_builder(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static TWO: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    let cell = if distance <= 1 { &ONE } else { &TWO };
    cell.get_or_init(|| LevenshteinAutomatonBuilder::new(distance.clamp(1, 2), true))
}

/// How many edits a complete word of this length may have: none up to 4 letters, one up to 8,
/// two beyond.
pub(crate) fn typo_budget(chars: usize) -> u8 {
    match chars {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Most terms of one field and segment looked at for the completions of a prefix: a short
/// prefix of a large vocabulary stops there (completions are then the most frequent of those).
const MAX_PREFIX_SCAN: usize = 500;

/// The sources of a guide's own text. A word that only learned texts hold is still looked up
/// for spelling neighbours among them: people's feedback holds their typos ("trygghetslram"),
/// which must not hide the guide word they meant.
const GUIDE_TEXT: [Source; 2] = [Source::Title, Source::Body];

/// The index's vocabulary: the words, stems and folded stems of every guide, as the term
/// dictionaries of the analysed fields of each form (title, body and learned texts). A term's
/// count is the sum of its document frequencies in those fields: the guides that hold it, a
/// guide that has it in its title as well as its body counted twice.
struct Vocabulary<'a> {
    searcher: &'a Searcher,
    fields: &'a Fields,
    /// Where a dictionary that cannot be read is counted (it then counts as empty).
    errors: &'a ReadErrors,
}

impl<'a> Vocabulary<'a> {
    fn new(searcher: &'a Searcher, fields: &'a Fields, errors: &'a ReadErrors) -> Self {
        Self {
            searcher,
            fields,
            errors,
        }
    }

    /// The fields of the terms of `form`.
    fn fields_of(&self, form: Form) -> impl Iterator<Item = Field> + '_ {
        Source::ALL
            .into_iter()
            .map(move |source| self.fields.analyzed(source, form))
    }

    /// Count of `term` in `form` in the guides' own text (not in learned texts).
    fn doc_freq_in_guides(&self, form: Form, term: &str) -> u64 {
        GUIDE_TEXT
            .iter()
            .map(|&source| self.fields.analyzed(source, form))
            .map(|field| {
                let term = Term::from_field_text(field, term);
                self.errors.or(self.searcher.doc_freq(&term), 0)
            })
            .sum()
    }

    /// Terms of `form` starting with `prefix`, with their counts, and whether a guide's own
    /// text holds any of them (see [`GUIDE_TEXT`]).
    fn with_prefix(&self, form: Form, prefix: &str) -> (HashMap<String, u64>, bool) {
        let mut out: HashMap<String, u64> = HashMap::new();
        let mut in_guides = false;
        for segment in self.searcher.segment_readers() {
            for source in Source::ALL {
                let field = self.fields.analyzed(source, form);
                let index = segment.inverted_index(field);
                let Some(index) = self.errors.or(index.map(Some), None) else {
                    continue;
                };
                let stream = index.terms().range().ge(prefix.as_bytes()).into_stream();
                let Some(mut stream) = self.errors.or(stream.map(Some), None) else {
                    continue;
                };
                let mut scanned = 0;
                while stream.advance() && scanned < MAX_PREFIX_SCAN {
                    scanned += 1;
                    let found = stream.key();
                    if !found.starts_with(prefix.as_bytes()) {
                        break;
                    }
                    if let Ok(term) = std::str::from_utf8(found) {
                        *out.entry(term.to_string()).or_default() +=
                            u64::from(stream.value().doc_freq);
                        in_guides |= GUIDE_TEXT.contains(&source);
                    }
                }
            }
        }
        (out, in_guides)
    }

    /// The terms of `forms` that `dfa` (of a folded word) accepts, each folded as it is read
    /// ([`Folded`]), with their document frequencies.
    fn near(&self, dfa: &DFA, forms: &[Form]) -> HashMap<(Form, String), u64> {
        let mut out: HashMap<(Form, String), u64> = HashMap::new();
        for segment in self.searcher.segment_readers() {
            for &form in forms {
                for field in self.fields_of(form) {
                    let index = segment.inverted_index(field);
                    let Some(index) = self.errors.or(index.map(Some), None) else {
                        continue;
                    };
                    let stream = index.terms().search(Folded(dfa)).into_stream();
                    let Some(mut stream) = self.errors.or(stream.map(Some), None) else {
                        continue;
                    };
                    while stream.advance() {
                        if let Ok(term) = std::str::from_utf8(stream.key()) {
                            *out.entry((form, term.to_string())).or_default() +=
                                u64::from(stream.value().doc_freq);
                        }
                    }
                }
            }
        }
        out
    }
}

/// The most frequent `max` terms, most frequent first (ties by term, for stable results).
fn most_frequent<K: Ord>(terms: HashMap<K, u64>, max: usize) -> Vec<(K, u64)> {
    let mut terms: Vec<(K, u64)> = terms.into_iter().collect();
    terms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    terms.truncate(max);
    terms
}

fn edit_distance(dfa: &DFA, term: &str) -> u8 {
    match dfa.eval(term.as_bytes()) {
        Distance::Exact(d) => d,
        Distance::AtLeast(d) => d,
    }
}

/// What the index adds to one query word: completions of a half-typed word, or the spelling
/// neighbours of a word the index does not know. Depends only on the word, whether it is being
/// typed, the weights and the committed index, so it can be cached per searcher generation.
type Expansion = Vec<(MatchKind, Form, String, f32)>;

/// Gives every word of the plan the alternatives `resolved` returns for it (e.g. [`resolve`]
/// behind a cache), the last typed word first: when a search's budget of spelling searches
/// runs out ([`TypoBudget`]), the words nearest the cursor have had theirs. `resolved` also
/// says whether the word got its whole expansion ([`QueryWord::trimmed`] when not).
pub(crate) fn expand_with(
    plan: &mut QueryPlan,
    mut resolved: impl FnMut(&QueryWord) -> (Vec<Alternative>, bool),
) {
    for qw in plan.words.iter_mut().rev() {
        let (alternatives, whole) = resolved(qw);
        qw.alternatives = alternatives;
        qw.trimmed = !whole;
    }
}

/// The spelling searches (Levenshtein automata over the term dictionaries) one search may run:
/// the costly part of expanding a word, tens of milliseconds for a text of long misspelt words.
/// Words beyond it are searched as typed, their neighbours left out, and not cached, so that a
/// hostile text costs a small multiple of an ordinary keystroke and the next search of the same
/// word, within its own budget, gets its neighbours. A word whose cached expansion took a
/// spelling search takes one from the budget too, so which words get their neighbours does not
/// depend on what earlier searches left in the cache.
#[derive(Debug)]
pub(crate) struct TypoBudget(std::cell::Cell<usize>);

impl TypoBudget {
    /// A budget of `n` spelling searches.
    pub(crate) fn new(n: usize) -> Self {
        Self(std::cell::Cell::new(n))
    }

    /// Spelling searches left.
    pub(crate) fn left(&self) -> usize {
        self.0.get()
    }

    /// Takes one spelling search; false when none is left.
    pub(crate) fn take(&self) -> bool {
        let left = self.0.get();
        if left == 0 {
            return false;
        }
        self.0.set(left - 1);
        true
    }
}

/// A word's final alternatives: its own, plus its [`expansion`], less every term the index does
/// not hold (a term no guide has scores nothing, and the query is smaller without it), with the
/// sources that hold each remaining term. Depends only on the word, whether it is being typed,
/// the analysis settings, the weights and the committed index. What cannot be read is counted
/// in `errors` and counts as absent.
pub(crate) fn resolve(
    qw: &QueryWord,
    searcher: &Searcher,
    fields: &Fields,
    w: &Weights,
    errors: &ReadErrors,
    typos: &TypoBudget,
) -> (Vec<Alternative>, bool) {
    let mut word = qw.clone();
    let (expansion, whole) = expansion(qw, searcher, fields, w, errors, typos);
    for (kind, form, term, boost) in expansion {
        word.add(kind, form, term, boost);
    }
    let held = |form: Form, term: &str| -> u8 {
        let mut bits = 0;
        for (bit, source) in Source::ALL.into_iter().enumerate() {
            let field = fields.analyzed(source, form);
            let doc_freq = searcher.doc_freq(&Term::from_field_text(field, term));
            if errors.or(doc_freq, 0) > 0 {
                bits |= 1 << bit;
            }
        }
        bits
    };
    let mut out = Vec::with_capacity(word.alternatives.len());
    for mut alt in word.alternatives {
        let sources: Vec<u8> = alt
            .terms
            .iter()
            .map(|(form, term)| held(*form, term))
            .collect();
        let mut keep = sources.iter().map(|&bits| bits != 0);
        alt.terms.retain(|_| keep.next().unwrap_or(false));
        alt.sources = sources.into_iter().filter(|&bits| bits != 0).collect();
        if !alt.terms.is_empty() {
            out.push(alt);
        }
    }
    (out, whole)
}

/// The expansion of one query word (see [`Expansion`]).
fn expansion(
    qw: &QueryWord,
    searcher: &Searcher,
    fields: &Fields,
    w: &Weights,
    errors: &ReadErrors,
    typos: &TypoBudget,
) -> (Expansion, bool) {
    let vocab = Vocabulary::new(searcher, fields, errors);
    let mut out = Expansion::new();
    let chars = qw.text.chars().count();
    if qw.prefix {
        if chars < 2 {
            return (out, true);
        }
        let typed = chars as f32;
        let boost_of = |term: &str| {
            let ratio = typed / term.chars().count().max(1) as f32;
            w.prefix_floor + w.prefix_span * ratio.min(1.0)
        };
        let (completions, in_guides) = vocab.with_prefix(Form::Word, &qw.text);
        let completions = most_frequent(completions, w.max_completions);
        let folded = fold(&qw.text);
        let (folded_completions, folded_in_guides) = vocab.with_prefix(Form::Fold, &folded);
        let folded_completions = most_frequent(folded_completions, w.max_completions);
        let found = !completions.is_empty() || !folded_completions.is_empty();
        // Completed only by learned texts, the word may be a typo people made before: its
        // spelling neighbours among the guides' words are looked up as well.
        let found_in_guides = in_guides || folded_in_guides;
        for (term, _) in completions {
            let boost = boost_of(&term);
            out.push((MatchKind::Prefix, Form::Word, term, boost));
        }
        for (term, _) in folded_completions {
            let boost = boost_of(&term) * w.folded;
            out.push((MatchKind::Prefix, Form::Fold, term, boost));
        }
        // Completions of the word typed without å/ä/ö into words that have them.
        if folded != qw.text || !found {
            for (term, _) in
                most_frequent(vocab.with_prefix(Form::Stem, &folded).0, w.max_completions)
            {
                let boost = boost_of(&term) * w.folded;
                out.push((MatchKind::Prefix, Form::Stem, term, boost));
            }
        }
        if !found_in_guides && typo_budget(chars) > 0 {
            if !typos.take() {
                return (out, false);
            }
            let dfa = lev_builder(1).build_prefix_dfa(&folded);
            for ((form, term), _) in
                most_frequent(vocab.near(&dfa, &[Form::Word]), w.max_completions)
            {
                out.push((MatchKind::Typo, form, term, w.fuzzy_prefix));
            }
        }
        return (out, true);
    }
    let budget = typo_budget(chars);
    if budget == 0 || qw.weight < 1.0 {
        return (out, true);
    }
    let known = qw
        .alternatives
        .iter()
        .filter(|a| {
            a.terms.len() == 1
                && matches!(
                    a.kind,
                    MatchKind::Exact | MatchKind::Stemmed | MatchKind::Folded
                )
        })
        .any(|a| {
            let (form, term) = &a.terms[0];
            *form != Form::Part && vocab.doc_freq_in_guides(*form, term) > 0
        });
    if known {
        return (out, true);
    }
    if !typos.take() {
        return (out, false);
    }
    let folded = fold(&qw.text);
    let dfa = lev_builder(budget).build_dfa(&folded);
    let mut neighbours: Vec<(u8, u64, Form, String)> = Vec::new();
    // Word forms, folded and stem forms alike, each term folded as it is read.
    let forms = [Form::Word, Form::Fold, Form::Stem];
    for ((form, term), df) in vocab.near(&dfa, &forms) {
        neighbours.push((edit_distance(&dfa, &fold(&term)), df, form, term));
    }
    neighbours.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.1.cmp(&a.1))
            .then_with(|| a.3.cmp(&b.3))
            .then_with(|| a.2.cmp(&b.2))
    });
    neighbours.truncate(w.max_typo_neighbours);
    for (distance, _, form, term) in neighbours {
        let boost = w.typo[usize::from(distance.clamp(1, 2) - 1)];
        let boost = if form == Form::Word {
            boost
        } else {
            boost * w.folded
        };
        out.push((MatchKind::Typo, form, term, boost));
    }
    (out, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy_fst::{IntoStreamer, Streamer};

    /// Optimal string alignment distance (a swap of adjacent letters is one edit), by the
    /// textbook table: what the Levenshtein DFA with transpositions counts.
    fn osa(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[i - 2][j - 2] + 1);
                }
                d[i][j] = best;
            }
        }
        d[a.len()][b.len()]
    }

    /// The keys of `set` that [`Folded`] over `dfa` accepts, in order.
    fn accepted(set: &tantivy_fst::Map<Vec<u8>>, dfa: &DFA) -> Vec<String> {
        let mut stream = set.search(Folded(dfa)).into_stream();
        let mut found = Vec::new();
        while let Some((term, _)) = stream.next() {
            found.push(String::from_utf8(term.to_vec()).unwrap());
        }
        found
    }

    #[test]
    fn the_folded_automaton_accepts_the_terms_near_once_both_are_folded() {
        let mut terms = vec![
            "hemtjänstmobilen",
            "hemtjanstmobilen",
            "hemtjänstmobil",
            "hemtjanstmobil",
            "hemtjänstmobilens",
            "hämtjänstmöbilen",
            "hemtjänst",
            "mobilen",
            "hemtjänstmobiler",
            "hemtjänstmobilerna",
            "hemtjänstmöbelen",
            "hemtjänstmobilén",
            "hemtjänstmobilen€",
            "hemtjänstmobil😀n",
            "hemtjänstmobißen",
            "ehmtjänstmobilen",
            "hemtjänstombilen",
            "lösenordet",
            "losenordet",
            "lösenord",
            "lösenorden",
            "lösen",
            "lösenordsbyte",
            "läsenordet",
            "lösnordet",
            "lösenordét",
            "ösenordet",
            "løsenordet",
        ];
        terms.sort_unstable();
        terms.dedup();
        let set = tantivy_fst::Map::from_iter(terms.iter().map(|t| (t, 0u64))).unwrap();
        for (word, edits) in [
            ("hemtjänstmobilen", 2),
            ("hemtjanstmobilen", 2),
            ("hemtjänstmobilen", 1),
            ("lösenordet", 2),
            ("losenordet", 1),
        ] {
            let folded = fold(word);
            let dfa = lev_builder(edits).build_dfa(&folded);
            let found = accepted(&set, &dfa);
            let expected: Vec<String> = terms
                .iter()
                .filter(|t| osa(&fold(t), &folded) <= usize::from(edits))
                .map(|t| t.to_string())
                .collect();
            assert_eq!(found, expected, "{word}, {edits} edits");
            // And the distance each is ranked by is that of the folded forms.
            for term in &found {
                assert_eq!(
                    usize::from(edit_distance(&dfa, &fold(term))),
                    osa(&fold(term), &folded),
                    "{term}"
                );
            }
        }
        // Folding is what lets these in: a word form with ö where the typed word has o, and one
        // edit besides (two edits as written).
        let dfa = lev_builder(1).build_dfa("losenordet");
        let found = accepted(&set, &dfa);
        for term in ["lösenorden", "lösnordet"] {
            assert!(found.contains(&term.to_string()), "{found:?}");
        }
        // A half-typed word: "losne" is one edit from the start of every "lösen…" once folded.
        let dfa = lev_builder(1).build_prefix_dfa("losne");
        let found = accepted(&set, &dfa);
        for term in ["lösenord", "lösenordsbyte", "losenordet", "lösen"] {
            assert!(found.contains(&term.to_string()), "{found:?}");
        }
        assert!(
            found.iter().all(|t| fold(t).starts_with("los")),
            "{found:?}"
        );
    }
}
