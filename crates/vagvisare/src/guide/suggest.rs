//! One keystroke through the four stages of the ranking pipeline:
//!
//! 1. **Plan**: [`GuideIndex::plan`] analyses the typed text ([`plan::plan`]) and expands it
//!    against the index's dictionaries ([`plan::expand`]).
//! 2. **Candidates** and 3. **Scoring**: [`GuideIndex::candidates`] reads the postings of the
//!    plan's terms and scores them ([`search::top_docs`]), keeping the best.
//! 4. **Explanation**: [`explain::explain`] says what matched each candidate and cuts a snippet.

use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use super::explain::{self, AnalysedGuide, Suggestion};
use super::index::{GuideIndex, LEARNED_SEPARATOR};
use super::plan::{self, expand, QueryPlan};
use super::search::{self, filter_query, Filters, Scoring};
use crate::text::analyzer::Analyzer;

/// Options of one suggestion request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestOptions {
    /// Most suggestions returned.
    pub limit: usize,
    /// Category and audience filters.
    pub filters: Filters,
}

impl Default for SuggestOptions {
    fn default() -> Self {
        Self {
            limit: 5,
            filters: Filters::default(),
        }
    }
}

impl SuggestOptions {
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
            plan::plan(text, &lexicon, &synonyms, &self.weights)
        };
        let generation = searcher.generation().generation_id();
        expand::expand_with(&mut plan, |qw| {
            let key = (qw.text.clone(), qw.prefix);
            self.resolved.get_or_compute(generation, key, || {
                expand::resolve(qw, searcher, &self.fields, &self.weights, &self.read_errors)
            })
        });
        plan
    }

    /// Stages 2 and 3, Candidates and Scoring: the best `n` guides by the lexical score.
    fn candidates(
        &self,
        searcher: &Searcher,
        plan: &QueryPlan,
        filters: &Filters,
        n: usize,
    ) -> Vec<(f32, DocAddress)> {
        if plan.is_empty() || n == 0 {
            return Vec::new();
        }
        // Room is reserved for the whole limit: never more than there are guides.
        let n = n.min(
            usize::try_from(searcher.num_docs())
                .unwrap_or(usize::MAX)
                .max(1),
        );
        let scoring = Scoring::of(plan, &self.fields, &self.weights);
        let filter = filter_query(&self.fields, filters);
        let errors = &self.read_errors;
        search::top_docs(searcher, &scoring, filter.as_deref(), n, &self.kept, errors)
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
        let candidates = self.candidates(&searcher, &plan, &options.filters, options.limit);
        let generation = searcher.generation().generation_id();
        // Stage 4, Explanation.
        candidates
            .into_iter()
            .filter_map(|(score, address)| {
                let analysed = self.analysed.get_or_compute(generation, address, || {
                    let doc = self.document_of(&searcher, address)?;
                    let text = |field| {
                        doc.get_first(field)
                            .and_then(|v| v.as_str())
                            .map(str::to_string)
                    };
                    // A learned passage speaks for its guide, and explains with its own text.
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
                    let lexicon = self.lexicon.read().unwrap_or_else(|e| e.into_inner());
                    let mut analyzer = Analyzer::new(&lexicon);
                    Some(AnalysedGuide::new(
                        guide,
                        learned.unwrap_or_default(),
                        &mut analyzer,
                    ))
                });
                Some(explain::explain(analysed.as_ref().as_ref()?, score, &plan))
            })
            .collect()
    }

    /// Only the ids of the best guides (what evaluation and benchmarks need).
    pub fn suggest_ids(&self, text: &str, options: &SuggestOptions) -> Vec<String> {
        let searcher = self.reader.searcher();
        let plan = self.plan(text, &searcher);
        self.candidates(&searcher, &plan, &options.filters, options.limit)
            .into_iter()
            .filter_map(|(_, address)| {
                let doc = self.document_of(&searcher, address)?;
                (doc.get_first(self.fields.id))
                    .or_else(|| doc.get_first(self.fields.parent))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            })
            .collect()
    }
}
