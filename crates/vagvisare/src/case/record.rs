//! Persistence: a case is stored as its events, with a format version, in JSON.

use serde::{Deserialize, Serialize};

use super::{Case, Event, RecordError};

/// The format version [`CaseRecord`] writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A case as stored: the format version and the events, oldest first.
///
/// ```
/// use vagvisare::case::{Case, CaseRecord};
/// let record = CaseRecord::new(&Case::new());
/// let json = record.to_json().unwrap();
/// assert_eq!(CaseRecord::from_json(&json).unwrap().into_case().unwrap(), Case::new());
/// assert!(CaseRecord::from_json(r#"{"format_version": 99, "events": []}"#).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// Always [`FORMAT_VERSION`] when written by this library.
    pub format_version: u32,
    /// The case's events.
    pub events: Vec<Event>,
}

impl CaseRecord {
    /// The record of a case.
    pub fn new(case: &Case) -> Self {
        CaseRecord {
            format_version: FORMAT_VERSION,
            events: case.history().to_vec(),
        }
    }

    /// The record as JSON. Serialising fails only if an event holds something JSON cannot
    /// write; the error says what, rather than an empty text taking the record's place.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// The record as indented JSON (fails as [`CaseRecord::to_json`] does).
    pub fn to_json_pretty(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// Read a record, checking its format version first so that a record from another version is
    /// reported as such rather than as a shape error.
    pub fn from_json(text: &str) -> Result<Self, RecordError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| RecordError::Json(e.to_string()))?;
        let version = value.get("format_version");
        if version.and_then(serde_json::Value::as_u64) != Some(u64::from(FORMAT_VERSION)) {
            return Err(RecordError::UnsupportedVersion {
                found: version.map_or_else(|| "(missing)".to_string(), |v| v.to_string()),
                supported: FORMAT_VERSION,
            });
        }
        serde_json::from_value(value).map_err(|e| RecordError::Json(e.to_string()))
    }

    /// Replay the events into a case.
    pub fn into_case(self) -> Result<Case, RecordError> {
        Ok(Case::replay(&self.events)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_or_missing_versions_are_clear_errors() {
        for text in [
            r#"{"format_version": 2, "events": []}"#,
            r#"{"events": []}"#,
            r#"{"format_version": "1", "events": []}"#,
        ] {
            let error = CaseRecord::from_json(text).unwrap_err();
            assert!(
                matches!(error, RecordError::UnsupportedVersion { .. }),
                "{text}: {error}"
            );
            assert!(error.to_string().contains("format_version"));
        }
    }

    #[test]
    fn bad_json_is_an_error_not_a_panic() {
        for text in [
            "",
            "[",
            "null",
            r#"{"format_version": 1}"#,
            r#"{"format_version": 1, "events": [{"seq": 1}]}"#,
        ] {
            assert!(CaseRecord::from_json(text).is_err(), "{text}");
        }
    }
}
