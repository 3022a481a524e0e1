//! Case numbers (ärendenummer) in both styles, `C2304625` and `113`, and the series that issues them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::NumberError;

/// A human-facing case number: an optional prefix without digits, then digits.
///
/// Numbers order by prefix, then numeric value. Stored and serialised as text (`"C2304625"`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseNumber {
    prefix: String,
    value: u64,
    width: u8,
}

impl CaseNumber {
    /// The number with `prefix` and `value`, its digits zero-padded to `width`.
    pub fn new(prefix: &str, value: u64, width: u8) -> Result<Self, NumberError> {
        if !valid_prefix(prefix) {
            return Err(NumberError::Invalid(format!("{prefix}{value}")));
        }
        Ok(CaseNumber {
            prefix: prefix.to_string(),
            value,
            width: normal_width(value, width),
        })
    }

    /// The prefix (`"C"`, or `""`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The numeric part.
    pub fn value(&self) -> u64 {
        self.value
    }
}

/// The width a number is written with: at least its own digits, so that a number has one form.
fn normal_width(value: u64, width: u8) -> u8 {
    let digits = value.checked_ilog10().map_or(1, |d| d + 1);
    u8::try_from(digits).unwrap_or(20).max(width.min(20))
}

fn valid_prefix(prefix: &str) -> bool {
    prefix.len() <= 16
        && prefix
            .chars()
            .all(|c| !c.is_ascii_digit() && !c.is_whitespace() && !c.is_control())
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{:0width$}",
            self.prefix,
            self.value,
            width = usize::from(self.width)
        )
    }
}

impl FromStr for CaseNumber {
    type Err = NumberError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || NumberError::Invalid(text.to_string());
        let digits_at = text
            .find(|c: char| c.is_ascii_digit())
            .ok_or_else(invalid)?;
        let (prefix, digits) = text.split_at(digits_at);
        if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let value = digits.parse::<u64>().map_err(|_| invalid())?;
        let width = u8::try_from(digits.len()).map_err(|_| invalid())?;
        CaseNumber::new(prefix, value, width).map_err(|_| invalid())
    }
}

impl TryFrom<String> for CaseNumber {
    type Error = NumberError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<CaseNumber> for String {
    fn from(number: CaseNumber) -> String {
        number.to_string()
    }
}

/// Issues unique, increasing case numbers. The host persists it (serde) between numbers.
///
/// ```
/// use vagvisare::case::CaseNumberSeries;
/// let mut desk = CaseNumberSeries::new("C", 2304625).unwrap();
/// assert_eq!(desk.next_number().unwrap().to_string(), "C2304625");
/// assert_eq!(desk.next_number().unwrap().to_string(), "C2304626");
/// let mut e_services = CaseNumberSeries::new("", 113).unwrap();
/// assert_eq!(e_services.next_number().unwrap().to_string(), "113");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseNumberSeries {
    prefix: String,
    first: u64,
    #[serde(default)]
    width: u8,
    #[serde(default)]
    last_issued: Option<u64>,
}

impl CaseNumberSeries {
    /// A series that starts at `first`, each number written `prefix` + digits.
    pub fn new(prefix: &str, first: u64) -> Result<Self, NumberError> {
        if !valid_prefix(prefix) {
            return Err(NumberError::Invalid(format!("{prefix}{first}")));
        }
        Ok(CaseNumberSeries {
            prefix: prefix.to_string(),
            first,
            width: 0,
            last_issued: None,
        })
    }

    /// The same series with digits zero-padded to `width` (`C0000042`).
    pub fn with_width(mut self, width: u8) -> Self {
        self.width = width.min(20);
        self
    }

    /// The last number issued, if any.
    pub fn last_issued(&self) -> Option<CaseNumber> {
        self.last_issued.map(|value| self.number(value))
    }

    /// Issue the next number. Never repeats a number; fails once the digits run out.
    pub fn next_number(&mut self) -> Result<CaseNumber, NumberError> {
        let value = match self.last_issued {
            None => self.first,
            Some(last) => last.checked_add(1).ok_or_else(|| NumberError::Exhausted {
                prefix: self.prefix.clone(),
            })?,
        };
        self.last_issued = Some(value);
        Ok(self.number(value))
    }

    fn number(&self, value: u64) -> CaseNumber {
        CaseNumber {
            prefix: self.prefix.clone(),
            value,
            width: normal_width(value, self.width),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_both_styles() {
        for text in ["C2304625", "113", "C2229513", "ÄR-0042"] {
            let number: CaseNumber = text.parse().unwrap();
            assert_eq!(number.to_string(), text);
        }
        let number: CaseNumber = "C2304625".parse().unwrap();
        assert_eq!((number.prefix(), number.value()), ("C", 2304625));
    }

    #[test]
    fn refuses_what_is_not_a_number() {
        for text in ["", "C", "C12a", "12 3", "C99999999999999999999", "1-2"] {
            assert!(text.parse::<CaseNumber>().is_err(), "{text}");
        }
    }

    #[test]
    fn a_number_has_one_form() {
        let mut series = CaseNumberSeries::new("", 113).unwrap();
        assert_eq!(series.next_number().unwrap(), "113".parse().unwrap());
        let mut padded = CaseNumberSeries::new("C", 42).unwrap().with_width(7);
        let number = padded.next_number().unwrap();
        assert_eq!(number.to_string(), "C0000042");
        assert_eq!(number, "C0000042".parse().unwrap());
        assert_eq!(CaseNumber::new("", 0, 0).unwrap().to_string(), "0");
    }

    #[test]
    fn series_is_unique_and_increasing() {
        let mut series = CaseNumberSeries::new("C", 2304625).unwrap();
        let numbers: Vec<_> = (0..50).map(|_| series.next_number().unwrap()).collect();
        assert!(numbers.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(series.last_issued(), numbers.last().cloned());
    }

    #[test]
    fn series_survives_persistence() {
        let mut series = CaseNumberSeries::new("", 112).unwrap();
        series.next_number().unwrap();
        let json = serde_json::to_string(&series).unwrap();
        let mut restored: CaseNumberSeries = serde_json::from_str(&json).unwrap();
        assert_eq!(restored.next_number().unwrap().to_string(), "113");
    }

    #[test]
    fn series_runs_out_without_panicking() {
        let mut series = CaseNumberSeries::new("X", u64::MAX).unwrap();
        assert!(series.next_number().is_ok());
        assert!(matches!(
            series.next_number(),
            Err(NumberError::Exhausted { .. })
        ));
    }

    #[test]
    fn serialises_as_text() {
        let number: CaseNumber = "C2304625".parse().unwrap();
        assert_eq!(serde_json::to_string(&number).unwrap(), "\"C2304625\"");
        assert!(serde_json::from_str::<CaseNumber>("\"nope\"").is_err());
    }
}
