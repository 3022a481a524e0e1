//! Embedders: texts in, vectors out, for the semantic stage of the ranking.
//!
//! Every embedder has a [name](Embedder::name) that an index records with the vectors it stores,
//! so vectors of two embedders are never compared, and a fixed [dimension](Embedder::dim).
//! [`StaticEmbedder`] is the default: a word-vector table shipped with the crate (built from
//! multilingual-e5-small by `scripts/build_static_vectors.py`, see docs/semantic.md), which needs
//! no model at search time and embeds a text in microseconds.

mod table;

pub(crate) use table::PassageText;
pub use table::{GuideVocabulary, GuideWords, StaticEmbedder, BUNDLED_NAME};

/// What a text is to the embedder: asymmetric encoders (e5) embed a query and a passage
/// differently, and a query's last word may be half typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// What a person typed (its last word may be unfinished).
    Query,
    /// A guide's text, or a learned text of a guide.
    Passage,
}

/// Why texts could not be embedded, or a vector table not read.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A vector table file that cannot be read.
    #[error("cannot read vector table {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// Bytes that are not a vector table of a version this crate reads.
    #[error("not a vector table: {0}")]
    Format(String),
    /// An embedder that answered with vectors of another dimension or count than asked.
    #[error("embedder {name} answered {got} values where {expected} were expected")]
    Shape {
        /// The embedder's name.
        name: String,
        /// Values expected.
        expected: usize,
        /// Values received.
        got: usize,
    },
    /// An embedder that failed (a remote service that did not answer, a model that could not
    /// run): the caller falls back to another embedder or to no semantic stage.
    #[error("embedder {name} failed: {message}")]
    Failed {
        /// The embedder's name.
        name: String,
        /// What went wrong.
        message: String,
    },
}

/// Something that turns texts into vectors of a fixed dimension.
pub trait Embedder: Send + Sync {
    /// A stable name for the embedder and its model (`static-e5-small-v1`), recorded with
    /// stored vectors so that vectors of another embedder are never mixed in.
    fn name(&self) -> &str;

    /// Length of every vector.
    fn dim(&self) -> usize;

    /// One L2-normalised vector per text, in order. A text with nothing the embedder knows gets
    /// a vector of zeros (it is near nothing).
    fn embed(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Vec<f32>>, EmbedError>;

    /// The vector of what a person typed, with what the index knows of the typed words (the
    /// completions of a half-typed last word, the guide words a misspelt word stands for).
    /// By default the words are not needed: the text is embedded as a [`TextKind::Query`].
    fn embed_query(
        &self,
        text: &str,
        words: Option<&dyn GuideWords>,
    ) -> Result<Vec<f32>, EmbedError> {
        let _ = words;
        let mut out = self.embed(&[text], TextKind::Query)?;
        out.pop().ok_or_else(|| EmbedError::Shape {
            name: self.name().to_string(),
            expected: self.dim(),
            got: 0,
        })
    }

    /// True for an embedder cheap enough to run on every keystroke (microseconds, like the
    /// static one). A costly one (a model, a remote service) is asked only when a word is
    /// complete: while a word is being typed the index reuses the vector of the text before it.
    fn is_cheap(&self) -> bool {
        false
    }
}

/// The number an index records with each stored vector to say which embedder made it: the
/// 32-bit FNV-1a hash of its [name](Embedder::name) and dimension. Vectors of another key are
/// never compared with a query's.
pub fn embedder_key(embedder: &dyn Embedder) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let dim = (embedder.dim() as u32).to_le_bytes();
    for b in embedder.name().bytes().chain(dim) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Asks the processor to bring every cache line of `data` into its cache: a hint, nothing is
/// read, and it does nothing elsewhere than on x86-64. For rows read a little later, out of
/// order (the static table's) or out of the caches (a scan on a first keystroke).
pub(crate) fn prefetch<T>(data: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let start = data.as_ptr().cast::<i8>();
        for offset in (0..std::mem::size_of_val(data)).step_by(64) {
            // SAFETY: the address is within `data` (offset below its size in bytes), and a
            // prefetch reads nothing and cannot fault.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}

/// Scales a vector to unit length in place (a vector of zeros stays zeros); false when it is
/// zeros or not finite.
pub fn normalise(v: &mut [f32]) -> bool {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        v.iter_mut().for_each(|x| *x /= norm);
        true
    } else {
        v.iter_mut().for_each(|x| *x = 0.0);
        false
    }
}

/// Cosine of two L2-normalised vectors (their dot product); 0 for vectors of zeros.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
