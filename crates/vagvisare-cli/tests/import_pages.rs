//! Issue 22, "Guides from where they live": `vagvisare index --guides DIR` reads a folder of
//! Markdown pages, refuses it when a page is bad, and with `--skip-bad` leaves that page out.

use std::path::Path;
use std::process::{Command, Output};

fn vagvisare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vagvisare"))
        .args(args)
        .output()
        .expect("start vagvisare")
}

fn write(dir: &Path, relative: &str, text: &str) {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_folder_of_markdown_pages_is_indexed_and_suggested_from() {
    let tmp = tempfile::tempdir().unwrap();
    let pages = tmp.path().join("guider");
    write(
        &pages,
        "IT och telefoni/skrivare.md",
        "# Skrivaren skriver inte ut\n\nStarta om **skrivaren** och kontrollera att det finns papper i facket.\n",
    );
    write(
        &pages,
        "Vård/larm.md",
        "---\nid: larm-trygghet\naudiences: [utförare]\n---\n# Trygghetslarmet larmar inte\n\nTesta larmknappen och ring larmcentralen.\n",
    );
    let out = tmp.path().join("index");
    let indexed = vagvisare(&[
        "index",
        "--guides",
        pages.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(indexed.status.success(), "{}", text(&indexed.stderr));
    assert!(text(&indexed.stderr).contains("indexed 2 guides"));

    let suggested = vagvisare(&[
        "suggest",
        "--index",
        out.to_str().unwrap(),
        "--format",
        "json",
        "skrivarn skriver inte",
    ]);
    assert!(suggested.status.success(), "{}", text(&suggested.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&suggested.stdout).unwrap();
    let first = &answer["suggestions"][0];
    assert_eq!(first["id"], "IT och telefoni/skrivare", "{answer}");
    assert_eq!(first["category"], "IT och telefoni");
    assert_eq!(first["title"], "Skrivaren skriver inte ut");
}

#[test]
fn a_bad_page_refuses_the_folder_unless_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let pages = tmp.path().join("guider");
    write(&pages, "bra.md", "# Byta lösenord\n\nGör så här.\n");
    write(
        &pages,
        "trasig.md",
        "---\ntitle: Trasig\nfärg: blå\n---\ntext\n",
    );
    let out = tmp.path().join("index");
    let args = [
        "index",
        "--guides",
        pages.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let refused = vagvisare(&args);
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("trasig.md:3:"), "{stderr}");
    assert!(
        !out.exists(),
        "nothing is indexed from a folder with a bad page"
    );

    let skipped = vagvisare(&[&args[..], &["--skip-bad"]].concat());
    let stderr = text(&skipped.stderr);
    assert!(skipped.status.success(), "{stderr}");
    assert!(
        stderr.contains("skipped") && stderr.contains("trasig.md:3:"),
        "{stderr}"
    );
    assert!(stderr.contains("indexed 1 guides"), "{stderr}");
}
