//! Stage 4, **Explanation**: which typed word matched which word of each suggested guide (or of
//! its learned texts) and how, and a snippet of the guide's body with the matched words marked.

use std::hash::{Hash, Hasher};

use rustc_hash::FxHashMap;

use serde::Serialize;

use super::index::LEARNED_SEPARATOR;
use super::model::Guide;
use super::plan::{Alternative, MatchKind, QueryPlan, QueryWord};
use super::schema::{Form, Source};
use crate::text::analyzer::{write_compound_pair_term, write_pair_term, Analyzer, Token};
use crate::text::tokenize::{same_sentence, words, Word};

/// Words of body text a snippet shows.
const SNIPPET_WORDS: usize = 26;

/// A guide suggested for the typed text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The guide's id.
    pub id: String,
    /// The guide's title.
    pub title: String,
    /// The guide's category breadcrumb.
    pub category: String,
    /// Where the full guide is, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A short passage of the guide with the matched words marked.
    pub snippet: Snippet,
    /// Each query word that matched, the guide's word it matched, and how.
    pub matched: Vec<Match>,
    /// The ranking score (higher is better; comparable within one request only).
    pub score: f32,
}

/// A passage of a guide's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// Plain text.
    pub text: String,
    /// The same text, HTML-escaped, with matched words in `<mark>`.
    pub html: String,
    /// Where the matched words stand in `text`, as `[start, end)` offsets in **characters**
    /// (Unicode scalar values: Python's `str` indexes, Rust's `text.chars()`). The one unit
    /// of every interface: the CLI's and the service's JSON carry the same numbers.
    pub highlights: Vec<(usize, usize)>,
    /// The same ranges in UTF-16 code units, for JavaScript's `String.prototype.slice` (equal to
    /// `highlights` unless the text holds characters outside the Basic Multilingual Plane).
    pub highlights_utf16: Vec<(usize, usize)>,
}

/// How one query word matched a guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    /// The query word, normalised.
    pub query: String,
    /// The guide's word as written in the guide ("För *lösenord*").
    pub guide_word: String,
    /// How it matched.
    pub kind: MatchKind,
    /// For a match in what the guide learned ([`MatchKind::Learned`]): the learned text it
    /// matched, as people typed it (normalised and redacted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learned_text: Option<String>,
}

/// A guide with its title (and keywords) and body analysed: what explaining needs, computed once
/// per guide and committed state (see [`GenerationCache`](super::cache::GenerationCache)).
#[derive(Debug, Clone)]
pub(crate) struct AnalysedGuide {
    /// The guide as stored.
    guide: Guide,
    /// The title with the keywords, as indexed.
    title_text: String,
    /// Words of `title_text` (their forms are not kept: `positions` holds what they match).
    title_tokens: Vec<Word>,
    /// Words of the body.
    body_tokens: Vec<Word>,
    /// The texts learned from feedback, as indexed.
    learned_text: String,
    /// Words of `learned_text`.
    learned_tokens: Vec<Word>,
    /// Where each term of each form stands (by [`term_key`]): the run of `term_at` that holds
    /// its word numbers. Keys are hashes, not the terms: a guide of a few hundred words has
    /// thousands of terms, and this cache holds a thousand guides. A run of one array rather
    /// than a list of its own per term: one allocation instead of one a term, and a first pass
    /// over 100 000 generated guides ends 16–22 MiB lower.
    terms: FxHashMap<u64, (u32, u32)>,
    /// Word numbers (counting the title's words first, then the body's, then the learned
    /// texts'), each term's rising, term by term.
    term_at: Box<[u32]>,
    /// Where each pair term (as the index holds them in the pair field, by [`term_key`] with
    /// no form) first stands: the first and the last word number it covers (two adjacent words
    /// of a sentence, or one compound whose adjacent parts it is).
    pairs: FxHashMap<u64, (u32, u32)>,
}

/// The key of a term of a form (`None` for a pair term) in [`AnalysedGuide`]'s maps: a 64-bit
/// hash, so two terms of one guide share a key with a chance of about one in 10^16.
fn term_key(form: Option<Form>, term: &str) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    form.map(|f| f as u8).hash(&mut hasher);
    term.hash(&mut hasher);
    hasher.finish()
}

/// The keys of every term a word is indexed under, as [`AnalysedGuide`] finds them (the same for
/// every token of one [`Forms`](crate::text::analyzer::Forms): its word's).
fn token_keys(token: &Token) -> Box<[u64]> {
    let forms = &token.forms;
    let terms = [
        (Form::Word, std::slice::from_ref(&token.word.text)),
        (Form::Stem, &forms.stems[..]),
        (Form::Fold, &forms.folded[..]),
        (Form::Fold, &forms.stems[..]),
        (Form::Part, &forms.parts[..]),
    ];
    terms
        .iter()
        .flat_map(|(form, list)| list.iter().map(|term| term_key(Some(*form), term)))
        .collect()
}

impl AnalysedGuide {
    /// Analyses a guide's title, keywords, body and learned texts.
    pub(crate) fn new(guide: Guide, learned_text: String, analyzer: &mut Analyzer<'_>) -> Self {
        let title_text = guide.title_text();
        let title_tokens = analyzer.analyze(&title_text);
        let body_tokens = analyzer.analyze(&guide.body);
        let learned_tokens = analyzer.analyze(&learned_text);
        let words = title_tokens.len() + body_tokens.len() + learned_tokens.len();
        let mut pairs: FxHashMap<u64, (u32, u32)> =
            FxHashMap::with_capacity_and_hasher(words, Default::default());
        let mut term = String::new();
        let mut first = 0u32;
        for (source, text, tokens) in [
            (Source::Title, title_text.as_str(), &title_tokens),
            (Source::Body, guide.body.as_str(), &body_tokens),
            (Source::Learned, learned_text.as_str(), &learned_tokens),
        ] {
            // As `index::write` pairs them: adjacent words of a sentence, adjacent compound parts.
            for (i, pair) in tokens.windows(2).enumerate() {
                if same_sentence(text, &pair[0].word, &pair[1].word)
                    && source.pairs(&pair[0], &pair[1])
                {
                    let at = first + i as u32;
                    write_pair_term(&mut term, pair[0].stem(), pair[1].stem());
                    pairs.entry(term_key(None, &term)).or_insert((at, at + 1));
                }
            }
            for (i, token) in tokens.iter().enumerate() {
                let at = first + i as u32;
                for heads in token.forms.part_heads.windows(2) {
                    write_compound_pair_term(&mut term, &heads[0], &heads[1]);
                    pairs.entry(term_key(None, &term)).or_insert((at, at));
                }
            }
            first += tokens.len() as u32;
        }
        let all = title_tokens
            .iter()
            .chain(&body_tokens)
            .chain(&learned_tokens);
        let mut positions: Vec<(u64, u32)> = Vec::with_capacity(words * 6);
        for (at, token) in all.enumerate() {
            let keys = token.forms.term_keys.get_or_init(|| token_keys(token));
            positions.extend(keys.iter().map(|&key| (key, at as u32)));
        }
        positions.sort_unstable();
        positions.dedup();
        let distinct = positions.chunk_by(|a, b| a.0 == b.0).count();
        let mut terms: FxHashMap<u64, (u32, u32)> =
            FxHashMap::with_capacity_and_hasher(distinct, Default::default());
        for (i, &(key, _)) in positions.iter().enumerate() {
            terms
                .entry(key)
                .and_modify(|run| run.1 += 1)
                .or_insert((i as u32, 1));
        }
        terms.shrink_to_fit();
        let words =
            |tokens: Vec<Token>| -> Vec<Word> { tokens.into_iter().map(|t| t.word).collect() };
        pairs.shrink_to_fit();
        Self {
            guide,
            title_text,
            title_tokens: words(title_tokens),
            body_tokens: words(body_tokens),
            learned_text,
            learned_tokens: words(learned_tokens),
            terms,
            term_at: positions.iter().map(|&(_, at)| at).collect(),
            pairs,
        }
    }

    /// A guide segmented into words only, without their forms: what explaining a guide that
    /// only the semantic stage found needs (its snippet, the words its `related` match names).
    /// Nothing of it matches a term.
    pub(crate) fn words_only(guide: Guide, learned_text: String) -> Self {
        let title_text = guide.title_text();
        let title_tokens = words(&title_text);
        let body_tokens = words(&guide.body);
        let learned_tokens = words(&learned_text);
        Self {
            guide,
            title_text,
            title_tokens,
            body_tokens,
            learned_text,
            learned_tokens,
            terms: FxHashMap::default(),
            term_at: Box::default(),
            pairs: FxHashMap::default(),
        }
    }

    /// The word at word number `at` (title first, then body, then learned texts): its text as
    /// written, and for a learned word the learned text that holds it.
    fn word_at(&self, at: usize) -> Option<(&Word, &str)> {
        let titled = self.title_tokens.len();
        let bodied = titled + self.body_tokens.len();
        if at < titled {
            Some((&self.title_tokens[at], &self.title_text))
        } else if at < bodied {
            Some((&self.body_tokens[at - titled], &self.guide.body))
        } else {
            Some((self.learned_tokens.get(at - bodied)?, &self.learned_text))
        }
    }

    /// The guide's words `from..=to` (of one source) as written, and for learned words the
    /// learned text that holds them.
    fn words_between(&self, from: usize, to: usize) -> Option<(&str, Option<&str>)> {
        let (first, text) = self.word_at(from)?;
        let (last, _) = self.word_at(to)?;
        let written = text.get(first.start..last.end)?;
        let learned = (from >= self.title_tokens.len() + self.body_tokens.len())
            .then(|| learned_text_around(text, first.start, last.end));
        Some((written, learned))
    }

    /// Where any of the terms stands (word numbers, title first), by their [`term_key`]s.
    fn positions_of<'a>(&'a self, keys: &'a [u64]) -> impl Iterator<Item = usize> + 'a {
        keys.iter().flat_map(move |key| {
            let (from, len) = self
                .terms
                .get(key)
                .map_or((0, 0), |&(from, len)| (from as usize, len as usize));
            self.term_at[from..from + len].iter().map(|&at| at as usize)
        })
    }
}

/// A plan's terms as the keys an [`AnalysedGuide`] finds them by, hashed once a keystroke
/// rather than once for each guide explained: a half-typed word of two letters has hundreds of
/// completions, each looked for in every suggestion twice.
pub(crate) struct PlanKeys {
    /// Per query word, its alternatives' kinds and keys, the strongest alternative first (ties
    /// in the plan's order).
    words: Vec<Vec<(MatchKind, Vec<u64>)>>,
}

impl PlanKeys {
    /// The keys of every alternative of every word of `plan`.
    pub(crate) fn of(plan: &QueryPlan) -> Self {
        let words = plan
            .words
            .iter()
            .map(|qw| {
                let mut alternatives: Vec<&Alternative> = qw.alternatives.iter().collect();
                alternatives.sort_by(|a, b| b.boost.total_cmp(&a.boost));
                alternatives
                    .into_iter()
                    .map(|alt| {
                        let keys = alt
                            .terms
                            .iter()
                            .map(|(form, term)| term_key(Some(*form), term))
                            .collect();
                        (alt.kind, keys)
                    })
                    .collect()
            })
            .collect();
        Self { words }
    }
}

/// Explains one candidate: what matched, and a snippet.
pub(crate) fn explain(
    analysed: &AnalysedGuide,
    score: f32,
    plan: &QueryPlan,
    keys: &PlanKeys,
) -> Suggestion {
    let AnalysedGuide {
        guide,
        title_tokens,
        body_tokens,
        ..
    } = analysed;
    let titled = title_tokens.len();
    let mut matched = Vec::new();
    // For each body token, the query words it matches (for the snippet).
    let mut body_hits: Vec<Vec<usize>> = vec![Vec::new(); body_tokens.len()];
    let mut hit = |wi: usize, at: usize| {
        let body_word = at.checked_sub(titled).filter(|&b| b < body_tokens.len());
        if let Some(hits) = body_word.map(|b| &mut body_hits[b]) {
            if hits.last() != Some(&wi) {
                hits.push(wi);
            }
        }
    };
    for (wi, (qw, alternatives)) in plan.words.iter().zip(&keys.words).enumerate() {
        let best = alternatives
            .iter()
            .find_map(|(kind, keys)| Some((*kind, analysed.positions_of(keys).min()?)));
        let found = match best {
            Some((kind, at)) => Some((kind, at, at)),
            // No way of the word alone: a pair it is part of (the word with its neighbour, or
            // its compound's parts), found in the guide as a pair, scores it.
            None => pair_match(analysed, plan, qw),
        };
        let Some((kind, from, to)) = found else {
            continue;
        };
        let Some((guide_word, learned)) = analysed.words_between(from, to) else {
            continue;
        };
        matched.push(Match {
            query: qw.text.clone(),
            guide_word: guide_word.to_string(),
            kind: if learned.is_some() {
                MatchKind::Learned
            } else {
                kind
            },
            learned_text: learned.map(str::to_string),
        });
        if qw.weight < 1.0 {
            continue; // stop words are not marked in the snippet
        }
        if best.is_none() {
            for at in from..=to {
                hit(wi, at);
            }
        }
        for (_, keys) in alternatives {
            for at in analysed.positions_of(keys) {
                hit(wi, at);
            }
        }
    }
    let snippet = snippet(&guide.body, body_tokens, &body_hits);
    Suggestion {
        id: guide.id.clone(),
        title: guide.title.clone(),
        category: guide.category.clone(),
        url: guide.url.clone(),
        snippet,
        matched,
        score,
    }
}

/// Cosine of word vectors above which a guide word is named as related to a typed word.
const RELATED_MIN: f32 = 0.3;

/// Adds a [`MatchKind::Related`] match to a suggestion the semantic stage brought or moved: for
/// each typed word it does not match otherwise, the guide word (or word of the learned text
/// `learned`, when that is the text nearest the typed text) whose vector in `table` is nearest,
/// when near enough; and when the suggestion has no match at all, the nearest pair whatever its
/// cosine (no suggestion comes without an explanation).
pub(crate) fn relate(
    suggestion: &mut Suggestion,
    plan: &QueryPlan,
    learned: Option<&str>,
    nearest: impl Fn(&str) -> Option<(String, f32)>,
) {
    let mut best: Option<Match> = None;
    let mut best_cosine = f32::NEG_INFINITY;
    for qw in &plan.words {
        if suggestion.matched.iter().any(|m| m.query == qw.text) {
            continue;
        }
        // The word as typed, else what the plan completed or corrected it to.
        let mut forms = std::iter::once(qw.text.as_str()).chain(
            qw.alternatives
                .iter()
                .filter(|a| matches!(a.kind, MatchKind::Prefix | MatchKind::Typo))
                .flat_map(|a| &a.terms)
                .filter(|(form, _)| *form == Form::Word)
                .map(|(_, t)| t.as_str())
                .take(3),
        );
        let Some((word, cosine)) = forms.find_map(&nearest) else {
            continue;
        };
        let found = Match {
            query: qw.text.clone(),
            guide_word: word,
            kind: MatchKind::Related,
            learned_text: learned.map(str::to_string),
        };
        if cosine >= RELATED_MIN && qw.is_content() {
            suggestion.matched.push(found);
        } else if cosine > best_cosine {
            best_cosine = cosine;
            best = Some(found);
        }
    }
    if suggestion.matched.is_empty() {
        suggestion.matched.extend(best);
    }
}

/// The word of a guide (or of its learned text `learned`), as written, whose vector in `table`
/// is nearest the typed word's, and their cosine; `None` when the table knows neither.
pub(crate) fn nearest_word(
    analysed: &AnalysedGuide,
    learned: Option<&str>,
    table: &crate::embed::StaticEmbedder,
    typed: &str,
) -> Option<(String, f32)> {
    // Each distinct word (normalised, as the table knows words) with the word as written.
    let mut written: FxHashMap<&str, &str> = FxHashMap::default();
    let learned_words;
    match learned {
        Some(text) => {
            learned_words = crate::text::tokenize::words(text);
            for w in &learned_words {
                if let Some(as_written) = text.get(w.start..w.end) {
                    written.entry(w.text.as_str()).or_insert(as_written);
                }
            }
        }
        None => {
            let title = analysed
                .title_tokens
                .iter()
                .map(|t| (&analysed.title_text, t));
            let body = analysed
                .body_tokens
                .iter()
                .map(|t| (&analysed.guide.body, t));
            for (text, t) in title.chain(body) {
                if let Some(as_written) = text.get(t.start..t.end) {
                    written.entry(t.text.as_str()).or_insert(as_written);
                }
            }
        }
    }
    // Stop words ("och", "att") are never the word worth naming, and a long guide has many:
    // each costs a lookup and a row of the table. Kept when the guide has nothing else.
    let content = written
        .keys()
        .copied()
        .filter(|w| !crate::text::stopwords::is_stop_word(w));
    let (word, cosine) = match table.nearest(typed, content) {
        Some(found) => found,
        None => table.nearest(typed, written.keys().copied())?,
    };
    Some((written.get(word).map_or(word, |w| w).to_string(), cosine))
}

/// The first pair of the plan that joins the query word and stands in the guide: how it
/// matched and the guide's words it covers (first and last word number). A pair of two typed
/// words matches each of them to its own guide word (by stem, or both to the guide's compound
/// of them); a pair of a typed compound's parts matches the compound to the guide's words.
fn pair_match(
    analysed: &AnalysedGuide,
    plan: &QueryPlan,
    qw: &QueryWord,
) -> Option<(MatchKind, usize, usize)> {
    plan.pairs.iter().find_map(|pair| {
        let side = pair.words.iter().position(|w| *w == qw.text)?;
        let &(from, to) = analysed.pairs.get(&term_key(None, &pair.term))?;
        let (from, to) = (from as usize, to as usize);
        if pair.words.len() == 2 && from != to {
            // Two typed words, two guide words: this word is the one on its side.
            let at = if side == 0 { from } else { to };
            let (token, _) = analysed.word_at(at)?;
            let kind = if token.text == qw.text {
                MatchKind::Exact
            } else {
                MatchKind::Stemmed
            };
            Some((kind, at, at))
        } else {
            Some((MatchKind::CompoundPart, from, to))
        }
    })
}

/// The one learned text (of the guide's texts joined by [`LEARNED_SEPARATOR`]) that holds the
/// bytes `start..end`.
fn learned_text_around(texts: &str, start: usize, end: usize) -> &str {
    let from = texts[..start]
        .rfind(LEARNED_SEPARATOR)
        .map_or(0, |at| at + LEARNED_SEPARATOR.len());
    let to = texts[end..]
        .find(LEARNED_SEPARATOR)
        .map_or(texts.len(), |at| end + at);
    &texts[from..to]
}

/// The window of body words with the most distinct matched query words (then the most matches).
fn snippet(body: &str, tokens: &[Word], hits: &[Vec<usize>]) -> Snippet {
    if tokens.is_empty() {
        return Snippet {
            text: String::new(),
            html: String::new(),
            highlights: Vec::new(),
            highlights_utf16: Vec::new(),
        };
    }
    let window = SNIPPET_WORDS.min(tokens.len());
    let start = best_window(hits, window);
    let end = start + window;
    // Rebuild the window word by word, with every run of white space (line breaks of numbered
    // steps included) shown as one space, remembering where the matched words land.
    let mut text = String::new();
    if start > 0 {
        text.push('…');
    }
    let mut highlights = Vec::new();
    let first_from = if start == 0 { 0 } else { tokens[start].start };
    let mut at = first_from;
    for i in start..end {
        let word = &tokens[i];
        push_collapsed(&mut text, &body[at..word.start]);
        let from = text.len();
        text.push_str(&body[word.start..word.end]);
        if !hits[i].is_empty() {
            highlights.push((from, text.len()));
        }
        at = word.end;
    }
    if end == tokens.len() {
        push_collapsed(&mut text, &body[at..]);
    } else {
        text.push('…');
    }
    let trimmed = text.trim_end().len();
    text.truncate(trimmed);
    let html = mark_html(&text, &highlights);
    let (highlights, highlights_utf16) = char_offsets(&text, &highlights);
    Snippet {
        highlights,
        highlights_utf16,
        text,
        html,
    }
}

/// Byte ranges of `text` (rising, not overlapping) as ranges of characters and of UTF-16 code
/// units: one pass over the text, not one from its start for each end of a range.
#[allow(clippy::type_complexity)]
fn char_offsets(
    text: &str,
    ranges: &[(usize, usize)],
) -> (Vec<(usize, usize)>, Vec<(usize, usize)>) {
    let (mut chars, mut units) = (
        Vec::with_capacity(ranges.len()),
        Vec::with_capacity(ranges.len()),
    );
    let (mut byte, mut char_at, mut unit_at) = (0usize, 0usize, 0usize);
    let mut advance = |to: usize| {
        let to = to.max(byte);
        for c in text.get(byte..to).unwrap_or("").chars() {
            char_at += 1;
            unit_at += c.len_utf16();
        }
        byte = to;
        (char_at, unit_at)
    };
    for &(from, to) in ranges {
        let (cf, uf) = advance(from);
        let (ct, ut) = advance(to);
        chars.push((cf, ct));
        units.push((uf, ut));
    }
    (chars, units)
}

/// The first start of the `window` words that hold the most distinct query words, and among
/// those the most matched words (`hits`: per word, the query words it matches). One pass, the
/// window sliding a word at a time with a count per query word.
fn best_window(hits: &[Vec<usize>], window: usize) -> usize {
    let mut counts = vec![0u32; hits.iter().flatten().max().map_or(0, |&q| q + 1)];
    let (mut distinct, mut total) = (0usize, 0usize);
    let mut best = (0usize, 0usize, 0usize); // (distinct, total, start)
    for (i, entering) in hits.iter().enumerate() {
        total += usize::from(!entering.is_empty());
        for &q in entering {
            distinct += usize::from(counts[q] == 0);
            counts[q] += 1;
        }
        let Some(start) = (i + 1).checked_sub(window) else {
            continue;
        };
        if (distinct, total) > (best.0, best.1) {
            best = (distinct, total, start);
        }
        let leaving = &hits[start];
        total -= usize::from(!leaving.is_empty());
        for &q in leaving {
            counts[q] -= 1;
            distinct -= usize::from(counts[q] == 0);
        }
    }
    best.2
}

/// Appends text with each run of white space as one space (none at the very start).
fn push_collapsed(out: &mut String, gap: &str) {
    let space = |out: &mut String| {
        if !out.is_empty() && !out.ends_with(' ') && !out.ends_with('…') {
            out.push(' ');
        }
    };
    for (i, piece) in gap.split_whitespace().enumerate() {
        if i > 0 || gap.starts_with(char::is_whitespace) {
            space(out);
        }
        out.push_str(piece);
    }
    if gap.ends_with(char::is_whitespace) {
        space(out);
    }
}

fn escape_into(out: &mut String, text: &str) {
    // Runs without a character to escape are copied whole (the five are ASCII, so a byte
    // search finds them and every cut is at a character boundary).
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// HTML-escapes text and wraps the highlighted byte ranges in `<mark>`.
fn mark_html(text: &str, highlights: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len() + highlights.len() * 13);
    let mut at = 0;
    for &(from, to) in highlights {
        if from < at
            || to > text.len()
            || !text.is_char_boundary(from)
            || !text.is_char_boundary(to)
        {
            continue;
        }
        escape_into(&mut out, &text[at..from]);
        out.push_str("<mark>");
        escape_into(&mut out, &text[from..to]);
        out.push_str("</mark>");
        at = to;
    }
    escape_into(&mut out, &text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A guide found by meaning alone is explained from its words only: the same words, the
    /// same snippet, as its full analysis gives when no typed word matches it.
    #[test]
    fn words_only_explains_as_the_full_analysis_does_when_nothing_matches() {
        let lexicon = crate::text::compound::Lexicon::new();
        let synonyms = crate::text::synonyms::Synonyms::none();
        for guide in crate::bundled::guides().into_iter().take(40) {
            let mut analyzer = Analyzer::new(&lexicon);
            let full = AnalysedGuide::new(guide.clone(), String::new(), &mut analyzer);
            let light = AnalysedGuide::words_only(guide, String::new());
            assert_eq!(light.title_tokens, full.title_tokens);
            assert_eq!(light.body_tokens, full.body_tokens);
            let plan = crate::guide::plan::plan(
                "qqxz zzqv ",
                &mut analyzer,
                &synonyms,
                None,
                &crate::guide::Weights::default(),
            );
            let keys = PlanKeys::of(&plan);
            let (a, b) = (
                explain(&full, 1.0, &plan, &keys),
                explain(&light, 1.0, &plan, &keys),
            );
            assert!(a.matched.is_empty() && b.matched.is_empty());
            assert_eq!(a.snippet, b.snippet, "{}", a.id);
        }
    }

    /// The window as it was chosen before `best_window`: every start, counted afresh.
    fn best_window_by_counting_each(hits: &[Vec<usize>], window: usize) -> usize {
        let mut best = (0usize, 0usize, 0usize);
        for start in 0..=hits.len() - window {
            let slice = &hits[start..start + window];
            let mut distinct: Vec<usize> = slice.iter().flatten().copied().collect();
            let total = slice.iter().filter(|h| !h.is_empty()).count();
            distinct.sort_unstable();
            distinct.dedup();
            if (distinct.len(), total) > (best.0, best.1) {
                best = (distinct.len(), total, start);
            }
        }
        best.2
    }

    #[test]
    fn the_sliding_window_chooses_as_counting_each_window_did() {
        let mut state = 99u64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        for _ in 0..500 {
            let len = 1 + next(80) as usize;
            let hits: Vec<Vec<usize>> = (0..len)
                .map(|_| (0..next(3)).map(|_| next(6) as usize).collect())
                .collect();
            let window = 1 + next(len as u64) as usize;
            assert_eq!(
                best_window(&hits, window),
                best_window_by_counting_each(&hits, window),
                "{hits:?} {window}"
            );
        }
    }

    #[test]
    fn marks_and_escapes() {
        assert_eq!(
            mark_html("a <b> lösen", &[(6, 12)]),
            "a &lt;b&gt; <mark>lösen</mark>"
        );
        // Out-of-range or overlapping ranges are skipped, never a panic.
        assert_eq!(
            mark_html("abc", &[(1, 2), (0, 3), (2, 9)]),
            "a<mark>b</mark>c"
        );
        let mut out = String::new();
        escape_into(&mut out, "å&<>\"'ö&&x");
        assert_eq!(out, "å&amp;&lt;&gt;&quot;&#39;ö&amp;&amp;x");
    }

    /// The offsets of one pass are those of counting each from the text's start, in characters
    /// and in UTF-16 code units (a character outside the Basic Multilingual Plane is two).
    #[test]
    fn character_offsets_in_one_pass() {
        let text = "Glömt 🔑 lösenord… på 𝔼-tjänsten? ja";
        let ranges: Vec<(usize, usize)> = crate::text::tokenize::words(text)
            .iter()
            .map(|w| (w.start, w.end))
            .collect();
        assert!(ranges.len() >= 5);
        let count = |byte: usize, unit: fn(char) -> usize| -> usize {
            text[..byte].chars().map(unit).sum()
        };
        let (chars, units) = char_offsets(text, &ranges);
        for (i, &(from, to)) in ranges.iter().enumerate() {
            assert_eq!(chars[i], (count(from, |_| 1), count(to, |_| 1)));
            assert_eq!(
                units[i],
                (count(from, char::len_utf16), count(to, char::len_utf16))
            );
        }
        assert_ne!(chars, units);
        assert_eq!(char_offsets(text, &[]), (Vec::new(), Vec::new()));
    }
}
