//! One keystroke through the four stages of the ranking pipeline:
//!
//! 1. **Plan**: [`GuideIndex::plan`] analyses the typed text ([`plan::plan`]) and expands it
//!    against the index's dictionaries ([`plan::expand`]).
//! 2. **Candidates** and 3. **Scoring**: [`GuideIndex::candidates`] reads the postings of the
//!    plan's terms and scores them ([`search::top_docs`]), keeping the best; then the semantic
//!    stage (3b, [`search::semantic`]) re-scores them, adds the guides nearest the typed text in
//!    meaning, and fuses the two scores.
//! 4. **Explanation**: [`explain::explain`] says what matched each candidate and cuts a snippet
//!    ([`explain::relate`] names the nearest words of a semantic match).

use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use super::explain::{self, AnalysedGuide, Suggestion};
use super::index::{complete_words, GuideIndex, NearestKey, SemanticQuery, LEARNED_SEPARATOR};
use super::plan::{self, expand, QueryPlan};
use super::search::ann;
use super::search::semantic::{self, Centring, Fused};
use super::search::{self, filter_query, Filters, Scoring};
use crate::text::analyzer::Analyzer;
use crate::text::thesaurus::Thesaurus;

/// Options of one suggestion request.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestOptions {
    /// Most suggestions returned.
    pub limit: usize,
    /// Category and audience filters.
    pub filters: Filters,
    /// Share of the semantic stage in this search's ranking (0 turns it off); `None`: the
    /// index's ([`GuideIndex::semantic_weight`]). Values outside 0–1 are taken as the nearest
    /// end of it.
    pub semantic: Option<f32>,
}

impl Default for SuggestOptions {
    fn default() -> Self {
        Self {
            limit: 5,
            filters: Filters::default(),
            semantic: None,
        }
    }
}

impl SuggestOptions {
    /// The same options ranking by words alone (no semantic stage).
    pub fn words_only(mut self) -> Self {
        self.semantic = Some(0.0);
        self
    }

    /// Options returning at most `limit` suggestions, unfiltered.
    pub fn limit(limit: usize) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }
}

impl GuideIndex {
    /// Stage 1, Plan: the text as typed, analysed, then expanded against this index's
    /// dictionaries (what a word expands to is kept per word and committed state).
    pub fn plan(&self, text: &str, searcher: &Searcher) -> QueryPlan {
        let mut plan = {
            let lexicon = self.lexicon.read().unwrap_or_else(|e| e.into_inner());
            let synonyms = self.synonyms.read().unwrap_or_else(|e| e.into_inner());
            let mut analyzer = Analyzer::with_memo(&lexicon, &self.forms);
            let thesaurus = self.uses_thesaurus().then(Thesaurus::bundled);
            plan::plan(text, &mut analyzer, &synonyms, thesaurus, &self.weights)
        };
        let generation = searcher.generation().generation_id();
        let typos = expand::TypoBudget::new(self.weights.max_typo_searches);
        let resolve = |qw: &plan::QueryWord, typos: &expand::TypoBudget| {
            expand::resolve(
                qw,
                searcher,
                &self.fields,
                &self.weights,
                &self.read_errors,
                typos,
            )
        };
        expand::expand_with(&mut plan, |qw| {
            let key = (qw.text.clone(), qw.prefix);
            let mut computed = None;
            let found = self.resolved.get_or_compute_keeping(generation, key, || {
                let before = typos.left();
                let (alternatives, whole) = resolve(qw, &typos);
                computed = Some((alternatives.clone(), whole));
                ((alternatives, typos.left() < before), whole)
            });
            if let Some(computed) = computed {
                return computed;
            }
            // Kept whole; its spelling search counts against this search's budget as well.
            let (alternatives, searched) = found.as_ref();
            if *searched && !typos.take() {
                let (as_typed, _) = resolve(qw, &expand::TypoBudget::new(0));
                return (as_typed, false);
            }
            (alternatives.clone(), true)
        });
        plan
    }

    /// Stages 2 and 3, Candidates and Scoring: the best `limit` guides by the lexical score,
    /// fused with the semantic one when the stage is on.
    fn candidates(
        &self,
        searcher: &Searcher,
        text: &str,
        plan: &QueryPlan,
        options: &SuggestOptions,
    ) -> (Vec<Fused>, Option<SemanticQuery>) {
        let n = options.limit;
        if plan.is_empty() || n == 0 {
            return (Vec::new(), None);
        }
        let weight = options.semantic.unwrap_or_else(|| self.semantic_weight());
        let weight = if weight.is_nan() {
            0.0
        } else {
            weight.clamp(0.0, 1.0)
        };
        // While a word is being typed the words before it carry the meaning, unless it is
        // already a whole word ([`GuideIndex::typing_share`]). A text longer than is read is
        // complete up to its cut, as the plan reads it (the text went on). Guides join by
        // meaning alone only once the text is finished.
        let cut = plan::cut(text);
        let settled = if cut.len() == text.len() {
            complete_words(text)
        } else {
            cut
        };
        let text = cut;
        let typing = settled.len() != text.len();
        let scaled = weight * self.typing_share(text, settled);
        // A costly embedder asked on every keystroke sees the word being typed too: its vector
        // counts as a finished text's.
        let whole = typing && self.embeds_while_typing() && self.has_costly_embedder();
        let asked = if whole { weight } else { scaled };
        let semantic = (asked > 0.0)
            .then(|| self.semantic_query(text, plan, searcher, whole))
            .flatten();
        let (weight, typing) = match &semantic {
            Some(sq) if sq.whole_text => (weight, false),
            _ => (scaled, typing),
        };
        let depth = match semantic {
            Some(_) => n.max(self.weights.semantic_depth),
            None => n,
        };
        // Room is reserved for the whole limit: never more than there are guides.
        let depth = depth.min(
            usize::try_from(searcher.num_docs())
                .unwrap_or(usize::MAX)
                .max(1),
        );
        let scoring = Scoring::of(plan, &self.fields, &self.weights);
        let filter = filter_query(&self.fields, &options.filters);
        let errors = &self.read_errors;
        let lexical = search::top_docs(
            searcher,
            &scoring,
            filter.as_deref(),
            depth,
            &self.kept,
            errors,
        );
        let Some(sq) = semantic else {
            let found = lexical
                .into_iter()
                .map(|(score, address)| Fused {
                    address,
                    lexical: score,
                    semantic: None,
                    row: None,
                    score,
                })
                .collect();
            return (found, None);
        };
        // Once the text is finished, the static table's cosines leave out a share of what every
        // text has in common (while a word is typed, the text's vector is partly its
        // completions', and leaving that share in measured better).
        let centring = if typing {
            Centring::NONE
        } else {
            sq.set.centring(&sq.query, self.weights.semantic_common)
        };
        let mut found: Vec<Fused> = lexical
            .into_iter()
            .map(|(score, address)| {
                let best = sq.set.best_of(&sq.query, address, centring);
                Fused {
                    address,
                    lexical: score,
                    semantic: best.map(|b| b.0),
                    row: best.map(|b| b.1),
                    score,
                }
            })
            .collect();
        let w = &self.weights;
        // The guides nearest the text join when a word is complete (a half word says little,
        // and the comparison with every guide is the stage's one costly step): every stored
        // vector compared up to the scan's limit, through the nearest-neighbour graphs beyond it.
        // A guide only the stage finds fuses to at most the weight, a lexical candidate to at
        // least (1 − weight) × its share of the best lexical score: once `n` candidates are sure
        // to stay above any such guide, none could enter the answer, and they are not looked for.
        let best = found.iter().map(|c| c.lexical).fold(0f32, f32::max);
        let sure = found
            .iter()
            .filter(|c| best > 0.0 && (1.0 - weight) * c.lexical / best > weight)
            .count();
        if !typing && w.semantic_extra > 0 && sure < n {
            // The same text finds the same guides until the next commit (everybody's "Hej!"):
            // kept by what decides them, unless a graph was not ready yet.
            let key = NearestKey {
                text: text.to_string(),
                lexicon: self
                    .lexicon
                    .read()
                    .unwrap_or_else(|e| e.into_inner())
                    .version(),
                limit: n,
                filters: options.filters.clone(),
                embedder: sq.key,
                whole_text: sq.whole_text,
            };
            let generation = searcher.generation().generation_id();
            let skip: rustc_hash::FxHashSet<u64> = found
                .iter()
                .filter_map(|c| sq.set.group(c.address))
                .collect();
            let nearest = self.nearest.get_or_compute_keeping(generation, key, || {
                let filter = filter.as_deref().and_then(|q| {
                    let scoring = tantivy::query::EnableScoring::disabled_from_searcher(searcher);
                    errors.or(q.weight(scoring).map(Some), None)
                });
                let admitted = semantic::admitted_by(searcher, filter.as_deref());
                let extra = w.semantic_extra;
                if sq.set.len() <= w.semantic_scan {
                    (
                        sq.set
                            .nearest(&sq.query, Centring::NONE, extra, &skip, admitted),
                        true,
                    )
                } else {
                    let (rows, complete) =
                        ann::candidate_rows(&sq.set, &sq.query, &self.graphs, sq.key);
                    let rows = sq.set.nearest_among(
                        &sq.query,
                        Centring::NONE,
                        extra,
                        &skip,
                        admitted,
                        &rows,
                    );
                    (rows, complete)
                }
            });
            for &(cosine, row) in nearest.iter() {
                if cosine < w.semantic_min {
                    break;
                }
                let address = sq.set.source(row).0;
                // Kept results were found beside these very candidates; a guide among them is
                // never added twice all the same.
                if sq.set.group(address).is_some_and(|g| skip.contains(&g)) {
                    continue;
                }
                // Which guides are near enough to join is the plain cosine's to say (its least,
                // `semantic_min`, was chosen on it); how they rank, the centred one's.
                let (semantic, row) = if centring.is_plain() {
                    (cosine, row)
                } else {
                    (sq.set.best_of(&sq.query, address, centring)).unwrap_or((cosine, row))
                };
                found.push(Fused {
                    address,
                    lexical: 0.0,
                    semantic: Some(semantic),
                    row: Some(row),
                    score: 0.0,
                });
            }
        }
        semantic::fuse(&mut found, weight, sq.scale);
        found.truncate(n);
        (found, Some(sq))
    }

    /// The stored document of a candidate, the failure to read it counted.
    fn document_of(&self, searcher: &Searcher, address: DocAddress) -> Option<TantivyDocument> {
        searcher
            .doc(address)
            .map_err(|e| self.read_errors.note(&e))
            .ok()
    }

    /// Suggestions for text exactly as typed so far, best first. Never fails: any input gives
    /// suggestions or an empty list (text beyond [`MAX_QUERY_BYTES`](crate::text::MAX_QUERY_BYTES)
    /// bytes or [`MAX_QUERY_WORDS`](crate::text::MAX_QUERY_WORDS) words is ignored).
    pub fn suggest(&self, text: &str, options: &SuggestOptions) -> Vec<Suggestion> {
        let searcher = self.reader.searcher();
        let plan = self.plan(text, &searcher);
        let (candidates, semantic) = self.candidates(&searcher, text, &plan, options);
        let generation = searcher.generation().generation_id();
        // Stage 4, Explanation.
        let keys = explain::PlanKeys::of(&plan);
        candidates
            .into_iter()
            .filter_map(|c| {
                // A guide the words did not find is explained by meaning alone: its words are
                // enough (their forms, what analysing a guide mostly costs, would match nothing).
                let by_meaning = c.lexical <= 0.0;
                let analysed = self.analysed_of(&searcher, c.address, by_meaning)?;
                let analysed = analysed.as_ref().as_ref()?;
                let mut suggestion = explain::explain(analysed, c.score, &plan, &keys);
                // Named where only the semantic stage explains the guide: it found it, or no
                // word matched. (Naming the nearest word of every unmatched word of every guide
                // it moved cost more than the rest of the keystroke.)
                let lifted = c.lexical <= 0.0 || suggestion.matched.is_empty();
                if let (Some(row), Some(sq), true) = (c.row, &semantic, lifted) {
                    let source = sq.set.source(row);
                    let learned = self.learned_text_of(&searcher, source);
                    let table = self.base_embedder();
                    // What a typed word is nearest in a guide is kept per committed state: the
                    // next keystrokes ask the same again.
                    let nearest = |typed: &str| {
                        let key = (source.0, source.1, typed.to_string());
                        let found = self.related.get_or_compute(generation, key, || {
                            explain::nearest_word(analysed, learned.as_deref(), table, typed)
                        });
                        found.as_ref().clone()
                    };
                    explain::relate(&mut suggestion, &plan, learned.as_deref(), nearest);
                }
                Some(suggestion)
            })
            .collect()
    }

    /// A candidate's guide analysed for explaining (cached per committed state), or with
    /// `words_only` only segmented into words. A learned passage speaks for its guide, and
    /// explains with its own text.
    fn analysed_of(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        words_only: bool,
    ) -> Option<std::sync::Arc<Option<AnalysedGuide>>> {
        let generation = searcher.generation().generation_id();
        let key = (address, words_only);
        let analysed = self.analysed.get_or_compute(generation, key, || {
            let doc = self.document_of(searcher, address)?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let (guide, learned) = match text(self.fields.parent) {
                Some(parent) => {
                    let texts: Vec<&str> = doc
                        .get_all(self.fields.learned)
                        .filter_map(|v| v.as_str())
                        .collect();
                    (self.get(&parent)?, Some(texts.join(LEARNED_SEPARATOR)))
                }
                None => (self.guide_of(&doc), None),
            };
            let learned = learned.unwrap_or_default();
            if words_only {
                return Some(AnalysedGuide::words_only(guide, learned));
            }
            let lexicon = self.lexicon.read().unwrap_or_else(|e| e.into_inner());
            let mut analyzer = Analyzer::with_memo(&lexicon, &self.forms);
            Some(AnalysedGuide::new(guide, learned, &mut analyzer))
        });
        analysed.as_ref().is_some().then_some(analysed)
    }

    /// The learned text a stored vector is of (`None` for a guide's own text).
    fn learned_text_of(
        &self,
        searcher: &Searcher,
        (address, text): (DocAddress, u16),
    ) -> Option<String> {
        let doc = self.document_of(searcher, address)?;
        doc.get_first(self.fields.parent)?;
        let found = doc
            .get_all(self.fields.learned)
            .filter_map(|v| v.as_str())
            .nth(usize::from(text))
            .map(str::to_string);
        found
    }

    /// Only the ids of the best guides (what evaluation and benchmarks need).
    pub fn suggest_ids(&self, text: &str, options: &SuggestOptions) -> Vec<String> {
        let searcher = self.reader.searcher();
        let plan = self.plan(text, &searcher);
        self.candidates(&searcher, text, &plan, options)
            .0
            .into_iter()
            .filter_map(|c| {
                let doc = self.document_of(&searcher, c.address)?;
                (doc.get_first(self.fields.id))
                    .or_else(|| doc.get_first(self.fields.parent))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            })
            .collect()
    }
}
