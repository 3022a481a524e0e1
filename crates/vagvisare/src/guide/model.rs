//! The guide: a help article, and its JSON Lines interchange format.

use serde::{Deserialize, Serialize};

use super::error::IndexError;

pub use crate::text::MAX_ID_BYTES;

/// A help article that may solve a person's problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guide {
    /// Stable id chosen by the portal.
    pub id: String,
    /// Title, as shown in "Möjliga lösningar".
    pub title: String,
    /// The guide's text.
    #[serde(default)]
    pub body: String,
    /// Breadcrumb, levels separated by `>`: "Vård, stöd och omsorg > Användarstöd".
    #[serde(default)]
    pub category: String,
    /// Who may see it ("utförare", "handläggare", …); empty means everyone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// Extra words an editor adds (searched like the title).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Where the full guide is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Guide {
    /// The text the semantic stage embeds for the guide: its title, then its body.
    pub fn semantic_text(&self) -> String {
        format!("{}. {}", self.title, self.body)
    }

    /// A guide with id, title and body; category, audiences, keywords and url empty.
    pub fn new(id: impl Into<String>, title: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            body: body.into(),
            category: String::new(),
            audiences: Vec::new(),
            keywords: Vec::new(),
            url: None,
        }
    }

    /// The title followed by the keywords: the text indexed (and explained) as the title.
    pub fn title_text(&self) -> String {
        let mut text = self.title.clone();
        for k in &self.keywords {
            text.push_str(" . ");
            text.push_str(k);
        }
        text
    }

    /// Checks what the index relies on: a usable id and some text.
    pub fn validate(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("the id is empty".into());
        }
        if self.id.len() > MAX_ID_BYTES {
            return Err(format!(
                "the id is {} bytes; at most {MAX_ID_BYTES} are allowed",
                self.id.len()
            ));
        }
        if self.id.chars().any(char::is_control) {
            return Err("the id contains control characters".into());
        }
        if self.title.trim().is_empty() {
            return Err("the title is empty".into());
        }
        // A title of zero-width or control characters alone shows as nothing.
        if !self.title.chars().any(|c| {
            !c.is_whitespace()
                && !c.is_control()
                && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}')
        }) {
            return Err("the title has no visible characters".into());
        }
        Ok(())
    }
}

/// Category filter keys of a breadcrumb: each level prefix, normalised
/// ("A > B" → "a", "a > b"), so filtering on "A" finds everything below it.
pub(crate) fn category_keys(category: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut path = String::new();
    for level in category.split('>') {
        let level = crate::text::tokenize::normalize(level.trim());
        let level = level.split_whitespace().collect::<Vec<_>>().join(" ");
        if level.is_empty() {
            continue;
        }
        if !path.is_empty() {
            path.push_str(" > ");
        }
        path.push_str(&level);
        keys.push(path.clone());
    }
    keys
}

/// Normalised audience key.
pub(crate) fn audience_key(audience: &str) -> String {
    crate::text::tokenize::normalize(audience.trim())
}

/// Reads guides from JSON Lines text. Blank lines are skipped. Every line is checked before
/// anything is returned, so a bad line refuses the whole batch with its line number.
pub fn parse_jsonl(text: &str) -> Result<Vec<Guide>, IndexError> {
    let mut guides: Vec<Guide> = Vec::new();
    let mut lines_of: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let guide: Guide = serde_json::from_str(line).map_err(|e| IndexError::BadLine {
            line: line_no,
            message: e.to_string(),
        })?;
        guide.validate().map_err(|message| IndexError::BadLine {
            line: line_no,
            message,
        })?;
        if let Some(first) = lines_of.insert(guide.id.clone(), line_no) {
            return Err(IndexError::BadLine {
                line: line_no,
                message: format!("guide id {:?} was already used on line {first}", guide.id),
            });
        }
        guides.push(guide);
    }
    Ok(guides)
}

/// Reads a JSON Lines file, or every `*.jsonl` file of a directory (in name order), with a
/// line parser; an error names the file and line.
pub fn read_jsonl_path<T>(
    path: &std::path::Path,
    parse: impl Fn(&str) -> Result<Vec<T>, IndexError>,
) -> Result<Vec<T>, IndexError> {
    let io = |source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    };
    let files: Vec<std::path::PathBuf> = if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| IndexError::Io {
            path: file.clone(),
            source,
        })?;
        // Some editors save UTF-8 with a byte-order mark: it is no part of the first line.
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
        let items = parse(text).map_err(|e| match e {
            IndexError::BadLine { line, message } => IndexError::BadFileLine {
                path: file.clone(),
                line,
                message,
            },
            other => other,
        })?;
        out.extend(items);
    }
    Ok(out)
}

/// Reads guides from a JSON Lines, CSV, Markdown or HTML file, or a folder of them (see
/// [`super::read_guides_any`]), refusing them all if one is bad. Ids must be unique across files.
pub fn read_guides(path: &std::path::Path) -> Result<Vec<Guide>, IndexError> {
    super::import::read_guides_any(path, super::import::OnBad::Refuse).map(|i| i.guides)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 20.5: a guide file with a byte-order mark was refused with a message that did not
    /// mention it, and a title of zero-width characters alone was accepted.
    #[test]
    fn a_byte_order_mark_is_read_past_and_an_invisible_title_refused() {
        let dir = std::env::temp_dir().join(format!("vv-bom-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("guides.jsonl");
        std::fs::write(
            &path,
            "\u{FEFF}{\"id\": \"a\", \"title\": \"Byta lösenord\"}\n",
        )
        .unwrap();
        let guides = read_guides(&path).unwrap();
        assert_eq!(guides[0].id, "a");
        std::fs::remove_dir_all(&dir).unwrap();
        for title in ["\u{200B}\u{200D}", "\u{FEFF} \u{2060}", "\u{7}"] {
            let err = Guide::new("a", title, "text").validate().unwrap_err();
            assert!(err.contains("visible"), "{title:?}: {err}");
        }
        assert!(Guide::new("a", "\u{200B}Lösen", "").validate().is_ok());
    }

    #[test]
    fn reads_guides_with_optional_fields() {
        let text = r#"{"id": "a", "title": "Byta lösenord", "body": "Gör så här", "category": "IT"}

{"id": "b", "title": "Larm", "body": "", "category": "Vård", "audiences": ["utförare"], "url": "https://x", "extra": 1}"#;
        let guides = parse_jsonl(text).unwrap();
        assert_eq!(guides.len(), 2);
        assert_eq!(guides[1].audiences, ["utförare"]);
        assert_eq!(guides[1].url.as_deref(), Some("https://x"));
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        let text = "{\"id\": \"a\", \"title\": \"T\"}\n{\"id\": \"b\"}\n";
        match parse_jsonl(text) {
            Err(IndexError::BadLine { line, message }) => {
                assert_eq!(line, 2);
                assert!(message.contains("title"), "{message}");
            }
            other => panic!("expected a bad line, got {other:?}"),
        }
        assert!(matches!(
            parse_jsonl("{\"id\": \"\", \"title\": \"T\"}"),
            Err(IndexError::BadLine { line: 1, .. })
        ));
        assert!(matches!(
            parse_jsonl("not json"),
            Err(IndexError::BadLine { line: 1, .. })
        ));
        let dup = "{\"id\": \"a\", \"title\": \"T\"}\n{\"id\": \"a\", \"title\": \"U\"}";
        assert!(matches!(
            parse_jsonl(dup),
            Err(IndexError::BadLine { line: 2, .. })
        ));
    }

    #[test]
    fn category_keys_are_prefixes() {
        assert_eq!(
            category_keys("Vård, stöd och omsorg >  Användarstöd"),
            [
                "vård, stöd och omsorg",
                "vård, stöd och omsorg > användarstöd"
            ]
        );
        assert!(category_keys(" > ").is_empty());
    }
}
