//! The deflection record of one suggestion session: which guides were suggested for a
//! description, the answer to "Fick du hjälp av guiderna?", which guide helped, and the case filed
//! anyway. The description is stored with personnummer, phone numbers and e-mail addresses
//! redacted (see [`crate::redact`]), so the record can be kept for analytics.

use serde::{Deserialize, Serialize};

use super::event::Timestamp;
use super::CaseNumber;

/// A guide shown among the suggestions ("Möjliga lösningar").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownGuide {
    /// The guide's id.
    pub guide_id: String,
    /// Its rank in the list, from 1.
    pub rank: u32,
}

/// One suggestion session and its outcome.
///
/// ```
/// use vagvisare::case::{CaseNumber, DeflectionRecord};
/// let at = chrono::DateTime::parse_from_rfc3339("2023-01-27T13:05:00+01:00").unwrap();
/// let mut record = DeflectionRecord::new("Glömt lösenord, ring 070-123 45 67", at);
/// assert_eq!(record.description(), "Glömt lösenord, ring [telefon]");
/// record.show(["passwordkiosk-sms", "eduroam"]);
/// record.answer(false, None);
/// record.filed("C2304625".parse::<CaseNumber>().unwrap());
/// assert!(!record.deflected());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeflectionRecord {
    at: Timestamp,
    description: String,
    shown: Vec<ShownGuide>,
    helped: Option<bool>,
    helpful_guide: Option<String>,
    case_filed: Option<CaseNumber>,
}

impl DeflectionRecord {
    /// A record for `description` (redacted here) typed at `at`.
    pub fn new(description: &str, at: Timestamp) -> Self {
        DeflectionRecord {
            at,
            description: crate::redact::redact(description),
            shown: Vec::new(),
            helped: None,
            helpful_guide: None,
            case_filed: None,
        }
    }

    /// Record the guides shown, best first (ranks continue after any shown before).
    pub fn show<I, S>(&mut self, guide_ids: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for id in guide_ids {
            let rank = u32::try_from(self.shown.len()).map_or(u32::MAX, |n| n.saturating_add(1));
            self.shown.push(ShownGuide {
                guide_id: id.into(),
                rank,
            });
        }
    }

    /// Record the answer to "Fick du hjälp av guiderna?" and, if it helped, which guide did.
    pub fn answer(&mut self, helped: bool, guide_id: Option<String>) {
        self.helped = Some(helped);
        self.helpful_guide = if helped { guide_id } else { None };
    }

    /// Record that a case was filed anyway.
    pub fn filed(&mut self, number: CaseNumber) {
        self.case_filed = Some(number);
    }

    /// When the session took place.
    pub fn at(&self) -> Timestamp {
        self.at
    }

    /// The description, redacted.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The guides shown, with their ranks.
    pub fn shown(&self) -> &[ShownGuide] {
        &self.shown
    }

    /// The answer to "Fick du hjälp av guiderna?", if given.
    pub fn helped(&self) -> Option<bool> {
        self.helped
    }

    /// The guide that helped, if named.
    pub fn helpful_guide(&self) -> Option<&str> {
        self.helpful_guide.as_deref()
    }

    /// The case filed anyway, if any.
    pub fn case_filed(&self) -> Option<&CaseNumber> {
        self.case_filed.as_ref()
    }

    /// The rank at which the helpful guide was shown, if it was.
    pub fn helpful_rank(&self) -> Option<u32> {
        let id = self.helpful_guide.as_deref()?;
        self.shown.iter().find(|g| g.guide_id == id).map(|g| g.rank)
    }

    /// Whether the guides solved it: the person said yes and filed no case.
    pub fn deflected(&self) -> bool {
        self.helped == Some(true) && self.case_filed.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Timestamp {
        chrono::DateTime::parse_from_rfc3339("2023-01-27T13:05:00+01:00").unwrap()
    }

    #[test]
    fn personal_data_never_reaches_the_record() {
        let record = DeflectionRecord::new(
            "Patient 19810105-2382 kan inte logga in, mejla jessica.ragnar@linkoping.se eller ring +4613262010",
            at(),
        );
        let json = serde_json::to_string(&record).unwrap();
        for secret in ["2382", "jessica", "13262010"] {
            assert!(!json.contains(secret), "{json}");
        }
        assert!(record.description().contains("[personnummer]"));
        assert!(record.description().contains("[e-post]"));
        assert!(record.description().contains("[telefon]"));
    }

    #[test]
    fn a_helpful_guide_deflects_the_case() {
        let mut record = DeflectionRecord::new("lösenord", at());
        record.show(["a", "b"]);
        record.show(["c"]);
        record.answer(true, Some("c".into()));
        assert_eq!(record.helpful_rank(), Some(3));
        assert!(record.deflected());
        record.filed("113".parse().unwrap());
        assert!(!record.deflected());
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(
            serde_json::from_str::<DeflectionRecord>(&json).unwrap(),
            record
        );
    }
}
