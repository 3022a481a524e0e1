//! Stage 1, **Plan**: the typed text's words and every way each may match.
//!
//! [`plan`] analyses the text as typed (cut at [`MAX_QUERY_BYTES`] and [`MAX_QUERY_WORDS`]) into
//! [`QueryWord`]s, each with its [`Alternative`]s: the word itself, its stems, its forms without
//! å/ä/ö, compound parts, synonyms; and into the [`Pair`]s of adjacent words. Then
//! [`expand`] adds what only the index can tell, against its dictionaries: completions
//! of the half-typed last word, spelling neighbours of words the index does not know, and drops
//! every term no guide holds. [`Weights`] holds every boost the ranking uses.
//!
//! The score the later stages compute from a plan:
//!
//! ```text
//! score(guide) = Σ over query words of weight(word) × max over the word's alternatives of
//!                boost(alternative) × BM25(alternative's terms in title, body and learned texts)
//!                (+ tie breaker × the other alternatives), plus adjacent-pair matches
//! ```
//!
//! The max keeps a word from counting twice (its exact and its stemmed form match the same
//! guide) while the boosts rank exact above stemmed above folded above typo.

pub(crate) mod expand;
mod weights;

use serde::Serialize;

pub use weights::Weights;

use super::schema::Form;
use crate::text::analyzer::{compound_pair_term, pair_term, Analyzer};
use crate::text::fold::fold;
use crate::text::stem::stems;
use crate::text::synonyms::Synonyms;
use crate::text::thesaurus::Thesaurus;
use crate::text::tokenize::same_sentence;
use crate::text::{MAX_QUERY_BYTES, MAX_QUERY_WORDS};

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
    /// Near in meaning (the semantic stage): the guide word, or learned text, whose vector is
    /// closest to the typed word's.
    Related,
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
            MatchKind::Related => "related",
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
    pub(crate) boost: f32,
    /// Per term, the sources that hold it in the index: bit 0 title, bit 1 body, bit 2 learned
    /// ([`ALL_SOURCES`] until [`expand::resolve`] has looked).
    pub(crate) sources: Vec<u8>,
}

/// Every source, as a bit set of [`Alternative::sources`].
pub(crate) const ALL_SOURCES: u8 = 0b111;

/// One word of the query with all the ways it may match.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryWord {
    /// The word as typed, normalised.
    pub text: String,
    /// Its weight (stop words weigh less).
    pub(crate) weight: f32,
    /// True for the half-typed last word.
    pub(crate) prefix: bool,
    /// Every way the word may match.
    pub alternatives: Vec<Alternative>,
    /// Number of the typed word (token) it was first typed as.
    pub(crate) at: usize,
    /// True when the search's budget of spelling searches ran out before this word's
    /// ([`expand::TypoBudget`]): its neighbours were not looked for.
    pub(crate) trimmed: bool,
}

/// Two adjacent query words, or two parts of a typed compound, looked for together.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pair {
    /// The pair's term (see [`pair_term`] and [`compound_pair_term`]).
    pub(crate) term: String,
    /// Its weight.
    pub(crate) weight: f32,
    /// Number of the typed word (token) that completed it.
    pub(crate) at: usize,
    /// The typed words (as in [`QueryWord::text`]) the pair joins: two adjacent words, or one
    /// compound whose parts it is. What explains a guide found by the pair alone.
    pub(crate) words: Vec<String>,
}

/// The plan of a typed text (stage 1): its words with every way each may match, and the pairs
/// of adjacent words.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryPlan {
    /// The distinct words, in typed order.
    pub words: Vec<QueryWord>,
    /// Adjacent stem pairs of words (and of compound parts), in typed order.
    pub(crate) pairs: Vec<Pair>,
    /// Leading typed words whose words and pairs stay as they are while the text grows: all
    /// but the word being typed, whose scores are kept from one keystroke to the next (see
    /// [`KeptScores`](crate::guide::search::KeptScores)).
    pub(crate) kept_tokens: usize,
}

impl QueryPlan {
    /// True when nothing can match.
    pub(crate) fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// The text cut at [`MAX_QUERY_BYTES`] (at a character boundary): what a search reads of it.
pub(crate) fn cut(text: &str) -> &str {
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
    /// True for a word that is not a stop word (its weight is full).
    pub(crate) fn is_content(&self) -> bool {
        self.weight >= 1.0
    }

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

/// Plans the query for text exactly as typed so far, analysed by `analyzer`.
pub(crate) fn plan(
    text: &str,
    analyzer: &mut Analyzer<'_>,
    synonyms: &Synonyms,
    thesaurus: Option<&Thesaurus>,
    w: &Weights,
) -> QueryPlan {
    let cut_text = cut(text);
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
            trimmed: false,
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
            // The thesaurus's synonyms (their stems: they find every inflection) join once the
            // word is complete; each prefix of a word being typed would search its own.
            if let Some(thesaurus) = thesaurus.filter(|_| w.thesaurus > 0.0 && !prefix) {
                for stem in thesaurus.synonym_stems(&surface) {
                    qw.add(MatchKind::Synonym, Form::Stem, stem.clone(), w.thesaurus);
                }
            }
        }
        plan.words.push(qw);
    }
    // Adjacent pairs of words of one sentence: "logga ut", "stänga av", "fungerar inte"; a
    // function word's pair ("kan jag") finds only learned texts (`Source::pairs`). The
    // word being typed takes part as typed so far: once complete it pairs, before that its pair
    // matches nothing. Words written apart may be a compound in the guide ("lösenord byte":
    // "lösenordsbyte"), and a typed compound may be written apart in the guide. Each pair belongs to the word
    // that completes it; a pair found twice in a row counts once (a pair repeated later in the
    // text counts again, as a repeated phrase says more).
    for (at, token) in tokens.iter().enumerate() {
        let mut found: Vec<(String, f32, Vec<String>)> = Vec::new();
        if at > 0 && same_sentence(cut_text, &tokens[at - 1].word, &token.word) {
            let before = &tokens[at - 1];
            let (a, b) = (before.stem(), token.stem());
            let words = vec![before.surface().to_string(), token.surface().to_string()];
            found.push((pair_term(a, b), w.pair, words.clone()));
            if !before.forms.stop && !token.forms.stop {
                found.push((compound_pair_term(a, b), w.compound_pair, words));
            }
        }
        for heads in token.forms.part_heads.windows(2) {
            let words = vec![token.surface().to_string()];
            let (a, b) = (&heads[0], &heads[1]);
            found.push((compound_pair_term(a, b), w.compound_pair, words.clone()));
            found.push((pair_term(a, b), w.pair, words));
        }
        for (term, weight, words) in found {
            if plan.pairs.last().is_none_or(|p| p.term != term) {
                plan.pairs.push(Pair {
                    term,
                    weight,
                    at,
                    words,
                });
            }
        }
    }
    plan.kept_tokens = if typing_last { n - 1 } else { n };
    plan
}

#[cfg(test)]
mod tests {
    use super::expand::typo_budget;
    use super::*;

    fn plan_of(text: &str) -> QueryPlan {
        plan(
            text,
            &mut Analyzer::new(&crate::text::compound::Lexicon::new()),
            &Synonyms::bundled(),
            None,
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
