//! Test-only reference code: the same search done the plain ways, to hold the production
//! search ([`super::top_docs`]) to. [`term_at_a_time`] scores every clause of a plan at once
//! with no kept scores; [`to_query`] builds the plan's score as a Tantivy query tree (with
//! [`SumQuery`] for the alternatives of several terms), which Tantivy's own `TopDocs` searches.

use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, EnableScoring, Explanation, Occur, Query,
    Scorer, Weight,
};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, Term, TERMINATED};

use super::accumulate::with_accumulators;
use super::filter::{allowed, filter_query, term_query, Filters};
use super::scoring::{scored_terms, Scoring};
use super::select::{select, TopN};
use super::{prepare, Prepared};
use crate::guide::index::ReadErrors;
use crate::guide::plan::{QueryPlan, Weights};
use crate::guide::schema::Fields;

/// The best `n` documents by the score of `scoring`, only those `filter` matches when there is
/// one, term at a time: every posting of every term is added into per-document accumulators,
/// alternative by alternative and clause by clause, which combine as the score says (see the
/// text of [`super`]), with no kept scores.
fn term_at_a_time(
    searcher: &Searcher,
    scoring: &Scoring,
    filter: Option<&dyn Query>,
    n: usize,
) -> Vec<(Score, DocAddress)> {
    let errors = ReadErrors::default();
    let Some(Prepared {
        filter,
        weights,
        grouped,
        ..
    }) = prepare(searcher, scoring, filter, n, &errors)
    else {
        return Vec::new();
    };
    let mut top = TopN::new(n);
    with_accumulators(|acc| {
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            acc.add_to_scores(scoring, &weights, 0..scoring.clauses(), segment);
            let allowed = filter.as_deref().map(|f| allowed(f, segment));
            let alive = segment.alive_bitset();
            let admitted = |doc: DocId| {
                alive.is_none_or(|a| a.is_alive(doc))
                    && allowed.as_ref().is_none_or(|a| a.contains(doc))
            };
            let docs = segment.max_doc() as usize;
            let groups = grouped.then(|| super::groups(segment, &errors)).flatten();
            let group = |doc: DocId| groups.as_ref().and_then(|c| c.first(doc));
            select(
                &mut top,
                ord as u32,
                docs,
                None,
                &mut acc.scores,
                admitted,
                group,
            );
        }
    });
    top.into_sorted()
}

/// The Tantivy query of a plan and filters: the same score as a tree of Tantivy's own queries.
fn to_query(plan: &QueryPlan, fields: &Fields, w: &Weights, filters: &Filters) -> Box<dyn Query> {
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

/// Matches what any sub-query matches; scores the sum of the matching sub-queries' scores.
#[derive(Debug)]
struct SumQuery {
    parts: Vec<Box<dyn Query>>,
}

impl Clone for SumQuery {
    fn clone(&self) -> Self {
        Self {
            parts: self.parts.iter().map(|p| p.box_clone()).collect(),
        }
    }
}

impl SumQuery {
    /// A sum of `parts`.
    fn new(parts: Vec<Box<dyn Query>>) -> Self {
        Self { parts }
    }
}

impl Query for SumQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let parts = self
            .parts
            .iter()
            .map(|p| p.weight(enable_scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(SumWeight { parts }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for part in &self.parts {
            part.query_terms(visitor);
        }
    }
}

struct SumWeight {
    parts: Vec<Box<dyn Weight>>,
}

impl Weight for SumWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut parts = Vec::with_capacity(self.parts.len());
        for part in &self.parts {
            let scorer = part.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                parts.push(scorer);
            }
        }
        if parts.len() == 1 {
            return Ok(parts.pop().expect("one part"));
        }
        let doc = parts.iter().map(|p| p.doc()).min().unwrap_or(TERMINATED);
        Ok(Box::new(SumScorer { parts, doc }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut details = Vec::new();
        for part in &self.parts {
            let mut scorer = part.scorer(reader, 1.0)?;
            let at = if scorer.doc() < doc {
                scorer.seek(doc)
            } else {
                scorer.doc()
            };
            if at == doc {
                details.push(part.explain(reader, doc)?);
            }
        }
        if details.is_empty() {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        let total = details.iter().map(Explanation::value).sum();
        let mut explanation = Explanation::new("sum of", total);
        for detail in details {
            explanation.add_detail(detail);
        }
        Ok(explanation)
    }
}

struct SumScorer {
    parts: Vec<Box<dyn Scorer>>,
    doc: DocId,
}

impl DocSet for SumScorer {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        let mut next = TERMINATED;
        for part in &mut self.parts {
            let doc = if part.doc() == current {
                part.advance()
            } else {
                part.doc()
            };
            next = next.min(doc);
        }
        self.doc = next;
        next
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let mut next = TERMINATED;
        for part in &mut self.parts {
            let doc = if part.doc() < target {
                part.seek(target)
            } else {
                part.doc()
            };
            next = next.min(doc);
        }
        self.doc = next;
        next
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.parts.iter().map(|p| p.size_hint()).max().unwrap_or(0)
    }
}

impl Scorer for SumScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        self.parts
            .iter_mut()
            .filter(|p| p.doc() == doc)
            .map(|p| p.score())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::parse_queries;
    use crate::guide::model::read_jsonl_path;
    use crate::guide::search::{top_docs, KeptScores};
    use crate::guide::GuideIndex;
    use crate::{Guide, SuggestOptions};
    use tantivy::collector::TopDocs;

    /// Every `prefix_step`-th prefix of every `query_step`-th bundled labelled query, and the
    /// full query, in typing order.
    fn prefixes(query_step: usize, prefix_step: usize) -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/eval");
        let queries = read_jsonl_path(dir.as_ref(), parse_queries).expect("labelled queries");
        let mut texts = Vec::new();
        for q in queries.iter().step_by(query_step) {
            let chars: Vec<char> = q.query.chars().collect();
            for k in (1..=chars.len()).step_by(prefix_step) {
                texts.push(chars[..k].iter().collect());
            }
            texts.push(q.query.clone());
        }
        texts
    }

    /// Every 4th prefix of every 20th labelled query.
    fn texts() -> Vec<String> {
        prefixes(20, 4)
    }

    fn assert_same(ours: &[(Score, DocAddress)], other: &[(Score, DocAddress)], what: &str) {
        assert_eq!(ours.len(), other.len(), "{what}: lengths");
        for (i, ((sa, da), (sb, db))) in ours.iter().zip(other).enumerate() {
            let close = (sa - sb).abs() <= 1e-4 * sa.abs().max(1.0);
            assert!(close, "{what}: score {i}: {sa} vs {sb}");
            // Documents may swap only where scores tie (to rounding).
            if da != db {
                let tie = other
                    .iter()
                    .any(|(s, d)| d == da && (s - sa).abs() <= 1e-4 * sa.abs().max(1.0));
                assert!(tie, "{what}: document {i}: {da:?} vs {db:?} ({sa} vs {sb})");
            }
        }
    }

    /// An index of several segments with deletions, so cursors cross segments and skip the dead.
    fn segmented_index() -> GuideIndex {
        let guides = crate::bundled::guides();
        let index = GuideIndex::in_memory().unwrap();
        for chunk in guides.chunks(40) {
            index.upsert(chunk).unwrap();
            index.commit().unwrap();
        }
        // Re-upserting deletes the old copies: dead documents in the early segments.
        index.upsert(&guides[..30]).unwrap();
        index
            .upsert(&[Guide::new(
                "extra",
                "Byta lösenord",
                "Lösenordet byts i portalen.",
            )])
            .unwrap();
        index.commit().unwrap();
        index
    }

    #[test]
    fn term_at_a_time_and_tantivy_find_the_same() {
        let index = segmented_index();
        let searcher = index.searcher();
        assert!(searcher.segment_readers().len() > 1, "several segments");
        let filters = [
            Filters::default(),
            Filters {
                categories: vec!["IT och telefoni".into()],
                audiences: vec![],
            },
            Filters {
                categories: vec![],
                audiences: vec!["utförare".into()],
            },
        ];
        let mut compared = 0;
        for text in texts() {
            let plan = index.plan(&text, &searcher);
            if plan.is_empty() {
                continue;
            }
            let scoring = Scoring::of(&plan, &index.fields, &index.weights);
            for filters in &filters {
                let filter = filter_query(&index.fields, filters);
                for n in [1, 5, 20] {
                    let ours = term_at_a_time(&searcher, &scoring, filter.as_deref(), n);
                    let query = to_query(&plan, &index.fields, &index.weights, filters);
                    let tantivy = searcher
                        .search(&query, &TopDocs::with_limit(n).order_by_score())
                        .unwrap();
                    assert_same(&ours, &tantivy, &format!("{text:?} n={n} vs Tantivy"));
                    compared += 1;
                }
            }
        }
        assert!(compared > 300, "{compared} searches compared");
    }

    /// Typing order: every prefix of a few labelled queries, one after another.
    fn typed() -> Vec<String> {
        prefixes(101, 1)
    }

    #[test]
    fn kept_scores_of_typed_words_find_the_same_as_scoring_everything() {
        let index = segmented_index();
        let searcher = index.searcher();
        let errors = ReadErrors::default();
        let filters = [
            Filters::default(),
            Filters {
                categories: vec![],
                audiences: vec!["utförare".into()],
            },
        ];
        // A budget of one state as well: a keystroke whose base was evicted starts over.
        for cache in [KeptScores::default(), KeptScores::with_budget(1)] {
            let mut with_kept = 0;
            for text in typed() {
                let plan = index.plan(&text, &searcher);
                let scoring = Scoring::of(&plan, &index.fields, &index.weights);
                with_kept += usize::from(scoring.kept > 0);
                for filters in &filters {
                    let filter = filter_query(&index.fields, filters);
                    for n in [1, 5] {
                        let typed =
                            top_docs(&searcher, &scoring, filter.as_deref(), n, &cache, &errors);
                        let all = term_at_a_time(&searcher, &scoring, filter.as_deref(), n);
                        assert_same(&typed, &all, &format!("{text:?} n={n} {filters:?}"));
                    }
                }
            }
            assert!(with_kept > 200, "{with_kept} keystrokes with kept words");
            assert!(cache.states() > 0);
            assert!(cache.words() > 0, "common words' scores were kept and used");
        }
    }

    /// The kept clauses of `text` and its best five guides, with the scores kept in `cache`.
    fn typed_top5(
        index: &GuideIndex,
        cache: &KeptScores,
        text: &str,
    ) -> (usize, Vec<(Score, DocAddress)>) {
        let searcher = index.searcher();
        let plan = index.plan(text, &searcher);
        let scoring = Scoring::of(&plan, &index.fields, &index.weights);
        let top = top_docs(&searcher, &scoring, None, 5, cache, &ReadErrors::default());
        (scoring.kept, top)
    }

    #[test]
    fn a_typed_word_is_scored_once_and_kept_for_the_next_keystrokes() {
        let index = segmented_index();
        let cache = KeptScores::default();
        let search = |text: &str| typed_top5(&index, &cache, text);
        assert_eq!(search("glömt lös").0, 1, "the complete word is kept");
        assert_eq!(cache.states(), 1);
        search("glömt löse");
        assert_eq!(cache.states(), 1, "the next keystroke reuses it");
        let (kept, _) = search("glömt lösenordet ");
        // glömt, lösenordet, and the pairs they make.
        assert!(kept >= 3, "{kept}");
        assert_eq!(cache.states(), 2, "one more state, built on the first");
    }

    #[test]
    fn a_common_word_is_read_once_and_its_scores_kept() {
        let index = segmented_index();
        let cache = KeptScores::default();
        let search = |text: &str| typed_top5(&index, &cache, text).1;
        search("zyxwvu");
        assert_eq!(cache.words(), 0, "a word no guide holds is not common");
        let first = search("och");
        assert_eq!(cache.words(), 1, "'och' reaches every guide");
        assert_eq!(search("och"), first);
        search("glömt och");
        assert_eq!(
            cache.words(),
            1,
            "the same word being typed, after other words"
        );
        search("glömt och ");
        assert_eq!(cache.words(), 2, "complete, it is another clause");
    }

    #[test]
    fn a_commit_replaces_the_kept_scores() {
        let index = segmented_index();
        let options = SuggestOptions::limit(3);
        let before = index.suggest_ids("glömt zyxwort", &options);
        assert!(!before.contains(&"new".to_string()));
        index
            .upsert(&[Guide::new("new", "Glömt zyxwort", "Glömt zyxwort, glömt.")])
            .unwrap();
        index.commit().unwrap();
        let after = index.suggest_ids("glömt zyxwort", &options);
        assert_eq!(after.first().map(String::as_str), Some("new"), "{after:?}");
    }

    #[test]
    fn the_suggestions_are_those_of_the_best_scores() {
        let index = segmented_index();
        let found = index.suggest("glömt lösenordet", &SuggestOptions::limit(3));
        assert_eq!(found.len(), 3);
        assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(found
            .iter()
            .any(|s| s.id == "extra" || s.id.contains("losenord")));
    }
}

#[cfg(test)]
mod sum_query_tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, Index};

    #[test]
    fn scores_and_matches_like_a_boolean_should() {
        let mut schema = Schema::builder();
        let title = schema.add_text_field("title", TEXT);
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let texts = [
            ("lösenord", "byt lösenord"),
            ("skrivare", "lösenord"),
            ("lösenord", "skrivare"),
            ("teams", "möte"),
            ("konto", "lösenord lösenord konto"),
        ];
        for (t, b) in texts {
            writer.add_document(doc!(title => t, body => b)).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let term = |f, w: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(f, w),
                IndexRecordOption::WithFreqs,
            ))
        };
        for word in ["lösenord", "skrivare", "konto", "saknas"] {
            let sum = SumQuery::new(vec![term(title, word), term(body, word)]);
            let boolean = BooleanQuery::new(vec![
                (Occur::Should, term(title, word)),
                (Occur::Should, term(body, word)),
            ]);
            let top = TopDocs::with_limit(10).order_by_score();
            let a = searcher.search(&sum, &top).unwrap();
            let b = searcher.search(&boolean, &top).unwrap();
            assert_eq!(a.len(), b.len(), "{word}");
            for ((sa, da), (sb, db)) in a.iter().zip(&b) {
                assert_eq!(da, db, "{word}");
                assert!((sa - sb).abs() < 1e-5, "{word}: {sa} vs {sb}");
            }
            for (score, address) in &a {
                let explained = sum.explain(&searcher, *address).unwrap();
                assert!((explained.value() - score).abs() < 1e-5);
            }
        }
    }
}
