//! Warming: the words of the index read once after opening (the compound lexicon) and the
//! scores of the keystrokes every person types read before anyone types them.

use tantivy::Searcher;

use super::GuideIndex;
use crate::guide::schema::{Form, Source};
use crate::guide::search::Scoring;
use crate::text::stopwords::is_stop_word;

impl GuideIndex {
    /// Rebuilds the compound lexicon from the words already indexed (after opening a directory).
    pub(super) fn rebuild_lexicon(&self) {
        let searcher = self.reader.searcher();
        let mut lexicon = self.lexicon.write().unwrap_or_else(|e| e.into_inner());
        self.for_each_word(&searcher, &Source::ALL, |word, _| lexicon.add(word));
    }

    /// Calls `f` with every word (the terms of the word fields of `sources`) and the number of
    /// guides holding it in one source and segment: once per source and segment that holds it.
    fn for_each_word(&self, searcher: &Searcher, sources: &[Source], mut f: impl FnMut(&str, u64)) {
        for segment in searcher.segment_readers() {
            for &source in sources {
                let field = self.fields.analyzed(source, Form::Word);
                let Ok(index) = segment.inverted_index(field) else {
                    continue;
                };
                let Ok(mut stream) = index.terms().stream() else {
                    continue;
                };
                while stream.advance() {
                    if let Ok(word) = std::str::from_utf8(stream.key()) {
                        f(word, u64::from(stream.value().doc_freq));
                    }
                }
            }
        }
    }

    /// Prepares the keystrokes that every person types (and the semantic stage's vectors), so that nobody waits for them: the
    /// scores of the words that reach most guides, every two-letter start of a word being typed
    /// and the stop words (being typed and complete), are read now, the most postings first, and
    /// kept as [`suggest`](Self::suggest) keeps the words people type, until they fill half of
    /// that cache; the guides each of them shows first (at the default limit) are analysed for
    /// their explanations. Like every kept score they last until the next commit.
    /// [`optimize`](Self::optimize) calls it; a host that commits often may call it after each
    /// commit, off the request path. Returns the number of words whose scores are now kept.
    pub fn warm(&self) -> usize {
        // Built on first use (the thesaurus read, some 15 ms; the spelling automata's
        // builders, some 0.2 ms): not on a keystroke.
        if self.uses_thesaurus() {
            crate::text::thesaurus::Thesaurus::bundled();
        }
        crate::guide::plan::expand::prepare_spelling();
        let searcher = self.reader.searcher();
        // The stored vectors the semantic stage compares, copied into one array.
        self.warm_vectors(&searcher);
        let guides = searcher.num_docs();
        // Each candidate text as typed (a word's first two letters; a stop word being typed and
        // complete), with its postings in titles and bodies (a lower bound of its clause's:
        // completions add stems and folded forms).
        let mut texts: rustc_hash::FxHashMap<String, u64> = Default::default();
        let mut stop_words: rustc_hash::FxHashMap<String, u64> = Default::default();
        self.for_each_word(
            &searcher,
            &[Source::Title, Source::Body],
            |word, doc_freq| {
                let start: String = word.chars().take(2).collect();
                if start.chars().count() == 2 {
                    *texts.entry(start).or_default() += doc_freq;
                }
                if is_stop_word(word) {
                    *stop_words.entry(word.to_string()).or_default() += doc_freq;
                }
            },
        );
        // A stop word of two letters is a start as well: it counts once, with its larger count.
        for (word, n) in stop_words {
            let typed = texts.entry(word.clone()).or_default();
            *typed = (*typed).max(n);
            texts.insert(format!("{word} "), n);
        }
        let mut candidates: Vec<(u64, String)> =
            texts.into_iter().map(|(text, n)| (n, text)).collect();
        candidates.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut kept = 0;
        let mut warmed = Vec::new();
        for (postings, text) in candidates {
            if postings * 4 < guides || self.kept.words_half_full(&searcher) {
                break;
            }
            let plan = self.plan(&text, &searcher);
            let scoring = Scoring::of(&plan, &self.fields, &self.weights);
            kept += usize::from(
                self.kept
                    .keep_common_word(&searcher, &scoring, &self.read_errors),
            );
            warmed.push(text);
        }
        // The guides those keystrokes show first, analysed for their explanations now: explaining
        // five guides analysed for the first time took a warmed start ("sk") from 0.1 to 0.8 ms.
        // By their words alone: a half-typed word leaves the semantic stage out anyway, and a
        // host's encoder is not asked for texts nobody typed.
        let options = crate::guide::SuggestOptions::default().words_only();
        for text in &warmed {
            self.suggest(text, &options);
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guide::SuggestOptions;

    #[test]
    fn optimize_prepares_the_common_words_within_half_their_budget() {
        let index = GuideIndex::in_memory().unwrap();
        index.upsert(&crate::bundled::guides()).unwrap();
        index.commit().unwrap();
        assert_eq!(index.kept.words(), 0);
        index.optimize().unwrap();
        let prepared = index.kept.words();
        assert!(prepared > 10, "{prepared} words prepared");
        // A prepared word ("för", being typed and complete) finds what it finds unprepared.
        let options = SuggestOptions::limit(5);
        let texts = ["fö", "för", "för ", "an", "de"];
        let warm: Vec<Vec<String>> = texts
            .iter()
            .map(|t| index.suggest_ids(t, &options))
            .collect();
        assert_eq!(index.kept.words(), prepared, "typing them read nothing new");
        let analysed = index.analysed.len();
        assert!(analysed >= 5, "{analysed} guides analysed");
        index.suggest("fö", &options);
        assert_eq!(
            index.analysed.len(),
            analysed,
            "explaining analysed nothing new"
        );
        index.clear_caches();
        let cold: Vec<Vec<String>> = texts
            .iter()
            .map(|t| index.suggest_ids(t, &options))
            .collect();
        assert_eq!(warm, cold);
        assert_eq!(
            index.warm(),
            prepared,
            "warming again prepares the same words"
        );
    }

    #[test]
    fn opening_a_directory_prepares_what_optimize_prepared() {
        let dir = std::env::temp_dir().join(format!("vv-warm-open-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let built = GuideIndex::create(&dir).unwrap();
        built.upsert(&crate::bundled::guides()).unwrap();
        built.commit().unwrap();
        built.optimize().unwrap();
        let prepared = built.kept.words();
        let options = SuggestOptions::limit(5);
        let expected = built.suggest_ids("fö", &options);
        drop(built);
        let opened = GuideIndex::open(&dir).unwrap();
        assert_eq!(opened.kept.words(), prepared);
        assert_eq!(opened.suggest_ids("fö", &options), expected);
        assert_eq!(opened.kept.words(), prepared, "typing it read nothing new");
        drop(opened);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_cache_budget_bounds_what_is_prepared_never_what_is_found() {
        let mut index = crate::bundled::index().unwrap();
        let prepared = index.kept.words();
        assert!(prepared > 10, "{prepared} words prepared by default");
        let options = SuggestOptions::limit(5);
        let texts = ["fö", "för ", "an", "logga in på"];
        let expected: Vec<Vec<String>> = texts
            .iter()
            .map(|t| index.suggest_ids(t, &options))
            .collect();
        index.set_cache_budget(crate::guide::CacheBudget {
            kept_scores: 0,
            analysed_guides: 1,
            expanded_words: 1,
            searched_texts: 1,
        });
        assert_eq!(index.kept.words(), 0, "a new budget starts empty");
        // No room: only the newest entry, which a cache always keeps.
        assert!(index.warm() <= 1);
        let found: Vec<Vec<String>> = texts
            .iter()
            .map(|t| index.suggest_ids(t, &options))
            .collect();
        assert_eq!(found, expected);
    }
}
