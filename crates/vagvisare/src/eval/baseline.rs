//! The plain Tantivy baseline: default tokenizer, title and body, query terms OR-ed.
//! What a portal gets from Tantivy without Swedish analysis; the README compares against it.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, Value, STORED, STRING, TEXT};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, TantivyDocument, Term};

use super::Engine;
use crate::guide::{Guide, IndexError};

/// A Tantivy index with the default tokenizer.
pub struct Baseline {
    reader: IndexReader,
    analyzer: TextAnalyzer,
    id: Field,
    title: Field,
    body: Field,
}

impl Baseline {
    /// Indexes the guides in memory.
    pub fn build(guides: &[Guide]) -> Result<Self, IndexError> {
        let mut b = Schema::builder();
        let id = b.add_text_field("id", STRING | STORED);
        let title = b.add_text_field("title", TEXT);
        let body = b.add_text_field("body", TEXT);
        let index = Index::create_in_ram(b.build());
        let mut writer = index.writer(64 * 1024 * 1024)?;
        for g in guides {
            let mut doc = TantivyDocument::default();
            doc.add_text(id, &g.id);
            doc.add_text(title, &g.title);
            doc.add_text(body, &g.body);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let analyzer = index
            .tokenizers()
            .get("default")
            .expect("tantivy registers its default tokenizer");
        Ok(Self {
            reader: index.reader()?,
            analyzer,
            id,
            title,
            body,
        })
    }
}

impl Engine for Baseline {
    fn search(&self, text: &str, k: usize) -> Vec<String> {
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        while let Some(token) = stream.next() {
            for field in [self.title, self.body] {
                let term = Term::from_field_text(field, &token.text);
                clauses.push((
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                ));
            }
        }
        if clauses.is_empty() {
            return Vec::new();
        }
        let searcher = self.reader.searcher();
        let query = BooleanQuery::new(clauses);
        let top = searcher
            .search(&query, &TopDocs::with_limit(k).order_by_score())
            .unwrap_or_default();
        top.into_iter()
            .filter_map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address).ok()?;
                doc.get_first(self.id)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            })
            .collect()
    }
}
