//! Swedish stop words. They weigh less in a query but never vanish: "logga ut" ≠ "logga in".

/// The Snowball Swedish stop word list.
const STOP_WORDS: &[&str] = &[
    "och", "det", "att", "i", "en", "jag", "hon", "som", "han", "på", "den", "med", "var", "sig",
    "för", "så", "till", "är", "men", "ett", "om", "hade", "de", "av", "icke", "mig", "du",
    "henne", "då", "sin", "nu", "har", "inte", "hans", "honom", "skulle", "hennes", "där", "min",
    "man", "ej", "vid", "kunde", "något", "från", "ut", "när", "efter", "upp", "vi", "dem", "vara",
    "vad", "över", "än", "dig", "kan", "sina", "här", "ha", "mot", "alla", "under", "någon",
    "eller", "allt", "mycket", "sedan", "ju", "denna", "själv", "detta", "åt", "utan", "varit",
    "hur", "ingen", "mitt", "ni", "bli", "blev", "oss", "din", "dessa", "några", "deras", "blir",
    "mina", "samma", "vilken", "er", "sådan", "vår", "blivit", "dess", "inom", "mellan", "sådant",
    "varför", "varje", "vilka", "ditt", "vem", "vilket", "sitta", "sådana", "vart", "dina", "vars",
    "vårt", "våra", "ert", "era", "vilkas",
];

/// Every stop word.
pub fn stop_words() -> &'static [&'static str] {
    STOP_WORDS
}

/// True for a lower-cased Swedish stop word.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// The stop words that say what happens: prepositions and verb particles ("logga ut", "stänga
/// av", "jobba på distans").
const PARTICLES: &[&str] = &[
    "i", "på", "till", "av", "om", "med", "från", "ut", "upp", "åt", "över", "under", "mot",
    "efter", "vid", "utan", "inom", "mellan",
];

/// The negations: "fungerar inte" is not "fungerar".
const NEGATIONS: &[&str] = &["inte", "ej", "icke"];

/// True for a lower-cased function word: a stop word that is neither a preposition or particle
/// nor a negation (a pronoun, article, conjunction, auxiliary or question word: "jag", "det",
/// "och", "har", "hur").
pub fn is_function_word(word: &str) -> bool {
    is_stop_word(word) && !PARTICLES.contains(&word) && !is_negation(word)
}

/// True for a lower-cased negation ("inte", "ej", "icke").
pub fn is_negation(word: &str) -> bool {
    NEGATIONS.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn particles_are_stop_words_and_content_words_are_not() {
        assert!(is_stop_word("ut"));
        assert!(is_stop_word("inte"));
        assert!(!is_stop_word("logga"));
        assert!(!is_stop_word("lösenord"));
    }

    #[test]
    fn function_words_are_the_stop_words_that_are_no_particle_or_negation() {
        for w in ["jag", "det", "och", "har", "hur", "kan"] {
            assert!(is_function_word(w), "{w}");
        }
        for w in ["ut", "av", "på", "inte", "logga"] {
            assert!(!is_function_word(w), "{w}");
        }
        assert!(is_negation("inte") && !is_negation("ut"));
        for w in PARTICLES.iter().chain(NEGATIONS) {
            assert!(is_stop_word(w), "{w} is a stop word");
        }
    }
}
