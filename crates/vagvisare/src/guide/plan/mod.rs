//! From typed text to a query: plan the alternatives of every word (exact, stemmed, folded,
//! compound part, synonym), expand the half-typed last word and misspelt words against the
//! index's own vocabulary, and build the Tantivy query that finds the candidates.
//!
//! Score of a guide = Σ over query words of weight(word) × max over the word's alternatives of
//! boost(alternative) × BM25(alternative's terms in title and body), plus adjacent-pair matches.
//! The max keeps a word from counting twice (its exact and its stemmed form match the same guide)
//! while the boosts rank exact above stemmed above folded above typo.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA, SINK_STATE};
use serde::Serialize;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};
use tantivy_fst::Automaton;

use super::schema::{Fields, Form, Source, EVERYONE};
use super::sum::SumQuery;
use crate::text::analyzer::{compound_pair_term, pair_term, Analyzer};
use crate::text::compound::Lexicon;
use crate::text::fold::fold;
use crate::text::stem::stems;
use crate::text::synonyms::Synonyms;
use crate::text::tokenize::same_sentence;

/// Typed text beyond this many bytes is ignored (cut at a character boundary).
pub const MAX_QUERY_BYTES: usize = 2048;
/// Words beyond this many are ignored.
pub const MAX_QUERY_WORDS: usize = 64;

/// How a query word matched a guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The same word.
    Exact,
    /// Another inflection of the same word.
    Stemmed,
    /// The same word but for å/ä/ö.
    Folded,
    /// A part of a compound (or a compound of the typed parts).
    CompoundPart,
    /// A synonym from the portal's synonym file.
    Synonym,
    /// A word one or two edits away.
    Typo,
    /// A completion of the half-typed last word.
    Prefix,
    /// A text people typed before this guide helped them (learned from feedback).
    Learned,
}

impl MatchKind {
    /// The kind's name as shown to editors.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Stemmed => "stemmed",
            MatchKind::Folded => "folded",
            MatchKind::CompoundPart => "compound_part",
            MatchKind::Synonym => "synonym",
            MatchKind::Typo => "typo",
            MatchKind::Prefix => "prefix",
            MatchKind::Learned => "learned",
        }
    }
}

/// Boosts of the ranking. One place, tuned on the evaluation sets (see README).
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// The word as typed.
    pub exact: f32,
    /// Another inflection (same stem).
    pub stemmed: f32,
    /// The same word but for å/ä/ö (multiplies typo and prefix boosts of folded terms too).
    pub folded: f32,
    /// The word as a part of a guide's compound, or the typed compound's parts.
    pub part: f32,
    /// A synonym from the synonym file.
    pub synonym: f32,
    /// A spelling neighbour one and two edits away.
    pub typo: [f32; 2],
    /// A completion is worth `prefix_floor + prefix_span × typed/complete length`.
    pub prefix_floor: f32,
    /// See `prefix_floor`.
    pub prefix_span: f32,
    /// A completion of a half-typed word that needed one edit.
    pub fuzzy_prefix: f32,
    /// Weight of a stop word (weighs less, never vanishes).
    pub stop_word: f32,
    /// Two adjacent query words adjacent in the guide.
    pub pair: f32,
    /// Two adjacent query words matching the parts of one compound of the guide.
    pub compound_pair: f32,
    /// A match in the title or keywords.
    pub title: f32,
    /// A match in the body.
    pub body: f32,
    /// A match in the texts learned from feedback.
    pub learned: f32,
    /// Share of a word's other alternatives' scores added to its best one.
    pub tie_breaker: f32,
    /// Most completions of the last word that are searched.
    pub max_completions: usize,
    /// Most spelling neighbours of a word that are searched.
    pub max_typo_neighbours: usize,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            exact: 1.0,
            stemmed: 0.9,
            folded: 0.75,
            part: 0.6,
            synonym: 0.8,
            typo: [0.6, 0.45],
            prefix_floor: 0.55,
            prefix_span: 0.35,
            fuzzy_prefix: 0.4,
            stop_word: 0.5,
            pair: 0.3,
            compound_pair: 0.9,
            title: 1.5,
            body: 1.0,
            learned: 0.3,
            tie_breaker: 0.1,
            max_completions: 24,
            max_typo_neighbours: 8,
        }
    }
}

/// One way a query word may match: terms (summed) in one form's fields, and the boost it gets.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    /// How the word matches this way.
    pub kind: MatchKind,
    /// The terms looked for, each in its form's fields (scores add up).
    pub terms: Vec<(Form, String)>,
    /// Boost of this way of matching.
    pub boost: f32,
    /// Per term, the sources that hold it in the index: bit 0 title, bit 1 body, bit 2 learned
    /// ([`ALL_SOURCES`] until [`resolve`] has looked).
    pub sources: Vec<u8>,
}

/// Every source, as a bit set of [`Alternative::sources`].
pub const ALL_SOURCES: u8 = 0b111;

/// One word of the query with all the ways it may match.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryWord {
    /// The word as typed, normalised.
    pub text: String,
    /// Its weight (stop words weigh less).
    pub weight: f32,
    /// True for the half-typed last word.
    pub prefix: bool,
    /// Every way the word may match.
    pub alternatives: Vec<Alternative>,
    /// Number of the typed word (token) it was first typed as.
    pub at: usize,
}

/// Two adjacent query words, or two parts of a typed compound, looked for together.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// The pair's term (see [`pair_term`] and [`compound_pair_term`]).
    pub term: String,
    /// Its weight.
    pub weight: f32,
    /// Number of the typed word (token) that completed it.
    pub at: usize,
}

/// The analysed query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryPlan {
    /// The distinct words, in typed order.
    pub words: Vec<QueryWord>,
    /// Adjacent stem pairs of words (and of compound parts), in typed order.
    pub pairs: Vec<Pair>,
    /// Leading typed words whose words and pairs stay as they are while the text grows: all
    /// but the word being typed (see [`settled`](super::settled)).
    pub settled_tokens: usize,
}

impl QueryPlan {
    /// True when nothing can match.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

fn cut(text: &str) -> &str {
    if text.len() <= MAX_QUERY_BYTES {
        return text;
    }
    let mut end = MAX_QUERY_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl QueryWord {
    fn add(&mut self, kind: MatchKind, form: Form, term: String, boost: f32) {
        let exists = self
            .alternatives
            .iter_mut()
            .find(|a| a.terms.len() == 1 && a.terms[0].0 == form && a.terms[0].1 == term);
        match exists {
            Some(a) if a.boost >= boost => {}
            Some(a) => {
                a.boost = boost;
                a.kind = kind;
            }
            None => self.alternatives.push(Alternative {
                kind,
                terms: vec![(form, term)],
                boost,
                sources: vec![ALL_SOURCES],
            }),
        }
    }
}

/// Plans the query for text exactly as typed so far.
pub fn plan(text: &str, lexicon: &Lexicon, synonyms: &Synonyms, w: &Weights) -> QueryPlan {
    let cut_text = cut(text);
    let mut analyzer = Analyzer::new(lexicon);
    let mut tokens = analyzer.analyze(cut_text);
    tokens.truncate(MAX_QUERY_WORDS);
    let typing_last =
        cut_text.len() == text.len() && tokens.last().is_some_and(|t| t.word.end == text.len());
    let mut plan = QueryPlan::default();
    let n = tokens.len();
    for (i, token) in tokens.iter().enumerate() {
        let prefix = typing_last && i + 1 == n;
        let surface = token.surface().to_string();
        if let Some(existing) = plan.words.iter_mut().find(|qw| qw.text == surface) {
            // A repeated word counts once; a complete repeat makes it complete.
            existing.prefix &= prefix;
            continue;
        }
        let forms = &token.forms;
        let mut qw = QueryWord {
            text: surface.clone(),
            weight: if forms.stop { w.stop_word } else { 1.0 },
            prefix,
            alternatives: Vec::new(),
            at: i,
        };
        qw.add(MatchKind::Exact, Form::Word, surface.clone(), w.exact);
        for stem in &forms.stems {
            qw.add(MatchKind::Stemmed, Form::Stem, stem.clone(), w.stemmed);
        }
        // Second tier: without å/ä/ö, on either side.
        let folded_surface = fold(&surface);
        let mut folded_stems: Vec<String> = stems(&folded_surface);
        for s in &forms.stems {
            let f = fold(s);
            if !folded_stems.contains(&f) {
                folded_stems.push(f);
            }
        }
        for f in &folded_stems {
            qw.add(MatchKind::Folded, Form::Fold, f.clone(), w.folded);
            if !forms.stems.contains(f) {
                qw.add(MatchKind::Folded, Form::Stem, f.clone(), w.folded);
            }
        }
        if !forms.stop {
            // The word as a part of a guide's compound.
            for stem in forms.stems.iter().chain(folded_stems.iter()) {
                qw.add(MatchKind::CompoundPart, Form::Part, stem.clone(), w.part);
            }
            // The word's own parts, all of them, in the guide.
            if forms.part_heads.len() >= 2 {
                qw.alternatives.push(Alternative {
                    kind: MatchKind::CompoundPart,
                    terms: forms
                        .part_heads
                        .iter()
                        .map(|p| (Form::Stem, p.clone()))
                        .collect(),
                    boost: w.part / forms.part_heads.len() as f32,
                    sources: vec![ALL_SOURCES; forms.part_heads.len()],
                });
            }
            for synonym in synonyms.expand(&surface) {
                for stem in stems(&synonym) {
                    qw.add(MatchKind::Synonym, Form::Stem, stem, w.synonym);
                }
                qw.add(MatchKind::Synonym, Form::Word, synonym, w.synonym);
            }
        }
        plan.words.push(qw);
    }
    // Adjacent pairs of words of one sentence: "logga ut", "stänga av", "fungerar inte". The
    // word being typed takes part as typed so far: once complete it pairs, before that its pair
    // matches nothing. Words written apart may be a compound in the guide ("lösenord byte":
    // "lösenordsbyte"), and a typed compound may be written apart in the guide. Each pair belongs to the word
    // that completes it; a pair found twice in a row counts once (a pair repeated later in the
    // text counts again, as a repeated phrase says more).
    for (at, token) in tokens.iter().enumerate() {
        let mut found: Vec<(String, f32)> = Vec::new();
        if at > 0 && same_sentence(cut_text, &tokens[at - 1].word, &token.word) {
            let before = &tokens[at - 1];
            let (a, b) = (before.stem(), token.stem());
            found.push((pair_term(a, b), w.pair));
            if !before.forms.stop && !token.forms.stop {
                found.push((compound_pair_term(a, b), w.compound_pair));
            }
        }
        for heads in token.forms.part_heads.windows(2) {
            found.push((compound_pair_term(&heads[0], &heads[1]), w.compound_pair));
            found.push((pair_term(&heads[0], &heads[1]), w.pair));
        }
        for (term, weight) in found {
            if plan.pairs.last().is_none_or(|p| p.term != term) {
                plan.pairs.push(Pair { term, weight, at });
            }
        }
    }
    plan.settled_tokens = if typing_last { n - 1 } else { n };
    plan
}

/// A Levenshtein DFA as an automaton over a term dictionary.
struct Lev<'a>(&'a DFA);

impl Automaton for Lev<'_> {
    type State = u32;
    fn start(&self) -> u32 {
        self.0.initial_state()
    }
    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }
    fn can_match(&self, state: &u32) -> bool {
        *state != SINK_STATE
    }
    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

fn lev_builder(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static TWO: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    let cell = if distance <= 1 { &ONE } else { &TWO };
    cell.get_or_init(|| LevenshteinAutomatonBuilder::new(distance.clamp(1, 2), true))
}

/// How many edits a complete word of this length may have: none up to 4 letters, one up to 8,
/// two beyond.
pub fn typo_budget(chars: usize) -> u8 {
    match chars {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Most terms of one field and segment looked at for the completions of a prefix: a short
/// prefix of a large vocabulary stops there (completions are then the most frequent of those).
const MAX_PREFIX_SCAN: usize = 500;

/// The index's vocabulary: the words, stems and folded stems of every guide, as the term
/// dictionaries of the analysed fields of each form (title, body and learned texts). A term's
/// count is the sum of its document frequencies in those fields: the guides that hold it, a
/// guide that has it in its title as well as its body counted twice.
struct Vocabulary<'a> {
    searcher: &'a Searcher,
    fields: &'a Fields,
}

impl<'a> Vocabulary<'a> {
    fn new(searcher: &'a Searcher, fields: &'a Fields) -> Self {
        Self { searcher, fields }
    }

    /// The fields of the terms of `form`.
    fn fields_of(&self, form: Form) -> impl Iterator<Item = Field> + '_ {
        Source::ALL
            .into_iter()
            .map(move |source| self.fields.analyzed(source, form))
    }

    /// Count of `term` in `form`.
    fn doc_freq(&self, form: Form, term: &str) -> u64 {
        self.fields_of(form)
            .map(|field| {
                let term = Term::from_field_text(field, term);
                self.searcher.doc_freq(&term).unwrap_or(0)
            })
            .sum()
    }

    /// Terms of `form` starting with `prefix`, with their counts.
    fn with_prefix(&self, form: Form, prefix: &str) -> HashMap<String, u64> {
        let mut out: HashMap<String, u64> = HashMap::new();
        for segment in self.searcher.segment_readers() {
            for field in self.fields_of(form) {
                let Ok(index) = segment.inverted_index(field) else {
                    continue;
                };
                let Ok(mut stream) = index.terms().range().ge(prefix.as_bytes()).into_stream()
                else {
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
                    }
                }
            }
        }
        out
    }

    /// Terms of any of `forms` the DFA accepts, with their form and counts.
    fn near(&self, dfa: &DFA, forms: &[Form]) -> HashMap<(Form, String), u64> {
        let mut out: HashMap<(Form, String), u64> = HashMap::new();
        for segment in self.searcher.segment_readers() {
            for &form in forms {
                for field in self.fields_of(form) {
                    let Ok(index) = segment.inverted_index(field) else {
                        continue;
                    };
                    let Ok(mut stream) = index.terms().search(Lev(dfa)).into_stream() else {
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
pub type Expansion = Vec<(MatchKind, Form, String, f32)>;

/// Gives every word of the plan the alternatives `resolved` returns for it (e.g. [`resolve`]
/// behind a cache).
pub fn expand_with(
    plan: &mut QueryPlan,
    mut resolved: impl FnMut(&QueryWord) -> Arc<Vec<Alternative>>,
) {
    for qw in &mut plan.words {
        qw.alternatives = resolved(qw).as_ref().clone();
    }
}

/// Adds what only the index can tell to every word, uncached (see [`resolve`]).
pub fn expand(plan: &mut QueryPlan, searcher: &Searcher, fields: &Fields, w: &Weights) {
    expand_with(plan, |qw| Arc::new(resolve(qw, searcher, fields, w)));
}

/// A word's final alternatives: its own, plus its [`expansion`], less every term the index does
/// not hold (a term no guide has scores nothing, and the query is smaller without it), with the
/// sources that hold each remaining term. Depends only on the word, whether it is being typed,
/// the analysis settings, the weights and the committed index.
pub fn resolve(
    qw: &QueryWord,
    searcher: &Searcher,
    fields: &Fields,
    w: &Weights,
) -> Vec<Alternative> {
    let mut word = qw.clone();
    for (kind, form, term, boost) in expansion(qw, searcher, fields, w) {
        word.add(kind, form, term, boost);
    }
    let held = |form: Form, term: &str| -> u8 {
        let mut bits = 0;
        for (bit, source) in Source::ALL.into_iter().enumerate() {
            let field = fields.analyzed(source, form);
            if searcher
                .doc_freq(&Term::from_field_text(field, term))
                .unwrap_or(0)
                > 0
            {
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
    out
}

/// The expansion of one query word (see [`Expansion`]).
pub fn expansion(qw: &QueryWord, searcher: &Searcher, fields: &Fields, w: &Weights) -> Expansion {
    let vocab = Vocabulary::new(searcher, fields);
    let mut out = Expansion::new();
    let chars = qw.text.chars().count();
    if qw.prefix {
        if chars < 2 {
            return out;
        }
        let typed = chars as f32;
        let boost_of = |term: &str| {
            let ratio = typed / term.chars().count().max(1) as f32;
            w.prefix_floor + w.prefix_span * ratio.min(1.0)
        };
        let completions = most_frequent(vocab.with_prefix(Form::Word, &qw.text), w.max_completions);
        let folded = fold(&qw.text);
        let folded_completions =
            most_frequent(vocab.with_prefix(Form::Fold, &folded), w.max_completions);
        let found = !completions.is_empty() || !folded_completions.is_empty();
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
                most_frequent(vocab.with_prefix(Form::Stem, &folded), w.max_completions)
            {
                let boost = boost_of(&term) * w.folded;
                out.push((MatchKind::Prefix, Form::Stem, term, boost));
            }
        }
        if !found && typo_budget(chars) > 0 {
            let dfa = lev_builder(1).build_prefix_dfa(&qw.text);
            for ((form, term), _) in
                most_frequent(vocab.near(&dfa, &[Form::Word]), w.max_completions)
            {
                out.push((MatchKind::Typo, form, term, w.fuzzy_prefix));
            }
        }
        return out;
    }
    let budget = typo_budget(chars);
    if budget == 0 || qw.weight < 1.0 {
        return out;
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
            *form != Form::Part && vocab.doc_freq(*form, term) > 0
        });
    if known {
        return out;
    }
    let dfa = lev_builder(budget).build_dfa(&qw.text);
    let folded = fold(&qw.text);
    let folded_dfa = lev_builder(budget).build_dfa(&folded);
    let mut neighbours: Vec<(u8, u64, Form, String)> = Vec::new();
    for ((form, term), df) in vocab.near(&dfa, &[Form::Word]) {
        neighbours.push((edit_distance(&dfa, &term), df, form, term));
    }
    // Folded stems, and stems of words without å/ä/ö (which have no folded entry of their own).
    for ((form, term), df) in vocab.near(&folded_dfa, &[Form::Fold, Form::Stem]) {
        neighbours.push((edit_distance(&folded_dfa, &term), df, form, term));
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
    out
}

/// Filters on what a person may be shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Only guides in one of these categories (or below them). Empty: all.
    pub categories: Vec<String>,
    /// Only guides for everyone or for one of these audiences. Empty: all guides.
    pub audiences: Vec<String>,
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn any_of(field: Field, keys: impl Iterator<Item = String>) -> Box<dyn Query> {
    let clauses: Vec<(Occur, Box<dyn Query>)> = keys
        .map(|k| (Occur::Should, term_query(field, &k)))
        .collect();
    Box::new(ConstScoreQuery::new(
        Box::new(BooleanQuery::new(clauses)),
        0.0,
    ))
}

/// The terms an alternative of a word is scored by: each term in the field of each source that
/// holds it, with the alternative's boost times the source's.
pub fn scored_terms<'a>(
    alt: &'a Alternative,
    fields: &Fields,
    w: &Weights,
) -> Vec<(Field, &'a str, f32)> {
    let mut terms = Vec::new();
    for ((form, term), &held) in alt.terms.iter().zip(&alt.sources) {
        for (bit, source) in Source::ALL.into_iter().enumerate() {
            if held & (1 << bit) == 0 {
                continue;
            }
            let boost = match source {
                Source::Title => w.title,
                Source::Body => w.body,
                Source::Learned => w.learned,
            };
            terms.push((
                fields.analyzed(source, *form),
                term.as_str(),
                boost * alt.boost,
            ));
        }
    }
    terms
}

/// The Tantivy query of a plan and filters.
pub fn to_query(
    plan: &QueryPlan,
    fields: &Fields,
    w: &Weights,
    filters: &Filters,
) -> Box<dyn Query> {
    let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for qw in plan.words.iter().filter(|qw| !qw.alternatives.is_empty()) {
        let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
        for alt in &qw.alternatives {
            let mut parts: Vec<Box<dyn Query>> = Vec::new();
            for (field, term, boost) in scored_terms(alt, fields, w) {
                let q = term_query(field, term);
                parts.push(Box::new(BoostQuery::new(q, boost)));
            }
            match parts.len() {
                0 => {}
                1 => alternatives.extend(parts),
                _ => alternatives.push(Box::new(SumQuery::new(parts))),
            }
        }
        let dismax = DisjunctionMaxQuery::with_tie_breaker(alternatives, w.tie_breaker);
        should.push((
            Occur::Should,
            Box::new(BoostQuery::new(Box::new(dismax), qw.weight)),
        ));
    }
    for pair in &plan.pairs {
        should.push((
            Occur::Should,
            Box::new(BoostQuery::new(
                term_query(fields.pair, &pair.term),
                pair.weight,
            )),
        ));
    }
    let text_query: Box<dyn Query> = Box::new(BooleanQuery::new(should));
    match filter_query(fields, filters) {
        None => text_query,
        Some(filter) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, text_query),
            (Occur::Must, filter),
        ])),
    }
}

/// The query of the guides the filters let through (scoring nothing), `None` without filters.
pub fn filter_query(fields: &Fields, filters: &Filters) -> Option<Box<dyn Query>> {
    if filters.categories.is_empty() && filters.audiences.is_empty() {
        return None;
    }
    let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !filters.categories.is_empty() {
        let keys = filters
            .categories
            .iter()
            .filter_map(|c| super::model::category_keys(c).pop());
        must.push((Occur::Must, any_of(fields.category_key, keys)));
    }
    if !filters.audiences.is_empty() {
        let keys = filters
            .audiences
            .iter()
            .map(|a| super::model::audience_key(a))
            .chain(std::iter::once(EVERYONE.to_string()));
        must.push((Occur::Must, any_of(fields.audience_key, keys)));
    }
    Some(Box::new(BooleanQuery::new(must)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(text: &str) -> QueryPlan {
        plan(
            text,
            &Lexicon::new(),
            &Synonyms::bundled(),
            &Weights::default(),
        )
    }

    #[test]
    fn last_word_is_a_prefix_only_while_typed() {
        let p = plan_of("glömt lösen");
        assert!(!p.words[0].prefix);
        assert!(p.words[1].prefix);
        assert!(!plan_of("glömt lösen ").words[1].prefix);
        assert!(!plan_of("glömt lösen?").words[1].prefix);
    }

    #[test]
    fn stop_words_weigh_less_but_stay() {
        let p = plan_of("logga ut");
        assert_eq!(p.words.len(), 2);
        assert!(p.words[1].weight < p.words[0].weight);
        assert!(p.words[1].weight > 0.0);
        let terms = |p: &QueryPlan| -> Vec<(String, f32)> {
            p.pairs.iter().map(|p| (p.term.clone(), p.weight)).collect()
        };
        assert_eq!(terms(&p), [("logg ut".to_string(), 0.3)]);
        assert!(plan_of("logga u").pairs.iter().all(|p| p.term != "logg ut"));
        assert_eq!(terms(&plan_of("logga ut ")), [("logg ut".to_string(), 0.3)]);
    }

    #[test]
    fn words_pair_only_within_a_sentence() {
        let terms = |text: &str| -> Vec<String> {
            plan_of(text).pairs.iter().map(|p| p.term.clone()).collect()
        };
        assert_eq!(terms("Hej! Logga ut"), ["logg ut"]);
        assert!(
            terms("hej logga ut").len() > 1,
            "{:?}",
            terms("hej logga ut")
        );
    }

    #[test]
    fn synonyms_and_folded_forms_are_alternatives() {
        let p = plan_of("mejl ");
        let kinds: Vec<_> = p.words[0]
            .alternatives
            .iter()
            .map(|a| (a.kind, a.terms[0].1.clone()))
            .collect();
        assert!(
            kinds.contains(&(MatchKind::Synonym, "epost".into())),
            "{kinds:?}"
        );
        let p = plan_of("losenord ");
        assert!(p.words[0]
            .alternatives
            .iter()
            .any(|a| a.kind == MatchKind::Folded && a.terms[0].1 == "losenord"));
    }

    #[test]
    fn repeated_words_count_once() {
        assert_eq!(plan_of("lösenord lösenord lösenord").words.len(), 1);
    }

    #[test]
    fn huge_input_is_cut() {
        let text = "lösenord ".repeat(200_000);
        let p = plan_of(&text);
        assert_eq!(p.words.len(), 1);
        let many: String = (0..500).map(|i| format!("ord{i} ")).collect();
        assert_eq!(plan_of(&many).words.len(), MAX_QUERY_WORDS);
    }

    #[test]
    fn typo_budget_grows_with_length() {
        assert_eq!(typo_budget(4), 0);
        assert_eq!(typo_budget(5), 1);
        assert_eq!(typo_budget(9), 2);
    }
}
