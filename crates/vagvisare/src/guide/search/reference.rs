//! A query whose score is the sum of a few sub-queries' scores, for the title and body matches of
//! one alternative of a query word.
//!
//! Tantivy's `BooleanQuery` gives the same scores, but each of its unions buffers 4 096 scores;
//! one keystroke has dozens of alternatives, and those buffers cost more than the search itself.
//! A sum of two or three term scorers needs no buffer: it walks them side by side.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// Matches what any sub-query matches; scores the sum of the matching sub-queries' scores.
#[derive(Debug)]
pub struct SumQuery {
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
    pub fn new(parts: Vec<Box<dyn Query>>) -> Self {
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
