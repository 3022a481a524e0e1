//! Builds the `vagvisare` binary for the cross-crate tests and tells where it is.
//!
//! Cargo gives a test the path of a binary (`CARGO_BIN_EXE_<name>`) only when the binary is its
//! own package's. These tests exercise the CLI, the service and the core together, so they live
//! in a package of their own, and ask cargo for the binary instead: `cargo build -p
//! vagvisare-cli` with the profile the test itself was built with and the same target
//! directory, once per test binary. That is a no-op when `cargo test --workspace` has just built
//! it, and it never runs against a stale binary.

#![warn(missing_docs)]

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The path of the `vagvisare` binary, built from the current sources on the first call.
///
/// # Panics
/// When cargo cannot be run or the build fails (its errors are on standard error above the
/// panic).
pub fn vagvisare() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(build)
}

/// The cargo profile the running test was built with, from its path:
/// `<target>/[<triple>/]<profile dir>/deps/<test>`; `debug` is the `dev` profile's folder.
fn profile() -> String {
    let exe = std::env::current_exe().expect("the test's own path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(|name| name.to_str())
        .unwrap_or_else(|| panic!("{} is not in <target>/<profile>/deps", exe.display()));
    match dir {
        "debug" => "dev".to_owned(),
        other => other.to_owned(),
    }
}

fn build() -> PathBuf {
    // Cargo sets CARGO for the processes it runs; a test binary started by hand uses PATH's.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace");
    let profile = profile();
    let mut child = Command::new(&cargo)
        .current_dir(workspace)
        .args([
            "build",
            "--quiet",
            "-p",
            "vagvisare-cli",
            "--bin",
            "vagvisare",
        ])
        .args([
            "--profile",
            &profile,
            "--message-format=json-render-diagnostics",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not run {cargo:?} to build the vagvisare binary: {e}"));
    let messages = child.stdout.take().expect("piped");
    let mut binary = None;
    for message in serde_json::Deserializer::from_reader(BufReader::new(messages))
        .into_iter::<serde_json::Value>()
    {
        let message = message.expect("cargo's JSON messages");
        if message["reason"] == "compiler-artifact" && message["target"]["name"] == "vagvisare" {
            if let Some(path) = message["executable"].as_str() {
                binary = Some(PathBuf::from(path));
            }
        }
    }
    let status = child.wait().expect("cargo build");
    assert!(
        status.success(),
        "`cargo build -p vagvisare-cli --profile {profile}` failed ({status}); see above"
    );
    binary.expect("cargo built vagvisare-cli but named no `vagvisare` executable")
}
