//! Snowball Swedish stemming with a small inflection layer for what Snowball misses.
//!
//! Snowball leaves many definite and irregular forms apart from their base form (`soptunnan` ≠
//! `soptunna`, `ärendet` ≠ `ärende`, `nyckeln` / `nycklar` / `nyckel`). [`stems`] returns the
//! Snowball stem plus, for such endings, the stem of the likely base form; the index stores all of
//! them and a query matches on any, so no rule has to guess which reading is right.

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

fn snowball() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::Swedish))
}

/// Irregular forms whose base form no suffix rule reaches (plural umlaut, strong verbs).
const IRREGULAR: &[(&str, &str)] = &[
    ("böcker", "bok"),
    ("möss", "mus"),
    ("män", "man"),
    ("männen", "man"),
    ("fötter", "fot"),
    ("händer", "hand"),
    ("länder", "land"),
    ("tänder", "tand"),
    ("städer", "stad"),
    ("ögon", "öga"),
    ("ögonen", "öga"),
    ("öron", "öra"),
    ("bönder", "bonde"),
    ("gick", "gå"),
    ("gått", "gå"),
    ("går", "gå"),
    ("fick", "få"),
    ("fått", "få"),
    ("får", "få"),
    ("gjorde", "göra"),
    ("gjort", "göra"),
    ("gör", "göra"),
    ("glömt", "glömma"),
    ("glömde", "glömma"),
    ("glömmer", "glömma"),
    ("skrev", "skriva"),
    ("skrivit", "skriva"),
    ("kom", "komma"),
    ("kommit", "komma"),
    ("tog", "ta"),
    ("tagit", "ta"),
    ("tar", "ta"),
    ("såg", "se"),
    ("sett", "se"),
    ("ser", "se"),
    ("blev", "bli"),
    ("blivit", "bli"),
    ("blir", "bli"),
    ("visste", "veta"),
    ("vet", "veta"),
    ("drog", "dra"),
    ("dragit", "dra"),
    ("drar", "dra"),
    ("satte", "sätta"),
    ("satt", "sätta"),
    ("sålt", "sälja"),
    ("sålde", "sälja"),
    ("valt", "välja"),
    ("valde", "välja"),
    ("lagt", "lägga"),
    ("lade", "lägga"),
    ("la", "lägga"),
    ("sagt", "säga"),
    ("sade", "säga"),
    ("sa", "säga"),
    ("bett", "be"),
    ("bad", "be"),
    ("ber", "be"),
    ("låste", "låsa"),
    ("låst", "låsa"),
    ("låser", "låsa"),
];

fn snowball_stem(word: &str) -> String {
    snowball().stem(word).into_owned()
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'å' | 'ä' | 'ö' | 'é')
}

/// One more base form seen from a stem. Words that drop an unstressed `e` before an ending
/// (`nyckl`-ar, `fönstr`-et) get it back (`nyckel`, `fönster`); Snowball takes `-or` off `dator` but
/// leaves it on `dator`-er, so such a stem is stemmed once more.
fn base_of_stem(stem: &str) -> Option<String> {
    let chars: Vec<char> = stem.chars().collect();
    let n = chars.len();
    if n < 4 {
        return None;
    }
    let (before, last) = (chars[n - 2], chars[n - 1]);
    let drops_e = matches!(last, 'l' | 'r')
        && !is_vowel(before)
        && before != last
        && chars[..n - 2].iter().any(|&c| is_vowel(c));
    if drops_e {
        let mut restored: String = chars[..n - 1].iter().collect();
        restored.push('e');
        restored.push(last);
        return Some(restored);
    }
    (n >= 5 && stem.ends_with("or")).then(|| stem.to_string())
}

/// The base forms a word may be an inflection of, beyond what Snowball removes.
fn base_form_candidates(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    let mut out = Vec::new();
    if n < 5 || !chars.iter().all(|c| c.is_alphabetic()) {
        return out;
    }
    let strip = |k: usize| chars[..n - k].iter().collect::<String>();
    let ends = |s: &str| word.ends_with(s);
    // Definite singular of -a words: soptunnan → soptunna.
    if ends("an") {
        out.push(strip(1));
    }
    // Definite neuter: ärendet → ärende, lösenordet → lösenord(e), kontot → konto.
    if ends("et") || ends("ot") {
        out.push(strip(1));
    }
    // Definite plural of -e nouns: ärendena → ärenden.
    if n >= 7 && ends("ena") {
        out.push(strip(1));
    }
    // Definite singular after -or/-el/-er/-ar: datorn → dator, nyckeln → nyckel.
    if (ends("rn") || ends("ln")) && is_vowel(chars[n - 3]) {
        out.push(strip(1));
    }
    // Supine and past of weak verbs: stängt, stängde → stäng(a).
    let consonant_before =
        |k: usize| n > k && matches!(chars[n - k - 1], 'g' | 'k' | 'p' | 'l' | 'm' | 'n' | 'r');
    if ends("t") && consonant_before(1) {
        out.push(strip(1));
    }
    if n >= 6 && ends("de") && consonant_before(2) {
        out.push(strip(2));
    }
    out
}

/// Every stem of a lower-cased word, the Snowball stem first, without repeats.
pub fn stems(word: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(3);
    let push = |stem: String, out: &mut Vec<String>| {
        if !out.contains(&stem) {
            out.push(stem);
        }
    };
    if let Some(&(_, base)) = IRREGULAR.iter().find(|(form, _)| *form == word) {
        push(snowball_stem(base), &mut out);
        return out;
    }
    push(snowball_stem(word), &mut out);
    for base in base_form_candidates(word) {
        push(snowball_stem(&base), &mut out);
    }
    for i in 0..out.len() {
        if let Some(base) = base_of_stem(&out[i]) {
            push(snowball_stem(&base), &mut out);
        }
    }
    out
}

/// The primary stem of a lower-cased word (the first of [`stems`]).
pub fn stem(word: &str) -> String {
    stems(word).swap_remove(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share_a_stem(a: &str, b: &str) -> bool {
        let sa = stems(a);
        stems(b).iter().any(|s| sa.contains(s))
    }

    #[test]
    fn inflections_meet_their_base_form() {
        for (a, b) in [
            ("soptunnan", "soptunna"),
            ("soptunnor", "soptunna"),
            ("ärendet", "ärende"),
            ("ärendena", "ärende"),
            ("ärenden", "ärende"),
            ("nyckeln", "nyckel"),
            ("nycklar", "nyckel"),
            ("nycklarna", "nyckel"),
            ("lösenordet", "lösenord"),
            ("lösenorden", "lösenord"),
            ("skrivaren", "skrivare"),
            ("skrivarna", "skrivare"),
            ("datorn", "dator"),
            ("datorer", "dator"),
            ("kontot", "konto"),
            ("fönstret", "fönster"),
            ("inloggningen", "inloggning"),
            ("stängt", "stänga"),
            ("stängde", "stänga"),
            ("glömt", "glömma"),
            ("böcker", "bok"),
            ("fungerar", "fungera"),
            ("fungerade", "fungera"),
            ("vårdplanen", "vårdplan"),
            ("tjänsten", "tjänst"),
            ("tjänster", "tjänst"),
        ] {
            assert!(
                share_a_stem(a, b),
                "{a} {:?} vs {b} {:?}",
                stems(a),
                stems(b)
            );
        }
    }

    #[test]
    fn different_words_stay_apart() {
        for (a, b) in [
            ("logga", "lägga"),
            ("lås", "läs"),
            ("barn", "bar"),
            ("konto", "kontor"),
            ("in", "ut"),
        ] {
            assert!(
                !share_a_stem(a, b),
                "{a} {:?} vs {b} {:?}",
                stems(a),
                stems(b)
            );
        }
    }

    #[test]
    fn primary_stem_is_snowball() {
        assert_eq!(stem("lösenorden"), "lösenord");
        assert_eq!(stem("skrivarna"), "skriv");
        assert_eq!(stems("nycklar"), ["nyckl", "nyckel"]);
    }
}
