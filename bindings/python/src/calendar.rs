//! Swedish working days and public holidays, for due dates (förfallodag).

use chrono::{Datelike, NaiveDate};
use pyo3::prelude::*;

use vagvisare::case::calendar;
use vagvisare::case::Calendar;

use crate::convert;
use crate::errors;

/// The years a Python `datetime.date` can hold.
const PYTHON_YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// Working days: Monday to Friday, except every Swedish public holiday (and the closed eves:
/// midsommarafton, julafton, nyårsafton, …) and the portal's own ``closed_days``.
#[pyclass(module = "vagvisare", name = "Calendar", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyCalendar {
    pub(crate) inner: Calendar,
}

impl PyCalendar {
    /// The Swedish calendar with extra closed days (an iterable of `date`, or `None`).
    pub(crate) fn from_days(days: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let mut closed = Vec::new();
        if let Some(days) = days.filter(|d| !d.is_none()) {
            let Ok(iter) = days.try_iter() else {
                return Err(convert::wrong_type(
                    "closed_days",
                    "an iterable of datetime.date",
                    days,
                ));
            };
            for day in iter {
                closed.push(convert::date("each closed day", &day?)?);
            }
        }
        Ok(Self {
            inner: Calendar::swedish().with_closed_days(closed),
        })
    }
}

#[pymethods]
impl PyCalendar {
    #[new]
    #[pyo3(signature = (closed_days=None))]
    fn new(closed_days: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Self::from_days(closed_days)
    }

    /// The portal's own closed days.
    #[getter]
    fn closed_days(&self) -> Vec<NaiveDate> {
        self.inner.closed_days().collect()
    }

    /// Whether ``day`` is a working day.
    fn is_working_day(&self, day: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.inner.is_working_day(convert::date("day", day)?))
    }

    /// The ``n``-th working day after ``day`` (``day`` itself not counted; ``n = 0`` gives
    /// ``day``): Friday 27 January 2023 + 14 is Thursday 16 February 2023.
    fn add_working_days(&self, day: &Bound<'_, PyAny>, n: u32) -> PyResult<NaiveDate> {
        let day = convert::date("day", day)?;
        self.inner
            .add_working_days(day, n)
            .filter(|d| PYTHON_YEARS.contains(&d.year()))
            .ok_or_else(|| {
                errors::input(format!(
                    "{day} + {n} working days is beyond the dates Python can hold"
                ))
            })
    }

    /// The number of working days after ``start``, up to and including ``end`` (0 if
    /// ``end <= start``).
    fn working_days_between(
        &self,
        start: &Bound<'_, PyAny>,
        end: &Bound<'_, PyAny>,
    ) -> PyResult<u32> {
        Ok(self
            .inner
            .working_days_between(convert::date("start", start)?, convert::date("end", end)?))
    }

    fn __repr__(&self) -> String {
        let days: Vec<String> = self.inner.closed_days().map(|d| d.to_string()).collect();
        format!("Calendar(closed_days=[{}])", days.join(", "))
    }
}

/// The Swedish name of the public holiday (or closed eve) on ``day``, or ``None``.
#[pyfunction]
pub(crate) fn holiday(day: &Bound<'_, PyAny>) -> PyResult<Option<&'static str>> {
    Ok(calendar::holiday(convert::date("day", day)?).map(|h| h.name()))
}

/// Every Swedish public holiday (and closed eve) of ``year``, in date order, as ``(date, name)``.
#[pyfunction]
pub(crate) fn holidays(year: i32) -> PyResult<Vec<(NaiveDate, &'static str)>> {
    if !PYTHON_YEARS.contains(&year) {
        return Err(errors::input(format!(
            "year {year} is outside the years Python dates can hold (1 to 9999)"
        )));
    }
    Ok(calendar::holidays(year)
        .into_iter()
        .map(|(d, h)| (d, h.name()))
        .collect())
}
