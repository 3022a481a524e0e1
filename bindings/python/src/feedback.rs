//! Feedback records from Python values ("Fick du hjälp av guiderna?"), for
//! `GuideIndex.feedback` and `GuideIndex.feedback_many`. The guard rails, redaction and the
//! report are the core's (`vagvisare::feedback`).

use chrono::{DateTime, Utc};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyMapping, PyString};
use vagvisare::feedback::{Feedback, LearnPolicy};

use crate::convert::{self, type_name, wrong_type};
use crate::errors::{self, py_err};
use crate::guide::field;

/// The Python values of one record, as keyword arguments or dict entries give them.
pub(crate) struct Values<'a, 'py> {
    pub query: &'a Bound<'py, PyAny>,
    pub guide: Option<&'a Bound<'py, PyAny>>,
    pub helped: &'a Bound<'py, PyAny>,
    pub rank: Option<&'a Bound<'py, PyAny>>,
    pub filed_anyway: Option<&'a Bound<'py, PyAny>>,
    pub at: Option<&'a Bound<'py, PyAny>>,
    pub actor: Option<&'a Bound<'py, PyAny>>,
}

fn flag(what: &str, value: Option<&Bound<'_, PyAny>>, default: bool) -> PyResult<bool> {
    match value {
        None => Ok(default),
        Some(v) if v.is_none() => Ok(default),
        Some(v) if v.cast::<PyBool>().is_ok() => v.extract(),
        Some(v) => Err(wrong_type(what, "a bool", v)),
    }
}

/// One core record. `where_` names it in messages ("feedback", "feedback #3").
pub(crate) fn record(where_: &str, v: &Values<'_, '_>) -> PyResult<Feedback> {
    let query = convert::string(&format!("{where_} query"), v.query)?;
    let guide = convert::optional_string(&format!("{where_} guide"), v.guide)?;
    let helped = flag(&format!("{where_} helped"), Some(v.helped), false)?;
    let rank = v
        .rank
        .filter(|r| !r.is_none())
        .map(|r| convert::count(&format!("{where_} rank"), r))
        .transpose()?
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    let at: DateTime<Utc> = match v.at.filter(|a| !a.is_none()) {
        None => Utc::now(),
        Some(a) => convert::timestamp(&format!("{where_} at"), a)?.with_timezone(&Utc),
    };
    let record = Feedback {
        query,
        guide,
        helped,
        rank,
        shown: Vec::new(),
        filed_anyway: flag(&format!("{where_} filed_anyway"), v.filed_anyway, false)?,
        at,
        actor: convert::optional_string(&format!("{where_} actor"), v.actor)?,
    };
    // The core's rules for a record (a rank counts from 1).
    record.validate().map_err(py_err)?;
    Ok(record)
}

/// Records from an iterable of dicts in the JSON Lines shape of `vagvisare feedback`
/// (`query`, `guide`, `helped`, `rank`, `filed_anyway`, `at`, `actor`).
pub(crate) fn records(items: &Bound<'_, PyAny>) -> PyResult<Vec<Feedback>> {
    if items.cast::<PyDict>().is_ok()
        || items.cast::<PyMapping>().is_ok()
        || items.cast::<PyString>().is_ok()
    {
        return Err(PyTypeError::new_err(format!(
            "records must be an iterable of feedback dicts, not one {}; wrap it in a list",
            type_name(items)
        )));
    }
    let Ok(iter) = items.try_iter() else {
        return Err(wrong_type(
            "records",
            "an iterable of feedback dicts",
            items,
        ));
    };
    let mut out = Vec::new();
    for (i, item) in iter.enumerate() {
        let item = item?;
        let where_ = format!("feedback #{}", i + 1);
        if item.cast::<PyDict>().is_err() && item.cast::<PyMapping>().is_err() {
            return Err(wrong_type(
                &where_,
                "a dict ({\"query\": ..., \"guide\": ..., \"helped\": ...})",
                &item,
            ));
        }
        let (Some(query), Some(helped)) = (field(&item, "query")?, field(&item, "helped")?) else {
            return Err(errors::input(format!(
                "{where_} needs \"query\" and \"helped\""
            )));
        };
        let guide = field(&item, "guide")?;
        let rank = field(&item, "rank")?;
        let filed_anyway = field(&item, "filed_anyway")?;
        let at = field(&item, "at")?;
        let actor = field(&item, "actor")?;
        out.push(record(
            &where_,
            &Values {
                query: &query,
                guide: guide.as_ref(),
                helped: &helped,
                rank: rank.as_ref(),
                filed_anyway: filed_anyway.as_ref(),
                at: at.as_ref(),
                actor: actor.as_ref(),
            },
        )?);
    }
    Ok(out)
}

/// A learning policy from keyword arguments over the default one.
pub(crate) fn policy(
    half_life_days: Option<f64>,
    min_actors: Option<&Bound<'_, PyAny>>,
    max_texts: Option<&Bound<'_, PyAny>>,
    min_weight: Option<f64>,
) -> PyResult<LearnPolicy> {
    let mut policy = LearnPolicy::default();
    if let Some(days) = half_life_days {
        if !(days.is_finite() && days > 0.0) {
            return Err(errors::input(format!(
                "half_life_days must be a positive number of days, not {days}"
            )));
        }
        policy.half_life_days = days;
    }
    if let Some(n) = min_actors {
        policy.min_actors = convert::count("min_actors", n)?.max(1);
    }
    if let Some(n) = max_texts {
        policy.max_texts = convert::count("max_texts", n)?;
    }
    if let Some(w) = min_weight {
        if !(w.is_finite() && w >= 0.0) {
            return Err(errors::input(format!(
                "min_weight must be 0 or more, not {w}"
            )));
        }
        policy.min_weight = w;
    }
    Ok(policy)
}
