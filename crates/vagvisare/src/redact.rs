//! Redaction of personal data (personnummer, phone numbers, e-mail addresses).
//!
//! A hand-written scanner, linear in the length of the text, that finds
//!
//! - **personnummer** and **samordningsnummer** (day + 60), 10 or 12 digits, with or without
//!   `-` / `+` before the last four (`811228-9874`, `19811228-9874`, `8112289874`, `701063+2391`);
//!   the date part must be a plausible date, and a 10-digit run that starts with `0` is only taken
//!   for a personnummer when its check digit is right (otherwise it is a phone number);
//! - **Swedish phone numbers**: `070-123 45 67`, `0701234567`, `013-20 69 69`, `08-123 456 78`,
//!   `+46 70 123 45 67`, `+46 (0)70-123 45 67`, `+4613262010`, `0046 13 26 20 10`;
//! - **e-mail addresses**, also with å, ä, ö (`kundservice@linköping.se`);
//!
//! and replaces each with a placeholder: `[personnummer]`, `[telefon]`, `[e-post]`.
//!
//! ```
//! use vagvisare::redact::redact;
//! assert_eq!(
//!     redact("Brukare 19810105-2382, ring 013-20 69 69 eller mejla lkdata@linkoping.se."),
//!     "Brukare [personnummer], ring [telefon] eller mejla [e-post]."
//! );
//! ```

use std::ops::Range;

/// A kind of personal data the scanner finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PersonalData {
    /// A personnummer or samordningsnummer.
    Personnummer,
    /// A Swedish phone number.
    Phone,
    /// An e-mail address.
    Email,
}

impl PersonalData {
    /// The placeholder that replaces it: `[personnummer]`, `[telefon]` or `[e-post]`.
    pub fn placeholder(self) -> &'static str {
        match self {
            PersonalData::Personnummer => "[personnummer]",
            PersonalData::Phone => "[telefon]",
            PersonalData::Email => "[e-post]",
        }
    }
}

/// One piece of personal data found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What it is.
    pub kind: PersonalData,
    /// Where it is, as a byte range of the text.
    pub span: Range<usize>,
}

/// `text` with every personnummer, phone number and e-mail address replaced by its placeholder.
pub fn redact(text: &str) -> String {
    let findings = find(text);
    if findings.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for finding in findings {
        out.push_str(&text[at..finding.span.start]);
        out.push_str(finding.kind.placeholder());
        at = finding.span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Whether `text` contains any personal data the scanner recognises.
pub fn contains_personal_data(text: &str) -> bool {
    !find(text).is_empty()
}

/// All personal data in `text`, in order, without overlaps.
pub fn find(text: &str) -> Vec<Finding> {
    let scanner = Scanner::new(text);
    scanner.scan()
}

struct Scanner<'a> {
    text: &'a str,
    chars: Vec<(usize, char)>,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner {
            text,
            chars: text.char_indices().collect(),
        }
    }

    fn char_at(&self, i: usize) -> Option<char> {
        self.chars.get(i).map(|&(_, c)| c)
    }

    fn byte(&self, i: usize) -> usize {
        self.chars.get(i).map_or(self.text.len(), |&(b, _)| b)
    }

    fn is_digit(&self, i: usize) -> bool {
        self.char_at(i).is_some_and(|c| c.is_ascii_digit())
    }

    /// Whether a match may start at `i`: the character before is not part of a word.
    fn starts_word(&self, i: usize) -> bool {
        i == 0
            || !self
                .char_at(i - 1)
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
    }

    /// Whether a match may end at `i`: the character there is not part of a word.
    fn ends_word(&self, i: usize) -> bool {
        !self
            .char_at(i)
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    }

    /// The end of the run of ASCII digits starting at `i`.
    fn digits_end(&self, i: usize) -> usize {
        let mut j = i;
        while self.is_digit(j) {
            j += 1;
        }
        j
    }

    fn scan(&self) -> Vec<Finding> {
        let emails = self.emails();
        let mut next_email = emails.iter().peekable();
        let mut found = Vec::new();
        let mut i = 0;
        while i < self.chars.len() {
            if let Some(email) = next_email.peek() {
                if email.start == i {
                    found.push(self.finding(PersonalData::Email, (*email).clone()));
                    i = email.end;
                    next_email.next();
                    continue;
                }
            }
            let limit = next_email.peek().map_or(self.chars.len(), |e| e.start);
            let c = self.chars[i].1;
            if (c.is_ascii_digit() || c == '+') && self.starts_word(i) {
                let matched = self
                    .personnummer(i)
                    .map(|end| (PersonalData::Personnummer, end))
                    .or_else(|| self.phone(i).map(|end| (PersonalData::Phone, end)));
                if let Some((kind, end)) = matched.filter(|&(_, end)| end <= limit) {
                    found.push(self.finding(kind, i..end));
                    i = end;
                    continue;
                }
            }
            // Skip the rest of a word or number, so nothing matches from inside it.
            if c.is_alphanumeric() {
                while i < limit && self.char_at(i).is_some_and(char::is_alphanumeric) {
                    i += 1;
                }
            } else {
                i += 1;
            }
        }
        found
    }

    fn finding(&self, kind: PersonalData, chars: Range<usize>) -> Finding {
        Finding {
            kind,
            span: self.byte(chars.start)..self.byte(chars.end),
        }
    }

    /// E-mail addresses, as char ranges, found by expanding around each `@`.
    fn emails(&self) -> Vec<Range<usize>> {
        let local = |c: char| c.is_alphanumeric() || "._%+-'".contains(c);
        let domain = |c: char| c.is_alphanumeric() || c == '.' || c == '-';
        let mut found: Vec<Range<usize>> = Vec::new();
        for (at, &(_, c)) in self.chars.iter().enumerate() {
            if c != '@' {
                continue;
            }
            let mut start = at;
            while start > 0 && self.char_at(start - 1).is_some_and(local) {
                start -= 1;
            }
            while start < at && self.char_at(start).is_some_and(|c| "._%+-'".contains(c)) {
                start += 1;
            }
            let mut end = at + 1;
            while self.char_at(end).is_some_and(domain) {
                end += 1;
            }
            while end > at + 1 && self.char_at(end - 1).is_some_and(|c| c == '.' || c == '-') {
                end -= 1;
            }
            let overlaps = found.last().is_some_and(|prev| prev.end > start);
            if start < at && !overlaps && self.valid_domain(at + 1..end) {
                found.push(start..end);
            }
        }
        found
    }

    fn valid_domain(&self, range: Range<usize>) -> bool {
        if range.is_empty() {
            return false;
        }
        let domain = &self.text[self.byte(range.start)..self.byte(range.end)];
        let labels: Vec<&str> = domain.split('.').collect();
        labels.len() >= 2
            && labels.iter().all(|l| !l.is_empty())
            && labels
                .last()
                .is_some_and(|tld| tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic))
    }

    /// A personnummer starting at `i`: its end, if there is one.
    fn personnummer(&self, i: usize) -> Option<usize> {
        let first_end = self.digits_end(i);
        let first_len = first_end - i;
        let (digits, end) = match first_len {
            10 | 12 => (self.digit_string(i..first_end), first_end),
            6 | 8 => {
                let sep = self.char_at(first_end)?;
                if sep != '-' && sep != '+' {
                    return None;
                }
                let last_end = self.digits_end(first_end + 1);
                if last_end - (first_end + 1) != 4 {
                    return None;
                }
                let mut digits = self.digit_string(i..first_end);
                digits.push_str(&self.digit_string(first_end + 1..last_end));
                (digits, last_end)
            }
            _ => return None,
        };
        if !self.ends_word(end) {
            return None;
        }
        let bytes = digits.as_bytes();
        let ten = &bytes[bytes.len() - 10..];
        if bytes.len() == 12 && !matches!(&bytes[..2], b"18" | b"19" | b"20") {
            return None;
        }
        let num = |r: Range<usize>| {
            ten[r]
                .iter()
                .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
        };
        let (month, day) = (num(2..4), num(4..6));
        let plausible =
            (1..=12).contains(&month) && ((1..=31).contains(&day) || (61..=91).contains(&day));
        if !plausible {
            return None;
        }
        // A bare 10-digit run starting with 0 is a phone number unless its check digit fits.
        let bare = first_len == 10;
        if bare && ten[0] == b'0' && !luhn(ten) {
            return None;
        }
        Some(end)
    }

    fn digit_string(&self, range: Range<usize>) -> String {
        self.text[self.byte(range.start)..self.byte(range.end)].to_string()
    }

    /// A Swedish phone number starting at `i`: its end, if there is one.
    fn phone(&self, i: usize) -> Option<usize> {
        // The country code (+46 or 0046) and the trunk prefix (0), and where the number proper starts.
        let (mut j, international) = if self.char_at(i) == Some('+') {
            if self.char_at(i + 1) != Some('4') || self.char_at(i + 2) != Some('6') {
                return None;
            }
            (i + 3, true)
        } else if self.text[self.byte(i)..].starts_with("0046") {
            (i + 4, true)
        } else if self.char_at(i) == Some('0') && self.char_at(i + 1).is_some_and(|c| c != '0') {
            (i, false)
        } else {
            return None;
        };
        if international {
            let next_starts_number = self.is_digit(j + 1) || self.char_at(j + 1) == Some('(');
            if self.char_at(j).is_some_and(is_phone_separator) && next_starts_number {
                j += 1;
            }
            if self.text[self.byte(j)..].starts_with("(0)") {
                j += 3;
                if self.char_at(j).is_some_and(is_phone_separator) {
                    j += 1;
                }
            }
            if !self
                .char_at(j)
                .is_some_and(|c| c.is_ascii_digit() && c != '0')
            {
                return None;
            }
        }
        // Digit groups separated by single spaces or hyphens; take the longest prefix of groups
        // whose digit count is a Swedish number's.
        let (min, max) = if international { (7, 9) } else { (8, 10) };
        let mut digits = 0;
        let mut best = None;
        let mut group_start = j;
        let mut first_group = true;
        loop {
            let group_end = self.digits_end(group_start);
            let len = group_end - group_start;
            if len == 0 {
                break;
            }
            digits += len;
            if digits > max {
                break;
            }
            let area_code_ok =
                !first_group || international || (2..=4).contains(&len) || digits >= min;
            if !area_code_ok {
                break;
            }
            if digits >= min && self.ends_word(group_end) {
                best = Some(group_end);
            }
            first_group = false;
            match self.char_at(group_end) {
                Some(c) if is_phone_separator(c) && self.is_digit(group_end + 1) => {
                    group_start = group_end + 1;
                }
                _ => break,
            }
        }
        best
    }
}

fn is_phone_separator(c: char) -> bool {
    c == ' ' || c == '-' || c == '\u{a0}'
}

/// The Luhn check over ten ASCII digits (the personnummer check digit).
fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if i.is_multiple_of(2) {
                let doubled = d * 2;
                doubled / 10 + doubled % 10
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases = [
            // personnummer and samordningsnummer
            ("198101052382", "[personnummer]"),
            ("19810105-2382", "[personnummer]"),
            ("810105-2382", "[personnummer]"),
            ("8101052382", "[personnummer]"),
            ("121212+1212", "[personnummer]"),
            ("pnr 701063-2391.", "pnr [personnummer]."),
            (
                "samordningsnr 19701063-2391",
                "samordningsnr [personnummer]",
            ),
            ("(811228-9874)", "([personnummer])"),
            // phone numbers
            ("070-123 45 67", "[telefon]"),
            ("0701234567", "[telefon]"),
            ("ring 013-20 69 69 för hjälp", "ring [telefon] för hjälp"),
            ("+4613262010", "[telefon]"),
            ("+46 70 123 45 67", "[telefon]"),
            ("+46 (0)70-123 45 67", "[telefon]"),
            ("0046 13 26 20 10", "[telefon]"),
            ("08-123 456 78", "[telefon]"),
            ("tel: 070-1234567, tack", "tel: [telefon], tack"),
            // e-mail addresses
            ("Jessica.Ragnar@linkoping.se", "[e-post]"),
            ("kundservice@linköping.se.", "[e-post]."),
            ("<etjanst@skelleftea.se>", "<[e-post]>"),
            (
                "a.b+tag@sub.example.com och c@d.se",
                "[e-post] och [e-post]",
            ),
            // not personal data
            ("ärende C2304625", "ärende C2304625"),
            ("ärende 113", "ärende 113"),
            ("2023-01-27 13:10", "2023-01-27 13:10"),
            ("version 1.2.3", "version 1.2.3"),
            ("12345678901", "12345678901"),
            ("991399-1234", "991399-1234"),
            ("kostar 1 500 kr", "kostar 1 500 kr"),
            ("@ensam och a@b", "@ensam och a@b"),
            ("abc198101052382", "abc198101052382"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input), expected, "input: {input:?}");
        }
    }

    #[test]
    fn the_seed_form_redacts_completely() {
        let form =
            "Namn Ragnar, Jessica (jeseks) Telefon +4613262010 E-post Jessica.Ragnar@linkoping.se \
                    Personnummer* 198101052382 Mobiltelefon 0700000000";
        assert_eq!(
            redact(form),
            "Namn Ragnar, Jessica (jeseks) Telefon [telefon] E-post [e-post] \
             Personnummer* [personnummer] Mobiltelefon [telefon]"
        );
    }

    #[test]
    fn findings_carry_byte_spans() {
        let text = "Åsa 070-123 45 67";
        let found = find(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, PersonalData::Phone);
        assert_eq!(&text[found[0].span.clone()], "070-123 45 67");
        assert!(contains_personal_data(text));
        assert!(!contains_personal_data("inget här"));
    }

    #[test]
    fn redaction_is_idempotent_and_handles_odd_input() {
        for text in [
            "🙂 070-123 45 67 🙂",
            "@@@@",
            "++++46",
            "0",
            "00000000000",
            "+46",
            "a@b.c",
            "x@y.zz@w.se",
            "\u{0}\u{ffff}",
            "0-0-0-0-0-0-0-0-0-0-0",
        ] {
            let once = redact(text);
            assert_eq!(redact(&once), once, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_is_idempotent(text in "\\PC{0,80}") {
            let once = redact(&text);
            proptest::prop_assert_eq!(redact(&once), once.clone());
            for finding in find(&text) {
                proptest::prop_assert!(text.is_char_boundary(finding.span.start));
                proptest::prop_assert!(text.is_char_boundary(finding.span.end));
            }
        }

        #[test]
        fn numbers_in_any_context_are_redacted(
            before in "[a-zåäö ,.:(]{0,10}",
            after in "[a-zåäö ,.:)]{0,10}",
            which in 0usize..4,
        ) {
            let secret = ["19810105-2382", "070-123 45 67", "+46 13 26 20 10", "a.b@example.se"][which];
            let text = format!("{before} {secret} {after}");
            let redacted = redact(&text);
            proptest::prop_assert!(!redacted.contains(secret), "{}", redacted);
        }
    }

    #[test]
    fn long_input_is_linear_enough() {
        let text = "a".repeat(200_000) + "@" + &"b.".repeat(100_000) + "se";
        assert_eq!(redact(&text), "[e-post]");
        let digits = "1".repeat(500_000);
        assert_eq!(redact(&digits), digits);
    }
}
