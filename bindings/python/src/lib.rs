//! `vagvisare._vagvisare`: the native part of the Python package `vagvisare`.
//!
//! Thin on purpose: conversions between Python values and the core's (`convert`), one
//! conversion from core errors to the exception hierarchy (`errors`), and classes that hold
//! core values.
//! Every rule lives in the core crate. The GIL is released while the core indexes, commits,
//! searches and evaluates, so many Python threads can search at once.

use pyo3::prelude::*;

mod calendar;
mod case;
mod convert;
mod deflection;
mod embedder;
mod errors;
mod feedback;
mod guide;
mod people;
mod views;

/// Rust's allocations in the module (Python's objects keep Python's allocator).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Returns to the system the memory the allocator keeps after it was freed. mimalloc holds
/// freed pages for a while (its purge delay) to reuse them cheaply, which a keystroke wants; after
/// a commit, a merge or a graph build, the freed buffers would otherwise still count when the
/// next phase allocates its own, and the process's peak would be their sum.
pub(crate) fn release_freed_memory() {
    // SAFETY: `mi_collect` takes no pointers; it only walks the allocator's own free lists.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// Swedish guide suggestions while typing, and the case (ärende) model (native module; import
/// ``vagvisare`` instead).
#[pymodule]
fn _vagvisare(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<guide::PyGuideIndex>()?;
    m.add_class::<guide::PySuggestion>()?;
    m.add_class::<guide::PySnippet>()?;
    m.add_class::<guide::PyMatch>()?;
    m.add_class::<guide::PyEvalReport>()?;
    m.add_function(wrap_pyfunction!(guide::evaluate, m)?)?;
    #[cfg(feature = "bench")]
    m.add_function(wrap_pyfunction!(guide::time_suggest_in_rust, m)?)?;

    m.add_class::<people::PyPerson>()?;
    m.add_class::<people::PyActor>()?;
    m.add_class::<people::PyAttachment>()?;
    m.add_class::<people::PyForm>()?;
    m.add_class::<people::PyWorkflow>()?;
    m.add_class::<people::PyCaseRules>()?;
    m.add_class::<calendar::PyCalendar>()?;
    m.add_function(wrap_pyfunction!(calendar::holiday, m)?)?;
    m.add_function(wrap_pyfunction!(calendar::holidays, m)?)?;

    m.add_class::<case::PyCase>()?;
    m.add_class::<case::PyEvent>()?;
    m.add_class::<case::PyDue>()?;
    m.add_class::<case::PyStamp>()?;
    m.add_class::<case::PyApproval>()?;
    m.add_class::<case::PyMessage>()?;
    m.add_class::<views::PyHistoryRow>()?;
    m.add_class::<views::PyOverview>()?;
    m.add_class::<views::PyCaseSummary>()?;
    m.add_class::<views::PyMyCases>()?;
    m.add_function(wrap_pyfunction!(views::my_cases, m)?)?;

    m.add_class::<deflection::PyDeflectionRecord>()?;
    m.add_class::<deflection::PyCaseNumberSeries>()?;
    m.add_function(wrap_pyfunction!(deflection::redact, m)?)?;
    m.add_function(wrap_pyfunction!(deflection::contains_personal_data, m)?)?;
    // Typed text beyond this many bytes is cut before analysis (a web view says so).
    m.add("MAX_QUERY_BYTES", vagvisare::text::MAX_QUERY_BYTES)?;
    Ok(())
}
