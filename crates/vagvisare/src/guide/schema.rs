//! The Tantivy schema: stored guide fields, filter keys, and one indexed field per source
//! (title, body) and per form of a word (surface, stem, folded, compound part), plus stem pairs.

use tantivy::schema::{
    BytesOptions, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
    STORED, STRING,
};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::analyzer;

/// The tokenizer of the analysed fields ([`Terms`]).
pub const TERMS_TOKENIZER: &str = "vagvisare_terms";
/// What separates the terms of an analysed field's text (no term holds it; ASCII).
pub const TERM_SEPARATOR: char = '\n';

/// The analysed fields' tokenizer: a field's text is its terms, already analysed, one a line,
/// and each line is one token. So a guide hands Tantivy one text per field instead of one
/// value per term (most of the cost of indexing was the handling of those values); the terms,
/// frequencies and field lengths are those of one value per term with the `raw` tokenizer.
#[derive(Clone, Default)]
pub struct Terms {
    token: Token,
}

/// The tokens of one text of [`Terms`].
pub struct TermsStream<'a> {
    text: &'a str,
    /// Where the next line starts.
    at: usize,
    token: &'a mut Token,
}

impl Tokenizer for Terms {
    type TokenStream<'a> = TermsStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TermsStream<'a> {
        self.token.reset();
        self.token.position = usize::MAX; // the first token is at 0
        TermsStream {
            text,
            at: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for TermsStream<'_> {
    fn advance(&mut self) -> bool {
        let bytes = self.text.as_bytes();
        while self.at < bytes.len() {
            let from = self.at;
            // Terms are short: a plain scan finds the separator sooner than `str::find`.
            let len = bytes[from..]
                .iter()
                .position(|&b| b == TERM_SEPARATOR as u8)
                .unwrap_or(bytes.len() - from);
            let to = from + len;
            self.at = to + 1;
            if len == 0 {
                continue; // an empty line is no term
            }
            self.token.offset_from = from;
            self.token.offset_to = to;
            self.token.position = self.token.position.wrapping_add(1);
            self.token.position_length = 1;
            self.token.text.clear();
            // The separator is ASCII, so `from` and `to` are character boundaries.
            self.token.text.push_str(&self.text[from..to]);
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Which form of a word an indexed field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Form {
    /// The normalised surface word (`lösenordet`).
    Word,
    /// Its stems (`lösenord`).
    Stem,
    /// Its stems with å/ä/ö folded (`losenord`).
    Fold,
    /// Stems of its compound parts (`lösenord`, `byte` of `lösenordsbytet`).
    Part,
}

impl Form {
    /// All forms, in field order.
    pub const ALL: [Form; 4] = [Form::Word, Form::Stem, Form::Fold, Form::Part];
}

/// Where a word stands in a guide. Keywords count as title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Title and keywords.
    Title,
    /// Body text.
    Body,
    /// Texts learned from feedback (see [`crate::feedback`]).
    Learned,
}

impl Source {
    /// Whether two adjacent words of one sentence of this source form a pair term: in a
    /// guide's own text as [`forms_pair`](analyzer::forms_pair) says (no pair of a function
    /// word), in a learned text always. People's questions share their function words' pairs
    /// ("kan jag", "hur länge"): leaving those out of learned passages too cost corona-dev
    /// after its feedback 0.677 → 0.660 recall@5 at 50 % typed (by words alone MRR@10 0.776 →
    /// 0.755); keeping them costs loading nothing.
    pub(crate) fn pairs(self, a: &analyzer::Token, b: &analyzer::Token) -> bool {
        self == Source::Learned || analyzer::forms_pair(a, b)
    }

    /// Every source, in field order.
    pub const ALL: [Source; 3] = [Source::Title, Source::Body, Source::Learned];
}

/// Field handles.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Guide id (stored, exact).
    pub id: Field,
    /// Title as written (stored).
    pub title: Field,
    /// Body as written (stored).
    pub body: Field,
    /// Category breadcrumb (stored).
    pub category: Field,
    /// Link to the full guide (stored).
    pub url: Field,
    /// Keywords as written (stored).
    pub keywords: Field,
    /// Audiences as written (stored).
    pub audiences: Field,
    /// Normalised category prefixes (filter).
    pub category_key: Field,
    /// Normalised audiences, `*` for a guide meant for everyone (filter).
    pub audience_key: Field,
    /// Adjacent stem pairs of title and body.
    pub pair: Field,
    /// The text of a learned passage (stored, for explaining).
    pub learned: Field,
    /// A learned passage's guide id (stored, exact); a guide's own document has none.
    pub parent: Field,
    /// [`PASSAGE`] on every learned passage: counts them.
    pub passage: Field,
    /// The guide a document speaks for, as a number ([`group_key`] of its id; fast): a guide
    /// and its passages share it, so a guide is suggested once, by its best document.
    pub group: Field,
    /// The document's vectors, a block per embedder (fast; see the semantic stage,
    /// `search/semantic.rs`).
    pub vectors: Field,
    analyzed: [[Field; 4]; 3],
}

impl Fields {
    /// The indexed field of a source and form.
    pub fn analyzed(&self, source: Source, form: Form) -> Field {
        self.analyzed[source as usize][form as usize]
    }
}

/// The name of [`Fields::group`].
pub const GROUP: &str = "group";

/// The name of [`Fields::vectors`].
pub const VECTORS: &str = "vectors";

/// The term of [`Fields::passage`].
pub const PASSAGE: &str = "1";

/// The number a guide's documents share ([`Fields::group`]): the first eight bytes of a keyed
/// hash of its id (two ids of one index collide with odds of about one in 10^19 per pair).
pub fn group_key(id: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(id.as_bytes());
    // FxHash is fast but weak on short keys: mix once more (SplitMix64's finaliser).
    let mut z = h.finish() ^ (id.len() as u64).rotate_left(32);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Audience key of guides meant for everyone.
pub const EVERYONE: &str = "*";

/// Builds the schema and its field handles.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let stored_text = TextOptions::default().set_stored();
    let analyzed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TERMS_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let id = b.add_text_field("id", STRING | STORED);
    let title = b.add_text_field("title", stored_text.clone());
    let body = b.add_text_field("body", stored_text.clone());
    let category = b.add_text_field("category", stored_text.clone());
    let url = b.add_text_field("url", stored_text.clone());
    let keywords = b.add_text_field("keywords", stored_text.clone());
    let audiences = b.add_text_field("audiences", stored_text.clone());
    let learned = b.add_text_field("learned", stored_text);
    let parent = b.add_text_field("parent", STRING | STORED);
    let passage = b.add_text_field("passage", STRING);
    let group = b.add_u64_field(GROUP, NumericOptions::default().set_fast());
    let vectors = b.add_bytes_field(VECTORS, BytesOptions::default().set_fast());
    let category_key = b.add_text_field("category_key", STRING);
    let audience_key = b.add_text_field("audience_key", STRING);
    let pair = b.add_text_field("pair", analyzed.clone());
    let mut field = |name: &str| b.add_text_field(name, analyzed.clone());
    let analyzed = [
        [
            field("title_word"),
            field("title_stem"),
            field("title_fold"),
            field("title_part"),
        ],
        [
            field("body_word"),
            field("body_stem"),
            field("body_fold"),
            field("body_part"),
        ],
        [
            field("learned_word"),
            field("learned_stem"),
            field("learned_fold"),
            field("learned_part"),
        ],
    ];
    let schema = b.build();
    let fields = Fields {
        id,
        title,
        body,
        category,
        url,
        keywords,
        audiences,
        category_key,
        audience_key,
        pair,
        learned,
        parent,
        passage,
        group,
        vectors,
        analyzed,
    };
    (schema, fields)
}
