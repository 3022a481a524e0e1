//! The ranking's weights: every boost of the plan and of the scoring, in one place.

/// Boosts of the ranking. One place, tuned on the evaluation sets (see README).
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// The word as typed.
    pub exact: f32,
    /// Another inflection (same stem).
    pub stemmed: f32,
    /// The same word but for å/ä/ö (multiplies typo and prefix boosts of folded terms too).
    pub folded: f32,
    /// The word as a part of a guide's compound, or the typed compound's parts.
    pub part: f32,
    /// A synonym from the synonym file.
    pub synonym: f32,
    /// A synonym from the bundled Swedish thesaurus (`Thesaurus::bundled`): general language,
    /// so worth less than the portal's own (0: off). 0.6 measured best on SweFAQ dev and
    /// corona-dev (0.5–0.8 tried; docs/benchmarks.md, "A Swedish thesaurus").
    pub thesaurus: f32,
    /// A spelling neighbour one and two edits away.
    pub typo: [f32; 2],
    /// A completion is worth `prefix_floor + prefix_span × typed/complete length`.
    pub prefix_floor: f32,
    /// See `prefix_floor`.
    pub prefix_span: f32,
    /// A completion of a half-typed word that needed one edit.
    pub fuzzy_prefix: f32,
    /// Weight of a stop word (weighs less, never vanishes).
    pub stop_word: f32,
    /// Two adjacent query words adjacent in the guide.
    pub pair: f32,
    /// Two adjacent query words matching the parts of one compound of the guide.
    pub compound_pair: f32,
    /// A match in the title or keywords.
    pub title: f32,
    /// A match in the body.
    pub body: f32,
    /// A match in a guide's learned passage (the texts people typed before it helped them). A
    /// guide scores the better of its own text and its passage, so this weighs the passage
    /// against the guide's body (1.0) and title (1.5). 1.0 (with `learned_k1` 5) was tuned on
    /// corona-dev's feedback split against the bundled set's held-out guides
    /// (docs/benchmarks.md, "Learning from use").
    pub learned: f32,
    /// BM25's term-frequency saturation in learned passages (Tantivy's 1.2 in a guide's own
    /// text). A passage holds every text people gave its guide, so a word many of them used is
    /// their consensus and a word one of them used (a greeting, a sign-off) is not: a slower
    /// saturation counts the difference.
    pub learned_k1: f32,
    /// Share of a word's other alternatives' scores added to its best one.
    pub tie_breaker: f32,
    /// Most completions of the last word that are searched.
    pub max_completions: usize,
    /// Most spelling neighbours of a word that are searched.
    pub max_typo_neighbours: usize,
    /// Spelling searches (of words the index does not know) one search may run, the words
    /// nearest the cursor first: what bounds the cost of a text of many long misspelt words.
    pub max_typo_searches: usize,
    /// Share of the semantic stage in the fused score of a guide (0: off; see
    /// `search/semantic.rs`). What a search uses unless it or the index chooses its own, with
    /// the shipped static table: 0.4 since its cosines count as a share of the best one (0.3
    /// with min–max before; docs/semantic.md, "Session 23").
    pub semantic: f32,
    /// The same with a costly embedder chosen by the host (a sentence encoder, whose evidence
    /// is worth more than the static table's: 0.7 measured best with multilingual-e5-small,
    /// docs/semantic.md).
    pub semantic_encoder: f32,
    /// The same while that embedder is asked on every keystroke
    /// ([`GuideIndex::set_embed_while_typing`](crate::GuideIndex::set_embed_while_typing)): it
    /// then sees the word being typed, and 0.75 measured best (docs/semantic.md).
    pub semantic_encoder_typing: f32,
    /// Share (0 to 1) of the direction every static vector shares most that is taken out of
    /// both sides of the semantic stage's cosines once the text is finished (SIF's second step:
    /// see `search/semantic.rs`). 0.7 measured best on SweFAQ dev and corona-dev; 1 (all of
    /// it) costs corona a question at recall@5, 0 leaves the cosines plain (docs/semantic.md).
    pub semantic_common: f32,
    /// Lexical candidates the semantic stage re-scores (the best ones).
    pub semantic_depth: usize,
    /// Guides nearest the typed text that join the candidates although no word of it found them.
    pub semantic_extra: usize,
    /// Least cosine of a guide that only the semantic stage found: below it, it is not near
    /// enough to be suggested (text that means nothing to the guides finds nothing).
    pub semantic_min: f32,
    /// Most stored vectors compared one by one with a typed text to find `semantic_extra`
    /// guides; beyond it a nearest-neighbour graph per segment finds them (`search/ann.rs`).
    pub semantic_scan: usize,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            exact: 1.0,
            stemmed: 0.9,
            folded: 0.75,
            part: 0.6,
            synonym: 0.8,
            thesaurus: 0.6,
            typo: [0.6, 0.45],
            prefix_floor: 0.55,
            prefix_span: 0.35,
            fuzzy_prefix: 0.4,
            stop_word: 0.5,
            pair: 0.3,
            compound_pair: 0.9,
            title: 1.5,
            body: 1.0,
            learned: 1.0,
            learned_k1: 5.0,
            tie_breaker: 0.1,
            max_completions: 24,
            semantic: 0.4,
            semantic_encoder: 0.7,
            semantic_encoder_typing: 0.75,
            semantic_common: 0.7,
            semantic_depth: 20,
            semantic_extra: 10,
            semantic_scan: 10_000,
            semantic_min: 0.25,
            max_typo_neighbours: 8,
            max_typo_searches: 12,
        }
    }
}
