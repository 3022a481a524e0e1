//! Stage 3, **Scoring**: the plan as terms grouped into alternatives and clauses, and the BM25
//! weight of every term.

use std::collections::HashMap;
use std::ops::Range;

use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Score, Searcher, Term};

use super::bm25::{norms, Bm25, Norms, K1};

use crate::guide::index::ReadErrors;
use crate::guide::plan::{Alternative, QueryPlan, Weights};
use crate::guide::schema::{Fields, Form, Source, PASSAGE};

/// One term of the score: which clause and alternative it belongs to and its boost.
#[derive(Debug, Clone)]
pub(super) struct ScoredTerm {
    pub(super) term: Term,
    pub(super) clause: usize,
    pub(super) alternative: usize,
    /// Alternative boost × source boost (the clause weight is applied per clause).
    boost: Score,
}

/// A clause of the score: a query word with its alternatives, or an adjacent pair.
#[derive(Debug, Clone)]
pub(super) struct Clause {
    pub(super) weight: Score,
}

/// What a clause is, as far as its score over the guides of one committed state goes: a query
/// word (whose alternatives that state resolves) or a pair, with its weight.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ClauseKey {
    /// A query word, its weight's bits, whether it is being typed, and whether its expansion
    /// was trimmed by a search's budget (its score differs from the whole one's).
    Word(String, u32, bool, bool),
    /// A pair term and its weight's bits.
    Pair(String, u32),
}

/// The score of a plan, as terms grouped into alternatives and clauses.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scoring {
    pub(super) terms: Vec<ScoredTerm>,
    pub(super) clauses: Vec<Clause>,
    /// Number of alternatives (of every clause).
    alternatives: usize,
    pub(super) tie_breaker: Score,
    /// Per clause, what it is.
    pub(super) keys: Vec<ClauseKey>,
    /// Per clause, the typed word (token) that brought it; clauses are in this order.
    pub(super) token: Vec<usize>,
    /// The leading clauses that stay as they are while the text grows, whose scores are kept
    /// ([`super::kept`]).
    pub(super) kept: usize,
    /// The learned fields, whose average length is over the passages alone, and the term that
    /// counts the passages.
    learned: Option<([Field; 4], Term)>,
    /// The learned fields' term-frequency saturation ([`Weights::learned_k1`]).
    learned_k1: Score,
    /// The pair field (in guides and passages alike).
    pair_field: Option<Field>,
}

impl Scoring {
    /// The terms, alternatives and clauses of a plan's score, in the order the words were
    /// typed: each word, then the pairs it completes.
    pub(crate) fn of(plan: &QueryPlan, fields: &Fields, w: &Weights) -> Self {
        let mut scoring = Scoring {
            tie_breaker: w.tie_breaker,
            learned: Some((
                Form::ALL.map(|form| fields.analyzed(Source::Learned, form)),
                Term::from_field_text(fields.passage, PASSAGE),
            )),
            learned_k1: w.learned_k1,
            pair_field: Some(fields.pair),
            ..Scoring::default()
        };
        let mut pairs = plan.pairs.iter().peekable();
        let mut words = plan.words.iter().peekable();
        loop {
            let word_first = match (words.peek(), pairs.peek()) {
                (Some(qw), Some(pair)) => qw.at <= pair.at,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if word_first {
                let Some(qw) = words.next() else { break };
                let mut alternatives: Vec<Vec<(Term, Score)>> = Vec::new();
                for alt in &qw.alternatives {
                    let terms: Vec<(Term, Score)> = scored_terms(alt, fields, w)
                        .into_iter()
                        .map(|(field, text, boost)| (Term::from_field_text(field, text), boost))
                        .collect();
                    if !terms.is_empty() {
                        alternatives.push(terms);
                    }
                }
                let key =
                    ClauseKey::Word(qw.text.clone(), qw.weight.to_bits(), qw.prefix, qw.trimmed);
                scoring.push_clause(qw.weight, alternatives, key, qw.at);
            } else {
                let Some(pair) = pairs.next() else { break };
                let term = Term::from_field_text(fields.pair, &pair.term);
                let key = ClauseKey::Pair(pair.term.clone(), pair.weight.to_bits());
                scoring.push_clause(pair.weight, vec![vec![(term, 1.0)]], key, pair.at);
            }
        }
        scoring.kept = scoring
            .token
            .partition_point(|&token| token < plan.kept_tokens);
        scoring
    }

    fn push_clause(
        &mut self,
        weight: Score,
        alternatives: Vec<Vec<(Term, Score)>>,
        key: ClauseKey,
        token: usize,
    ) {
        if alternatives.is_empty() {
            return;
        }
        let clause = self.clauses.len();
        self.clauses.push(Clause { weight });
        self.keys.push(key);
        self.token.push(token);
        for terms in alternatives {
            let alternative = self.alternatives;
            self.alternatives += 1;
            for (term, boost) in terms {
                self.terms.push(ScoredTerm {
                    term,
                    clause,
                    alternative,
                    boost,
                });
            }
        }
    }

    /// The terms of clauses `clauses` (terms are in clause order).
    pub(super) fn terms_of(&self, clauses: Range<usize>) -> Range<usize> {
        let from = self.terms.partition_point(|t| t.clause < clauses.start);
        let to = self.terms.partition_point(|t| t.clause < clauses.end);
        from..to
    }

    /// Number of clauses.
    pub(super) fn clauses(&self) -> usize {
        self.clauses.len()
    }

    /// True when nothing can match.
    pub(super) fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// BM25 weights of every term, with searcher-wide statistics (what Tantivy's `TermQuery`
    /// computes: `Bm25Weight::for_terms` of one term), boosted; `None` where the index holds no
    /// such term. One document-frequency lookup per term, and each field's token count once.
    /// Also each term's document frequency. What cannot be read is counted in `errors` and
    /// counts as absent.
    pub(super) fn weights(
        &self,
        searcher: &Searcher,
        passages: u64,
        errors: &ReadErrors,
    ) -> (Vec<Option<Bm25>>, Vec<u64>) {
        let docs = match searcher.total_num_docs() {
            Ok(docs) => docs,
            Err(e) => {
                errors.note(&e);
                return (vec![None; self.terms.len()], vec![0; self.terms.len()]);
            }
        };
        // A learned passage is compared with the other passages, a guide's title and body with
        // the other guides' (not with every document: passages have no title or body, guides no
        // learned text), in length and in how rare a term is; pairs stand in both.
        let is_learned = |field: Field| {
            self.learned
                .as_ref()
                .is_some_and(|(fields, _)| fields.contains(&field))
        };
        // Per field, the documents it is counted over and their length norms.
        let mut stats: HashMap<Field, Option<(u64, Norms, Score)>> = HashMap::new();
        self.terms
            .iter()
            .map(|t| {
                let doc_freq = errors.or(searcher.doc_freq(&t.term), 0);
                if doc_freq == 0 {
                    return (None, 0);
                }
                let field = t.term.field();
                let population = stats.entry(field).or_insert_with(|| {
                    let tokens = searcher.total_num_tokens(field);
                    let tokens = errors.or(tokens.map(Some), None)?;
                    let over = if is_learned(field) {
                        passages
                    } else if Some(field) == self.pair_field {
                        docs
                    } else {
                        docs.saturating_sub(passages) // a guide's own text, over the guides
                    };
                    let over = over.max(1);
                    let k1 = if is_learned(field) {
                        self.learned_k1
                    } else {
                        K1
                    };
                    Some((over, norms(tokens as Score / over as Score, k1), k1))
                });
                let weight = population.as_ref().map(|(over, norms, k1)| {
                    // Rarity among the documents that can hold the term (with no passages, every
                    // document: as Tantivy computes it).
                    let n = if is_learned(field) {
                        // Evidence about a guide, rare or common among the guides (a passage
                        // speaks for one): with few passages, their own count would make every
                        // learned word look common.
                        docs.saturating_sub(passages).max(passages)
                    } else {
                        *over
                    }
                    .max(doc_freq);
                    Bm25::for_one_term(doc_freq, n, norms, *k1).boost_by(t.boost)
                });
                (weight, doc_freq)
            })
            .unzip()
    }

    /// How many learned passages the searcher holds (with any, guides are grouped with them).
    pub(super) fn passages(&self, searcher: &Searcher, errors: &ReadErrors) -> u64 {
        self.learned
            .as_ref()
            .map_or(0, |(_, term)| errors.or(searcher.doc_freq(term), 0))
    }

    /// True when clause `clause` is a query word (not a pair).
    pub(super) fn is_word(&self, clause: usize) -> bool {
        matches!(self.keys[clause], ClauseKey::Word(..))
    }
}

/// The terms an alternative of a word is scored by: each term in the field of each source that
/// holds it, with the alternative's boost times the source's.
pub(super) fn scored_terms<'a>(
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
