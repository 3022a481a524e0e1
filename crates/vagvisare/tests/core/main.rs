//! The integration tests of the core crate, as one test binary with a module per area (one link
//! instead of one per file). Run one area with `cargo test -p vagvisare --test core suggest::`.

mod case_due_dates;
mod case_properties;
mod case_seeds;
mod explain;
mod feedback;
mod fuzz;
mod optimize;
mod semantic;
mod suggest;
