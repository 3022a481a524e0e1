//! `vagvisare`: suggest guides, build indexes and measure suggestion quality from the shell.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use vagvisare::eval::{self, baseline::Baseline, Engine, Report};
use vagvisare::guide::{
    read_guides_any, Filters, GuideIndex, IndexError, OnBad, SuggestOptions, Suggestion,
};
use vagvisare::text::synonyms::Synonyms;
use vagvisare_server::embedder::{HttpEmbedder, HttpEmbedderConfig};

mod feedback;
mod interactive;
mod serve;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "vagvisare",
    version,
    about = "Swedish guide suggestions (\"Möjliga lösningar\") for self-service portals"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the guides come from: an index directory, guide files or pages, or the bundled set.
#[derive(clap::Args, Clone)]
struct Source {
    /// Open this on-disk index (built by `vagvisare index`).
    #[arg(long, conflicts_with = "guides")]
    index: Option<PathBuf>,
    /// Index these guides in memory: a JSON Lines or CSV file, a folder of them, or a folder of
    /// Markdown or HTML pages. Default: the bundled guides.
    #[arg(long)]
    guides: Option<PathBuf>,
    /// With --guides: leave out the guides that cannot be read (each reported on standard
    /// error) instead of refusing them all.
    #[arg(long, requires = "guides")]
    skip_bad: bool,
    #[command(flatten)]
    analysis: Analysis,
}

#[derive(clap::Args, Clone)]
struct Analysis {
    /// Synonym file (default: the bundled data/synonyms.txt).
    #[arg(long)]
    synonyms: Option<PathBuf>,
    /// Leave out the bundled Swedish thesaurus (data/thesaurus-sv.txt): typed words find only
    /// the synonyms of the synonym file.
    #[arg(long)]
    no_thesaurus: bool,
    /// Extra word list for compound splitting, one word a line.
    #[arg(long)]
    words: Option<PathBuf>,
    /// Rank by words alone: no semantic stage (the same as `--semantic-weight 0`).
    #[arg(long, conflicts_with = "semantic_weight")]
    no_semantic: bool,
    /// Share of the semantic stage in the ranking, 0 to 1 (default: the library's).
    #[arg(long)]
    semantic_weight: Option<f32>,
    /// The semantic stage's vectors from an OpenAI-compatible embeddings endpoint (plain HTTP,
    /// like `http://127.0.0.1:8000/v1/embeddings`) instead of the shipped static ones; its key,
    /// if it needs one, from VAGVISARE_EMBEDDER_API_KEY. Searches use the static vectors
    /// whenever it does not answer.
    #[arg(long, requires = "embedder_model")]
    embedder_url: Option<String>,
    /// With --embedder-url: the model the endpoint serves (the index records `http:<model>`).
    #[arg(long, requires = "embedder_url")]
    embedder_model: Option<String>,
    /// With --embedder-url: ask the endpoint on every keystroke, the word being typed included
    /// (one request a keystroke; by default one a complete word).
    #[arg(long, requires = "embedder_url")]
    embed_while_typing: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Jsonl,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum EngineChoice {
    /// Vägvisare's Swedish suggester.
    Vagvisare,
    /// Plain Tantivy: default tokenizer, terms OR-ed.
    Baseline,
    /// Both, side by side.
    Both,
}

#[derive(Subcommand)]
enum Command {
    /// Suggest guides for a text (or, with --stdin, for every line of standard input).
    Suggest {
        /// The text as typed so far.
        text: Option<String>,
        #[command(flatten)]
        source: Source,
        /// Most suggestions.
        #[arg(long, default_value_t = 5)]
        limit: usize,
        /// Only guides in this category (repeatable).
        #[arg(long)]
        category: Vec<String>,
        /// Only guides for everyone or for this audience (repeatable).
        #[arg(long)]
        audience: Vec<String>,
        /// Read one text per line from standard input, answer each on one line (flushed).
        #[arg(long)]
        stdin: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Build an on-disk index from guides.
    Index {
        /// A JSON Lines or CSV file, a folder of them, or a folder of Markdown or HTML pages.
        #[arg(long)]
        guides: PathBuf,
        /// Leave out the guides that cannot be read (each reported on standard error) instead of
        /// refusing them all.
        #[arg(long)]
        skip_bad: bool,
        /// The index directory to create.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        analysis: Analysis,
    },
    /// Measure quality on labelled queries: recall@k, MRR, as typed, with typos, without å/ä/ö.
    Eval {
        /// Guides: a JSON Lines or CSV file, a folder of them, or a folder of Markdown or HTML
        /// pages.
        #[arg(long)]
        guides: PathBuf,
        /// Leave out the guides that cannot be read (each reported on standard error) instead of
        /// refusing them all.
        #[arg(long)]
        skip_bad: bool,
        /// Labelled queries: a JSON Lines file or a folder of them.
        #[arg(long)]
        queries: PathBuf,
        #[arg(long, value_enum, default_value_t = EngineChoice::Vagvisare)]
        engine: EngineChoice,
        /// Seed of the typo variants.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Learning-from-use protocol: per guide with two or more queries, a half chosen with
        /// this seed becomes feedback and the other half is asked, before and after.
        #[arg(long)]
        feedback_split: Option<u64>,
        /// With --feedback-split: share of the guides (0 to 1) held out from feedback, whose
        /// queries are all asked as "other" (which must not get worse).
        #[arg(long, default_value_t = 0.0, requires = "feedback_split")]
        feedback_holdout: f64,
        /// Learning from a feedback file (JSON Lines, as `vagvisare feedback` reads): the queries
        /// are asked, the feedback is recorded as a trusted import, and they are asked again
        /// (figures before and after).
        #[arg(long, conflicts_with = "feedback_split")]
        feedback: Option<PathBuf>,
        /// Evaluate Vägvisare twice, with its semantic stage and by words alone (a row each).
        #[arg(long, conflicts_with_all = ["feedback", "feedback_split"])]
        compare_semantic: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        analysis: Analysis,
    },
    /// Record feedback ("did the guide help?") into an on-disk index: JSON Lines,
    /// `{"query": ..., "guide": ..., "helped": true, "rank": 1, "filed_anyway": false, "actor": ...}`.
    Feedback {
        /// The index directory.
        #[arg(long)]
        index: PathBuf,
        /// The feedback file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Deflection rate, per-guide figures and content gaps of an index's feedback, with a weekly
    /// chart (SVG) in the output directory.
    Report {
        /// The index directory.
        #[arg(long)]
        index: PathBuf,
        /// Where report.json, report.txt and deflection-per-week.svg go.
        #[arg(long)]
        out: PathBuf,
        /// Most content gaps listed.
        #[arg(long, default_value_t = 20)]
        gaps: usize,
        /// Suggestion sessions to count too: JSON Lines of deflection records
        /// (`vagvisare::case::DeflectionRecord`), repeatable.
        #[arg(long)]
        sessions: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Type a description and see the suggestions change with every keystroke.
    Try {
        #[command(flatten)]
        source: Source,
    },
    /// Run the HTTP service and demo portal (see docs/service.md).
    Serve(Box<serve::ServeArgs>),
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("vagvisare: {message}");
            ExitCode::FAILURE
        }
    }
}

fn configure(index: &GuideIndex, analysis: &Analysis) -> Result<(), String> {
    if let Some(path) = &analysis.synonyms {
        let text = read(path)?;
        index.set_synonyms(Synonyms::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    if analysis.no_thesaurus {
        index.set_thesaurus(false);
    }
    if let Some(path) = &analysis.words {
        index.add_word_list(&read(path)?);
    }
    let weight = if analysis.no_semantic {
        Some(0.0)
    } else {
        analysis.semantic_weight
    };
    if let Some(weight) = weight {
        index.set_semantic_weight(weight).map_err(err)?;
    }
    if let (Some(url), Some(model)) = (&analysis.embedder_url, &analysis.embedder_model) {
        let mut config = HttpEmbedderConfig::new(url.clone(), model.clone());
        config.api_key = std::env::var(vagvisare_server::embedder::API_KEY_VAR)
            .ok()
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty());
        let embedder = HttpEmbedder::new(config).map_err(|e| format!("--embedder-url: {e}"))?;
        // An index that holds guides has them embedded again (and committed, so searches use
        // the endpoint's vectors); a new one has them embedded as they are added.
        let had_guides = !index.is_empty();
        index
            .set_embedder(Some(std::sync::Arc::new(embedder)))
            .map_err(err)?;
        if had_guides {
            index.commit().map_err(err)?;
        }
        index.set_embed_while_typing(analysis.embed_while_typing);
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// How many texts a command asks of an index it built or opened: what decides how the semantic
/// stage finds the guides nearest a text beyond the exact scan's limit (10 000 vectors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asking {
    /// One text (`suggest TEXT`): every vector is compared (a few milliseconds at 100 000
    /// guides), so no nearest-neighbour index is built for it (under a second at 100 000 guides,
    /// some 20 s when it was an HNSW graph) and the answer is the one a finished index gives.
    OneText,
    /// Many (`--stdin`, `try`, `eval`): the graphs are built, or read from the index's
    /// directory, before the first text is answered, so that no answer lacks the guides they
    /// find and no keystroke shares the machine with their building.
    Many,
}

impl Asking {
    fn of(stdin: bool) -> Self {
        if stdin {
            Asking::Many
        } else {
            Asking::OneText
        }
    }

    /// Readies `index` (not yet holding guides, for [`Asking::OneText`]'s weights to count
    /// from its first commit) for this many texts.
    fn weights(self, index: &mut GuideIndex) {
        if self == Asking::OneText {
            let mut weights = index.weights().clone();
            weights.semantic_scan = usize::MAX;
            index.set_weights(weights);
        }
    }

    /// Waits for what [`Asking::Many`] needs, saying so on standard error when it takes long.
    fn settle(self, index: &GuideIndex) {
        if self == Asking::Many {
            let started = std::time::Instant::now();
            index.wait_for_semantic_graphs();
            let took = started.elapsed();
            if took >= std::time::Duration::from_secs(1) {
                eprintln!("vagvisare: semantic graphs ready in {took:.1?}");
            }
        }
    }
}

fn build_in_memory(
    guides: &[vagvisare::Guide],
    analysis: &Analysis,
    asking: Asking,
) -> Result<GuideIndex, String> {
    let mut index = GuideIndex::in_memory().map_err(err)?;
    asking.weights(&mut index);
    configure(&index, analysis)?;
    index.upsert(guides).map_err(err)?;
    index.commit().map_err(err)?;
    index.optimize().map_err(err)?;
    asking.settle(&index);
    Ok(index)
}

fn err(e: IndexError) -> String {
    e.to_string()
}

/// Reads guides in any format the core reads; with `skip_bad`, each guide left out is reported
/// on standard error.
fn load_guides(path: &Path, skip_bad: bool) -> Result<Vec<vagvisare::Guide>, String> {
    let on_bad = if skip_bad { OnBad::Skip } else { OnBad::Refuse };
    let imported = read_guides_any(path, on_bad).map_err(err)?;
    for bad in &imported.skipped {
        eprintln!("vagvisare: skipped {bad}");
    }
    if !imported.skipped.is_empty() {
        eprintln!(
            "vagvisare: skipped {} guides that cannot be read, read {}",
            imported.skipped.len(),
            imported.guides.len()
        );
    }
    Ok(imported.guides)
}

fn open_source(source: &Source, asking: Asking) -> Result<GuideIndex, String> {
    match (&source.index, &source.guides) {
        (Some(dir), _) => {
            // An index in a directory keeps its graphs (`vagvisare index` waits for them):
            // opening reads them, and a session waits only for those it lacks.
            let index = GuideIndex::open(dir).map_err(err)?;
            configure(&index, &source.analysis)?;
            asking.settle(&index);
            Ok(index)
        }
        (None, Some(path)) => build_in_memory(
            &load_guides(path, source.skip_bad)?,
            &source.analysis,
            asking,
        ),
        (None, None) => build_in_memory(&vagvisare::bundled::guides(), &source.analysis, asking),
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Suggest {
            text,
            source,
            limit,
            category,
            audience,
            stdin,
            format,
        } => {
            let index = open_source(&source, Asking::of(stdin))?;
            let options = SuggestOptions {
                limit,
                filters: Filters {
                    categories: category,
                    audiences: audience,
                },
                semantic: None,
            };
            if stdin {
                let out = std::io::stdout();
                let mut out = out.lock();
                // Lines as bytes: a line that is not UTF-8 gets an error line of its own (JSON
                // in the JSON formats) and the stream goes on.
                for (number, line) in std::io::stdin().lock().split(b'\n').enumerate() {
                    let mut line = line.map_err(|e| format!("standard input: {e}"))?;
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    match String::from_utf8(line) {
                        Ok(line) => {
                            let suggestions = index.suggest(&line, &options);
                            print_suggestions(&mut out, &suggestions, format)
                                .map_err(|e| e.to_string())?;
                        }
                        Err(e) => {
                            let message = format!(
                                "line {} is not UTF-8 (invalid byte at offset {})",
                                number + 1,
                                e.utf8_error().valid_up_to()
                            );
                            match format {
                                Format::Json | Format::Jsonl => writeln!(
                                    out,
                                    "{}",
                                    serde_json::json!({"error": {"code": "invalid_utf8", "line": number + 1, "message": message}})
                                ),
                                Format::Text => writeln!(out, "(fel: {message})"),
                            }
                            .map_err(|e| e.to_string())?;
                        }
                    }
                    out.flush().map_err(|e| e.to_string())?;
                }
                return Ok(());
            }
            let text = text.ok_or("give the text to suggest for, or --stdin")?;
            let suggestions = index.suggest(&text, &options);
            print_suggestions(&mut std::io::stdout().lock(), &suggestions, format)
                .map_err(|e| e.to_string())
        }
        Command::Index {
            guides,
            skip_bad,
            out,
            analysis,
        } => {
            let guides = load_guides(&guides, skip_bad)?;
            let started = std::time::Instant::now();
            let index = GuideIndex::create(&out).map_err(err)?;
            configure(&index, &analysis)?;
            index.upsert(&guides).map_err(err)?;
            index.commit().map_err(err)?;
            index.optimize().map_err(err)?;
            let indexed = started.elapsed();
            // Beyond the exact scan, the semantic stage's graphs are built and kept in the
            // directory now, so that every process that opens it reads them instead.
            index.wait_for_semantic_graphs();
            eprintln!(
                "indexed {} guides into {} in {:.2?} (semantic graphs {:.2?})",
                guides.len(),
                out.display(),
                indexed,
                started.elapsed() - indexed
            );
            Ok(())
        }
        Command::Eval {
            guides,
            skip_bad,
            queries,
            engine,
            seed,
            feedback_split,
            feedback_holdout,
            feedback,
            compare_semantic,
            format,
            analysis,
        } => {
            let guides = load_guides(&guides, skip_bad)?;
            let queries =
                vagvisare::guide::read_jsonl_path(&queries, eval::parse_queries).map_err(err)?;
            if let Some(file) = feedback {
                let records = feedback::read_records(&file)?;
                let index = build_in_memory(&guides, &analysis, Asking::Many)?;
                let options = eval::EvalOptions {
                    seed,
                    typed_share: false,
                };
                let r =
                    eval::feedback_split::run_with_records(&index, &queries, &records, &options)
                        .map_err(|e| format!("{}: {e}", file.display()))?;
                eprintln!(
                    "{} feedback records from {}; {} queries asked before and after",
                    r.feedback_records,
                    file.display(),
                    r.before.queries
                );
                return print_reports(
                    &[("before", r.before), ("after", r.after)],
                    guides.len(),
                    format,
                );
            }
            if let Some(split_seed) = feedback_split {
                let index = build_in_memory(&guides, &analysis, Asking::Many)?;
                let options = eval::EvalOptions {
                    seed,
                    typed_share: false,
                };
                if !(0.0..=1.0).contains(&feedback_holdout) {
                    return Err(format!(
                        "--feedback-holdout is a share of the guides, from 0 to 1, not {feedback_holdout}"
                    ));
                }
                let split = eval::feedback_split::SplitOptions {
                    seed: split_seed,
                    holdout: feedback_holdout,
                };
                let r = eval::feedback_split::run_on_index(&index, &queries, &split, &options)
                    .map_err(err)?;
                eprintln!(
                    "{} queries became feedback; {} asked; {} of guides without feedback",
                    r.feedback_queries, r.before.queries, r.untouched_before.queries
                );
                return print_reports(
                    &[
                        ("before", r.before),
                        ("after", r.after),
                        ("other before", r.untouched_before),
                        ("other after", r.untouched_after),
                    ],
                    guides.len(),
                    format,
                );
            }
            let mut reports: Vec<(&str, Report)> = Vec::new();
            if engine != EngineChoice::Baseline {
                let index = build_in_memory(&guides, &analysis, Asking::Many)?;
                reports.push(("vagvisare", eval::evaluate(&index, &queries, seed)));
                if compare_semantic {
                    index.set_semantic_weight(0.0).map_err(err)?;
                    reports.push((
                        "vagvisare, words only",
                        eval::evaluate(&index, &queries, seed),
                    ));
                }
            }
            if engine != EngineChoice::Vagvisare {
                let baseline = Baseline::build(&guides).map_err(err)?;
                reports.push((
                    "tantivy-default",
                    eval::evaluate(&baseline as &dyn Engine, &queries, seed),
                ));
            }
            print_reports(&reports, guides.len(), format)
        }
        Command::Feedback { index, file } => feedback::record(&index, &file),
        Command::Report {
            index,
            out,
            gaps,
            sessions,
            format,
        } => feedback::report(&index, &out, &sessions, format != Format::Text, gaps),
        Command::Try { source } => interactive::run(&open_source(&source, Asking::Many)?),
        Command::Serve(args) => serve::run(*args),
    }
}

#[derive(serde::Serialize)]
struct Line<'a> {
    suggestions: &'a [Suggestion],
}

fn print_suggestions(
    out: &mut impl Write,
    suggestions: &[Suggestion],
    format: Format,
) -> std::io::Result<()> {
    match format {
        Format::Json | Format::Jsonl => {
            let line =
                serde_json::to_string(&Line { suggestions }).map_err(std::io::Error::other)?;
            writeln!(out, "{line}")
        }
        Format::Text => {
            if suggestions.is_empty() {
                return writeln!(out, "(inga förslag)");
            }
            for (i, s) in suggestions.iter().enumerate() {
                writeln!(out, "{}. {}  [{}]  {:.2}", i + 1, s.title, s.id, s.score)?;
                let matched: Vec<String> = s
                    .matched
                    .iter()
                    .filter(|m| !m.guide_word.is_empty())
                    .map(|m| format!("{} ({}: {})", m.guide_word, m.kind.as_str(), m.query))
                    .collect();
                if !matched.is_empty() {
                    writeln!(out, "   För {}", matched.join(", "))?;
                }
                writeln!(out, "   {}", marked_text(&s.snippet))?;
            }
            Ok(())
        }
    }
}

/// The snippet with matched words in *stars*, for a terminal.
fn marked_text(snippet: &vagvisare::guide::Snippet) -> String {
    let chars: Vec<char> = snippet.text.chars().collect();
    let mut out = String::new();
    let mut at = 0;
    // The highlights are character offsets (the one unit of every interface).
    for &(from, to) in &snippet.highlights {
        if from < at || to > chars.len() {
            continue;
        }
        out.extend(&chars[at..from]);
        out.push('*');
        out.extend(&chars[from..to]);
        out.push('*');
        at = to;
    }
    out.extend(&chars[at..]);
    out
}

/// A figure's label and how to read it from a report.
type Row = (&'static str, fn(&Report) -> f64);

fn print_reports(reports: &[(&str, Report)], guides: usize, format: Format) -> Result<(), String> {
    if format != Format::Text {
        let json = if let [(_, only)] = reports {
            serde_json::to_value(only)
        } else {
            serde_json::to_value(
                reports
                    .iter()
                    .map(|(n, r)| (n.to_string(), r))
                    .collect::<std::collections::BTreeMap<_, _>>(),
            )
        }
        .map_err(|e| e.to_string())?;
        println!("{json}");
        return Ok(());
    }
    let queries = reports.first().map_or(0, |(_, r)| r.queries);
    println!("{guides} guides, {queries} queries");
    print!("{:<34}", "figure");
    for (name, _) in reports {
        print!("{name:>16}");
    }
    println!();
    let rows: [Row; 11] = [
        ("recall@1", |r| r.recall_at_1),
        ("recall@5", |r| r.recall_at_5),
        ("MRR@10", |r| r.mrr_at_10),
        ("recall@5, 25 % typed", |r| r.recall_at_5_typed_25),
        ("recall@5, 50 % typed", |r| r.recall_at_5_typed_50),
        ("recall@5, 75 % typed", |r| r.recall_at_5_typed_75),
        ("recall@5, typos", |r| r.recall_at_5_typos),
        ("MRR@10, typos", |r| r.mrr_at_10_typos),
        ("recall@5, no å/ä/ö", |r| r.recall_at_5_no_diacritics),
        ("MRR@10, no å/ä/ö", |r| r.mrr_at_10_no_diacritics),
        ("share typed to top 5 (lower=better)", |r| {
            r.typed_share_to_top_5
        }),
    ];
    for (label, get) in rows {
        print!("{label:<34}");
        for (_, r) in reports {
            print!("{:>16.3}", get(r));
        }
        println!();
    }
    let kinds: std::collections::BTreeSet<&String> =
        reports.iter().flat_map(|(_, r)| r.by_kind.keys()).collect();
    if !kinds.is_empty() {
        println!("\nrecall@5 by kind of query");
        for kind in kinds {
            let n = reports[0].1.by_kind.get(kind).map_or(0, |k| k.queries);
            print!("{:<34}", format!("{kind} ({n})"));
            for (_, r) in reports {
                print!(
                    "{:>16.3}",
                    r.by_kind.get(kind).map_or(0.0, |k| k.recall_at_5)
                );
            }
            println!();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// The analysis options of a command line with none given.
    fn no_options() -> Analysis {
        match Cli::parse_from(["vagvisare", "suggest", "x"]).command {
            Command::Suggest { source, .. } => source.analysis,
            _ => unreachable!("a suggest command"),
        }
    }

    #[test]
    fn one_text_compares_every_vector_and_many_texts_keep_the_graphs() {
        assert_eq!(Asking::of(false), Asking::OneText);
        assert_eq!(Asking::of(true), Asking::Many);
        let guides = vagvisare::bundled::guides();
        let one = build_in_memory(&guides, &no_options(), Asking::OneText).unwrap();
        assert_eq!(
            one.weights().semantic_scan,
            usize::MAX,
            "no graph for one text"
        );
        let many = build_in_memory(&guides, &no_options(), Asking::Many).unwrap();
        assert_eq!(
            many.weights().semantic_scan,
            vagvisare::guide::Weights::default().semantic_scan,
            "a session keeps the library's limit, and its graphs beyond it"
        );
        // Within the limit both compare every vector: the same answers.
        let options = SuggestOptions::limit(5);
        for text in ["kommer inte in ", "glömt lösenordet", "vem står bakom "] {
            assert_eq!(
                one.suggest_ids(text, &options),
                many.suggest_ids(text, &options)
            );
        }
    }
}
