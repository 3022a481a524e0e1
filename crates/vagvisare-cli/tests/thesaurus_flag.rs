//! The bundled thesaurus is on by default in the CLI, and `--no-thesaurus` leaves it out.

use std::process::Command;

fn suggest(guides: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_vagvisare"))
        .args(["suggest", "--format", "json", "--no-semantic", "--guides"])
        .arg(guides)
        .args(extra)
        .arg("blankett till bygglov ")
        .output()
        .expect("run vagvisare suggest");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn kind_of_blankett(answer: &serde_json::Value, id: &str) -> Option<String> {
    answer["suggestions"]
        .as_array()?
        .iter()
        .find(|s| s["id"] == id)?["matched"]
        .as_array()?
        .iter()
        .find(|m| m["query"] == "blankett")
        .map(|m| m["kind"].as_str().unwrap_or_default().to_string())
}

#[test]
fn no_thesaurus_leaves_out_its_synonyms() {
    let dir = tempfile::tempdir().unwrap();
    let guides = dir.path().join("guides.jsonl");
    std::fs::write(
        &guides,
        concat!(
            r#"{"id":"formular","title":"Formulär för bygglov","body":"Fyll i formuläret och skicka det till kommunen."}"#,
            "\n",
            r#"{"id":"parkering","title":"Parkeringstillstånd","body":"Så ansöker du om tillstånd att parkera."}"#,
            "\n"
        ),
    )
    .unwrap();
    // "blankett" is in no guide; the thesaurus has it as a synonym of "formulär".
    let with = suggest(&guides, &[]);
    assert_eq!(with["suggestions"][0]["id"], "formular", "{with}");
    assert_eq!(
        kind_of_blankett(&with, "formular").as_deref(),
        Some("synonym")
    );
    let without = suggest(&guides, &["--no-thesaurus"]);
    assert_eq!(kind_of_blankett(&without, "formular"), None, "{without}");
}
