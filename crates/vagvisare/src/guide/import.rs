//! Guides from where they live: JSON Lines, CSV with a header row, and folders of Markdown or
//! HTML pages, each guide checked by [`Guide::validate`] and every bad one reported with its
//! file and line.
//!
//! - **JSON Lines** (`*.jsonl`, and any file of another extension): one guide per line, as
//!   [`super::parse_jsonl`] reads it.
//! - **CSV** (`*.csv`): a header row naming the columns `id`, `title` (both required), `body`,
//!   `category`, `audiences`, `keywords`, `url`, in any order; `audiences` and `keywords` are
//!   separated by `;`. Fields may be quoted (`"…"`, with `""` for a quote) and then hold commas
//!   and line breaks. A row whose every field is empty is skipped, like a blank line.
//! - **Pages** (`*.md`, `*.markdown`, `*.html`, `*.htm`): the title is the front matter's
//!   `title`, else the first `# heading` (Markdown; else the first heading of any level) or the
//!   `<title>` (HTML; else the first `<h1>`); the body is the rest of the text, without markup.
//!   Front matter, between `---` lines at the top of the file, may give `id`, `title`,
//!   `category`, `audiences`, `keywords` and `url`. Without them the id is the file's path below
//!   the folder without its extension (`it/byta-losenord`) and the category its folders
//!   (`IT > Konton`).
//!
//! A folder holding `*.jsonl` or `*.csv` files is read file by file (those files, in name order,
//! not its subfolders); any other folder is read as pages, with its subfolders.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::error::IndexError;
use super::model::Guide;

/// A guide that could not be read: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRecord {
    /// The file, when the guides came from one (not for a request body).
    pub path: Option<PathBuf>,
    /// The 1-based line: a JSON Lines line, the line a CSV record starts on, or for a page
    /// line 1 or the line of its bad front-matter key.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for BadRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{}:{}: {}", path.display(), self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// What to do with guides that cannot be read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnBad {
    /// Import nothing and return every bad guide as the error.
    #[default]
    Refuse,
    /// Import the good guides and list the bad ones in [`Imported::skipped`].
    Skip,
}

/// The guides read, and (with [`OnBad::Skip`]) those left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    /// The good guides, in file and line order.
    pub guides: Vec<Guide>,
    /// The bad guides left out, in file and line order.
    pub skipped: Vec<BadRecord>,
}

/// The formats a file can be read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    JsonLines,
    Csv,
    Markdown,
    Html,
}

impl Format {
    fn of(path: &Path) -> Self {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Self::Csv,
            Some("md" | "markdown") => Self::Markdown,
            Some("html" | "htm") => Self::Html,
            _ => Self::JsonLines,
        }
    }

    fn is_page(self) -> bool {
        matches!(self, Self::Markdown | Self::Html)
    }
}

/// One guide as read, or why it could not be: its line and the guide or the problem.
type Row = (usize, Result<Guide, String>);

/// Reads guides from a JSON Lines, CSV, Markdown or HTML file, or a folder of them (see the
/// module documentation for the formats and how a folder is read). Every guide is checked with
/// [`Guide::validate`], and ids must be unique across all files.
///
/// With [`OnBad::Refuse`], one bad guide is [`IndexError::BadFileLine`], several are
/// [`IndexError::BadRecords`]; nothing is returned. A file that cannot be read is
/// [`IndexError::Io`] either way.
pub fn read_guides_any(path: &Path, on_bad: OnBad) -> Result<Imported, IndexError> {
    let io = |source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    };
    // (file, path below the folder when read as pages, format)
    let mut files: Vec<(PathBuf, Option<PathBuf>, Format)> = Vec::new();
    if path.is_dir() {
        let mut data: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && p.extension().is_some_and(|e| {
                        e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("csv")
                    })
            })
            .collect();
        if data.is_empty() {
            let mut pages = Vec::new();
            walk_pages(path, Path::new(""), &mut pages)?;
            pages.sort();
            for relative in pages {
                let file = path.join(&relative);
                let format = Format::of(&file);
                files.push((file, Some(relative), format));
            }
        } else {
            data.sort();
            for file in data {
                let format = Format::of(&file);
                files.push((file, None, format));
            }
        }
    } else {
        let format = Format::of(path);
        let relative = format
            .is_page()
            .then(|| PathBuf::from(path.file_name().unwrap_or_default()));
        files.push((path.to_path_buf(), relative, format));
    }

    let mut rows: Vec<(Option<PathBuf>, usize, Result<Guide, String>)> = Vec::new();
    for (file, relative, format) in files {
        let bytes = std::fs::read(&file).map_err(|source| IndexError::Io {
            path: file.clone(),
            source,
        })?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
                let message =
                    "not UTF-8 text (an invalid byte on this line); the file was not read"
                        .to_string();
                rows.push((Some(file), line, Err(message)));
                continue;
            }
        };
        // Some editors save UTF-8 with a byte-order mark: it is no part of the first line.
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
        let file_rows = match (format, relative) {
            (Format::JsonLines, _) => jsonl_rows(text),
            (Format::Csv, _) => csv_rows(text),
            (Format::Markdown | Format::Html, relative) => {
                let relative = relative.unwrap_or_else(|| file.clone());
                vec![page_row(&relative, text, format == Format::Html)]
            }
        };
        rows.extend(
            file_rows
                .into_iter()
                .map(|(line, guide)| (Some(file.clone()), line, guide)),
        );
    }
    collect(rows, on_bad)
}

/// Reads guides from CSV text with a header row (see the module documentation). With
/// [`OnBad::Refuse`], one bad row is [`IndexError::BadLine`], several are
/// [`IndexError::BadRecords`].
pub fn parse_csv(text: &str, on_bad: OnBad) -> Result<Imported, IndexError> {
    collect(
        csv_rows(text)
            .into_iter()
            .map(|(line, guide)| (None, line, guide))
            .collect(),
        on_bad,
    )
}

/// Every page file below `dir` (hidden entries and symbolic links to folders left out), as paths
/// relative to the folder read.
fn walk_pages(dir: &Path, relative: &Path, out: &mut Vec<PathBuf>) -> Result<(), IndexError> {
    let here = dir.join(relative);
    let io = |source| IndexError::Io {
        path: here.clone(),
        source,
    };
    for entry in std::fs::read_dir(&here).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type().map_err(io)?;
        let path = relative.join(&name);
        if kind.is_dir() {
            walk_pages(dir, &path, out)?;
        } else if (kind.is_file() || (kind.is_symlink() && entry.path().is_file()))
            && Format::of(&path).is_page()
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Checks every guide once ([`Guide::validate`], unique ids) and applies `on_bad`.
fn collect(
    rows: Vec<(Option<PathBuf>, usize, Result<Guide, String>)>,
    on_bad: OnBad,
) -> Result<Imported, IndexError> {
    let mut imported = Imported::default();
    let mut first_seen: HashMap<String, (Option<PathBuf>, usize)> = HashMap::new();
    for (path, line, guide) in rows {
        let checked = guide.and_then(|guide| {
            guide.validate()?;
            if let Some((first_path, first_line)) = first_seen.get(&guide.id) {
                return Err(match first_path {
                    Some(first) if Some(first) != path.as_ref() => format!(
                        "guide id {:?} was already used in {}:{first_line}",
                        guide.id,
                        first.display()
                    ),
                    _ => format!(
                        "guide id {:?} was already used on line {first_line}",
                        guide.id
                    ),
                });
            }
            first_seen.insert(guide.id.clone(), (path.clone(), line));
            Ok(guide)
        });
        match checked {
            Ok(guide) => imported.guides.push(guide),
            Err(message) => imported.skipped.push(BadRecord {
                path,
                line,
                message,
            }),
        }
    }
    if on_bad == OnBad::Skip || imported.skipped.is_empty() {
        return Ok(imported);
    }
    let mut problems = imported.skipped;
    if problems.len() > 1 {
        return Err(IndexError::BadRecords { problems });
    }
    let BadRecord {
        path,
        line,
        message,
    } = problems.remove(0);
    Err(match path {
        Some(path) => IndexError::BadFileLine {
            path,
            line,
            message,
        },
        None => IndexError::BadLine { line, message },
    })
}

fn jsonl_rows(text: &str) -> Vec<Row> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            (
                i + 1,
                serde_json::from_str::<Guide>(line).map_err(|e| e.to_string()),
            )
        })
        .collect()
}

/// The columns of a guides CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Id,
    Title,
    Body,
    Category,
    Audiences,
    Keywords,
    Url,
}

const COLUMNS: &str = "id, title, body, category, audiences, keywords, url";

fn column(name: &str) -> Option<Column> {
    Some(match name {
        "id" => Column::Id,
        "title" => Column::Title,
        "body" => Column::Body,
        "category" => Column::Category,
        "audiences" => Column::Audiences,
        "keywords" => Column::Keywords,
        "url" => Column::Url,
        _ => return None,
    })
}

/// A `;`-separated list, each item trimmed, empty items left out.
fn list(value: &str) -> Vec<String> {
    value
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn csv_rows(text: &str) -> Vec<Row> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Vec::new(),
        Some(Err(e)) => return vec![(csv_error_line(&e), Err(e.to_string()))],
        Some(Ok(header)) => header,
    };
    let header_line = header.position().map_or(1, |p| p.line() as usize);
    let refuse = |message: String| vec![(header_line, Err(message))];
    if header.len() == 1 && header[0].contains(';') {
        return refuse(format!(
            "the header is one column, {:?}: the file seems separated by `;`; save it as \
             comma-separated CSV (columns {COLUMNS})",
            &header[0]
        ));
    }
    let mut columns = Vec::with_capacity(header.len());
    for name in &header {
        let name = name.trim().to_lowercase();
        let Some(col) = column(&name) else {
            return refuse(format!(
                "the header names an unknown column {name:?}; the columns are {COLUMNS}"
            ));
        };
        if columns.contains(&col) {
            return refuse(format!("the header names the column {name:?} twice"));
        }
        columns.push(col);
    }
    for required in [Column::Id, Column::Title] {
        if !columns.contains(&required) {
            return refuse(format!(
                "the header has no {:?} column; the columns are {COLUMNS}",
                format!("{required:?}").to_lowercase()
            ));
        }
    }

    let mut rows = Vec::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                rows.push((csv_error_line(&e), Err(e.to_string())));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        if record.len() != columns.len() {
            rows.push((
                line,
                Err(format!(
                    "the row has {} fields, the header {}",
                    record.len(),
                    columns.len()
                )),
            ));
            continue;
        }
        let mut guide = Guide::new("", "", "");
        for (col, value) in columns.iter().zip(record.iter()) {
            match col {
                Column::Id => guide.id = value.trim().to_string(),
                Column::Title => guide.title = value.trim().to_string(),
                Column::Body => guide.body = value.trim().to_string(),
                Column::Category => guide.category = value.trim().to_string(),
                Column::Audiences => guide.audiences = list(value),
                Column::Keywords => guide.keywords = list(value),
                Column::Url => {
                    guide.url = Some(value.trim().to_string()).filter(|u| !u.is_empty());
                }
            }
        }
        rows.push((line, Ok(guide)));
    }
    rows
}

fn csv_error_line(error: &csv::Error) -> usize {
    error.position().map_or(1, |p| p.line() as usize)
}

/// What a page's front matter gives.
#[derive(Debug, Default, PartialEq, Eq)]
struct FrontMatter {
    id: Option<String>,
    title: Option<String>,
    category: Option<String>,
    audiences: Option<Vec<String>>,
    keywords: Option<Vec<String>>,
    url: Option<String>,
}

/// Splits the front matter (`---` lines at the top, `key: value` between) from the page. The
/// error is the line and the problem.
fn front_matter(text: &str) -> Result<(FrontMatter, &str), (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return Ok((FrontMatter::default(), text));
    };
    if first.trim_end() != "---" {
        return Ok((FrontMatter::default(), text));
    }
    let mut offset = first.len();
    let mut matter = FrontMatter::default();
    let mut seen: Vec<&str> = Vec::new();
    // The list key whose `- item` lines may follow, and its items.
    let mut open_list: Option<(&str, Vec<String>)> = None;
    let mut closed = false;
    for (i, raw) in lines.enumerate() {
        let line_no = i + 2;
        offset += raw.len();
        let line = raw.trim_end();
        if line == "---" || line == "..." {
            closed = true;
            break;
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(item) = trimmed
            .strip_prefix("- ")
            .or((trimmed == "-").then_some(""))
        {
            match open_list.as_mut() {
                Some((_, items)) => {
                    let item = unquote(item.trim());
                    if !item.is_empty() {
                        items.push(item.to_string());
                    }
                    continue;
                }
                None => {
                    return Err((
                        line_no,
                        "a list item with no `audiences:` or `keywords:` line above it".into(),
                    ))
                }
            }
        }
        if let Some((key, items)) = open_list.take() {
            set_list(&mut matter, key, items);
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err((
                line_no,
                format!("expected `key: value` in the front matter, found {trimmed:?}"),
            ));
        };
        let key = key.trim();
        let value = value.trim();
        if !matches!(
            key,
            "id" | "title" | "category" | "audiences" | "keywords" | "url"
        ) {
            return Err((
                line_no,
                format!(
                    "unknown front-matter key {key:?}; the keys are id, title, category, \
                     audiences, keywords and url"
                ),
            ));
        }
        if seen.contains(&key) {
            return Err((
                line_no,
                format!("the front-matter key {key:?} is given twice"),
            ));
        }
        seen.push(key);
        match key {
            "audiences" | "keywords" => {
                if value.is_empty() {
                    open_list = Some((key, Vec::new()));
                } else if let Some(inner) =
                    value.strip_prefix('[').and_then(|v| v.strip_suffix(']'))
                {
                    let items = inner
                        .split(',')
                        .map(|s| unquote(s.trim()).to_string())
                        .filter(|s| !s.is_empty())
                        .collect();
                    set_list(&mut matter, key, items);
                } else {
                    set_list(&mut matter, key, list(unquote(value)));
                }
            }
            _ => {
                let value = unquote(value);
                if value.is_empty() {
                    return Err((
                        line_no,
                        format!("the front-matter key {key:?} has no value"),
                    ));
                }
                let value = Some(value.to_string());
                match key {
                    "id" => matter.id = value,
                    "title" => matter.title = value,
                    "category" => matter.category = value,
                    _ => matter.url = value,
                }
            }
        }
    }
    if !closed {
        return Err((
            1,
            "the front matter opened with `---` on line 1 is never closed with `---`".into(),
        ));
    }
    if let Some((key, items)) = open_list {
        set_list(&mut matter, key, items);
    }
    Ok((matter, &text[offset..]))
}

fn set_list(matter: &mut FrontMatter, key: &str, items: Vec<String>) {
    if key == "audiences" {
        matter.audiences = Some(items);
    } else {
        matter.keywords = Some(items);
    }
}

fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

/// One page as a guide: `relative` is its path below the folder read (the id and category come
/// from it when the front matter does not give them).
fn page_row(relative: &Path, text: &str, html: bool) -> Row {
    let (matter, content) = match front_matter(text) {
        Ok(split) => split,
        Err((line, message)) => return (line, Err(message)),
    };
    let (found_title, body) = if html {
        html_page(content)
    } else {
        markdown_page(content)
    };
    let Some(title) = matter.title.or(found_title) else {
        let wanted = if html {
            "a <title> or <h1>"
        } else {
            "a `# heading`"
        };
        return (
            1,
            Err(format!(
                "the page has no title: no {wanted} and no `title:` in front matter"
            )),
        );
    };
    let parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let id = matter.id.unwrap_or_else(|| parts.join("/"));
    let category = matter
        .category
        .unwrap_or_else(|| parts[..parts.len().saturating_sub(1)].join(" > "));
    let guide = Guide {
        id,
        title,
        body,
        category,
        audiences: matter.audiences.unwrap_or_default(),
        keywords: matter.keywords.unwrap_or_default(),
        url: matter.url,
    };
    (1, Ok(guide))
}

/// Whitespace runs as one space, ends trimmed.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A Markdown page's title (the first level-1 heading, else the first heading) and its text
/// without markup, the title's heading left out: one block (paragraph, item, heading, …) a line.
fn markdown_page(text: &str) -> (Option<String>, String) {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    // (heading level, text) per block.
    let mut blocks: Vec<(Option<HeadingLevel>, String)> = Vec::new();
    let mut current = String::new();
    let mut html_block: Option<String> = None;
    let flush = |current: &mut String, blocks: &mut Vec<(Option<HeadingLevel>, String)>, level| {
        let text = squeeze(current);
        if !text.is_empty() {
            blocks.push((level, text));
        }
        current.clear();
    };
    for event in Parser::new_ext(text, options) {
        match event {
            Event::Start(Tag::Heading { .. }) => flush(&mut current, &mut blocks, None),
            Event::End(TagEnd::Heading(level)) => flush(&mut current, &mut blocks, Some(level)),
            Event::Start(Tag::HtmlBlock) => html_block = Some(String::new()),
            Event::End(TagEnd::HtmlBlock) => {
                if let Some(html) = html_block.take() {
                    current.push_str(&html_text(&html).body);
                    flush(&mut current, &mut blocks, None);
                }
            }
            Event::Html(html) => match html_block.as_mut() {
                Some(block) => block.push_str(&html),
                None => current.push(' '),
            },
            Event::Text(t) | Event::Code(t) => current.push_str(&t),
            Event::InlineHtml(_) | Event::SoftBreak | Event::HardBreak => current.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::TableRow
                | TagEnd::TableHead,
            ) => flush(&mut current, &mut blocks, None),
            Event::End(TagEnd::TableCell) => current.push(' '),
            _ => {}
        }
    }
    flush(&mut current, &mut blocks, None);
    let title_at = blocks
        .iter()
        .position(|(level, _)| *level == Some(HeadingLevel::H1))
        .or_else(|| blocks.iter().position(|(level, _)| level.is_some()));
    let title = title_at.map(|i| blocks.remove(i).1);
    let body = blocks
        .into_iter()
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join("\n");
    (title, body)
}

/// An HTML page's title (`<title>`, else the first `<h1>`) and its text: the `<main>` element's
/// if there is one, else the whole page's, with the first `<h1>` left out when it is the title.
fn html_page(text: &str) -> (Option<String>, String) {
    let page = html_text(text);
    let (mut body, offset) = match page.main {
        Some(range) => (page.body[range.clone()].to_string(), range.start),
        None => (page.body, 0),
    };
    let title = match page.title {
        Some(title) => Some(title),
        None => page.h1.map(|(title, range)| {
            // Left out of the text when it lies in it (not when it is above the <main>).
            if range.start >= offset && range.end - offset <= body.len() {
                body.replace_range(range.start - offset..range.end - offset, "");
            }
            title
        }),
    };
    (title, lines_squeezed(&body))
}

/// Each line's whitespace squeezed, blank lines left out.
fn lines_squeezed(text: &str) -> String {
    text.lines()
        .map(squeeze)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the tag stripper finds in HTML.
#[derive(Debug, Default)]
struct HtmlText {
    /// The text, tags removed, entities decoded, block elements on lines of their own.
    body: String,
    /// The first `<title>`, squeezed.
    title: Option<String>,
    /// The first `<h1>`, squeezed, and where its text is in `body`.
    h1: Option<(String, std::ops::Range<usize>)>,
    /// Where the first `<main>` element's text is in `body`.
    main: Option<std::ops::Range<usize>>,
}

/// Elements whose content is not text a person reads.
const DROPPED: [&str; 6] = ["script", "style", "noscript", "template", "svg", "math"];

/// Elements that start a new line of text.
const BLOCKS: [&str; 32] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tr",
];

/// Strips tags from HTML: comments, doctypes and the content of `script`, `style` and the other
/// [`DROPPED`] elements go, entities are decoded. A careful scanner, not a full HTML parser: the
/// page's text is all a guide needs.
fn html_text(html: &str) -> HtmlText {
    // ASCII-lowercased copy, byte for byte the same length, for finding tag names.
    let lower = html.to_ascii_lowercase();
    let bytes = html.as_bytes();
    let mut out = HtmlText::default();
    let mut i = 0;
    let mut title: Option<String> = None;
    let mut h1_start: Option<usize> = None;
    let mut main_start: Option<usize> = None;
    while i < bytes.len() {
        match bytes[i] {
            b'<' if lower[i..].starts_with("<!--") => {
                i = lower[i + 4..]
                    .find("-->")
                    .map_or(bytes.len(), |end| i + 4 + end + 3);
            }
            b'<' if bytes.get(i + 1).is_some_and(|b| *b == b'!' || *b == b'?') => {
                i = lower[i..].find('>').map_or(bytes.len(), |end| i + end + 1);
            }
            b'<' if bytes
                .get(i + 1)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'/') =>
            {
                let closing = bytes[i + 1] == b'/';
                let name_start = i + 1 + usize::from(closing);
                let name_end = lower[name_start..]
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .map_or(bytes.len(), |n| name_start + n);
                let name = &lower[name_start..name_end];
                let end = tag_end(bytes, name_end);
                i = end;
                if closing {
                    match name {
                        "title" => {
                            if let Some(text) = title.take() {
                                out.title.get_or_insert_with(|| squeeze(&text));
                            }
                        }
                        "h1" => {
                            if let Some(start) = h1_start.take() {
                                let text = squeeze(&out.body[start..]);
                                if out.h1.is_none() && !text.is_empty() {
                                    out.h1 = Some((text, start..out.body.len()));
                                }
                            }
                        }
                        "main" => {
                            if let Some(start) = main_start.take() {
                                out.main.get_or_insert(start..out.body.len());
                            }
                        }
                        _ => {}
                    }
                } else if DROPPED.contains(&name) {
                    let close = format!("</{name}");
                    i = lower[i..]
                        .find(&close)
                        .map_or(bytes.len(), |at| tag_end(bytes, i + at + close.len()));
                    continue;
                } else if name == "title" && out.title.is_none() {
                    title = Some(String::new());
                    continue;
                } else if name == "h1" && out.h1.is_none() {
                    out.body.push('\n');
                    h1_start = Some(out.body.len());
                } else if name == "main" && out.main.is_none() {
                    main_start = Some(out.body.len());
                }
                if BLOCKS.contains(&name) {
                    out.body.push('\n');
                } else if matches!(name, "td" | "th" | "img" | "input" | "option") {
                    out.body.push(' ');
                }
            }
            b'&' => {
                let (decoded, len) = entity(&html[i..]);
                match title.as_mut() {
                    Some(t) => t.push_str(&decoded),
                    None => out.body.push_str(&decoded),
                }
                i += len;
            }
            _ => {
                let next = html[i + 1..]
                    .find(['<', '&'])
                    .map_or(bytes.len(), |n| i + 1 + n);
                match title.as_mut() {
                    Some(t) => t.push_str(&html[i..next]),
                    None => out.body.push_str(&html[i..next]),
                }
                i = next;
            }
        }
    }
    if let Some(text) = title {
        out.title.get_or_insert_with(|| squeeze(&text));
    }
    out.title = out.title.filter(|t| !t.is_empty());
    if let Some(start) = main_start {
        out.main.get_or_insert(start..out.body.len());
    }
    out
}

/// The index just past a tag's `>`, from a position inside it; quoted attribute values may
/// hold `>`.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return i + 1,
            None => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Decodes the character reference at the start of `text` (which starts with `&`): the text
/// and the bytes read. An unknown name is left as written, as browsers do.
fn entity(text: &str) -> (String, usize) {
    let literal = ("&".to_string(), 1);
    let Some(end) = text[1..].find(';').map(|n| n + 1).filter(|&n| n <= 33) else {
        return literal;
    };
    let name = &text[1..end];
    let code = if let Some(num) = name.strip_prefix('#') {
        let parsed = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16),
            None => num.parse::<u32>(),
        };
        let Ok(n) = parsed else {
            return literal;
        };
        // NUL, surrogates and numbers past Unicode become U+FFFD, as in HTML.
        char::from_u32(n)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{fffd}')
    } else {
        let Some(c) = named_entity(name) else {
            return literal;
        };
        c
    };
    let decoded = if code == '\u{ad}' {
        String::new() // a soft hyphen is no part of the word
    } else if code == '\u{a0}' {
        " ".to_string()
    } else {
        code.to_string()
    };
    (decoded, end + 1)
}

/// The named character references a Swedish help page uses.
fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "shy" => '\u{ad}',
        "aring" => 'å',
        "Aring" => 'Å',
        "auml" => 'ä',
        "Auml" => 'Ä',
        "ouml" => 'ö',
        "Ouml" => 'Ö',
        "eacute" => 'é',
        "Eacute" => 'É',
        "egrave" => 'è',
        "uuml" => 'ü',
        "Uuml" => 'Ü',
        "aelig" => 'æ',
        "AElig" => 'Æ',
        "oslash" => 'ø',
        "Oslash" => 'Ø',
        "szlig" => 'ß',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "laquo" => '«',
        "raquo" => '»',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "sbquo" => '‚',
        "bull" => '•',
        "middot" => '·',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "euro" => '€',
        "deg" => '°',
        "sect" => '§',
        "para" => '¶',
        "times" => '×',
        "divide" => '÷',
        "minus" => '−',
        "plusmn" => '±',
        "frac12" => '½',
        "rarr" => '→',
        "larr" => '←',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, relative: &str, text: &str) -> PathBuf {
        let path = dir.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "vagvisare-import-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    const CSV: &str = "id,title,body,category,audiences,keywords,url\n\
        skrivare,Skrivaren skriver inte ut,\"Starta om skrivaren, och\n\
        kontrollera \"\"papper\"\".\",IT > Skrivare,utförare; handläggare,toner;papper,https://x/skrivare\n\
        larm,Larmet fungerar inte,Ring support.,Vård,,,\n";

    #[test]
    fn csv_with_quoted_fields_commas_and_line_breaks() {
        let imported = parse_csv(CSV, OnBad::Refuse).unwrap();
        assert!(imported.skipped.is_empty());
        let [printer, alarm] = &imported.guides[..] else {
            panic!("two guides expected: {:?}", imported.guides);
        };
        assert_eq!(printer.id, "skrivare");
        assert_eq!(
            printer.body,
            "Starta om skrivaren, och\nkontrollera \"papper\"."
        );
        assert_eq!(printer.category, "IT > Skrivare");
        assert_eq!(printer.audiences, ["utförare", "handläggare"]);
        assert_eq!(printer.keywords, ["toner", "papper"]);
        assert_eq!(printer.url.as_deref(), Some("https://x/skrivare"));
        assert!(alarm.audiences.is_empty() && alarm.keywords.is_empty());
        assert_eq!(alarm.url, None);
    }

    #[test]
    fn csv_columns_in_any_order_and_only_id_and_title_required() {
        let text = "\u{feff}Title , ID\nByta lösenord,losen\n,,\n";
        let imported = parse_csv(text, OnBad::Refuse).unwrap();
        assert_eq!(imported.guides, [Guide::new("losen", "Byta lösenord", "")]);
    }

    #[test]
    fn csv_bad_rows_are_reported_with_the_line_their_record_starts_on() {
        // Line 2 starts a record spanning lines 2–3; line 4 has no title; line 5 repeats an id.
        let text = "id,title,body\na,Första,\"två\nrader\"\nb,,text\na,Igen,text\nc,Bra,text\n";
        match parse_csv(text, OnBad::Refuse) {
            Err(IndexError::BadRecords { problems }) => {
                let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
                assert_eq!(lines, [4, 5], "{problems:?}");
                assert!(problems[0].message.contains("title"), "{problems:?}");
                assert!(problems[1].message.contains("line 2"), "{problems:?}");
            }
            other => panic!("expected the bad rows, got {other:?}"),
        }
        let skipped = parse_csv(text, OnBad::Skip).unwrap();
        let ids: Vec<&str> = skipped.guides.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(skipped.skipped.len(), 2);
        // One bad row alone is the same error a bad JSON Lines line is.
        assert!(matches!(
            parse_csv("id,title\nx,\n", OnBad::Refuse),
            Err(IndexError::BadLine { line: 2, .. })
        ));
    }

    #[test]
    fn csv_headers_and_row_lengths_are_checked() {
        let err = |text: &str| match parse_csv(text, OnBad::Refuse) {
            Err(IndexError::BadLine { line, message }) => (line, message),
            other => panic!("expected a bad line, got {other:?}"),
        };
        let (line, message) = err("id,titel\na,b\n");
        assert_eq!(line, 1);
        assert!(message.contains("\"titel\""), "{message}");
        assert!(err("id,body\na,b\n").1.contains("\"title\""));
        assert!(err("id;title\na;b\n").1.contains("separated by `;`"));
        let (line, message) = err("id,title\na,b,c\n");
        assert_eq!(line, 2);
        assert!(message.contains("3 fields"), "{message}");
    }

    #[test]
    fn front_matter_gives_fields_and_bad_keys_their_line() {
        let page = "---\nid: it-losen\ncategory: \"IT > Konton\"\naudiences: [utförare, 'handläggare']\nkeywords:\n  - lösen\n  - konto\nurl: https://x/losen\n---\n# Byta lösenord\n\nGör så här.\n";
        let (line, guide) = page_row(Path::new("a/b.md"), page, false);
        let guide = guide.unwrap();
        assert_eq!(line, 1);
        assert_eq!(guide.id, "it-losen");
        assert_eq!(guide.title, "Byta lösenord");
        assert_eq!(guide.body, "Gör så här.");
        assert_eq!(guide.category, "IT > Konton");
        assert_eq!(guide.audiences, ["utförare", "handläggare"]);
        assert_eq!(guide.keywords, ["lösen", "konto"]);
        assert_eq!(guide.url.as_deref(), Some("https://x/losen"));

        let bad = "---\ntitle: T\n\nkategori: IT\n---\ntext\n";
        let (line, guide) = page_row(Path::new("x.md"), bad, false);
        assert_eq!(line, 4);
        assert!(guide.unwrap_err().contains("\"kategori\""));
        let (line, guide) = page_row(Path::new("x.md"), "---\ntitle: T\ntext\n", false);
        assert_eq!(line, 3, "{guide:?}");
        let (line, guide) = page_row(Path::new("x.md"), "---\ntitle: T\n", false);
        assert_eq!(line, 1);
        assert!(guide.unwrap_err().contains("never closed"));
        let (_, guide) = page_row(Path::new("x.md"), "Bara text.\n", false);
        assert!(guide.unwrap_err().contains("no title"));
    }

    #[test]
    fn markdown_is_stripped_of_markup() {
        let text = "Inledning före rubriken.\n\n## Steg\n\n# Byta **lösenord**\n\n1. Öppna [portalen](https://x).\n2. Välj `Konto` > *Lösenord*.\n\n| A | B |\n|---|---|\n| ett | två |\n\n<div><script>alert(1)</script>Se även</div>\n";
        let (title, body) = markdown_page(text);
        assert_eq!(title.as_deref(), Some("Byta lösenord"));
        assert_eq!(
            body,
            "Inledning före rubriken.\nSteg\nÖppna portalen.\nVälj Konto > Lösenord.\nA B\nett två\nSe även"
        );
        // Without a level-1 heading, the first heading is the title.
        assert_eq!(markdown_page("### Larm\ntext").0.as_deref(), Some("Larm"));
    }

    #[test]
    fn html_entities_are_decoded_and_scripts_and_styles_dropped() {
        let html = r#"<!DOCTYPE html><html><head><title>Gl&ouml;mt  l&ouml;senord</title>
<style>p { color: red }</style><script type="text/javascript">if (a < b) { x = "</p>"; }</script></head>
<body><nav>Meny</nav><!-- <p>dold</p> --><h1>Rubrik</h1><p data-x="a>b">Tryck p&aring; &quot;Gl&ouml;mt&quot;&nbsp;&amp; v&#228;nta&#x2026; &okänd; R&amp;D</p>
<ul><li>Ett</li><li>Tv&aring;</li></ul></body></html>"#;
        let (title, body) = html_page(html);
        assert_eq!(title.as_deref(), Some("Glömt lösenord"));
        assert_eq!(
            body,
            "Meny\nRubrik\nTryck på \"Glömt\" & vänta… &okänd; R&D\nEtt\nTvå"
        );
        assert!(!body.contains("color") && !body.contains("alert") && !body.contains("dold"));
    }

    #[test]
    fn html_title_from_h1_and_text_from_main() {
        let html = "<body><header>Kommunen</header><main><h1>Larm &amp; trygghet</h1><p>Ring oss.</p></main><footer>Kontakt</footer></body>";
        let (title, body) = html_page(html);
        assert_eq!(title.as_deref(), Some("Larm & trygghet"));
        assert_eq!(body, "Ring oss.");
        let (title, _) = html_page("<p>ingen rubrik</p>");
        assert_eq!(title, None);
    }

    #[test]
    fn a_folder_of_pages_takes_ids_and_categories_from_its_paths() {
        let dir = temp_dir("pages");
        write(
            &dir,
            "IT och telefoni/Konton/byta-losenord.md",
            "# Byta lösenord\nGör så här.\n",
        );
        write(
            &dir,
            "Vård/larm.html",
            "<html><head><title>Larmet</title></head><body><p>Ring.</p></body></html>",
        );
        write(
            &dir,
            "start.md",
            "---\nid: start\ncategory: Övrigt\n---\n# Start\n",
        );
        write(&dir, ".utkast/hemlig.md", "# Hemlig\n");
        write(&dir, "bilder/notes.txt", "inte en sida");
        let imported = read_guides_any(&dir, OnBad::Refuse).unwrap();
        let got: Vec<(&str, &str, &str)> = imported
            .guides
            .iter()
            .map(|g| (g.id.as_str(), g.title.as_str(), g.category.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "IT och telefoni/Konton/byta-losenord",
                    "Byta lösenord",
                    "IT och telefoni > Konton"
                ),
                ("Vård/larm", "Larmet", "Vård"),
                ("start", "Start", "Övrigt"),
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_pages_refuse_the_folder_or_are_skipped_with_file_and_line() {
        let dir = temp_dir("bad-pages");
        write(&dir, "a.md", "# A\ntext\n");
        let bad = write(&dir, "b.md", "---\ntitle: B\nfärg: blå\n---\ntext\n");
        write(&dir, "c.md", "---\nid: a\n---\n# C\n");
        match read_guides_any(&dir, OnBad::Refuse) {
            Err(IndexError::BadRecords { problems }) => {
                assert_eq!(problems.len(), 2, "{problems:?}");
                assert_eq!(
                    (problems[0].path.as_deref(), problems[0].line),
                    (Some(&*bad), 3)
                );
                assert!(
                    problems[1].message.contains("already used in"),
                    "{problems:?}"
                );
                let shown = IndexError::BadRecords { problems }.to_string();
                assert!(
                    shown.contains("b.md:3: unknown front-matter key"),
                    "{shown}"
                );
            }
            other => panic!("expected two bad pages, got {other:?}"),
        }
        let imported = read_guides_any(&dir, OnBad::Skip).unwrap();
        assert_eq!(imported.guides.len(), 1);
        assert_eq!(imported.skipped.len(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn files_are_read_by_extension_and_data_folders_as_before() {
        let dir = temp_dir("data");
        write(
            &dir,
            "a.jsonl",
            "{\"id\": \"j\", \"title\": \"Från JSON\"}\n",
        );
        write(&dir, "b.csv", "id,title\nc,Från CSV\n");
        write(&dir, "README.md", "# Inte en guide\n");
        let imported = read_guides_any(&dir, OnBad::Refuse).unwrap();
        let ids: Vec<&str> = imported.guides.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, ["j", "c"]);
        let single = read_guides_any(&dir.join("README.md"), OnBad::Refuse).unwrap();
        assert_eq!(single.guides[0].id, "README");
        assert_eq!(single.guides[0].category, "");
        let bad = write(&dir, "c.csv", "id,title\nx,\n");
        match super::super::read_guides(&dir) {
            Err(IndexError::BadFileLine { path, line, .. }) => {
                assert_eq!((path, line), (bad, 2));
            }
            other => panic!("expected a bad file line, got {other:?}"),
        }
        std::fs::write(dir.join("c.csv"), b"id,title\nx,y\nz,\xff\n").unwrap();
        match read_guides_any(&dir, OnBad::Refuse) {
            Err(IndexError::BadFileLine { line, message, .. }) => {
                assert_eq!(line, 3);
                assert!(message.contains("UTF-8"), "{message}");
            }
            other => panic!("expected a bad file line, got {other:?}"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
