//! Errors of the guide index.

use std::path::PathBuf;

/// The format version an index directory is written in. Bump it whenever the schema or the
/// analysis changes what is stored.
pub const INDEX_FORMAT_VERSION: u32 = 9;

/// What went wrong building, opening or changing a guide index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// A JSON Lines input line is not a valid guide.
    #[error("line {line}: {message}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A line of a JSON Lines file is not valid.
    #[error("{}:{line}: {message}", path.display())]
    BadFileLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// Several guides of an import cannot be read (one alone is [`IndexError::BadFileLine`] or
    /// [`IndexError::BadLine`]); nothing was imported.
    #[error("{} guides cannot be read, so none was imported:{}", problems.len(), problems.iter().map(|p| format!("\n  {p}")).collect::<String>())]
    BadRecords {
        /// Each bad guide: its file, line and what is wrong, in file and line order.
        problems: Vec<super::import::BadRecord>,
    },
    /// Feedback that cannot be used, or a feedback file that cannot be read or written.
    #[error(transparent)]
    Feedback(#[from] crate::feedback::FeedbackError),
    /// A guide handed to the API is not valid.
    #[error("guide {id:?}: {message}")]
    BadGuide {
        /// The guide's id as given.
        id: String,
        /// What is wrong with it.
        message: String,
    },
    /// The directory holds no Vägvisare index.
    #[error("{}: not a Vägvisare guide index; build one with `vagvisare index --guides FILE --out DIR`", path.display())]
    NotAnIndex {
        /// The directory.
        path: PathBuf,
    },
    /// The directory holds an index of another format version.
    #[error("{}: index format {found}, but this version of Vägvisare reads format {expected}; rebuild it with `vagvisare index --guides FILE --out DIR`", path.display())]
    Incompatible {
        /// The directory.
        path: PathBuf,
        /// The version found.
        found: String,
        /// The version this build reads.
        expected: u32,
    },
    /// A directory already holds an index and creating one there would overwrite it.
    #[error("{}: already holds an index; open it, or choose an empty directory", path.display())]
    AlreadyExists {
        /// The directory.
        path: PathBuf,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A setting outside what it may be.
    #[error("{0}")]
    BadSetting(String),
    /// The search engine underneath failed.
    #[error("index storage: {0}")]
    Storage(#[from] tantivy::TantivyError),
}
