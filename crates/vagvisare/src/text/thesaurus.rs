//! The bundled Swedish thesaurus: general synonyms a typed word finds besides the portal's own
//! (`data/thesaurus-sv.txt`, built by `scripts/build_thesaurus.py` from Viggo Kann's synonym
//! list as Debian's mythes-sv ships it; licence in its header and in the README).
//!
//! The file is in the synonym-file format, one line a headword (`jobb => arbete, yrke, …`),
//! both ways. Its entries are too many for the portal file's loose matching of forms (a shared
//! stem: "skickade", "skicka" and "skick" (condition) share one), so a word finds an entry as
//! itself, else as the longest entry it inflects with a Swedish ending (`INFLECTIONS`; a final
//! -a or -e of the entry may give way: "flickor" for "flicka"). An entry's synonyms are stemmed
//! the first time a word finds it; the file is read when the thesaurus is first used, which
//! [`GuideIndex::warm`](crate::GuideIndex::warm) does (so `optimize` and opening an index).

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::stem::stems;
use super::synonyms::Synonyms;

/// Swedish inflectional endings, of nouns (-en, -et, -ar, -erna, -s …), verbs (-ade, -te, -r
/// …) and adjectives (-a, -t, -are, -ast …): how an entry is found from a typed form.
const INFLECTIONS: [&str; 28] = [
    "arna", "erna", "orna", "rna", "aste", "ast", "are", "ade", "ande", "ens", "ets", "en", "et",
    "na", "ar", "er", "or", "ad", "at", "de", "te", "ns", "n", "t", "s", "r", "a", "e",
];

/// Least letters an inflected word keeps of an entry (without its ending).
const LEAST_BASE: usize = 3;

/// Headwords and their synonyms.
#[derive(Debug, Default)]
pub struct Thesaurus {
    entries: FxHashMap<String, Entry>,
}

#[derive(Debug)]
struct Entry {
    synonyms: Vec<String>,
    /// The synonyms' stems, computed when a word first finds the entry.
    stems: OnceLock<Vec<String>>,
}

impl Entry {
    fn stems(&self) -> &[String] {
        self.stems.get_or_init(|| {
            let mut all: Vec<String> = Vec::new();
            for stem in self.synonyms.iter().flat_map(|s| stems(s)) {
                if !all.contains(&stem) {
                    all.push(stem);
                }
            }
            all
        })
    }
}

impl Thesaurus {
    /// The bundled thesaurus: some 14 700 words and 17 600 synonym pairs. Read once, on first
    /// use.
    pub fn bundled() -> &'static Self {
        static BUNDLED: OnceLock<Thesaurus> = OnceLock::new();
        BUNDLED.get_or_init(|| {
            let file = Synonyms::parse(include_str!("../../../../data/thesaurus-sv.txt"))
                .expect("the bundled thesaurus parses (tested)");
            Self::from_synonyms(file)
        })
    }

    /// A thesaurus of a file in the synonym-file format.
    pub fn from_synonyms(file: Synonyms) -> Self {
        let entries = file
            .into_entries()
            .map(|(entry, synonyms)| {
                let stems = OnceLock::new();
                (entry, Entry { synonyms, stems })
            })
            .collect();
        Self { entries }
    }

    /// The stems of the synonyms of a normalised word: of the entry it is, or inflects (the
    /// one that keeps most of the word; at a tie, the one that is that part of it: "jobbet" is
    /// "jobb", not "jobba").
    pub fn synonym_stems(&self, word: &str) -> &[String] {
        if let Some(found) = self.entries.get(word) {
            return found.stems();
        }
        let mut best: Option<(usize, &Entry)> = None;
        let mut with_vowel = String::new();
        for ending in INFLECTIONS {
            let Some(base) = word.strip_suffix(ending) else {
                continue;
            };
            if base.chars().count() < LEAST_BASE {
                continue;
            }
            let mut consider = |candidate: &str, rank: usize| {
                if let Some(found) = self.entries.get(candidate) {
                    if best.is_none_or(|(r, _)| rank > r) {
                        best = Some((rank, found));
                    }
                }
            };
            consider(base, 2 * base.len() + 1);
            for vowel in ['a', 'e'] {
                with_vowel.clear();
                with_vowel.push_str(base);
                with_vowel.push(vowel);
                consider(&with_vowel, 2 * base.len());
            }
        }
        best.map_or(&[], |(_, found)| found.stems())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(word: &str, stem_of: &str) -> bool {
        let wanted = stems(stem_of);
        Thesaurus::bundled()
            .synonym_stems(word)
            .iter()
            .any(|s| wanted.contains(s))
    }

    #[test]
    fn the_bundled_thesaurus_goes_both_ways() {
        assert!(has("dator", "datamaskin"));
        assert!(has("datamaskin", "dator"));
        assert!(has("blankett", "formulär"));
        assert!(has("formulär", "blankett"));
    }

    #[test]
    fn inflected_words_find_their_entry_and_no_other() {
        assert!(has("datorerna", "datamaskin"));
        assert!(has("jobbet", "arbete"), "jobbet is jobb");
        assert!(has("skickade", "posta"), "skickade is skicka");
        // "skick" (condition) shares the stem of "skicka" but is not what "skickade" is.
        assert!(!has("skickade", "kondition"));
        assert!(!has("skicka", "kondition"));
        // A final -a or -e of the entry gives way to the ending.
        assert!(has("flickor", "tjej"), "flickor is flicka");
        assert!(has("pojkarna", "grabb"), "pojkarna is pojke");
    }

    #[test]
    fn words_it_does_not_have_find_nothing() {
        let t = Thesaurus::bundled();
        for word in ["", "qwzx", "xxxxxxxxxxen", "en", "ar"] {
            assert!(t.synonym_stems(word).is_empty(), "{word}");
        }
    }

    #[test]
    fn a_file_in_the_synonym_format_makes_a_thesaurus() {
        let t = Thesaurus::from_synonyms(Synonyms::parse("bil => automobil, kärra").unwrap());
        assert_eq!(t.synonym_stems("bilarna"), t.synonym_stems("bil"));
        assert!(!t.synonym_stems("bil").is_empty());
        assert!(
            t.synonym_stems("automobil").is_empty(),
            "one-way as written"
        );
    }
}
