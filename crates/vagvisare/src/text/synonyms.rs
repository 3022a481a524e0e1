//! Portal-defined synonyms, read from an editable text file (`data/synonyms.txt`).
//!
//! One group a line, words separated by commas: every word of a group finds the others
//! (`mejl, mail, e-post`). `a, b => c` is one-way: `a` and `b` find `c`, not the reverse.
//! `#` starts a comment. Entries are single words (hyphens allowed: `e-post`).

use std::collections::HashMap;

use super::stem::stems;
use super::tokenize::words;

/// A synonym file line that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("synonyms line {line}: {message}")]
pub struct SynonymError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong and how to write it instead.
    pub message: String,
}

/// Synonym groups, looked up by a word or an inflection of it.
#[derive(Debug, Default, Clone)]
pub struct Synonyms {
    /// For each entry word, the words it expands to.
    expansions: HashMap<String, Vec<String>>,
}

fn entry(raw: &str, line: usize) -> Result<String, SynonymError> {
    let found = words(raw);
    match found.as_slice() {
        [one] => Ok(one.text.clone()),
        [] => Err(SynonymError {
            line,
            message: format!("empty entry {raw:?} (remove the extra comma)"),
        }),
        _ => Err(SynonymError {
            line,
            message: format!(
                "{raw:?} is several words; only single words (hyphens allowed) are supported"
            ),
        }),
    }
}

impl Synonyms {
    /// No synonyms.
    pub fn none() -> Self {
        Self::default()
    }

    /// The synonyms bundled with Vägvisare (`data/synonyms.txt`).
    pub fn bundled() -> Self {
        Self::parse(include_str!("../../../../data/synonyms.txt"))
            .expect("bundled synonyms parse (tested)")
    }

    /// Reads a synonym file's text.
    pub fn parse(text: &str) -> Result<Self, SynonymError> {
        let mut out = Self::default();
        for (i, raw_line) in text.lines().enumerate() {
            let line = i + 1;
            let content = raw_line.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let (from, to) = match content.split_once("=>") {
                Some((from, to)) => (from, Some(to)),
                None => (content, None),
            };
            let parse_list = |list: &str| -> Result<Vec<String>, SynonymError> {
                list.split(',').map(|e| entry(e, line)).collect()
            };
            let from = parse_list(from)?;
            let to = match to {
                Some(to) => parse_list(to)?,
                None => from.clone(),
            };
            if from.len() + to.len() < 2 || (to.len() == 1 && from == to) {
                return Err(SynonymError {
                    line,
                    message: "a group needs at least two different words".into(),
                });
            }
            for word in &from {
                for target in &to {
                    if target != word {
                        out.add(word, target);
                    }
                }
            }
        }
        Ok(out)
    }

    fn add(&mut self, word: &str, target: &str) {
        let list = self.expansions.entry(word.to_string()).or_default();
        if !list.iter().any(|t| t == target) {
            list.push(target.to_string());
        }
    }

    /// The entries a normalised word is a form of: the word itself, an entry it extends with an
    /// ending that shares the entry's stem (`datorn` → `dator`), or an entry among its base forms
    /// (`nycklar` → `nyckel`). Sharing a stem alone is not enough: `lösa` is no form of `lösen`.
    fn entries_of(&self, word: &str) -> Vec<&str> {
        let word_stems = stems(word);
        let mut out: Vec<&str> = Vec::new();
        for (end, _) in word
            .char_indices()
            .skip(1)
            .chain(std::iter::once((word.len(), ' ')))
        {
            let Some((entry, _)) = self.expansions.get_key_value(&word[..end]) else {
                continue;
            };
            if end == word.len() || stems(entry).iter().any(|s| word_stems.contains(s)) {
                out.push(entry);
            }
        }
        for stem in &word_stems {
            if let Some((entry, _)) = self.expansions.get_key_value(stem.as_str()) {
                if !out.contains(&entry.as_str()) {
                    out.push(entry);
                }
            }
        }
        out
    }

    /// The words a normalised word expands to (never the word itself).
    pub fn expand(&self, word: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for entry in self.entries_of(word) {
            for target in &self.expansions[entry] {
                if target != word && !out.contains(target) {
                    out.push(target.clone());
                }
            }
        }
        out
    }

    /// Each entry and the words it expands to (for the thesaurus, which reads the same format).
    pub(crate) fn into_entries(self) -> impl Iterator<Item = (String, Vec<String>)> {
        self.expansions.into_iter()
    }

    /// True when there are no synonyms.
    pub fn is_empty(&self) -> bool {
        self.expansions.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_two_way() {
        let s = Synonyms::parse("mejl, mail, e-post\n").unwrap();
        assert_eq!(s.expand("mejl"), ["mail", "epost"]);
        assert_eq!(s.expand("epost"), ["mejl", "mail"]);
    }

    #[test]
    fn inflected_forms_find_their_group() {
        let s = Synonyms::parse("dator, pc").unwrap();
        assert_eq!(s.expand("datorn"), ["pc"]);
    }

    #[test]
    fn a_shared_stem_alone_is_no_synonym() {
        // "lösen" stems to "lös", like "lösa"; "dator" to "dat", like "data".
        let s = Synonyms::parse("lösen, lösenord\ndator, pc").unwrap();
        for word in ["lös", "lösa", "löser", "data", "datum"] {
            assert!(s.expand(word).is_empty(), "{word}: {:?}", s.expand(word));
        }
        assert_eq!(s.expand("datorerna"), ["pc"]);
        let s = Synonyms::parse("nyckel, tagg").unwrap();
        assert_eq!(s.expand("nycklar"), ["tagg"]);
    }

    #[test]
    fn one_way_rules() {
        let s = Synonyms::parse("lösen => lösenord # colloquial").unwrap();
        assert_eq!(s.expand("lösen"), ["lösenord"]);
        assert!(s.expand("lösenord").is_empty());
    }

    #[test]
    fn errors_name_the_line() {
        let err = Synonyms::parse("# ok\nmejl, , mail").unwrap_err();
        assert_eq!(err.line, 2);
        let err = Synonyms::parse("logga in, inloggning").unwrap_err();
        assert!(err.message.contains("several words"), "{err}");
        assert!(Synonyms::parse("ensam").is_err());
    }

    #[test]
    fn bundled_file_parses() {
        let s = Synonyms::bundled();
        assert!(s.expand("mejl").contains(&"epost".to_string()));
        assert!(s.expand("lösen").contains(&"lösenord".to_string()));
    }
}
