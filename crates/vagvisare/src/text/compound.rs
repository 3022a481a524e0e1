//! Compound splitting by a lexicon built from the indexed guides.
//!
//! Swedish writes compounds as one word (`lösenordsbyte`), and people type them joined or apart.
//! A word is split into parts that the lexicon knows, with an optional linking `-s-` or `-e-`
//! between them (`lösenord`+s+`byte`); the index keeps the whole word and its parts.

use std::sync::atomic::{AtomicU64, Ordering};

use rustc_hash::FxHashSet;

use super::stem::stems;
use super::stopwords::is_stop_word;

/// Shortest part, in characters.
const MIN_PART_CHARS: usize = 3;
/// Shortest word that is tried, in characters.
const MIN_COMPOUND_CHARS: usize = 6;
/// Most parts one word is split into.
const MAX_PARTS: usize = 4;

/// Source of [`Lexicon::version`]: unique in the process, so two lexicons that differ never
/// share one.
static VERSIONS: AtomicU64 = AtomicU64::new(1);

/// Words (and their stems) known to stand alone, and so able to be parts of a compound.
#[derive(Debug, Clone)]
pub struct Lexicon {
    known: FxHashSet<String>,
    /// The first characters of every known word (a cheap test before stemming a suffix).
    starts: FxHashSet<String>,
    /// Changes with every word learned (see [`version`](Self::version)).
    version: u64,
}

impl Default for Lexicon {
    fn default() -> Self {
        Self {
            known: FxHashSet::default(),
            starts: FxHashSet::default(),
            version: VERSIONS.fetch_add(1, Ordering::Relaxed),
        }
    }
}

impl Lexicon {
    /// An empty lexicon.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a lower-cased word and its stems. Short words and stop words are not compound parts.
    pub fn add(&mut self, word: &str) {
        // Most words of a text were seen before: that is the cheapest test, so it comes first.
        if self.known.contains(word)
            || word.chars().count() < MIN_PART_CHARS
            || is_stop_word(word)
            || !word.chars().all(char::is_alphabetic)
        {
            return;
        }
        self.version = VERSIONS.fetch_add(1, Ordering::Relaxed);
        self.known.insert(word.to_string());
        self.starts
            .insert(word.chars().take(MIN_PART_CHARS).collect());
        for stem in stems(word) {
            if stem.chars().count() >= MIN_PART_CHARS && !self.known.contains(&stem) {
                self.starts
                    .insert(stem.chars().take(MIN_PART_CHARS).collect());
                self.known.insert(stem);
            }
        }
    }

    /// A lexicon of these lower-cased words.
    pub fn from_words<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut lexicon = Self::new();
        for word in words {
            lexicon.add(word);
        }
        lexicon
    }

    /// Adds every word of a word list, one word per line (`#` starts a comment).
    pub fn add_word_list(&mut self, list: &str) {
        for line in list.lines() {
            let word = line.split('#').next().unwrap_or("").trim();
            if !word.is_empty() {
                self.add(&super::tokenize::normalize(word));
            }
        }
    }

    /// Identifies what the lexicon knows: a word learned gives it a new version, never one that
    /// any lexicon of the process had before, so splits remembered for one version
    /// ([`FormsMemo`](super::analyzer::FormsMemo)) hold for as long as it is current.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Number of known words and stems.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// True when the word, or one of its stems, is known.
    pub fn knows(&self, word: &str) -> bool {
        self.known.contains(word) || stems(word).iter().any(|s| self.known.contains(s))
    }

    /// True when `rest` may end a compound: it is known, or one of its stems is. The stems are
    /// only computed when the lexicon knows a word starting like `rest` (most suffixes fail that).
    fn knows_final(&self, rest: &str) -> bool {
        if self.known.contains(rest) {
            return true;
        }
        let head: String = rest.chars().take(MIN_PART_CHARS).collect();
        self.starts.contains(&head) && stems(rest).iter().any(|s| self.known.contains(s))
    }

    /// Splits a lower-cased word into its parts (without linking letters), or `None` when it is
    /// not a compound of known words. Prefers the fewest parts, then no linking letter, then the
    /// longest first part.
    pub fn split(&self, word: &str) -> Option<Vec<String>> {
        let bounds: Vec<usize> = word
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(word.len()))
            .collect();
        let n = bounds.len() - 1;
        if n < MIN_COMPOUND_CHARS || !word.chars().all(char::is_alphabetic) {
            return None;
        }
        let mut finals: Vec<Option<bool>> = vec![None; n + 1];
        let parts = self.split_from(word, &bounds, 0, MAX_PARTS, &mut finals)?;
        (parts.len() >= 2).then(|| parts.into_iter().map(str::to_string).collect())
    }

    /// The best split of the word from character `from` into at most `budget` parts.
    /// `finals` remembers, per start, whether the rest is a known final part.
    fn split_from<'w>(
        &self,
        word: &'w str,
        bounds: &[usize],
        from: usize,
        budget: usize,
        finals: &mut Vec<Option<bool>>,
    ) -> Option<Vec<&'w str>> {
        let n = bounds.len() - 1;
        if budget == 0 {
            return None;
        }
        let rest = &word[bounds[from]..];
        // Fewest parts first: the rest as one word beats any split of it.
        if from > 0 && n - from >= MIN_PART_CHARS {
            let known = *finals[from].get_or_insert_with(|| self.knows_final(rest));
            if known {
                return Some(vec![rest]);
            }
        }
        if budget == 1 {
            return None;
        }
        let mut best: Option<(usize, bool, Vec<&'w str>)> = None;
        for end in (from + MIN_PART_CHARS..=n.saturating_sub(MIN_PART_CHARS)).rev() {
            let head = &word[bounds[from]..bounds[end]];
            if !self.known.contains(head) {
                continue;
            }
            for link in [None, Some('s'), Some('e')] {
                let next = match link {
                    None => end,
                    Some(c) => {
                        let this = word[bounds[end]..].chars().next();
                        let before = word[..bounds[end]].chars().next_back();
                        if this == Some(c) && before != Some(c) {
                            end + 1
                        } else {
                            continue;
                        }
                    }
                };
                if n - next < MIN_PART_CHARS {
                    continue;
                }
                let Some(tail) = self.split_from(word, bounds, next, budget - 1, finals) else {
                    continue;
                };
                let candidate = (tail.len() + 1, link.is_some());
                let better = match &best {
                    None => true,
                    Some((parts, linked, _)) => candidate < (*parts, *linked),
                };
                if better {
                    let mut parts = Vec::with_capacity(tail.len() + 1);
                    parts.push(head);
                    parts.extend(tail);
                    best = Some((candidate.0, candidate.1, parts));
                }
            }
        }
        best.map(|(_, _, parts)| parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon(words: &[&str]) -> Lexicon {
        Lexicon::from_words(words.iter().copied())
    }

    #[test]
    fn splits_with_linking_s() {
        let l = lexicon(&["lösenord", "byte"]);
        assert_eq!(l.split("lösenordsbyte").unwrap(), ["lösenord", "byte"]);
        assert_eq!(l.split("lösenordbyte").unwrap(), ["lösenord", "byte"]);
    }

    #[test]
    fn final_part_may_be_inflected() {
        let l = lexicon(&["skrivare", "kö"]);
        // "kö" is too short to be a part; "skrivar" + "kön" is not a split.
        assert_eq!(l.split("skrivarkön"), None);
        let l = lexicon(&["sop", "tunna"]);
        assert_eq!(l.split("soptunnan").unwrap(), ["sop", "tunnan"]);
    }

    #[test]
    fn head_may_be_a_stem() {
        // "skol" is the stem of "skola": skolmat = skol + mat.
        let l = lexicon(&["skola", "maten"]);
        assert_eq!(l.split("skolmat").unwrap(), ["skol", "mat"]);
    }

    #[test]
    fn linking_e() {
        let l = lexicon(&["höger", "sida"]);
        assert_eq!(l.split("högersida").unwrap(), ["höger", "sida"]);
        let l = lexicon(&["barn", "vagn"]);
        assert_eq!(l.split("barnevagn").unwrap(), ["barn", "vagn"]);
    }

    #[test]
    fn unknown_or_short_words_are_not_split() {
        let l = lexicon(&["lösenord", "byte"]);
        assert_eq!(l.split("lösenord"), None);
        assert_eq!(l.split("ordbyte"), None);
        assert_eq!(l.split("abc"), None);
        assert_eq!(l.split("covid19"), None);
    }

    #[test]
    fn three_parts() {
        let l = lexicon(&["mobil", "dokumentation", "app"]);
        assert_eq!(
            l.split("mobildokumentationsapp").unwrap(),
            ["mobil", "dokumentation", "app"]
        );
    }
}
