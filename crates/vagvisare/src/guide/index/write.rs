//! Writing guides: each guide's Tantivy document, with every analysed form of its title and
//! body, and, when people have taught it, a second document: its learned *passage*, the texts
//! people typed before it helped them (their words' forms in the learned fields, their word
//! pairs, the guide's filter keys and group). A guide is found by the better of the two.

use chrono::Utc;
use tantivy::{TantivyDocument, Term};

use super::GuideIndex;
use crate::embed::PassageText;
use crate::guide::error::IndexError;
use crate::guide::model::{audience_key, category_keys, Guide};
use crate::guide::schema::{self, Form, Source, EVERYONE};
use crate::text::analyzer::{write_compound_pair_term, write_pair_term, Analyzer, Token};
use crate::text::tokenize::{same_sentence, Word};

/// What separates a guide's learned texts where they are analysed as one (a sentence's end).
pub(crate) const LEARNED_SEPARATOR: &str = " . ";

/// Guides of an upsert analysed before they are handed to the writer together.
const ADD_CHUNK: usize = 1024;

impl GuideIndex {
    /// Adds guides, replacing any with the same id. Every guide is checked first: one bad
    /// guide refuses the batch and nothing of it is added. Searchable after [`commit`](Self::commit).
    pub fn upsert(&self, guides: &[Guide]) -> Result<(), IndexError> {
        let mut seen = std::collections::HashSet::new();
        for guide in guides {
            guide.validate().map_err(|message| IndexError::BadGuide {
                id: guide.id.clone(),
                message,
            })?;
            if !seen.insert(guide.id.as_str()) {
                return Err(IndexError::BadGuide {
                    id: guide.id.clone(),
                    message: "appears twice in the batch".into(),
                });
            }
        }
        // The lexicon learns the batch's words before any is split (so compounds of words that
        // only this batch introduces are split too). The words are segmented again a chunk at a
        // time below, so that memory does not grow with the batch: the words of 10 000 guides
        // kept from this pass held some 75 MB at the peak of a bulk load, the words of 100 000
        // some 560 MB. The second segmentation is the only one the vectors need.
        {
            let mut lexicon = self.lexicon.write().unwrap_or_else(|e| e.into_inner());
            for guide in guides {
                for word in GuideWords::of(guide).iter() {
                    lexicon.add(&word.text);
                }
            }
        }
        let learned: Vec<Vec<String>> = {
            let feedback = self.feedback.read().unwrap_or_else(|e| e.into_inner());
            let now = Utc::now();
            guides
                .iter()
                .map(|g| feedback.passages(&g.id, now))
                .collect()
        };
        let lexicon = self.lexicon.read().unwrap_or_else(|e| e.into_inner());
        // One analyzer for the batch: each distinct word is analysed once.
        let mut analyzer = Analyzer::new(&lexicon);
        let writer = self.writer();
        // Documents go to the writer a chunk at a time, so Tantivy's indexing threads index one
        // chunk while the next is analysed. Not one by one: a batch of up to a chunk reaches the
        // writer at once, as it always has, so which indexing thread takes which guide, and
        // with it the order of guides whose scores tie, is as it was. Nothing below can refuse
        // a guide: the batch was checked above.
        // A guide the index may hold already (committed, or upserted since) is replaced: its
        // document and passage deleted first. Any other has nothing to delete, and asks for no
        // delete: Tantivy keeps each until the commit, with a scorer of its own (over a
        // kilobyte), which made a bulk load of 100 000 new guides hold some 250 MB more.
        let searcher = self.reader.searcher();
        let mut uncommitted = self.uncommitted();
        for (chunk, learned) in guides.chunks(ADD_CHUNK).zip(learned.chunks(ADD_CHUNK)) {
            let words: Vec<GuideWords> = chunk.iter().map(GuideWords::of).collect();
            // The chunk's vectors in one call per embedder (a model or a remote one batches).
            // The static table takes the guides' words as segmented here.
            let texts: Vec<String> = chunk.iter().map(Guide::semantic_text).collect();
            let semantic_words: Vec<Vec<&Word>> = chunk
                .iter()
                .zip(&words)
                .map(|(guide, words)| words.semantic_words(guide))
                .collect();
            let mut vector_texts: Vec<Vec<PassageText<'_>>> = Vec::with_capacity(2 * chunk.len());
            for ((text, semantic_words), learned) in texts.iter().zip(&semantic_words).zip(learned)
            {
                vector_texts.push(vec![(text.as_str(), Some(semantic_words.as_slice()))]);
                vector_texts.push(learned.iter().map(|t| (t.as_str(), None)).collect());
            }
            let mut vectors = self.vector_values(&vector_texts).into_iter();
            let docs: Vec<(TantivyDocument, Option<TantivyDocument>)> = chunk
                .iter()
                .zip(words)
                .zip(learned)
                .map(|((guide, words), learned)| {
                    let mut doc = self.document(guide, words, &mut analyzer);
                    add_vectors(&mut doc, self.fields.vectors, vectors.next());
                    let vectors = vectors.next();
                    let passage = (!learned.is_empty()).then(|| {
                        let mut passage = self.passage(guide, learned, &mut analyzer);
                        add_vectors(&mut passage, self.fields.vectors, vectors);
                        passage
                    });
                    (doc, passage)
                })
                .collect();
            for (guide, (doc, passage)) in chunk.iter().zip(docs) {
                let key = schema::group_key(&guide.id);
                if uncommitted.contains(&key) || self.committed(&searcher, &guide.id) {
                    writer.delete_term(Term::from_field_text(self.fields.id, &guide.id));
                    writer.delete_term(Term::from_field_text(self.fields.parent, &guide.id));
                }
                uncommitted.insert(key);
                writer.add_document(doc)?;
                if let Some(passage) = passage {
                    writer.add_document(passage)?;
                }
            }
        }
        Ok(())
    }

    /// True unless the committed index surely holds no document of the guide `id` (its own or
    /// a passage); a term dictionary that cannot be read counts as holding it.
    fn committed(&self, searcher: &tantivy::Searcher, id: &str) -> bool {
        [self.fields.id, self.fields.parent]
            .into_iter()
            .any(|field| {
                searcher
                    .doc_freq(&Term::from_field_text(field, id))
                    .map_or(true, |n| n > 0)
            })
    }

    /// Removes guides by id (unknown ids are ignored). Takes effect at [`commit`](Self::commit).
    pub fn delete<S: AsRef<str>>(&self, ids: &[S]) {
        let writer = self.writer();
        let mut feedback = self.feedback.write().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            writer.delete_term(Term::from_field_text(self.fields.id, id.as_ref()));
            writer.delete_term(Term::from_field_text(self.fields.parent, id.as_ref()));
            feedback.forget(id.as_ref());
        }
    }

    /// The filter keys and group of a guide, on its own document and on its passages.
    fn add_keys(&self, doc: &mut TantivyDocument, guide: &Guide) {
        let f = &self.fields;
        doc.add_u64(f.group, schema::group_key(&guide.id));
        for a in &guide.audiences {
            doc.add_text(f.audience_key, audience_key(a));
        }
        if guide.audiences.is_empty() {
            doc.add_text(f.audience_key, EVERYONE);
        }
        for key in category_keys(&guide.category) {
            doc.add_text(f.category_key, key);
        }
    }

    /// The learned passage of a guide: its learned texts (each stored), their words' forms in
    /// the learned fields and the word pairs within each text, and the guide's id as parent,
    /// its filter keys and group. One passage for all of a guide's texts measured better than
    /// one per text (docs/benchmarks.md, "Learning from use"): a typed text that shares one word
    /// with one text and another with the next is evidence too, as in the guide's own text.
    fn passage(
        &self,
        guide: &Guide,
        texts: &[String],
        analyzer: &mut Analyzer<'_>,
    ) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.parent, &guide.id);
        doc.add_text(f.passage, schema::PASSAGE);
        for text in texts {
            doc.add_text(f.learned, text);
        }
        self.add_keys(&mut doc, guide);
        // Sentences apart, so that no word pair spans two texts.
        let text = texts.join(LEARNED_SEPARATOR);
        let tokens = analyzer.analyze_words(crate::text::tokenize::words(&text));
        add_analysed(&mut doc, f, Source::Learned, &text, &tokens);
        doc
    }

    /// The Tantivy document of a guide: its stored fields, filter keys, and every analysed
    /// form of its title and body. Each analysed term is added as a value of its
    /// own to a field with the `raw` tokenizer, which indexes it as one token, exactly as a
    /// pre-tokenized text would (the same terms, frequencies and field lengths), without the
    /// JSON round trip Tantivy's document makes of a pre-tokenized text.
    fn document(
        &self,
        guide: &Guide,
        words: GuideWords,
        analyzer: &mut Analyzer<'_>,
    ) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &guide.id);
        doc.add_text(f.title, &guide.title);
        doc.add_text(f.body, &guide.body);
        doc.add_text(f.category, &guide.category);
        if let Some(url) = &guide.url {
            doc.add_text(f.url, url);
        }
        for k in &guide.keywords {
            doc.add_text(f.keywords, k);
        }
        for a in &guide.audiences {
            doc.add_text(f.audiences, a);
        }
        self.add_keys(&mut doc, guide);
        let title = analyzer.analyze_words(words.title);
        add_analysed(&mut doc, f, Source::Title, &words.title_text, &title);
        let body = analyzer.analyze_words(words.body);
        add_analysed(&mut doc, f, Source::Body, &guide.body, &body);
        doc
    }
}

/// Adds a document's stored vectors (nothing when it has none).
fn add_vectors(doc: &mut TantivyDocument, field: tantivy::schema::Field, value: Option<Vec<u8>>) {
    if let Some(value) = value.filter(|v| !v.is_empty()) {
        doc.add_bytes(field, &value);
    }
}

/// Adds the analysed fields of one source of a document: each form's terms (one text per field,
/// see `schema::Terms`), and the pairs of adjacent stems within a sentence of `text` and of
/// the parts of each compound.
fn add_analysed(
    doc: &mut TantivyDocument,
    f: &schema::Fields,
    source: Source,
    text: &str,
    tokens: &[Token],
) {
    let mut lines = Lines::default();
    for form in Form::ALL {
        for t in tokens {
            for term in form_terms(t, form) {
                lines.push(term);
            }
        }
        lines.add_to(doc, f.analyzed(source, form));
    }
    let mut term = String::new();
    for w in tokens.windows(2) {
        if same_sentence(text, &w[0].word, &w[1].word) && source.pairs(&w[0], &w[1]) {
            write_pair_term(&mut term, w[0].stem(), w[1].stem());
            lines.push(&term);
        }
    }
    for t in tokens {
        for heads in t.forms.part_heads.windows(2) {
            write_compound_pair_term(&mut term, &heads[0], &heads[1]);
            lines.push(&term);
        }
    }
    lines.add_to(doc, f.pair);
}

/// The terms a token is indexed under in the fields of one form.
fn form_terms(token: &Token, form: Form) -> &[String] {
    match form {
        Form::Word => std::slice::from_ref(&token.word.text),
        Form::Stem => &token.forms.stems,
        Form::Fold => &token.forms.folded,
        Form::Part => &token.forms.parts,
    }
}

/// The text of an analysed field: its terms, one a line ([`schema::Terms`]).
#[derive(Default)]
struct Lines(String);

impl Lines {
    /// The text, ready for the next term.
    fn next_line(&mut self) -> &mut String {
        if !self.0.is_empty() {
            self.0.push(schema::TERM_SEPARATOR);
        }
        &mut self.0
    }

    fn push(&mut self, term: &str) {
        debug_assert!(!term.contains(schema::TERM_SEPARATOR), "{term:?}");
        self.next_line().push_str(term);
    }

    /// Adds the terms so far to `field` of `doc` (nothing if there are none), and starts over.
    fn add_to(&mut self, doc: &mut TantivyDocument, field: tantivy::schema::Field) {
        if !self.0.is_empty() {
            doc.add_text(field, self.0.as_str());
            self.0.clear();
        }
    }
}

/// The words of a guide's indexed texts, segmented once per upsert.
struct GuideWords {
    /// The title followed by the keywords ([`Guide::title_text`]).
    title_text: String,
    /// Its words.
    title: Vec<Word>,
    /// Words of the body.
    body: Vec<Word>,
}

impl GuideWords {
    fn of(guide: &Guide) -> Self {
        let title_text = guide.title_text();
        Self {
            title: crate::text::tokenize::words(&title_text),
            title_text,
            body: crate::text::tokenize::words(&guide.body),
        }
    }

    /// The words of the guide's [`semantic_text`](Guide::semantic_text) (its title, not its
    /// keywords, then its body), as segmenting that text gives them.
    fn semantic_words(&self, guide: &Guide) -> Vec<&Word> {
        let title = self.title.iter().take_while(|w| w.end <= guide.title.len());
        title.chain(&self.body).collect()
    }

    fn iter(&self) -> impl Iterator<Item = &Word> {
        self.title.iter().chain(&self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::postings::Postings;
    use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
    use tantivy::tokenizer::{PreTokenizedString, Token as TantivyToken};
    use tantivy::{DocSet, SegmentReader, TERMINATED};
    use tantivy::{Index, IndexWriter};

    /// A guide's vector from the words `upsert` segmented for its terms is the vector of its
    /// semantic text segmented anew, bit for bit: every bundled guide, and titles that end in
    /// a hyphen, a full stop or a compound, with keywords, an empty-ish body.
    #[test]
    fn the_words_segmented_once_give_the_vector_of_the_text() {
        use crate::embed::{Embedder, StaticEmbedder, TextKind};
        let mut guides = crate::bundled::guides();
        let odd = [
            ("Lösenord-", "Byt lösenordet i e-tjänsten."),
            ("Glömt lösenordet?", "Logga in med BankID"),
            ("Parkeringstillstånd.", "—"),
            ("e-post", "e-post, e-faktura och e-legitimation: så gör du"),
        ];
        for (n, (title, body)) in odd.into_iter().enumerate() {
            let mut g = Guide::new(format!("odd-{n}"), title, body);
            g.keywords = vec!["nyckelord".into(), "lösen-ord".into()];
            guides.push(g);
        }
        assert!(guides.len() > 100);
        let table = StaticEmbedder::bundled();
        for g in &guides {
            let text = g.semantic_text();
            let words = GuideWords::of(g);
            let segmented = words.semantic_words(g);
            let by_words = table.embed_passages(&[(text.as_str(), Some(segmented.as_slice()))]);
            let by_text = table.embed(&[text.as_str()], TextKind::Passage).unwrap();
            assert_eq!(by_words, by_text, "{}", g.id);
        }
    }

    /// Term frequency of `text` in `field` of every document of a segment, by doc id.
    /// Per document, how often the pair term of the words `a` and `b` (their stems) occurs.
    fn pair_freqs(
        segment: &SegmentReader,
        field: tantivy::schema::Field,
        a: &str,
        b: &str,
    ) -> Vec<u32> {
        let (a, b) = (crate::text::stem::stem(a), crate::text::stem::stem(b));
        term_freqs(segment, field, &crate::text::analyzer::pair_term(&a, &b))
    }

    fn term_freqs(segment: &SegmentReader, field: tantivy::schema::Field, text: &str) -> Vec<u32> {
        let inverted = segment.inverted_index(field).expect("inverted index");
        let mut freqs = vec![0; segment.max_doc() as usize];
        let term = Term::from_field_text(field, text);
        if let Some(mut postings) = inverted
            .read_postings(&term, IndexRecordOption::WithFreqs)
            .expect("postings")
        {
            while postings.doc() != TERMINATED {
                freqs[postings.doc() as usize] = postings.term_freq();
                postings.advance();
            }
        }
        freqs
    }

    /// `document` gives each analysed field one text, its terms one a line, tokenized by
    /// `schema::Terms`; the index relies on that indexing exactly like one pre-tokenized text
    /// of those terms.
    #[test]
    fn one_term_a_line_indexes_like_a_pre_tokenized_text() {
        let mut builder = Schema::builder();
        let options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(schema::TERMS_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let field = builder.add_text_field("f", options);
        let index = Index::create_in_ram(builder.build());
        index
            .tokenizers()
            .register(schema::TERMS_TOKENIZER, schema::Terms::default());
        let terms = ["lösenord", "byt", "lösenord", "logg ut", "lösenord+byt"];
        let mut pre_tokenized = TantivyDocument::default();
        pre_tokenized.add_pre_tokenized_text(
            field,
            PreTokenizedString {
                text: String::new(),
                tokens: terms
                    .iter()
                    .enumerate()
                    .map(|(position, text)| TantivyToken {
                        offset_from: 0,
                        offset_to: 0,
                        position,
                        text: text.to_string(),
                        position_length: 1,
                    })
                    .collect(),
            },
        );
        let mut lines = Lines::default();
        for text in terms {
            lines.push(text);
        }
        let mut one_text = TantivyDocument::default();
        lines.add_to(&mut one_text, field);
        // Split over two values, with an empty line, as well.
        let mut two_texts = TantivyDocument::default();
        two_texts.add_text(field, "lösenord\nbyt\n\nlösenord");
        two_texts.add_text(field, "logg ut\nlösenord+byt");
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.add_document(pre_tokenized).unwrap();
        writer.add_document(one_text).unwrap();
        writer.add_document(two_texts).unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let segment = &searcher.segment_readers()[0];
        for (text, expected) in [
            ("lösenord", 2),
            ("byt", 1),
            ("logg ut", 1),
            ("lösenord+byt", 1),
        ] {
            assert_eq!(term_freqs(segment, field, text), [expected; 3], "{text}");
        }
        let norms = segment.get_fieldnorms_reader(field).unwrap();
        for doc in 0..3 {
            assert_eq!(norms.fieldnorm(doc), 5);
        }
        let inverted = segment.inverted_index(field).unwrap();
        assert_eq!(inverted.total_num_tokens(), 15);
        assert_eq!(inverted.terms().num_terms(), 4);
    }

    /// An upsert replaces the guide wherever the index holds it: committed, upserted since the
    /// last commit, or both; a new id adds no delete to the writer's queue.
    #[test]
    fn an_upsert_replaces_a_committed_or_uncommitted_guide_once() {
        let index = GuideIndex::in_memory().unwrap();
        let titles = |index: &GuideIndex| {
            let searcher = index.searcher();
            let mut found: Vec<String> = (0..searcher.segment_readers().len())
                .flat_map(|s| {
                    let segment = &searcher.segment_readers()[s];
                    let alive = segment.alive_bitset().cloned();
                    (0..segment.max_doc())
                        .filter(move |d| alive.as_ref().is_none_or(|a| a.is_alive(*d)))
                        .map(move |d| tantivy::DocAddress::new(s as u32, d))
                })
                .map(|a| {
                    let doc: TantivyDocument = searcher.doc(a).unwrap();
                    index.guide_of(&doc).title
                })
                .collect();
            found.sort();
            found
        };
        let guide = |id: &str, title: &str| Guide::new(id, title, "Lösenordet byts på Mina sidor.");
        index.upsert(&[guide("a", "Första")]).unwrap();
        index
            .upsert(&[guide("a", "Andra"), guide("b", "Bee")])
            .unwrap();
        index.commit().unwrap();
        assert_eq!(titles(&index), ["Andra", "Bee"]);
        index.upsert(&[guide("a", "Tredje")]).unwrap();
        index.upsert(&[guide("a", "Fjärde")]).unwrap();
        index.commit().unwrap();
        assert_eq!(titles(&index), ["Bee", "Fjärde"]);
        index.upsert(&[guide("c", "Cee")]).unwrap();
        index.rollback().unwrap();
        index
            .upsert(&[guide("c", "Ceta"), guide("b", "Beta")])
            .unwrap();
        index.commit().unwrap();
        index.optimize().unwrap();
        assert_eq!(titles(&index), ["Beta", "Ceta", "Fjärde"]);
        assert_eq!(index.len(), 3);
        // Nothing is left uncommitted after a commit; an id never upserted is not committed.
        assert!(index.uncommitted().is_empty());
        assert!(!index.committed(&index.searcher(), "d"));
        assert!(index.committed(&index.searcher(), "b"));
    }

    /// A guide's own text holds no pair of a function word ("jag har", "att logga") unless with
    /// a negation ("kan inte"); its learned passage, people's own questions, holds every pair.
    #[test]
    fn a_guide_holds_no_pair_of_a_function_word_and_its_learned_text_does() {
        let index = GuideIndex::in_memory().unwrap();
        let body = "Jag har glömt att logga ut. Skrivaren kan inte skriva.";
        index
            .upsert(&[Guide::new("g", "Utloggning", body)])
            .unwrap();
        index.commit().unwrap();
        let learned = crate::feedback::Feedback::helped("jag har glömt att logga ut", "g");
        index.import_feedback(&[learned]).unwrap();
        index.commit().unwrap();
        index.optimize().unwrap();
        let searcher = index.searcher();
        assert_eq!(searcher.segment_readers().len(), 1);
        let segment = &searcher.segment_readers()[0];
        assert_eq!(segment.num_docs(), 2, "the guide and its passage");
        let passage = (0..segment.max_doc())
            .find(|&d| {
                let doc: TantivyDocument = searcher.doc(tantivy::DocAddress::new(0, d)).unwrap();
                doc.get_first(index.fields.parent).is_some()
            })
            .expect("a passage") as usize;
        let guide = 1 - passage;
        let pair = |a: &str, b: &str| {
            let freqs = pair_freqs(segment, index.fields.pair, a, b);
            (freqs[guide], freqs[passage])
        };
        for (a, b) in [
            ("jag", "har"),
            ("har", "glömt"),
            ("glömt", "att"),
            ("att", "logga"),
        ] {
            assert_eq!(pair(a, b), (0, 1), "{a} {b}");
        }
        assert_eq!(pair("skrivaren", "kan"), (0, 0));
        assert_eq!(pair("logga", "ut"), (1, 1));
        for (a, b) in [("kan", "inte"), ("inte", "skriva")] {
            assert_eq!(pair(a, b), (1, 0), "{a} {b}");
        }
    }

    #[test]
    fn a_guide_is_indexed_with_frequencies_and_norms_per_source_and_form() {
        let index = GuideIndex::in_memory().unwrap();
        index
            .upsert(&[Guide::new(
                "pw",
                "Byta lösenord",
                "Lösenordet glömt? Byt lösenordet.",
            )])
            .unwrap();
        index.commit().unwrap();
        let searcher = index.searcher();
        let segment = &searcher.segment_readers()[0];
        let f = &index.fields;
        let body_word = f.analyzed(Source::Body, Form::Word);
        assert_eq!(term_freqs(segment, body_word, "lösenordet"), [2]);
        assert_eq!(term_freqs(segment, body_word, "glömt"), [1]);
        let norms = segment.get_fieldnorms_reader(body_word).unwrap();
        assert_eq!(norms.fieldnorm(0), 4);
        // Every form in its own field per source: stems and folded stems of the body's words,
        // and the title's word under its own source.
        let body = |form| f.analyzed(Source::Body, form);
        assert_eq!(term_freqs(segment, body(Form::Stem), "lösenord"), [2]);
        assert_eq!(term_freqs(segment, body(Form::Fold), "losenord"), [2]);
        assert_eq!(term_freqs(segment, body(Form::Stem), "glömm"), [1]);
        let title_word = f.analyzed(Source::Title, Form::Word);
        assert_eq!(term_freqs(segment, title_word, "lösenord"), [1]);
        assert_eq!(term_freqs(segment, body_word, "lösenord"), [0]);
        // Adjacent stems of one sentence of the body; nothing across a sentence's end ("glömt?
        // Byt") or across title and body.
        let pair = |a: &str, b: &str| pair_freqs(segment, f.pair, a, b);
        assert_eq!(pair("lösenordet", "glömt"), [1]);
        assert_eq!(pair("byt", "lösenordet"), [1]);
        assert_eq!(pair("glömt", "byt"), [0]);
        assert_eq!(term_freqs(segment, f.pair, "lösenord lösenord"), [0]);
    }
}
