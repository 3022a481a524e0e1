//! Stage 3b, **Semantic**: evidence that needs no shared word. Each guide's text and each of its
//! learned texts has a vector (made by an [`Embedder`](crate::embed::Embedder) when the guide
//! was written, stored with it); the typed text gets one at search time; their cosine is the
//! semantic score of the guide (the best of its vectors, as a vector store scores a document by
//! its best passage).
//!
//! Two things happen with it:
//!
//! - **Candidates**: the guides nearest the typed text join the lexical candidates, even when
//!   they share no word with it. Every stored vector is compared (exact), while the index holds
//!   at most [`Weights::semantic_scan`](crate::guide::Weights::semantic_scan) of them; beyond
//!   that only the lexical candidates are re-scored.
//! - **Fusion**: over the candidates, lexical and semantic scores are each scaled to 0–1
//!   (min–max) and mixed, `(1 − w) × lexical + w × semantic`, with `w` the semantic weight.
//!
//! Storage: a document's vectors are one value of its `vectors` fast field, a block per
//! embedder: the embedder's [key](crate::embed::embedder_key) (u32), the dimension (u16), the
//! number of vectors (u16), then per vector its scale (f32) and its values as int8 (value =
//! int8 × scale). [`VectorSet`] is every vector of one embedder in one committed state, copied
//! into one array at the first search that needs it.

use std::ops::Range;
use std::sync::atomic::AtomicBool;

use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::index::SegmentId;
use tantivy::{DocAddress, DocId, Searcher};

use super::super::index::ReadErrors;
use super::filter::allowed;
use super::groups;
use crate::embed::GuideWords;
use crate::guide::plan::{MatchKind, QueryPlan};
use crate::guide::schema::{Form, VECTORS};

/// Bytes before a block's vectors: key, dimension, count.
const HEADER: usize = 8;

/// Appends the block of `vectors` made by the embedder of `key` to a document's value.
/// Vectors of zeros are kept (they are near nothing). At most `u16::MAX` vectors are kept.
pub(crate) fn encode(out: &mut Vec<u8>, key: u32, vectors: &[Vec<f32>]) {
    let Some(dim) = vectors.first().map(Vec::len) else {
        return;
    };
    let count = vectors.len().min(usize::from(u16::MAX));
    let Ok(dim16) = u16::try_from(dim) else {
        return;
    };
    out.extend(key.to_le_bytes());
    out.extend(dim16.to_le_bytes());
    out.extend((count as u16).to_le_bytes());
    for v in &vectors[..count] {
        let (scale, values) = quantise(v);
        out.extend(scale.to_le_bytes());
        out.extend(values.into_iter().map(|x| x as u8));
    }
}

/// A vector as int8 values and the scale that brings them back.
/// Rows a scan asks of memory ahead of the one it compares ([`VectorSet::nearest`]): eight rows
/// of 256 values are 2 KiB, some hundred nanoseconds of comparing ahead.
const SCAN_AHEAD: usize = 8;

pub(super) fn quantise(v: &[f32]) -> (f32, Vec<i8>) {
    let max = v
        .iter()
        .filter(|x| x.is_finite())
        .fold(0f32, |m, x| m.max(x.abs()));
    if max == 0.0 {
        return (0.0, vec![0; v.len()]);
    }
    let scale = max / 127.0;
    let values = v
        .iter()
        .map(|x| {
            if x.is_finite() {
                (x / scale).round().clamp(-127.0, 127.0) as i8
            } else {
                0
            }
        })
        .collect();
    (scale, values)
}

/// The vectors of embedder `key` in one stored value: `(dim, count, bytes of the rows)`.
fn block(value: &[u8], key: u32) -> Option<(usize, usize, &[u8])> {
    let mut at = 0;
    while at + HEADER <= value.len() {
        let k = u32::from_le_bytes(value[at..at + 4].try_into().ok()?);
        let dim = usize::from(u16::from_le_bytes(value[at + 4..at + 6].try_into().ok()?));
        let count = usize::from(u16::from_le_bytes(value[at + 6..at + 8].try_into().ok()?));
        let len = count * (4 + dim);
        let rows = value.get(at + HEADER..at + HEADER + len)?;
        if k == key {
            return Some((dim, count, rows));
        }
        at += HEADER + len;
    }
    None
}

/// Every stored vector of one embedder in one committed state: one row per vector, with the
/// document and guide (group) it belongs to and which of the document's texts it is.
#[derive(Debug, Default)]
pub(crate) struct VectorSet {
    dim: usize,
    /// Row-major int8 values.
    values: Vec<i8>,
    scales: Vec<f32>,
    docs: Vec<DocAddress>,
    groups: Vec<u64>,
    /// Which text of its document a row is: 0 for the first (a guide's own text, or a passage's
    /// first learned text), and so on.
    texts: Vec<u16>,
    /// Rows of each guide.
    by_group: FxHashMap<u64, Vec<u32>>,
    /// Row of each document's first vector.
    by_doc: FxHashMap<DocAddress, u32>,
    /// Live documents with no vector of this embedder (written before it was chosen).
    pub(crate) missing: usize,
    /// Each segment (by its ordinal in the searcher) and its rows.
    segments: Vec<(SegmentId, Range<usize>)>,
    /// Set once every large segment's graph is ready (see [`super::ann`]).
    pub(crate) graphs_complete: AtomicBool,
    /// The direction the rows share most, and each row's length along it ([`Common`]).
    common: Common,
}

/// The direction every row of a set shares most (its first principal direction, not centred:
/// for static vectors much of it is what all Swedish text has in common), as int8 values and
/// their scale, and each row's component along it. Taking a share of it out of both sides of a
/// cosine is the second step of SIF (Arora et al., 2017, "A simple but tough-to-beat baseline
/// for sentence embeddings"): what is left tells texts apart by what they are about.
#[derive(Debug, Default)]
struct Common {
    direction: Vec<i8>,
    scale: f32,
    along: Vec<f32>,
    /// The share a search is expected to take out (the index's weight when the set was built),
    /// and for it each row's `1 / √(1 − k·along²)`, its length once the share is out (`k` as in
    /// [`Centring::removed`]): what a scan would otherwise take a square root a row for.
    share: f32,
    rest: Vec<f32>,
}

/// `2s − s²` for a share `s` of a direction taken out of two unit vectors: how much of the
/// product of their components along it, and of each one's squared length, goes with it.
fn removed(share: f32) -> f32 {
    2.0 * share - share * share
}

/// `1 / √(1 − k·along²)`: a unit vector's inverse length once `k` of its component `along` is out.
fn inverse_rest(k: f32, along: f32) -> f32 {
    1.0 / (1.0 - k * along * along).max(1e-6).sqrt()
}

/// Rows [`Common`] is estimated from: a spread sample, so that the estimate costs the same at
/// any size (some milliseconds).
const COMMON_SAMPLE: usize = 4096;

/// Steps of the power iteration that finds [`Common`]'s direction, from the rows' mean (which
/// is already near it: the direction is the rows' shared part).
const COMMON_STEPS: usize = 12;

/// How a search reads cosines: plain, or with a share of the set's [`Common`] direction taken
/// out of both sides ([`VectorSet::centring`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Centring {
    /// The typed text's component along the direction.
    query_along: f32,
    /// Its inverse length once the share is out ([`inverse_rest`]).
    query_rest: f32,
    /// [`removed`] of the share: 0 for plain cosines.
    removed: f32,
    /// Whether the rows' [`Common::rest`] was computed for this share.
    kept_rest: bool,
}

impl Centring {
    /// Plain cosines.
    pub(crate) const NONE: Centring = Centring {
        query_along: 0.0,
        query_rest: 1.0,
        removed: 0.0,
        kept_rest: false,
    };

    /// True when the cosines are read plain.
    pub(crate) fn is_plain(&self) -> bool {
        self.removed == 0.0
    }
}

impl VectorSet {
    /// The vectors of embedder `key` (of dimension `dim`) in every live document of `searcher`.
    /// What cannot be read is counted in `errors` and counts as missing.
    /// `share`: the share of the rows' [`Common`] direction searches will take out (the rows'
    /// lengths without it are kept for that share; any other is computed as it is read); 0:
    /// none is found, and every cosine of the set is plain.
    pub(crate) fn build(
        searcher: &Searcher,
        key: u32,
        dim: usize,
        errors: &ReadErrors,
        share: f32,
    ) -> Self {
        let mut set = VectorSet {
            dim,
            ..Self::default()
        };
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let start = set.len();
            set.build_segment(ord, segment, key, errors);
            set.segments.push((segment.segment_id(), start..set.len()));
        }
        set.common = set.common_direction(share);
        set
    }

    /// [`Common`] of the rows, their lengths kept for `share` (empty for a set without rows, or
    /// for a share of 0).
    fn common_direction(&self, share: f32) -> Common {
        let n = self.len();
        let share = share.clamp(0.0, 1.0);
        if n == 0 || self.dim == 0 || share == 0.0 {
            return Common::default();
        }
        let dim = self.dim;
        let step = n.div_ceil(COMMON_SAMPLE);
        let sample: Vec<Vec<f32>> = (0..n).step_by(step).map(|r| self.vector(r)).collect();
        let mut direction = vec![0f32; dim];
        for x in &sample {
            direction.iter_mut().zip(x).for_each(|(d, v)| *d += v);
        }
        for _ in 0..COMMON_STEPS {
            if !crate::embed::normalise(&mut direction) {
                return Common::default();
            }
            let mut next = vec![0f32; dim];
            for x in &sample {
                let along: f32 = x.iter().zip(&direction).map(|(a, b)| a * b).sum();
                next.iter_mut().zip(x).for_each(|(d, v)| *d += along * v);
            }
            direction = next;
        }
        if !crate::embed::normalise(&mut direction) {
            return Common::default();
        }
        let (scale, direction) = quantise(&direction);
        let along: Vec<f32> = (0..n)
            .map(|r| dot(self.row(r), &direction) as f32 * self.scales[r] * scale)
            .collect();
        let k = removed(share);
        let rest = along.iter().map(|&x| inverse_rest(k, x)).collect();
        Common {
            direction,
            scale,
            along,
            share,
            rest,
        }
    }

    /// How to read cosines with `share` (0 to 1) of the common direction taken out of both
    /// sides; plain when `share` is 0 or the set has no direction.
    pub(crate) fn centring(&self, query: &Query, share: f32) -> Centring {
        let share = share.clamp(0.0, 1.0);
        if share == 0.0 || self.common.direction.len() != query.values.len() {
            return Centring::NONE;
        }
        let k = removed(share);
        let query_along =
            dot(&query.values, &self.common.direction) as f32 * query.scale * self.common.scale;
        Centring {
            query_along,
            query_rest: inverse_rest(k, query_along),
            removed: k,
            kept_rest: share == self.common.share,
        }
    }

    /// The cosine of the query with row `r`, read as `centring` says: with its share of the
    /// common direction out of both, `(c − k·x·q) / (|row'|·|query'|)`.
    fn cosine(&self, query: &Query, r: usize, centring: Centring) -> f32 {
        let c = query.cosine(self, r);
        if centring.is_plain() {
            return c;
        }
        let (k, x) = (centring.removed, self.common.along[r]);
        let row_rest = if centring.kept_rest {
            self.common.rest[r]
        } else {
            inverse_rest(k, x)
        };
        (c - k * x * centring.query_along) * row_rest * centring.query_rest
    }

    /// Adds the rows of one segment.
    fn build_segment(
        &mut self,
        ord: usize,
        segment: &tantivy::SegmentReader,
        key: u32,
        errors: &ReadErrors,
    ) {
        let alive = segment.alive_bitset();
        let live = |doc: DocId| alive.is_none_or(|a| a.is_alive(doc));
        let column = errors.or(segment.fast_fields().bytes(VECTORS), None);
        let group_of = groups(segment, errors);
        let Some(column) = column else {
            self.missing += (0..segment.max_doc()).filter(|&d| live(d)).count();
            return;
        };
        // Values are dictionary-encoded: note each document's value ordinal, then read the
        // dictionary once, in ordinal order.
        let mut wanted: Vec<(u64, DocId)> = (0..segment.max_doc())
            .filter(|&d| live(d))
            .filter_map(|d| {
                let ord = column.term_ords(d).next();
                if ord.is_none() {
                    self.missing += 1;
                }
                ord.map(|o| (o, d))
            })
            .collect();
        wanted.sort_unstable();
        let mut stream = match column.dictionary().stream() {
            Ok(s) => s,
            Err(e) => {
                errors.note(&e);
                self.missing += wanted.len();
                return;
            }
        };
        let mut next = wanted.iter().peekable();
        while next.peek().is_some() && stream.advance() {
            let term = stream.term_ord();
            while let Some(&&(o, doc)) = next.peek() {
                if o > term {
                    break;
                }
                next.next();
                if o < term {
                    continue;
                }
                let address = DocAddress::new(ord as u32, doc);
                let group = group_of.as_ref().and_then(|c| c.first(doc));
                if !self.push(address, group, stream.key(), key) {
                    self.missing += 1;
                }
            }
        }
    }

    /// Adds the rows of one document's value; false when it holds none of embedder `key`.
    fn push(&mut self, address: DocAddress, group: Option<u64>, value: &[u8], key: u32) -> bool {
        let Some((dim, count, rows)) = block(value, key) else {
            return false;
        };
        if dim != self.dim || count == 0 {
            return false;
        }
        self.by_doc.insert(address, self.scales.len() as u32);
        let group =
            group.unwrap_or(u64::from(address.doc_id) | (u64::from(address.segment_ord) << 32));
        for (i, row) in rows.chunks_exact(4 + dim).enumerate() {
            let row_number = self.scales.len() as u32;
            self.scales
                .push(f32::from_le_bytes([row[0], row[1], row[2], row[3]]));
            self.values.extend(row[4..].iter().map(|&b| b as i8));
            self.docs.push(address);
            self.groups.push(group);
            self.texts.push(i as u16);
            self.by_group.entry(group).or_default().push(row_number);
        }
        true
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.scales.len()
    }

    /// Asks the processor to bring row `r` into its cache ([`crate::embed::prefetch`]).
    fn prefetch(&self, r: usize) {
        if let Some(row) = self.values.get(r * self.dim..(r + 1) * self.dim) {
            crate::embed::prefetch(row);
        }
    }

    fn row(&self, r: usize) -> &[i8] {
        &self.values[r * self.dim..(r + 1) * self.dim]
    }

    /// The best row of a document's guide for `query`: its cosine (read as `centring` says)
    /// and row number.
    pub(crate) fn best_of(
        &self,
        query: &Query,
        address: DocAddress,
        centring: Centring,
    ) -> Option<(f32, usize)> {
        let first = *self.by_doc.get(&address)? as usize;
        let rows = self.by_group.get(&self.groups[first])?;
        rows.iter()
            .map(|&r| (self.cosine(query, r as usize, centring), r as usize))
            .max_by(|a, b| a.0.total_cmp(&b.0))
    }

    /// The guide (group) of a document that has vectors.
    pub(crate) fn group(&self, address: DocAddress) -> Option<u64> {
        self.by_doc.get(&address).map(|&r| self.groups[r as usize])
    }

    /// The document and text number of a row.
    pub(crate) fn source(&self, row: usize) -> (DocAddress, u16) {
        (self.docs[row], self.texts[row])
    }

    /// The `n` guides nearest `query` that `admitted` lets through and `skip` does not hold: per
    /// guide its best row's cosine and the row, best first. Every row is compared.
    pub(crate) fn nearest(
        &self,
        query: &Query,
        centring: Centring,
        n: usize,
        skip: &FxHashSet<u64>,
        admitted: impl Fn(DocAddress) -> bool,
    ) -> Vec<(f32, usize)> {
        self.scan(query, centring, n, skip, admitted, self.len(), |k| k)
    }

    /// The same among `rows` only.
    pub(crate) fn nearest_among(
        &self,
        query: &Query,
        centring: Centring,
        n: usize,
        skip: &FxHashSet<u64>,
        admitted: impl Fn(DocAddress) -> bool,
        rows: &[usize],
    ) -> Vec<(f32, usize)> {
        self.scan(query, centring, n, skip, admitted, rows.len(), |k| rows[k])
    }

    /// The `n` nearest among rows `row_at(0..count)`. Each row is asked of memory
    /// [`SCAN_AHEAD`] rows before it is compared: a first keystroke's scan finds the rows out of
    /// the processor's caches, and reading 256 bytes a row one after the other waited on memory
    /// more than it computed.
    #[allow(clippy::too_many_arguments)]
    fn scan(
        &self,
        query: &Query,
        centring: Centring,
        n: usize,
        skip: &FxHashSet<u64>,
        admitted: impl Fn(DocAddress) -> bool,
        count: usize,
        row_at: impl Fn(usize) -> usize,
    ) -> Vec<(f32, usize)> {
        if n == 0 {
            return Vec::new();
        }
        let mut best: FxHashMap<u64, (f32, usize)> = FxHashMap::default();
        let mut floor = f32::NEG_INFINITY;
        for k in 0..count {
            if k + SCAN_AHEAD < count {
                self.prefetch(row_at(k + SCAN_AHEAD));
            }
            let r = row_at(k);
            let c = self.cosine(query, r, centring);
            if c <= floor || skip.contains(&self.groups[r]) || !admitted(self.docs[r]) {
                continue;
            }
            let e = best.entry(self.groups[r]).or_insert((c, r));
            if c > e.0 {
                *e = (c, r);
            }
            // Keep the map small: once it holds many guides, drop all but the best n.
            if best.len() >= 8 * n.max(8) {
                let mut all: Vec<(u64, (f32, usize))> = best.drain().collect();
                all.sort_by(|a, b| b.1 .0.total_cmp(&a.1 .0));
                all.truncate(n);
                floor = all.last().map_or(floor, |x| x.1 .0);
                best.extend(all);
            }
        }
        let mut out: Vec<(f32, usize)> = best.into_values().collect();
        out.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        out.truncate(n);
        out
    }

    /// Each segment of the searcher the set was built from (by ordinal) and its rows.
    pub(crate) fn segments(&self) -> &[(SegmentId, Range<usize>)] {
        &self.segments
    }

    /// The row of a document's text, when the document is live and has it.
    pub(crate) fn row_of(&self, address: DocAddress, text: u16) -> Option<usize> {
        let row = *self.by_doc.get(&address)? as usize + usize::from(text);
        (row < self.len() && self.docs[row] == address && self.texts[row] == text).then_some(row)
    }

    /// Dimension of the vectors.
    pub(crate) fn dim(&self) -> usize {
        self.dim
    }

    /// A row's int8 values and scale.
    pub(crate) fn raw_row(&self, r: usize) -> (&[i8], f32) {
        (self.row(r), self.scales[r])
    }

    /// A set of the given unit vectors, one guide each, in one segment (tests).
    #[cfg(test)]
    pub(crate) fn from_vectors(vectors: &[Vec<f32>]) -> Self {
        let dim = vectors.first().map_or(0, Vec::len);
        let mut set = VectorSet {
            dim,
            ..Self::default()
        };
        for (i, v) in vectors.iter().enumerate() {
            let mut value = Vec::new();
            encode(&mut value, 1, std::slice::from_ref(v));
            set.push(DocAddress::new(0, i as DocId), Some(i as u64), &value, 1);
        }
        let segment = SegmentId::generate_random();
        set.segments.push((segment, 0..set.len()));
        set
    }

    /// A row's vector, its int8 values times its scale.
    pub(crate) fn vector(&self, r: usize) -> Vec<f32> {
        self.row(r)
            .iter()
            .map(|&x| f32::from(x) * self.scales[r])
            .collect()
    }
}

/// Dot product of two int8 vectors of the same length: with AVX2 where the processor has it
/// (checked once, then a load and a branch per call), else for any x86-64 (SSE2). The exact
/// scan of the semantic stage is this, 10 000 times a completed word: with SSE2 a 256-value
/// row cost about 40 ns, most of a warm keystroke's time at 10 000 guides.
pub(super) fn dot(a: &[i8], b: &[i8]) -> i32 {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above; the function reads only the two
        // slices, within their lengths.
        return unsafe { dot_avx2(a, b) };
    }
    dot_lanes(a, b)
}

/// The dot product with AVX2's multiply-add of 16-bit values: 32 values a step, each half
/// sign-extended to sixteen 16-bit values and multiplied pairwise into eight 32-bit sums
/// (`vpmaddwd`; two products of int8 values never overflow them), in two accumulators. About
/// 10 ns a 256-value row, against about 20 for the compiler's vectors of [`dot_lanes`] (a
/// microbenchmark of 10 000 rows, alternating). The rest of a length not a multiple of 32 is
/// added one value at a time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_avx2(a: &[i8], b: &[i8]) -> i32 {
    use std::arch::x86_64::{
        __m128i, __m256i, _mm256_add_epi32, _mm256_cvtepi8_epi16, _mm256_madd_epi16,
        _mm256_setzero_si256, _mm256_storeu_si256, _mm_loadu_si128,
    };
    let n = a.len().min(b.len());
    let (mut low, mut high) = (_mm256_setzero_si256(), _mm256_setzero_si256());
    let mut i = 0;
    while i + 32 <= n {
        // SAFETY: i + 32 <= n, so both 16-byte loads at i and i + 16 are within both slices;
        // unaligned loads need no alignment.
        let (x0, y0, x1, y1) = unsafe {
            (
                _mm_loadu_si128(a.as_ptr().add(i).cast::<__m128i>()),
                _mm_loadu_si128(b.as_ptr().add(i).cast::<__m128i>()),
                _mm_loadu_si128(a.as_ptr().add(i + 16).cast::<__m128i>()),
                _mm_loadu_si128(b.as_ptr().add(i + 16).cast::<__m128i>()),
            )
        };
        low = _mm256_add_epi32(
            low,
            _mm256_madd_epi16(_mm256_cvtepi8_epi16(x0), _mm256_cvtepi8_epi16(y0)),
        );
        high = _mm256_add_epi32(
            high,
            _mm256_madd_epi16(_mm256_cvtepi8_epi16(x1), _mm256_cvtepi8_epi16(y1)),
        );
        i += 32;
    }
    let mut sums = [0i32; 8];
    // SAFETY: `sums` is 32 bytes, the store's width; unaligned stores need no alignment.
    unsafe {
        _mm256_storeu_si256(
            sums.as_mut_ptr().cast::<__m256i>(),
            _mm256_add_epi32(low, high),
        )
    };
    let rest: i32 = a[i..n]
        .iter()
        .zip(&b[i..n])
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum();
    sums.iter().sum::<i32>() + rest
}

/// The dot product with sixteen lanes summed apart, so that the compiler makes it vector
/// instructions for whichever instruction set the caller is compiled for.
#[inline(always)]
fn dot_lanes(a: &[i8], b: &[i8]) -> i32 {
    const LANES: usize = 16;
    let mut lanes = [0i32; LANES];
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: i32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for i in 0..LANES {
            lanes[i] += i32::from(x[i]) * i32::from(y[i]);
        }
    }
    lanes.iter().sum::<i32>() + tail
}

/// What the plan found for the typed words, lent to the static embedder: the completions of
/// the half-typed last word and the guide words a misspelt word stands for.
pub(crate) struct PlanWords<'a> {
    pub(crate) plan: &'a QueryPlan,
}

impl PlanWords<'_> {
    fn words_of(&self, word: &str, kind: MatchKind) -> Vec<&str> {
        let mut out = Vec::new();
        for qw in self.plan.words.iter().filter(|qw| qw.text == word) {
            for a in qw.alternatives.iter().filter(|a| a.kind == kind) {
                for (form, term) in &a.terms {
                    if *form == Form::Word {
                        out.push(term.as_str());
                    }
                }
            }
        }
        out
    }
}

impl GuideWords for PlanWords<'_> {
    fn completions(&self, prefix: &str, n: usize) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for w in self.words_of(prefix, MatchKind::Prefix) {
            if w.len() > prefix.len() && !out.contains(&w) && out.len() < n {
                out.push(w);
            }
        }
        out
    }

    fn unfold(&self, _word: &str) -> Option<&str> {
        // The plan holds folded stems, not words: the table's own folding answers.
        None
    }

    fn correct(&self, word: &str) -> Option<&str> {
        self.words_of(word, MatchKind::Typo).first().copied()
    }
}

/// A typed text's vector, as int8 with its scale, ready to be compared with stored rows.
pub(crate) struct Query {
    values: Vec<i8>,
    scale: f32,
}

impl Query {
    /// The query of an L2-normalised vector; `None` for a vector of zeros.
    pub(crate) fn new(v: &[f32]) -> Option<Self> {
        let (scale, values) = quantise(v);
        (scale > 0.0).then_some(Self { values, scale })
    }

    /// The int8 values and scale.
    pub(crate) fn raw(&self) -> (&[i8], f32) {
        (&self.values, self.scale)
    }

    /// Cosine with row `r` of `set` (both unit length up to int8 rounding).
    pub(crate) fn cosine(&self, set: &VectorSet, r: usize) -> f32 {
        dot(&self.values, set.row(r)) as f32 * self.scale * set.scales[r]
    }
}

/// A candidate of the fusion: its document, lexical score (0 when only the semantic stage found
/// it) and semantic score (its best cosine, when it has vectors).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fused {
    pub(crate) address: DocAddress,
    pub(crate) lexical: f32,
    pub(crate) semantic: Option<f32>,
    /// The row of its best cosine.
    pub(crate) row: Option<usize>,
    /// Its fused score.
    pub(crate) score: f32,
}

/// How a candidate's cosine is scaled before it is fused ([`fuse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CosineScale {
    /// As a share of the best candidate's (a negative cosine counts 0), as the lexical score
    /// is: the static table's, whose cosines spread widely, so that a small difference stays a
    /// small one (session 23: corona-dev's columns all rose; docs/semantic.md).
    OfBest,
    /// 0–1 over the candidates (min–max; all 1 when they are equal): a sentence encoder's,
    /// whose cosines all lie in a narrow band (multilingual-e5-small's mostly 0.7–0.9), so that
    /// only min–max tells them apart.
    Range,
}

/// Fuses the candidates' scores: the lexical score as a share of the best one (so a guide the
/// words barely reach stays low), the cosine scaled as `scale` says, then
/// `(1 − weight) × lexical + weight × semantic`; a candidate without a vector counts the lowest
/// semantic score. Sorted best first; ties keep the lexical order. (Min–max of the lexical score
/// too, and reciprocal-rank fusion, measured worse: docs/semantic.md.)
pub(crate) fn fuse(candidates: &mut [Fused], weight: f32, scale: CosineScale) {
    let range = |values: &mut dyn Iterator<Item = f32>| {
        values.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        })
    };
    let lhi = candidates.iter().map(|c| c.lexical).fold(0f32, f32::max);
    let (slo, shi) = range(&mut candidates.iter().filter_map(|c| c.semantic));
    let scaled = |x: f32| match scale {
        CosineScale::OfBest if shi > 0.0 => x.max(0.0) / shi,
        CosineScale::OfBest => 0.0,
        CosineScale::Range if shi > slo => (x - slo) / (shi - slo),
        CosineScale::Range => 1.0,
    };
    for c in candidates.iter_mut() {
        let lexical = if lhi > 0.0 { c.lexical / lhi } else { 0.0 };
        let semantic = c.semantic.map_or(0.0, scaled);
        c.score = (1.0 - weight) * lexical + weight * semantic;
    }
    // A stable sort: equal fused scores keep the lexical order they came in.
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
}

/// Whether a document passes the filter (`None`: no filter), per segment, computed once.
pub(crate) fn admitted_by(
    searcher: &Searcher,
    filter: Option<&dyn tantivy::query::Weight>,
) -> impl Fn(DocAddress) -> bool {
    let sets: Option<Vec<_>> = filter.map(|f| {
        searcher
            .segment_readers()
            .iter()
            .map(|s| allowed(f, s))
            .collect()
    });
    move |a: DocAddress| {
        sets.as_ref()
            .is_none_or(|s| s[a.segment_ord as usize].contains(a.doc_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lane_dot_product_is_the_plain_one() {
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 256, 259, 384] {
            let a: Vec<i8> = (0..len).map(|i| (i * 37 % 255) as i8).collect();
            let b: Vec<i8> = (0..len).map(|i| (i * 91 % 253) as i8).collect();
            let plain: i32 = a
                .iter()
                .zip(&b)
                .map(|(&x, &y)| i32::from(x) * i32::from(y))
                .sum();
            assert_eq!(dot(&a, &b), plain, "length {len}");
            assert_eq!(dot_lanes(&a, &b), plain, "length {len}");
        }
        let extreme = vec![-128i8; 300];
        assert_eq!(dot(&extreme, &extreme), 300 * 128 * 128);
        let other = vec![127i8; 300];
        assert_eq!(dot(&extreme, &other), -300 * 128 * 127);
        assert_eq!(dot_lanes(&extreme, &other), -300 * 128 * 127);
    }

    #[test]
    fn a_block_round_trips_within_int8_rounding_and_other_keys_are_skipped() {
        let a = vec![0.6, -0.8, 0.0];
        let b = vec![0.0, 0.0, 1.0];
        let mut value = Vec::new();
        encode(&mut value, 7, &[vec![1.0, 0.0, 0.0]]);
        encode(&mut value, 9, &[a.clone(), b.clone()]);
        let (dim, count, rows) = block(&value, 9).unwrap();
        assert_eq!((dim, count, rows.len()), (3, 2, 2 * 7));
        assert!(block(&value, 8).is_none());
        let mut set = VectorSet {
            dim: 3,
            ..VectorSet::default()
        };
        assert!(set.push(DocAddress::new(0, 4), Some(1), &value, 9));
        assert!(!set.push(DocAddress::new(0, 5), Some(2), &value, 8));
        let q = Query::new(&a).unwrap();
        let (c, row) = set
            .best_of(&q, DocAddress::new(0, 4), Centring::NONE)
            .unwrap();
        assert!((c - 1.0).abs() < 0.02, "{c}");
        assert_eq!(set.source(row), (DocAddress::new(0, 4), 0));
        assert!(Query::new(&[0.0, 0.0, 0.0]).is_none());
    }

    #[test]
    fn fusion_scales_each_kind_and_mixes_them_by_the_weight() {
        let c = |doc, lexical, semantic: Option<f32>| Fused {
            address: DocAddress::new(0, doc),
            lexical,
            semantic,
            row: None,
            score: 0.0,
        };
        let mut cands = vec![
            c(0, 10.0, Some(0.1)),
            c(1, 8.0, Some(0.9)),
            c(2, 0.0, Some(0.5)),
        ];
        fuse(&mut cands, 0.0, CosineScale::Range);
        assert_eq!(
            cands[0].address.doc_id, 0,
            "weight 0 keeps the lexical order"
        );
        fuse(&mut cands, 0.5, CosineScale::Range);
        // doc 1: 0.5 × 0.8 + 0.5 × 1 = 0.9 beats doc 0: 0.5 × 1 + 0 = 0.5.
        assert_eq!(cands[0].address.doc_id, 1);
        assert!((cands[0].score - 0.9).abs() < 1e-6);
        let mut none = vec![c(0, 3.0, None), c(1, 2.0, Some(0.9))];
        fuse(&mut none, 0.9, CosineScale::Range);
        assert_eq!(none[0].address.doc_id, 1, "no vector counts as the lowest");

        // As a share of the best cosine, near cosines stay near: 0.6 against 0.62 moves the
        // guide the words rank second by 0.3 × 0.03, not by the whole weight as min–max would.
        let mut near = vec![c(0, 10.0, Some(0.6)), c(1, 9.0, Some(0.62))];
        fuse(&mut near, 0.3, CosineScale::OfBest);
        assert_eq!(near[0].address.doc_id, 0, "the words' first stays first");
        let expected = 0.7 + 0.3 * 0.6 / 0.62;
        assert!((near[0].score - expected).abs() < 1e-5, "{}", near[0].score);
        fuse(&mut near, 0.3, CosineScale::Range);
        assert_eq!(
            near[0].address.doc_id, 1,
            "min–max: 0.7 × 0.9 + 0.3 beats 0.7"
        );
        let mut negative = vec![c(0, 1.0, Some(-0.2)), c(1, 1.0, Some(0.4))];
        fuse(&mut negative, 0.5, CosineScale::OfBest);
        assert!(
            (negative[1].score - 0.5).abs() < 1e-6,
            "a negative cosine counts 0"
        );
    }

    #[test]
    fn nearest_keeps_each_guide_once_by_its_best_row_and_honours_skip_and_filter() {
        let mut set = VectorSet {
            dim: 2,
            ..VectorSet::default()
        };
        let mut v = Vec::new();
        encode(&mut v, 1, &[vec![1.0, 0.0], vec![0.0, 1.0]]);
        set.push(DocAddress::new(0, 0), Some(10), &v, 1);
        let mut w = Vec::new();
        encode(&mut w, 1, &[vec![0.7, 0.7]]);
        set.push(DocAddress::new(0, 1), Some(11), &w, 1);
        set.push(DocAddress::new(0, 2), Some(12), &w, 1);
        let q = Query::new(&[0.0, 1.0]).unwrap();
        let all = set.nearest(&q, Centring::NONE, 5, &FxHashSet::default(), |_| true);
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].1, 1, "guide 10 by its second row");
        let skip = FxHashSet::from_iter([10u64]);
        let some = set.nearest(&q, Centring::NONE, 5, &skip, |a| a.doc_id != 2);
        assert_eq!(some.len(), 1);
        assert_eq!(set.source(some[0].1).0, DocAddress::new(0, 1));
    }

    /// Unit vectors sharing one direction `u` (weight 0.8) plus a part of their own.
    fn shared(n: usize, dim: usize) -> (Vec<f32>, Vec<Vec<f32>>) {
        let mut u: Vec<f32> = (0..dim).map(|i| ((i * 7 % 11) as f32) - 5.0).collect();
        crate::embed::normalise(&mut u);
        // Each row's own part: uniform in −1..1 (SplitMix64), so the parts share no direction.
        let mut rng = crate::eval::SplitMix(0x9E37_79B9_7F4A_7C15);
        let mut uniform = move || (rng.next() >> 11) as f32 / (1u64 << 53) as f32 * 2.0 - 1.0;
        let rows = (0..n)
            .map(|_| {
                let mut v: Vec<f32> = (0..dim).map(|i| 0.8 * u[i] + 0.1 * uniform()).collect();
                crate::embed::normalise(&mut v);
                v
            })
            .collect();
        (u, rows)
    }

    fn dot_f(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    /// A set of `rows` with its common direction (kept for a share of 0.7), and the direction
    /// as floats.
    fn with_common(rows: &[Vec<f32>]) -> (VectorSet, Vec<f32>) {
        let mut set = VectorSet::from_vectors(rows);
        set.common = set.common_direction(0.7);
        let direction = (set.common.direction.iter())
            .map(|&x| f32::from(x) * set.common.scale)
            .collect();
        (set, direction)
    }

    #[test]
    fn the_common_direction_is_the_one_every_row_shares() {
        let (u, rows) = shared(300, 64);
        let (set, direction) = with_common(&rows);
        let along_u = dot_f(&direction, &u);
        assert!(along_u > 0.97, "{along_u}");
        for (r, row) in rows.iter().enumerate() {
            let expected = dot_f(row, &direction);
            assert!((set.common.along[r] - expected).abs() < 0.03, "row {r}");
        }
        // An empty set has none, nor a set asked for none (a host encoder's): plain cosines.
        let empty = VectorSet::default();
        assert!(empty.common_direction(0.7).direction.is_empty());
        assert!(set.common_direction(0.0).direction.is_empty());
    }

    #[test]
    fn a_centred_cosine_is_the_cosine_of_what_is_left() {
        let (_, rows) = shared(200, 64);
        let (set, direction) = with_common(&rows);
        let mut query_vector: Vec<f32> = rows[7].iter().zip(&rows[9]).map(|(a, b)| a + b).collect();
        crate::embed::normalise(&mut query_vector);
        let query = Query::new(&query_vector).unwrap();
        // Without: the plain cosine, as share 0 and `NONE` read it.
        let plain = set.cosine(&query, 3, Centring::NONE);
        assert_eq!(plain, query.cosine(&set, 3));
        assert_eq!(set.cosine(&query, 3, set.centring(&query, 0.0)), plain);
        for share in [0.7f32, 0.4, 1.0] {
            let centring = set.centring(&query, share);
            assert_eq!(centring.kept_rest, share == 0.7, "share {share}");
            let left = |v: &[f32]| {
                let along = dot_f(v, &direction);
                let mut w: Vec<f32> = v
                    .iter()
                    .zip(&direction)
                    .map(|(x, d)| x - share * along * d)
                    .collect();
                crate::embed::normalise(&mut w);
                w
            };
            let q = left(&query_vector);
            for r in [0, 3, 50, 199] {
                let expected = dot_f(&q, &left(&rows[r]));
                let got = set.cosine(&query, r, centring);
                assert!(
                    (got - expected).abs() < 0.03,
                    "share {share} row {r}: {got} vs {expected}"
                );
            }
        }
        // Taking the shared part out spreads the cosines: a row far from the query falls.
        let centring = set.centring(&query, 1.0);
        let spread = |c: Centring| {
            let all: Vec<f32> = (0..set.len()).map(|r| set.cosine(&query, r, c)).collect();
            all.iter().cloned().fold(f32::MIN, f32::max)
                - all.iter().cloned().fold(f32::MAX, f32::min)
        };
        assert!(spread(centring) > spread(Centring::NONE));
    }
}
