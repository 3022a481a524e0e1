//! Deflection records ("Fick du hjälp av guiderna?"), case number series, and redaction of
//! personal data.

use chrono::{DateTime, FixedOffset};
use pyo3::prelude::*;

use vagvisare::case::{CaseNumberSeries, DeflectionRecord};

use crate::case::case_number;
use crate::convert::{self, repr_opt, repr_str};
use crate::errors::{self, py_err};

/// One suggestion session and its outcome: the guides shown for a description, the answer to
/// "Fick du hjälp av guiderna?", which guide helped, and the case filed anyway. The description
/// is stored with personnummer, phone numbers and e-mail addresses redacted.
#[pyclass(module = "vagvisare", name = "DeflectionRecord", eq)]
#[derive(Clone, PartialEq)]
pub struct PyDeflectionRecord {
    inner: DeflectionRecord,
}

#[pymethods]
impl PyDeflectionRecord {
    #[new]
    #[pyo3(signature = (description, *, at))]
    fn new(description: &str, at: &Bound<'_, PyAny>) -> PyResult<Self> {
        let at = convert::timestamp("at", at)?;
        Ok(Self {
            inner: DeflectionRecord::new(description, at),
        })
    }

    /// Reads a record written by ``to_json``.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        serde_json::from_str(text)
            .map(|inner| Self { inner })
            .map_err(|e| errors::input(format!("not a deflection record: {e}")))
    }

    /// The record as JSON (nothing in it is personal data).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner)
            .map_err(|e| pyo3::exceptions::PyTypeError::new_err(e.to_string()))
    }

    /// Records the guides shown, best first (ranks continue after any shown before).
    fn show(&mut self, guide_ids: &Bound<'_, PyAny>) -> PyResult<()> {
        let ids = convert::strings("guide_ids", guide_ids, true)?;
        self.inner.show(ids);
        Ok(())
    }

    /// Records the answer to "Fick du hjälp av guiderna?" and, if it helped, which guide did.
    #[pyo3(signature = (helped, guide_id=None))]
    fn answer(&mut self, helped: bool, guide_id: Option<String>) {
        self.inner.answer(helped, guide_id);
    }

    /// Records that a case was filed anyway.
    fn filed(&mut self, number: &str) -> PyResult<()> {
        self.inner.filed(case_number(number)?);
        Ok(())
    }

    /// When the session took place.
    #[getter]
    fn at(&self) -> DateTime<FixedOffset> {
        self.inner.at()
    }

    /// The description, redacted.
    #[getter]
    fn description(&self) -> &str {
        self.inner.description()
    }

    /// The guides shown, as ``(guide_id, rank)``.
    #[getter]
    fn shown(&self) -> Vec<(String, u32)> {
        self.inner
            .shown()
            .iter()
            .map(|g| (g.guide_id.clone(), g.rank))
            .collect()
    }

    /// The answer to "Fick du hjälp av guiderna?", if given.
    #[getter]
    fn helped(&self) -> Option<bool> {
        self.inner.helped()
    }

    /// The guide that helped, if named.
    #[getter]
    fn helpful_guide(&self) -> Option<&str> {
        self.inner.helpful_guide()
    }

    /// The rank at which the helpful guide was shown, if it was.
    #[getter]
    fn helpful_rank(&self) -> Option<u32> {
        self.inner.helpful_rank()
    }

    /// The case filed anyway, if any.
    #[getter]
    fn case_filed(&self) -> Option<String> {
        self.inner.case_filed().map(ToString::to_string)
    }

    /// Whether the guides solved it: the person said yes and filed no case.
    #[getter]
    fn deflected(&self) -> bool {
        self.inner.deflected()
    }

    fn __repr__(&self) -> String {
        format!(
            "DeflectionRecord(description={}, shown={}, helped={}, deflected={})",
            repr_str(self.inner.description()),
            self.inner.shown().len(),
            self.inner
                .helped()
                .map_or("None", |h| if h { "True" } else { "False" }),
            if self.inner.deflected() {
                "True"
            } else {
                "False"
            }
        )
    }
}

/// Issues unique, increasing case numbers (``"C2304625"``, ``"113"``). Persist it with
/// ``to_json`` between numbers.
#[pyclass(module = "vagvisare", name = "CaseNumberSeries", eq)]
#[derive(Clone, PartialEq)]
pub struct PyCaseNumberSeries {
    inner: CaseNumberSeries,
}

#[pymethods]
impl PyCaseNumberSeries {
    #[new]
    #[pyo3(signature = (prefix, first, *, width=0))]
    fn new(prefix: &str, first: u64, width: u8) -> PyResult<Self> {
        let inner = CaseNumberSeries::new(prefix, first)
            .map_err(py_err)?
            .with_width(width);
        Ok(Self { inner })
    }

    /// Reads a series written by ``to_json``.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        serde_json::from_str(text)
            .map(|inner| Self { inner })
            .map_err(|e| errors::input(format!("not a case number series: {e}")))
    }

    /// The series as JSON, to persist between numbers.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner)
            .map_err(|e| pyo3::exceptions::PyTypeError::new_err(e.to_string()))
    }

    /// Issues the next number. Never repeats one; ``CaseNumberError`` once the digits run out.
    fn next_number(&mut self) -> PyResult<String> {
        self.inner
            .next_number()
            .map(|n| n.to_string())
            .map_err(py_err)
    }

    /// The last number issued, if any.
    #[getter]
    fn last_issued(&self) -> Option<String> {
        self.inner.last_issued().map(|n| n.to_string())
    }

    fn __repr__(&self) -> String {
        format!(
            "CaseNumberSeries(last_issued={})",
            repr_opt(self.inner.last_issued().map(|n| n.to_string()).as_deref())
        )
    }
}

/// The text with personnummer, phone numbers and e-mail addresses replaced by
/// ``[personnummer]``, ``[telefon]`` and ``[e-post]``. Any ``str`` is accepted: lone surrogates
/// are replaced by U+FFFD, as ``GuideIndex.suggest`` does.
#[pyfunction]
pub(crate) fn redact(text: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(vagvisare::redact::redact(&convert::typed_text(text)?))
}

/// Whether the text holds a personnummer, a phone number or an e-mail address. Any ``str`` is
/// accepted: lone surrogates are replaced by U+FFFD, as ``GuideIndex.suggest`` does.
#[pyfunction]
pub(crate) fn contains_personal_data(text: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(vagvisare::redact::contains_personal_data(
        &convert::typed_text(text)?,
    ))
}
