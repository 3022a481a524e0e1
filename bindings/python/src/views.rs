//! What the portals show: "Ärendehistorik" rows, the case overview, "Mina ärenden".

use pyo3::prelude::*;

use vagvisare::case::views::{self, CaseSummary, HistoryRow, MyCases, Overview};

use crate::case::PyCase;
use crate::convert::{self, repr_opt, repr_str};
use crate::people::PyActor;

/// One row of "Ärendehistorik": Händelse, Detaljer, Datum, Status, Person.
#[pyclass(module = "vagvisare", name = "HistoryRow", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyHistoryRow {
    /// Händelse ("Inskickat", "Meddelande skickat till kund", "Status ändrad", …).
    #[pyo3(get)]
    event: String,
    /// Detaljer ("-" when there are none).
    #[pyo3(get)]
    details: String,
    /// Datum ("2018-02-19 13:21").
    #[pyo3(get)]
    date: String,
    /// Status after the event ("Under behandling").
    #[pyo3(get)]
    status: String,
    /// Person ("Julia Landsell").
    #[pyo3(get)]
    person: String,
}

impl From<HistoryRow> for PyHistoryRow {
    fn from(r: HistoryRow) -> Self {
        Self {
            event: r.event,
            details: r.details,
            date: r.date,
            status: r.status,
            person: r.person,
        }
    }
}

#[pymethods]
impl PyHistoryRow {
    /// The five cells, in the order of the headings.
    fn cells(&self) -> (String, String, String, String, String) {
        (
            self.event.clone(),
            self.details.clone(),
            self.date.clone(),
            self.status.clone(),
            self.person.clone(),
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "HistoryRow({}, {}, {}, {}, {})",
            repr_str(&self.event),
            repr_str(&self.details),
            repr_str(&self.date),
            repr_str(&self.status),
            repr_str(&self.person)
        )
    }
}

/// The case overview: a title ("Medborgarförslag (Under behandling)") and labelled fields.
#[pyclass(module = "vagvisare", name = "Overview", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyOverview {
    /// The service with the status label in parentheses.
    #[pyo3(get)]
    title: String,
    /// ``(label, value)`` pairs, in display order.
    #[pyo3(get)]
    fields: Vec<(String, String)>,
}

impl From<Overview> for PyOverview {
    fn from(o: Overview) -> Self {
        Self {
            title: o.title,
            fields: o
                .fields
                .into_iter()
                .map(|(label, value)| (label.to_string(), value))
                .collect(),
        }
    }
}

#[pymethods]
impl PyOverview {
    fn __repr__(&self) -> String {
        format!("Overview({})", repr_str(&self.title))
    }
}

/// One line of "Mina ärenden".
#[pyclass(module = "vagvisare", name = "CaseSummary", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyCaseSummary {
    /// Ärendenummer (``None`` for a draft).
    #[pyo3(get)]
    number: Option<String>,
    /// E-tjänst.
    #[pyo3(get)]
    service: String,
    /// Kommun / organisation.
    #[pyo3(get)]
    organisation: String,
    /// Status label.
    #[pyo3(get)]
    status: String,
    /// When the last event happened ("2018-02-19 13:21").
    #[pyo3(get)]
    last_event: Option<String>,
}

impl From<CaseSummary> for PyCaseSummary {
    fn from(s: CaseSummary) -> Self {
        Self {
            number: s.number.map(|n| n.to_string()),
            service: s.service,
            organisation: s.organisation,
            status: s.status,
            last_event: s.last_event,
        }
    }
}

#[pymethods]
impl PyCaseSummary {
    fn __repr__(&self) -> String {
        format!(
            "CaseSummary(number={}, service={}, status={})",
            repr_opt(self.number.as_deref()),
            repr_str(&self.service),
            repr_str(&self.status)
        )
    }
}

/// "Mina ärenden": an actor's drafts ("Ej inskickade ärenden"), open cases ("Pågående
/// ärenden") and closed cases ("Avslutade ärenden").
#[pyclass(module = "vagvisare", name = "MyCases", frozen)]
pub struct PyMyCases {
    /// "Ej inskickade ärenden".
    #[pyo3(get)]
    drafts: Vec<PyCaseSummary>,
    /// "Pågående ärenden".
    #[pyo3(get)]
    open: Vec<PyCaseSummary>,
    /// "Avslutade ärenden".
    #[pyo3(get)]
    closed: Vec<PyCaseSummary>,
}

fn summaries(list: Vec<CaseSummary>) -> Vec<PyCaseSummary> {
    list.into_iter().map(PyCaseSummary::from).collect()
}

#[pymethods]
impl PyMyCases {
    fn __repr__(&self) -> String {
        format!(
            "MyCases(drafts={}, open={}, closed={})",
            self.drafts.len(),
            self.open.len(),
            self.closed.len()
        )
    }
}

/// "Mina ärenden" for ``actor``: the cases (an iterable of ``Case``) they filed, that are shared
/// with them, that they are assigned to or must approve. Each case is shown with its own
/// workflow's labels.
#[pyfunction]
pub(crate) fn my_cases(cases: &Bound<'_, PyAny>, actor: PyRef<'_, PyActor>) -> PyResult<PyMyCases> {
    let Ok(iter) = cases.try_iter() else {
        return Err(convert::wrong_type("cases", "an iterable of Case", cases));
    };
    let mut all = MyCases::default();
    for item in iter {
        let item = item?;
        let Ok(case) = item.cast::<PyCase>() else {
            return Err(convert::wrong_type("each case", "a Case", &item));
        };
        let case = case.borrow();
        let mine = views::my_cases([&case.case], &case.rules.workflow, &actor.inner);
        all.drafts.extend(mine.drafts);
        all.open.extend(mine.open);
        all.closed.extend(mine.closed);
    }
    Ok(PyMyCases {
        drafts: summaries(all.drafts),
        open: summaries(all.open),
        closed: summaries(all.closed),
    })
}
