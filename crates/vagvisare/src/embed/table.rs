//! The static embedder: a word-vector table read in place (compiled in, or memory-mapped).
//!
//! The file format ("VVEC" version 1) is written by `scripts/build_static_vectors.py`, whose
//! docstring and docs/semantic.md describe it: a header (magic, version, name, dim, count), the
//! keys (sorted by bytes, with an offset table), one SIF weight and one scale per key, and one
//! int8 row per key. Nothing is copied out of the file when it is opened; a word is found by
//! binary search over the keys.
//!
//! A text's vector is the SIF-weighted mean of its words' rows, L2-normalised. A word the table
//! lacks still counts when it can be resolved, in this order: the last word of a query that is
//! still being typed is completed from the guides' words; a word typed without å/ä/ö is the guide
//! word (else the most frequent table word) it folds to; a word with one typo is the guide word
//! one deletion or swap away; a compound is its longest known first part and a known rest (with
//! or without a linking s or e). [`GuideWords`] is how the index lends its guides' words.

use std::path::Path;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::{EmbedError, Embedder, TextKind};
use crate::text::fold::fold;
use crate::text::tokenize::{words, Word};

/// Name of the table shipped with the crate.
pub const BUNDLED_NAME: &str = "static-e5-small-v1";

/// The shipped table: it sits in the binary's read-only pages, paged in on demand.
static BUNDLED_BYTES: &[u8] = include_bytes!("../../../../data/vectors/static-e5-small-v1.vvec");

const MAGIC: &[u8; 4] = b"VVEC";
const VERSION: u32 = 1;
/// Shortest part of a compound, in bytes.
const MIN_PART: usize = 3;
/// Most guide words a half-typed word is completed to.
const COMPLETIONS: usize = 3;
/// Keys between two entries of [`StaticEmbedder::samples`].
const SAMPLE_EVERY: usize = 32;

/// What an index knows about its guides' words, lent to the static embedder for the words its
/// table lacks or that a person has not finished typing.
pub trait GuideWords {
    /// Up to `n` guide words that start with `prefix` and are longer, most frequent first.
    fn completions(&self, prefix: &str, n: usize) -> Vec<&str>;
    /// The guide word that `word`, typed without å/ä/ö, stands for (`losenord` → `lösenord`).
    fn unfold(&self, word: &str) -> Option<&str>;
    /// The guide word that `word` is one typo away from (a dropped or swapped letter).
    fn correct(&self, word: &str) -> Option<&str>;
}

enum Bytes {
    Static(&'static [u8]),
    Mapped(memmap2::Mmap),
}

/// A word-vector table, read in place; [`embed_into`](Self::embed_into) is how a text becomes a
/// vector.
pub struct StaticEmbedder {
    bytes: Bytes,
    name: String,
    dim: usize,
    count: usize,
    offsets_at: usize,
    blob_at: usize,
    weights_at: usize,
    scales_at: usize,
    rows_at: usize,
    /// The first eight bytes of every [`SAMPLE_EVERY`]th key, big-endian (30 KB for the bundled
    /// table): a lookup searches these, which stay in the processor's cache, and then a run of
    /// 32 keys, instead of halving all the keys of a table that may not be cached at all (a
    /// plain binary search took some 17 reads from the table's pages, often each a miss).
    samples: Box<[u64]>,
    /// Folded key → the most frequent key that folds to it, for keys with diacritics; built on
    /// first need.
    folded: OnceLock<FxHashMap<String, u32>>,
}

impl std::fmt::Debug for StaticEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticEmbedder")
            .field("name", &self.name)
            .field("dim", &self.dim)
            .field("count", &self.count)
            .finish()
    }
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, EmbedError> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| EmbedError::Format(format!("truncated at byte {at}")))
}

/// The first eight bytes of a key as a big-endian number (zeros past its end): ordered as the
/// keys are, up to ties between keys that share them.
fn prefix8(key: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = key.len().min(8);
    b[..n].copy_from_slice(&key[..n]);
    u64::from_be_bytes(b)
}

fn align4(at: usize) -> usize {
    at.div_ceil(4) * 4
}

impl StaticEmbedder {
    /// The table shipped with the crate ([`BUNDLED_NAME`]), parsed once on first use.
    pub fn bundled() -> &'static StaticEmbedder {
        static BUNDLED: OnceLock<StaticEmbedder> = OnceLock::new();
        BUNDLED.get_or_init(|| {
            // A test reads the shipped bytes, so a broken table fails the build's tests.
            Self::from_bytes(BUNDLED_BYTES).expect("the bundled vector table is valid")
        })
    }

    /// A table in bytes that live for the whole program (`include_bytes!`).
    pub fn from_bytes(bytes: &'static [u8]) -> Result<Self, EmbedError> {
        Self::parse(Bytes::Static(bytes))
    }

    /// A table file, memory-mapped: pages are read when a word needs them. The file must not
    /// change while it is open.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, EmbedError> {
        let path = path.as_ref();
        let io = |source| EmbedError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        // SAFETY: the map is read-only, and the caller keeps the file unchanged while it is
        // open (documented above); every read below is bounds-checked against its length.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        Self::parse(Bytes::Mapped(map))
    }

    fn bytes(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Static(b) => b,
            Bytes::Mapped(m) => &m[..],
        }
    }

    fn parse(bytes: Bytes) -> Result<Self, EmbedError> {
        let b: &[u8] = match &bytes {
            Bytes::Static(b) => b,
            Bytes::Mapped(m) => &m[..],
        };
        if b.get(..4) != Some(MAGIC.as_slice()) {
            return Err(EmbedError::Format("no VVEC magic".into()));
        }
        let version = u32_at(b, 4)?;
        if version != VERSION {
            return Err(EmbedError::Format(format!(
                "version {version}, this crate reads {VERSION}"
            )));
        }
        let name_len = u32_at(b, 8)? as usize;
        let name = b
            .get(12..12 + name_len)
            .and_then(|s| std::str::from_utf8(s).ok())
            .ok_or_else(|| EmbedError::Format("bad name".into()))?
            .to_string();
        let mut at = align4(12 + name_len);
        let dim = u32_at(b, at)? as usize;
        let count = u32_at(b, at + 4)? as usize;
        let key_bytes = u32_at(b, at + 8)? as usize;
        at += 12;
        let offsets_at = at;
        let blob_at = offsets_at + 4 * (count + 1);
        let weights_at = align4(blob_at + key_bytes);
        let scales_at = weights_at + 4 * count;
        let rows_at = scales_at + 4 * count;
        if dim == 0 || rows_at + count * dim != b.len() {
            return Err(EmbedError::Format(format!(
                "{} bytes do not hold {count} rows of {dim}",
                b.len()
            )));
        }
        // Keys: offsets rising to the blob's end, valid UTF-8, strictly sorted.
        let mut last = 0usize;
        let mut prev: &[u8] = &[];
        let mut samples = Vec::with_capacity(count.div_ceil(SAMPLE_EVERY));
        for i in 0..=count {
            let o = u32_at(b, offsets_at + 4 * i)? as usize;
            if o < last || o > key_bytes || (i == 0 && o != 0) {
                return Err(EmbedError::Format(format!("bad key offset {i}")));
            }
            if i > 0 {
                let key = &b[blob_at + last..blob_at + o];
                if std::str::from_utf8(key).is_err() || (i > 1 && key <= prev) {
                    return Err(EmbedError::Format(format!(
                        "key {} unsorted or not UTF-8",
                        i - 1
                    )));
                }
                if (i - 1) % SAMPLE_EVERY == 0 {
                    samples.push(prefix8(key));
                }
                prev = key;
            }
            last = o;
        }
        if last != key_bytes {
            return Err(EmbedError::Format(
                "key offsets do not end the key bytes".into(),
            ));
        }
        Ok(Self {
            bytes,
            name,
            dim,
            count,
            offsets_at,
            blob_at,
            weights_at,
            scales_at,
            rows_at,
            samples: samples.into_boxed_slice(),
            folded: OnceLock::new(),
        })
    }

    /// Number of words in the table.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True for a table without words.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn offset(&self, i: usize) -> usize {
        let b = self.bytes();
        let at = self.offsets_at + 4 * i;
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
    }

    fn f32_at(&self, at: usize) -> f32 {
        let b = self.bytes();
        f32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    /// The `i`-th key (keys are sorted by bytes).
    pub fn key(&self, i: usize) -> &str {
        // Checked at parse time.
        std::str::from_utf8(self.key_bytes(i)).unwrap_or_default()
    }

    fn key_bytes(&self, i: usize) -> &[u8] {
        &self.bytes()[self.blob_at + self.offset(i)..self.blob_at + self.offset(i + 1)]
    }

    /// The index of a word (NFC, lower-case) in the table.
    pub fn find(&self, word: &str) -> Option<usize> {
        let w = word.as_bytes();
        let p = prefix8(w);
        // Keys are sorted, so their prefixes are too: the word (prefix `p`) stands after the
        // last sample below `p` and before the first sample above it.
        let below = self.samples.partition_point(|&s| s < p);
        let upto = self.samples.partition_point(|&s| s <= p);
        self.find_between(
            w,
            below.saturating_sub(1) * SAMPLE_EVERY,
            (upto * SAMPLE_EVERY).min(self.count),
        )
    }

    /// The index of key `w` among keys `lo..hi`, by halving.
    fn find_between(&self, w: &[u8], mut lo: usize, mut hi: usize) -> Option<usize> {
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.key_bytes(mid).cmp(w) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// The vectors of passages, as [`Embedder::embed`] gives them, for texts whose words the
    /// caller has already segmented (`Some`: the words of `words(text)`, in order) or not
    /// (`None`: the text is segmented here). What `upsert` uses: a guide's words are segmented
    /// once, for its terms and its vector (a test holds the two ways equal, bit for bit).
    pub(crate) fn embed_passages(&self, texts: &[PassageText<'_>]) -> Vec<Vec<f32>> {
        self.embed_batch(texts.iter().copied(), TextKind::Passage)
    }

    /// The vectors of a batch of texts of one kind, each distinct word resolved once (a batch,
    /// the guides of an upsert, repeats its words). Words already segmented are a passage's.
    fn embed_batch<'t>(
        &self,
        texts: impl Iterator<Item = PassageText<'t>>,
        kind: TextKind,
    ) -> Vec<Vec<f32>> {
        let mut known = ResolvedWords::default();
        texts
            .map(|(text, segmented)| {
                let mut v = vec![0.0; self.dim];
                match segmented {
                    Some(ws) => self.embed_words(ws, false, None, &mut v, Some(&mut known)),
                    None => self.embed_resolving(text, kind, None, &mut v, Some(&mut known)),
                };
                v
            })
            .collect()
    }

    /// The SIF weight of the `i`-th word: a / (a + its frequency), low for common words.
    pub fn weight(&self, i: usize) -> f32 {
        self.f32_at(self.weights_at + 4 * i)
    }

    fn row(&self, i: usize) -> (&[u8], f32) {
        let at = self.rows_at + i * self.dim;
        (
            &self.bytes()[at..at + self.dim],
            self.f32_at(self.scales_at + 4 * i),
        )
    }

    /// Asks the processor to bring the `i`-th word's row, scale and weight into its cache (a
    /// hint: nothing is read, and it does nothing elsewhere than on x86-64).
    fn prefetch_row(&self, i: usize) {
        let bytes = self.bytes();
        let at = self.rows_at + i * self.dim;
        for range in [
            at..at + self.dim,
            self.scales_at + 4 * i..self.scales_at + 4 * i + 4,
            self.weights_at + 4 * i..self.weights_at + 4 * i + 4,
        ] {
            if let Some(data) = bytes.get(range) {
                super::prefetch(data);
            }
        }
    }

    /// Adds `factor` × the `i`-th word's row to `acc`.
    fn add_row(&self, i: usize, factor: f32, acc: &mut [f32]) {
        let (row, scale) = self.row(i);
        add_scaled(acc, row, factor * scale);
    }

    /// Builds now what the table otherwise builds at its first word with å/ä/ö missing or
    /// mistyped (the folded keys: some 7 ms for the bundled table), so that no person's
    /// keystroke waits for it; and reads one byte of every page of the table, so that the
    /// first keystrokes that read its rows (a `related` explanation reads the rows of every
    /// word of its guide) do not each fault them in (about 1 ms at opening).
    pub(crate) fn prepare(&self) {
        self.folded();
        let bytes = self.bytes();
        let mut sum = 0u8;
        for i in (0..bytes.len()).step_by(4096) {
            sum = sum.wrapping_add(bytes[i]);
        }
        std::hint::black_box(sum);
    }

    fn folded(&self) -> &FxHashMap<String, u32> {
        self.folded.get_or_init(|| {
            let mut map: FxHashMap<String, u32> = FxHashMap::default();
            for i in 0..self.count {
                let key = self.key(i);
                if key.is_ascii() {
                    continue;
                }
                let entry = map.entry(fold(key)).or_insert(i as u32);
                // Lower SIF weight = more frequent.
                if self.weight(i) < self.weight(*entry as usize) {
                    *entry = i as u32;
                }
            }
            map
        })
    }

    /// A compound the table lacks as its longest known first part and a known rest (the rest
    /// perhaps after a linking s or e), both at least three letters: `lösenordsbyte` →
    /// `lösenord` + `byte`.
    pub fn split(&self, word: &str) -> Option<(usize, usize)> {
        if !word.chars().all(char::is_alphabetic) {
            return None;
        }
        let cuts = word
            .char_indices()
            .rev()
            .map(|(i, _)| i)
            .filter(|&i| i >= MIN_PART && word.len() - i >= MIN_PART);
        for cut in cuts {
            let (head, tail) = word.split_at(cut);
            let Some(h) = self.find(head) else { continue };
            if let Some(t) = self.find(tail) {
                return Some((h, t));
            }
            if tail.len() > MIN_PART && (tail.starts_with('s') || tail.starts_with('e')) {
                if let Some(t) = self.find(&tail[1..]) {
                    return Some((h, t));
                }
            }
        }
        None
    }

    /// The rows a word stands for, onto `out` (cleared first); none when nothing is known.
    /// `open` marks the half-typed last word of a query.
    pub fn resolve(
        &self,
        word: &str,
        open: bool,
        guide_words: Option<&dyn GuideWords>,
        out: &mut Vec<usize>,
    ) {
        out.clear();
        let exact = self.find(word);
        if let (true, Some(g)) = (open, guide_words) {
            out.extend(
                g.completions(word, COMPLETIONS)
                    .into_iter()
                    .filter_map(|c| self.find(c)),
            );
            if !out.is_empty() {
                out.extend(exact);
                return;
            }
        }
        if let Some(i) = exact {
            out.push(i);
            return;
        }
        if word.is_ascii() {
            if let Some(i) = guide_words
                .and_then(|g| g.unfold(word))
                .and_then(|w| self.find(w))
            {
                out.push(i);
                return;
            }
            if let Some(&i) = self.folded().get(word) {
                out.push(i as usize);
                return;
            }
        }
        if let Some(i) = guide_words
            .and_then(|g| g.correct(word))
            .and_then(|w| self.find(w))
        {
            out.push(i);
            return;
        }
        if let Some((h, t)) = self.split(word) {
            out.extend([h, t]);
        }
    }

    /// The L2-normalised vector of a text into `out` (length [`dim`](Embedder::dim)); false,
    /// with `out` all zeros, when no word of the text is known.
    pub fn embed_into(
        &self,
        text: &str,
        kind: TextKind,
        guide_words: Option<&dyn GuideWords>,
        out: &mut [f32],
    ) -> bool {
        self.embed_resolving(text, kind, guide_words, out, None)
    }

    /// [`embed_into`](Self::embed_into), the words' rows taken from `known` when it holds them
    /// and kept there otherwise. Only for texts embedded without guide words: then a word's
    /// rows depend on its text alone (whether it is being typed matters only with them).
    fn embed_resolving(
        &self,
        text: &str,
        kind: TextKind,
        guide_words: Option<&dyn GuideWords>,
        out: &mut [f32],
        known: Option<&mut ResolvedWords>,
    ) -> bool {
        let ws = words(text);
        // A query's last word is still being typed unless a space or a full stop follows it.
        let open = kind == TextKind::Query
            && !text.ends_with(|c: char| c.is_whitespace() || matches!(c, '.' | '?' | '!'));
        let ws: Vec<&Word> = ws.iter().collect();
        self.embed_words(&ws, open, guide_words, out, known)
    }

    /// [`embed_resolving`](Self::embed_resolving) of a text already segmented into `ws`; `open`:
    /// its last word is still being typed.
    fn embed_words(
        &self,
        ws: &[&Word],
        open: bool,
        guide_words: Option<&dyn GuideWords>,
        out: &mut [f32],
        mut known: Option<&mut ResolvedWords>,
    ) -> bool {
        debug_assert!(known.is_none() || guide_words.is_none());
        out.fill(0.0);
        let mut rows = Vec::with_capacity(4);
        // Every word's rows first, with their shares, then added in the same order: a row is
        // asked of memory a few rows before it is added (a guide's rows lie anywhere in the
        // table, and waiting for each in turn was most of embedding a guide).
        let mut added: Vec<(usize, f32)> = Vec::with_capacity(ws.len() + 4);
        for (n, w) in ws.iter().enumerate() {
            match known.as_deref_mut() {
                Some(known) => known.resolve(self, &w.text, &mut rows),
                None => self.resolve(&w.text, open && n + 1 == ws.len(), guide_words, &mut rows),
            }
            if rows.is_empty() && !w.hyphen_parts.is_empty() {
                for part in &w.hyphen_parts {
                    rows.extend(self.find(part));
                }
            }
            let share = 1.0 / rows.len().max(1) as f32;
            added.extend(rows.iter().map(|&i| (i, share)));
        }
        for (k, &(i, share)) in added.iter().enumerate() {
            if let Some(&(ahead, _)) = added.get(k + PREFETCH_AHEAD) {
                self.prefetch_row(ahead);
            }
            self.add_row(i, self.weight(i) * share, out);
        }
        let any = !added.is_empty();
        let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            out.iter_mut().for_each(|x| *x /= norm);
        }
        any && norm > 0.0
    }

    /// The L2-normalised vector of one word (resolved as in a passage), or `None`.
    pub fn word_vector(&self, word: &str) -> Option<Vec<f32>> {
        let mut out = vec![0.0; self.dim];
        self.embed_into(word, TextKind::Passage, None, &mut out)
            .then_some(out)
    }

    /// Which of a guide's words is closest to a typed word, and the cosine: what explains a
    /// semantic match ("glömt" is closest to "lösenord"). `None` when the typed word or every
    /// guide word is unknown.
    pub fn nearest<'g>(
        &self,
        typed: &str,
        guide_words: impl IntoIterator<Item = &'g str>,
    ) -> Option<(&'g str, f32)> {
        let t = self.word_vector(typed)?;
        let mut v = vec![0.0; self.dim];
        let mut best: Option<(&'g str, f32)> = None;
        // Rows first, then each asked of memory a few ahead of the one compared (as
        // `embed_words` does): a guide's words lie anywhere in the table.
        let guide_words: Vec<(&'g str, Option<usize>)> =
            guide_words.into_iter().map(|g| (g, self.find(g))).collect();
        for (k, &(g, found)) in guide_words.iter().enumerate() {
            if let Some(&(_, Some(ahead))) = guide_words.get(k + PREFETCH_AHEAD) {
                self.prefetch_row(ahead);
            }
            let c = match found {
                // A word the table holds as it stands (most of a guide's): its vector is its
                // row made unit length, so the cosine is read off the row (what `embed_into`
                // would give, without its tokenising and a vector per word). Every key is one
                // word as the tokenizer gives it (a test holds this).
                Some(i) => {
                    let (dot, norm) = dot_and_norm(&t, self.row(i).0);
                    if norm == 0.0 {
                        continue;
                    }
                    dot / norm.sqrt()
                }
                None => {
                    if !self.embed_into(g, TextKind::Passage, None, &mut v) {
                        continue;
                    }
                    super::cosine(&t, &v)
                }
            };
            if best.is_none_or(|(_, b)| c > b) {
                best = Some((g, c));
            }
        }
        best
    }
}

/// Rows asked of memory ahead of the one being added or compared (`StaticEmbedder::embed_words`,
/// `StaticEmbedder::nearest`).
const PREFETCH_AHEAD: usize = 4;

/// The dot product of a vector with an int8 row, and the row's squared length, in eight lanes
/// summed apart: one sum added value after value waits on the previous addition (about 0.7 µs
/// a 256-value row); lanes let the compiler make vector instructions of it. An explanation
/// compares every word of a guide this way.
fn dot_and_norm(t: &[f32], row: &[u8]) -> (f32, f32) {
    const LANES: usize = 8;
    let (mut dot, mut norm) = ([0f32; LANES], [0f32; LANES]);
    let (t_chunks, row_chunks) = (t.chunks_exact(LANES), row.chunks_exact(LANES));
    let (mut dot_rest, mut norm_rest) = (0f32, 0f32);
    for (&a, &q) in t_chunks.remainder().iter().zip(row_chunks.remainder()) {
        let q = f32::from(q as i8);
        dot_rest += a * q;
        norm_rest += q * q;
    }
    for (a, q) in t_chunks.zip(row_chunks) {
        for i in 0..LANES {
            let q = f32::from(q[i] as i8);
            dot[i] += a[i] * q;
            norm[i] += q * q;
        }
    }
    (
        dot.iter().sum::<f32>() + dot_rest,
        norm.iter().sum::<f32>() + norm_rest,
    )
}

impl Embedder for StaticEmbedder {
    fn name(&self) -> &str {
        &self.name
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Vec<f32>>, EmbedError> {
        Ok(self.embed_batch(texts.iter().map(|&t| (t, None)), kind))
    }

    fn embed_query(
        &self,
        text: &str,
        words: Option<&dyn GuideWords>,
    ) -> Result<Vec<f32>, EmbedError> {
        let mut v = vec![0.0; self.dim];
        self.embed_into(text, TextKind::Query, words, &mut v);
        Ok(v)
    }

    fn is_cheap(&self) -> bool {
        true
    }
}

/// A passage to embed: its text, and its words when they are segmented already (see
/// [`StaticEmbedder::embed_passages`]).
pub(crate) type PassageText<'a> = (&'a str, Option<&'a [&'a Word]>);

/// The rows of the words a batch of texts embedded without guide words has met so far, by word:
/// [`StaticEmbedder::resolve`] (a binary search over the table's keys, more for a word it lacks)
/// once per distinct word instead of once per occurrence.
#[derive(Default)]
struct ResolvedWords {
    /// Word → where its rows start in `rows`, and how many there are.
    spans: FxHashMap<String, (u32, u32)>,
    rows: Vec<usize>,
}

impl ResolvedWords {
    /// The rows of `word` onto `out` (cleared first), as [`StaticEmbedder::resolve`] without
    /// guide words gives them.
    fn resolve(&mut self, table: &StaticEmbedder, word: &str, out: &mut Vec<usize>) {
        if let Some(&(start, len)) = self.spans.get(word) {
            out.clear();
            out.extend_from_slice(&self.rows[start as usize..(start + len) as usize]);
            return;
        }
        table.resolve(word, false, None, out);
        self.spans
            .insert(word.to_string(), (self.rows.len() as u32, out.len() as u32));
        self.rows.extend_from_slice(out);
    }
}

/// The words of a set of guide texts, as [`GuideWords`]: completions by frequency, unfolding
/// and one-typo correction by lookup. For an index without its own (and for tests).
#[derive(Debug, Default, Clone)]
pub struct GuideVocabulary {
    /// Words, sorted, with their counts.
    sorted: Vec<(String, u32)>,
    /// Folded word → the most frequent word folding to it.
    unfolded: FxHashMap<String, usize>,
    /// Each word with one letter dropped or two adjacent letters swapped → the word.
    edits: FxHashMap<String, usize>,
}

impl GuideVocabulary {
    /// The vocabulary of these texts.
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut counts: FxHashMap<String, u32> = FxHashMap::default();
        for t in texts {
            for w in words(t) {
                *counts.entry(w.text).or_default() += 1;
            }
        }
        let mut sorted: Vec<(String, u32)> = counts.into_iter().collect();
        sorted.sort();
        let mut out = Self {
            sorted,
            ..Self::default()
        };
        for (i, (w, c)) in out.sorted.iter().enumerate() {
            let better = |j: &usize| out.sorted[*j].1 < *c;
            let f = fold(w);
            if f != *w {
                match out.unfolded.get(&f) {
                    Some(j) if !better(j) => {}
                    _ => {
                        out.unfolded.insert(f, i);
                    }
                }
            }
            let chars: Vec<char> = w.chars().collect();
            if chars.len() < 4 {
                continue;
            }
            for k in 0..chars.len() {
                let mut e: String = chars[..k].iter().collect();
                e.extend(&chars[k + 1..]);
                match out.edits.get(&e) {
                    Some(j) if !better(j) => {}
                    _ => {
                        out.edits.insert(e, i);
                    }
                }
                if k + 1 < chars.len() {
                    let mut s = chars.clone();
                    s.swap(k, k + 1);
                    let e: String = s.into_iter().collect();
                    match out.edits.get(&e) {
                        Some(j) if !better(j) => {}
                        _ => {
                            out.edits.insert(e, i);
                        }
                    }
                }
            }
        }
        out
    }
}

impl GuideWords for GuideVocabulary {
    fn completions(&self, prefix: &str, n: usize) -> Vec<&str> {
        let start = self.sorted.partition_point(|(w, _)| w.as_str() < prefix);
        let mut found: Vec<&(String, u32)> = self.sorted[start..]
            .iter()
            .take_while(|(w, _)| w.starts_with(prefix))
            .filter(|(w, _)| w.len() > prefix.len())
            .collect();
        found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        found.into_iter().take(n).map(|(w, _)| w.as_str()).collect()
    }

    fn unfold(&self, word: &str) -> Option<&str> {
        self.unfolded.get(word).map(|&i| self.sorted[i].0.as_str())
    }

    fn correct(&self, word: &str) -> Option<&str> {
        // The typed word is a guide word with a letter dropped or swapped…
        if let Some(&i) = self.edits.get(word) {
            return Some(self.sorted[i].0.as_str());
        }
        // …or has one letter too many.
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < 5 {
            return None;
        }
        let mut best: Option<&(String, u32)> = None;
        for k in 0..chars.len() {
            let mut e: String = chars[..k].iter().collect();
            e.extend(&chars[k + 1..]);
            if let Ok(i) = self.sorted.binary_search_by(|(w, _)| w.as_str().cmp(&e)) {
                let cand = &self.sorted[i];
                if best.is_none_or(|b| cand.1 > b.1) {
                    best = Some(cand);
                }
            }
        }
        best.map(|(w, _)| w.as_str())
    }
}

/// `acc += f × row`, the row's bytes read as int8 values: with AVX2 where the processor has it
/// (checked once, then a load and a branch per call), else for any x86-64 (SSE2). Embedding a
/// guide adds a row for each of its words, a quarter of loading guides; each value is the same
/// multiply and add either way (no fused multiply-add), so the vectors are the same to the bit.
fn add_scaled(acc: &mut [f32], row: &[u8], f: f32) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above; the function touches only the two
        // slices, within their lengths.
        unsafe { add_scaled_avx2(acc, row, f) };
        return;
    }
    add_scaled_lanes(acc, row, f);
}

/// [`add_scaled`] as plain Rust, which the compiler turns into vectors of the width it may use.
#[inline(always)]
fn add_scaled_lanes(acc: &mut [f32], row: &[u8], f: f32) {
    for (a, &q) in acc.iter_mut().zip(row) {
        *a += f * f32::from(q as i8);
    }
}

/// [`add_scaled_lanes`] compiled for AVX2: eight values a step instead of four.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn add_scaled_avx2(acc: &mut [f32], row: &[u8], f: f32) {
    add_scaled_lanes(acc, row, f);
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::embed::cosine;

    /// A table file in the VVEC format, as scripts/build_static_vectors.py writes it.
    fn table_bytes(name: &str, dim: usize, entries: &[(&str, f32, Vec<i8>)]) -> Vec<u8> {
        let mut entries: Vec<&(&str, f32, Vec<i8>)> = entries.iter().collect();
        entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(name.len() as u32).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.resize(align4(out.len()), 0);
        let blob: Vec<u8> = entries.iter().flat_map(|e| e.0.bytes()).collect();
        for n in [dim, entries.len(), blob.len()] {
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        let mut off = 0u32;
        out.extend_from_slice(&off.to_le_bytes());
        for e in &entries {
            off += e.0.len() as u32;
            out.extend_from_slice(&off.to_le_bytes());
        }
        out.extend_from_slice(&blob);
        out.resize(align4(out.len()), 0);
        for e in &entries {
            out.extend_from_slice(&e.1.to_le_bytes());
        }
        for _ in &entries {
            out.extend_from_slice(&0.5f32.to_le_bytes());
        }
        for e in &entries {
            assert_eq!(e.2.len(), dim);
            out.extend(e.2.iter().map(|&q| q as u8));
        }
        out
    }

    /// A batch looks each distinct word up once; its vectors are those of each text embedded
    /// alone, bit for bit: known words, repeated words, compounds, folded and unknown words,
    /// hyphenated ones.
    #[test]
    fn every_key_is_one_word_as_the_tokenizer_gives_it() {
        // `nearest` reads a known word's cosine off its row on this ground.
        let table = StaticEmbedder::bundled();
        for i in 0..table.count {
            let key = table.key(i);
            let ws = words(key);
            assert!(
                ws.len() == 1 && ws[0].text == key && ws[0].hyphen_parts.is_empty(),
                "{key:?}"
            );
        }
    }

    #[test]
    fn nearest_reads_the_same_cosines_as_the_word_vectors() {
        let table = StaticEmbedder::bundled();
        let guide = [
            "lösenord",
            "inloggning",
            "semester",
            "lösenordsbyte",
            "xyzzyq",
        ];
        let (word, cosine) = table.nearest("glömt", guide).unwrap();
        let t = table.word_vector("glömt").unwrap();
        let expected = guide
            .iter()
            .filter_map(|g| Some((*g, crate::embed::cosine(&t, &table.word_vector(g)?))))
            .fold(None, |best: Option<(&str, f32)>, (g, c)| {
                if best.is_none_or(|(_, b)| c > b) {
                    Some((g, c))
                } else {
                    best
                }
            })
            .unwrap();
        assert_eq!(word, expected.0);
        assert!(
            (cosine - expected.1).abs() < 1e-4,
            "{cosine} vs {}",
            expected.1
        );
    }

    #[test]
    fn prepare_builds_the_folded_keys_before_any_lookup() {
        let bytes = table_bytes("x", 1, &[("båt", 1.0, vec![1]), ("hus", 1.0, vec![1])]);
        let table = StaticEmbedder::from_bytes(Box::leak(bytes.into_boxed_slice())).unwrap();
        assert!(table.folded.get().is_none(), "built on first need");
        table.prepare();
        let folded = table.folded.get().expect("built by prepare");
        assert_eq!(folded.get("bat"), Some(&0));
        assert_eq!(folded.len(), 1, "only keys with diacritics");
    }

    #[test]
    fn a_batch_embeds_each_text_as_alone() {
        let table = StaticEmbedder::bundled();
        let texts = [
            "Byta lösenord. Jag har glömt mitt lösenord.",
            "lösenordsbyte och e-post, losenord, xqzzyv, glömt lösenord",
            "Lösenord glömt? Byt lösenordet via e-tjänsten",
            "",
            "xqzzyv",
        ];
        for kind in [TextKind::Passage, TextKind::Query] {
            let batch = table.embed(&texts, kind).unwrap();
            assert_eq!(batch.len(), texts.len());
            for (text, got) in texts.iter().zip(&batch) {
                let mut alone = vec![0.0; table.dim()];
                table.embed_into(text, kind, None, &mut alone);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(got), bits(&alone), "{text:?}");
            }
        }
        assert!(batch_nonzero(table, &texts[..3]));
    }

    fn batch_nonzero(table: &StaticEmbedder, texts: &[&str]) -> bool {
        let batch = table.embed(texts, TextKind::Passage).unwrap();
        batch.iter().all(|v| v.iter().any(|&x| x != 0.0))
    }

    fn tiny_bytes() -> Vec<u8> {
        table_bytes(
            "tiny-v1",
            3,
            &[
                ("lösenord", 0.9, vec![100, 0, 0]),
                ("byte", 0.8, vec![0, 100, 0]),
                ("byta", 0.8, vec![0, 90, 10]),
                ("inloggning", 0.9, vec![90, 20, 0]),
                ("soptunna", 0.9, vec![0, 0, 100]),
                ("och", 0.01, vec![50, 50, 50]),
                ("ös", 0.9, vec![0, 0, -100]),
            ],
        )
    }

    fn tiny() -> StaticEmbedder {
        StaticEmbedder::from_bytes(Box::leak(tiny_bytes().into_boxed_slice())).unwrap()
    }

    fn vector(
        t: &StaticEmbedder,
        text: &str,
        kind: TextKind,
        g: Option<&dyn GuideWords>,
    ) -> Vec<f32> {
        let mut v = vec![0.0; t.dim()];
        t.embed_into(text, kind, g, &mut v);
        v
    }

    fn close(a: &[f32], b: &[f32]) -> bool {
        a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5)
    }

    #[test]
    fn reads_the_header_and_finds_words() {
        let t = tiny();
        assert_eq!((t.name(), t.dim(), t.len()), ("tiny-v1", 3, 7));
        assert_eq!(t.key(t.find("soptunna").unwrap()), "soptunna");
        assert_eq!(t.find("sop"), None);
        assert!((t.weight(t.find("och").unwrap()) - 0.01).abs() < 1e-7);
    }

    #[test]
    fn a_text_is_the_weighted_mean_of_its_words() {
        let t = tiny();
        // lösenord (0.9 × 50, 0, 0) + och (0.01 × 25, 25, 25), normalised.
        let raw = [0.9 * 50.0 + 0.01 * 25.0, 0.01 * 25.0, 0.01 * 25.0];
        let n = raw.iter().map(|x: &f32| x * x).sum::<f32>().sqrt();
        let want: Vec<f32> = raw.iter().map(|x| x / n).collect();
        assert!(close(
            &vector(&t, "Lösenord och", TextKind::Passage, None),
            &want
        ));
        // Unknown words add nothing.
        assert!(close(
            &vector(&t, "lösenord och qwzx", TextKind::Passage, None),
            &want
        ));
    }

    #[test]
    fn nothing_known_gives_zeros() {
        let t = tiny();
        let mut v = vec![1.0; 3];
        assert!(!t.embed_into("qwzx blorp", TextKind::Passage, None, &mut v));
        assert_eq!(v, vec![0.0; 3]);
    }

    #[test]
    fn missing_diacritics_and_compounds_resolve() {
        let t = tiny();
        let mut rows = Vec::new();
        t.resolve("losenord", false, None, &mut rows);
        assert_eq!(rows, vec![t.find("lösenord").unwrap()]);
        t.resolve("lösenordsbyte", false, None, &mut rows);
        assert_eq!(
            rows,
            vec![t.find("lösenord").unwrap(), t.find("byte").unwrap()]
        );
        t.resolve("lösenordbyte", false, None, &mut rows);
        assert_eq!(
            rows,
            vec![t.find("lösenord").unwrap(), t.find("byte").unwrap()]
        );
        t.resolve("qwzxbyte", false, None, &mut rows);
        assert!(rows.is_empty());
    }

    #[test]
    fn guide_words_complete_and_correct() {
        let t = tiny();
        let g = GuideVocabulary::from_texts(["Byta lösenord", "byta soptunna", "byte"]);
        assert_eq!(g.completions("by", 3), vec!["byta", "byte"]);
        assert_eq!(g.correct("lösnord"), Some("lösenord"));
        assert_eq!(g.correct("lösneord"), Some("lösenord"));
        assert_eq!(g.correct("lösenordd"), Some("lösenord"));
        assert_eq!(g.unfold("soptunna"), None);
        let mut rows = Vec::new();
        // Half typed: the guides' completions, most frequent first.
        t.resolve("by", true, Some(&g), &mut rows);
        assert_eq!(rows, vec![t.find("byta").unwrap(), t.find("byte").unwrap()]);
        // Finished: only itself.
        t.resolve("byte", false, Some(&g), &mut rows);
        assert_eq!(rows, vec![t.find("byte").unwrap()]);
        t.resolve("lösnord", false, Some(&g), &mut rows);
        assert_eq!(rows, vec![t.find("lösenord").unwrap()]);
        // A query's last word is open until a space follows it.
        let open = vector(&t, "lösenord by", TextKind::Query, Some(&g));
        let done = vector(&t, "lösenord by ", TextKind::Query, Some(&g));
        assert!(open[1] > 0.1);
        assert!(close(
            &done,
            &vector(&t, "lösenord", TextKind::Passage, None)
        ));
    }

    #[test]
    fn nearest_names_the_closest_guide_word() {
        let t = tiny();
        let (word, c) = t
            .nearest("lösenord", ["soptunna", "inloggning", "qwzx"])
            .unwrap();
        assert_eq!(word, "inloggning");
        assert!(c > 0.9);
        assert_eq!(t.nearest("qwzx", ["lösenord"]), None);
    }

    #[test]
    fn the_trait_embeds_every_text() {
        let t = tiny();
        let e: &dyn Embedder = &t;
        let v = e
            .embed(&["lösenord", "qwzx", "soptunna"], TextKind::Passage)
            .unwrap();
        assert_eq!(v.len(), 3);
        assert!((cosine(&v[0], &v[0]) - 1.0).abs() < 1e-5);
        assert_eq!(v[1], vec![0.0; 3]);
        assert!(cosine(&v[0], &v[2]).abs() < 1e-5);
    }

    #[test]
    fn bad_bytes_are_refused() {
        let good = tiny_bytes();
        let leak = |b: Vec<u8>| -> &'static [u8] { Box::leak(b.into_boxed_slice()) };
        let mut bad = good.clone();
        bad[0] = b'X';
        assert!(matches!(
            StaticEmbedder::from_bytes(leak(bad)),
            Err(EmbedError::Format(_))
        ));
        let mut bad = good.clone();
        bad[4] = 9;
        assert!(matches!(
            StaticEmbedder::from_bytes(leak(bad)),
            Err(EmbedError::Format(_))
        ));
        let short = good[..good.len() - 1].to_vec();
        assert!(matches!(
            StaticEmbedder::from_bytes(leak(short)),
            Err(EmbedError::Format(_))
        ));
        let sorted_by_the_writer = table_bytes("x", 1, &[("b", 1.0, vec![1]), ("a", 1.0, vec![1])]);
        assert!(StaticEmbedder::from_bytes(leak(sorted_by_the_writer)).is_ok());
        // Swap the two one-byte keys in the blob: now unsorted.
        let mut swapped = table_bytes("x", 1, &[("a", 1.0, vec![1]), ("b", 1.0, vec![1])]);
        let at = swapped.windows(2).rposition(|w| w == b"ab").unwrap();
        swapped[at] = b'b';
        swapped[at + 1] = b'a';
        assert!(matches!(
            StaticEmbedder::from_bytes(leak(swapped)),
            Err(EmbedError::Format(_))
        ));
    }

    #[test]
    fn a_file_is_memory_mapped() {
        let path =
            std::env::temp_dir().join(format!("vagvisare-embed-{}.vvec", std::process::id()));
        std::fs::write(&path, tiny_bytes()).unwrap();
        let mapped = StaticEmbedder::open(&path).unwrap();
        let t = tiny();
        assert_eq!(mapped.len(), t.len());
        assert_eq!(
            vector(&mapped, "lösenordsbyte och", TextKind::Passage, None),
            vector(&t, "lösenordsbyte och", TextKind::Passage, None)
        );
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(
            StaticEmbedder::open(&path),
            Err(EmbedError::Io { .. })
        ));
    }

    #[test]
    fn the_sampled_lookup_finds_what_a_search_of_every_key_finds() {
        let t = StaticEmbedder::bundled();
        // Every key at its place; and around each, words that are not keys (a longer word, a
        // shorter one, one just before it in order) found nowhere, as a plain binary search
        // over all the keys says.
        let plain = |w: &str| t.find_between(w.as_bytes(), 0, t.len());
        let mut shared_prefixes = 0;
        for i in 0..t.len() {
            let key = t.key(i);
            assert_eq!(t.find(key), Some(i), "{key}");
            if i > 0 && prefix8(t.key_bytes(i - 1)) == prefix8(key.as_bytes()) {
                shared_prefixes += 1;
            }
            if i % 7 == 0 {
                let mut shorter = key.to_string();
                shorter.pop();
                let near = [
                    format!("{key}x"),
                    format!("{key}a"),
                    shorter,
                    format!("{key}\u{7f}"),
                ];
                for w in &near {
                    assert_eq!(t.find(w), plain(w), "{w}");
                }
            }
        }
        // The table has runs of keys longer than eight bytes that share their first eight.
        assert!(shared_prefixes > 1_000, "{shared_prefixes}");
        for w in ["", "a", "zzzzzzzzzzzz", "ö", "öööööööööö", "\u{10ffff}"] {
            assert_eq!(t.find(w), plain(w), "{w}");
        }
    }

    #[test]
    fn the_bundled_table_loads_and_knows_swedish() {
        let t = StaticEmbedder::bundled();
        assert_eq!(t.name(), BUNDLED_NAME);
        assert!(t.len() > 10_000, "{} words", t.len());
        for w in ["lösenord", "logga", "sjuk", "och"] {
            assert!(t.find(w).is_some(), "{w}");
        }
        let v = |w: &str| t.word_vector(w).unwrap();
        assert!(cosine(&v("lösenord"), &v("logga")) > cosine(&v("lösenord"), &v("sjuk")));
        assert_eq!(
            t.nearest("lösenord", ["sjuk", "parkering", "logga"])
                .map(|n| n.0),
            Some("logga")
        );
        // A compound the table lacks is its parts.
        assert!(t.find("lösenordsbyte").is_none());
        let mut rows = Vec::new();
        t.resolve("lösenordsbyte", false, None, &mut rows);
        assert_eq!(
            rows,
            vec![t.find("lösenord").unwrap(), t.find("byte").unwrap()]
        );
        // Common words weigh less than rare ones.
        assert!(t.weight(t.find("och").unwrap()) < t.weight(t.find("lösenord").unwrap()));
    }

    /// Adding rows gives the same sums to the bit whichever way it runs (lengths not a multiple
    /// of the vector width included), so a guide's vector does not depend on the processor.
    #[test]
    fn adding_a_row_is_the_same_with_and_without_avx2() {
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        for len in [0usize, 1, 7, 8, 31, 256, 259] {
            let (mut a, mut b) = (vec![0f32; len], vec![0f32; len]);
            for _ in 0..20 {
                let row: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                let f = (next() % 10_000) as f32 / 3_333.0 - 1.5;
                add_scaled(&mut a, &row, f);
                for (x, &q) in b.iter_mut().zip(&row) {
                    *x += f * f32::from(q as i8);
                }
            }
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "length {len}");
            assert!(len == 0 || a.iter().any(|&x| x != 0.0));
        }
    }
}
