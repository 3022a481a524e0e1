//! Filters on what a person may be shown: a query that finds the guides they let through, and
//! per segment the set of those guides, applied when the best are chosen.

use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, SegmentReader, Term};

use crate::guide::model::{audience_key, category_keys};
use crate::guide::schema::{Fields, EVERYONE};

/// Filters on what a person may be shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filters {
    /// Only guides in one of these categories (or below them). Empty: all.
    pub categories: Vec<String>,
    /// Only guides for everyone or for one of these audiences. Empty: all guides.
    pub audiences: Vec<String>,
}

pub(super) fn term_query(field: Field, text: &str) -> Box<dyn Query> {
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

/// The query of the guides the filters let through (scoring nothing), `None` without filters.
pub(crate) fn filter_query(fields: &Fields, filters: &Filters) -> Option<Box<dyn Query>> {
    if filters.categories.is_empty() && filters.audiences.is_empty() {
        return None;
    }
    let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !filters.categories.is_empty() {
        let keys = filters
            .categories
            .iter()
            .filter_map(|c| category_keys(c).pop());
        must.push((Occur::Must, any_of(fields.category_key, keys)));
    }
    if !filters.audiences.is_empty() {
        let keys = filters
            .audiences
            .iter()
            .map(|a| audience_key(a))
            .chain(std::iter::once(EVERYONE.to_string()));
        must.push((Occur::Must, any_of(fields.audience_key, keys)));
    }
    Some(Box::new(BooleanQuery::new(must)))
}

/// Documents a filter lets through, per segment (as a bit set).
pub(super) struct Allowed(Vec<u64>);

impl Allowed {
    pub(super) fn contains(&self, doc: DocId) -> bool {
        self.0
            .get(doc as usize / 64)
            .is_some_and(|w| w & (1 << (doc % 64)) != 0)
    }
}

/// The documents of `segment` that `filter` matches.
pub(super) fn allowed(filter: &dyn Weight, segment: &SegmentReader) -> Allowed {
    let mut bits = vec![0u64; (segment.max_doc() as usize).div_ceil(64)];
    let _ = filter.for_each_no_score(segment, &mut |docs| {
        for &d in docs {
            bits[d as usize / 64] |= 1 << (d % 64);
        }
    });
    Allowed(bits)
}
