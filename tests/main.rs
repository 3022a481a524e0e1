//! Cross-crate tests: the `vagvisare` binary, built from `crates/vagvisare-cli` by
//! [`vagvisare_integration::vagvisare`], run as a user runs it against what lies outside it.
//! Tests of one crate, or of one adapter against the core, stay with that crate
//! (docs/architecture.md, "Tests").

mod embedder_flags;
mod serve_durability;
