//! Stage 3, explanation: which words matched each suggestion and how, and a snippet of the
//! guide with the matched words marked.

use serde::Serialize;

use super::model::Guide;
use super::query::{Alternative, MatchKind, QueryPlan};
use super::schema::Form;
use crate::text::analyzer::{Analyzer, Token};

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
    /// Byte ranges of matched words in `text`.
    pub highlights: Vec<(usize, usize)>,
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
}

fn token_has(token: &Token, form: Form, term: &str) -> bool {
    match form {
        Form::Word => token.surface() == term,
        Form::Stem => token.forms.stems.iter().any(|s| s == term),
        Form::Fold => token
            .forms
            .folded
            .iter()
            .chain(&token.forms.stems)
            .any(|s| s == term),
        Form::Part => token.forms.parts.iter().any(|p| p == term),
    }
}

fn alternative_matches(alt: &Alternative, token: &Token) -> bool {
    alt.terms
        .iter()
        .any(|(form, term)| token_has(token, *form, term))
}

/// Explains one candidate: what matched, and a snippet.
pub fn explain(
    guide: Guide,
    score: f32,
    plan: &QueryPlan,
    analyzer: &mut Analyzer<'_>,
) -> Suggestion {
    let mut title_text = guide.title.clone();
    for k in &guide.keywords {
        title_text.push_str(" . ");
        title_text.push_str(k);
    }
    let title_tokens = analyzer.analyze(&title_text);
    let body_tokens = analyzer.analyze(&guide.body);
    let mut matched = Vec::new();
    // For each body token, the query words it matches (for the snippet).
    let mut body_hits: Vec<Vec<usize>> = vec![Vec::new(); body_tokens.len()];
    for (wi, qw) in plan.words.iter().enumerate() {
        let mut alternatives: Vec<&Alternative> = qw.alternatives.iter().collect();
        alternatives.sort_by(|a, b| b.boost.total_cmp(&a.boost));
        let best = alternatives.iter().find_map(|alt| {
            title_tokens
                .iter()
                .map(|t| (t, title_text.as_str()))
                .chain(body_tokens.iter().map(|t| (t, guide.body.as_str())))
                .find(|(t, _)| alternative_matches(alt, t))
                .map(|(t, text)| (alt.kind, &text[t.word.start..t.word.end]))
        });
        if let Some((kind, guide_word)) = best {
            let stop = qw.weight < 1.0;
            matched.push(Match {
                query: qw.text.clone(),
                guide_word: guide_word.to_string(),
                kind,
            });
            if !stop {
                for (ti, token) in body_tokens.iter().enumerate() {
                    if qw
                        .alternatives
                        .iter()
                        .any(|alt| alternative_matches(alt, token))
                    {
                        body_hits[ti].push(wi);
                    }
                }
            }
        }
    }
    let snippet = snippet(&guide.body, &body_tokens, &body_hits);
    Suggestion {
        id: guide.id,
        title: guide.title,
        category: guide.category,
        url: guide.url,
        snippet,
        matched,
        score,
    }
}

/// The window of body words with the most distinct matched query words (then the most matches).
fn snippet(body: &str, tokens: &[Token], hits: &[Vec<usize>]) -> Snippet {
    if tokens.is_empty() {
        return Snippet {
            text: String::new(),
            html: String::new(),
            highlights: Vec::new(),
        };
    }
    let window = SNIPPET_WORDS.min(tokens.len());
    let mut best = (0usize, 0usize, 0usize); // (distinct, total, start)
    for start in 0..=tokens.len() - window {
        let slice = &hits[start..start + window];
        let mut distinct: Vec<usize> = slice.iter().flatten().copied().collect();
        let total = slice.iter().filter(|h| !h.is_empty()).count();
        distinct.sort_unstable();
        distinct.dedup();
        if (distinct.len(), total) > (best.0, best.1) {
            best = (distinct.len(), total, start);
        }
    }
    let start = best.2;
    let end = start + window;
    // Rebuild the window word by word, with every run of white space (line breaks of numbered
    // steps included) shown as one space, remembering where the matched words land.
    let mut text = String::new();
    if start > 0 {
        text.push('…');
    }
    let mut highlights = Vec::new();
    let first_from = if start == 0 {
        0
    } else {
        tokens[start].word.start
    };
    let mut at = first_from;
    for i in start..end {
        let word = &tokens[i].word;
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
    Snippet {
        text,
        html,
        highlights,
    }
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
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// HTML-escapes text and wraps the highlighted byte ranges in `<mark>`.
pub fn mark_html(text: &str, highlights: &[(usize, usize)]) -> String {
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
    }
}
