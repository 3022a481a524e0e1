//! Approximate nearest neighbours for the semantic stage, for indexes with more stored vectors
//! than the exact scan compares ([`Weights::semantic_scan`](crate::guide::Weights)): each
//! segment with more than [`GRAPH_MIN_ROWS`] vectors gets an index of its rows in clusters
//! (k-means on the vectors' first [`GRAPH_DIM`] dimensions, an inverted file in the literature),
//! built on a background thread after the commit that made the segment and kept while the
//! segment lives (a later commit adds new segments, and only they need one; a merge makes a new
//! segment, whose index is built then). A search compares the query with every cluster's centre,
//! then every row of the [`PROBE`] nearest clusters, and returns the [`KEEP`] nearest rows, which
//! the whole vectors' cosine then ranks. The public API and the files still call these indexes
//! the semantic stage's graphs: until session 23 they were HNSW graphs (`instant-distance`), whose
//! search read a few hundred pages spread over the process, each slow to come back on a first
//! keystroke (docs/benchmarks.md, "Memory left alone goes cold"); a cluster's rows lie together,
//! on huge pages ([`super::pages`]).
//!
//! An index answers with its rows as they were when it was built: a deleted guide is passed over
//! when its row is looked up in the current state. Until a segment's index is ready, its guides
//! join only through the lexical candidates; smaller segments are scanned exactly.
//!
//! An index kept in a directory keeps each segment's clusters beside it
//! (`vagvisare-graph-<embedder key>-<segment>.bin`, written once built: which rows each cluster
//! holds), so that opening the directory again (a restarted portal) reads them instead of
//! clustering again. A file that cannot be read, or was written by another version, is built
//! again.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use rustc_hash::FxHashMap;
use tantivy::index::SegmentId;
use tantivy::DocAddress;

use super::pages::Pages;
use super::semantic::{dot, Query, VectorSet};

/// Segments with at most this many vectors are compared exactly (a few microseconds).
pub(crate) const GRAPH_MIN_ROWS: usize = 1_000;

/// Clusters a search reads, nearest centre first.
const PROBE: usize = 32;
/// Rows a search returns: the nearest it compared, which the whole vectors' cosine then ranks.
const KEEP: usize = 64;
/// Rounds of k-means.
const ROUNDS: usize = 8;
/// Rows k-means learns the centres from, per cluster (a sample spread over the segment).
const SAMPLE_PER_CLUSTER: usize = 40;
/// Dimensions an index compares: the first ones of each vector, made unit length again. Half of
/// the static table's (whose dimensions come from a PCA, the most telling first); the rows it
/// finds are then ranked by their whole vectors' cosine.
const GRAPH_DIM: usize = 128;

/// Clusters a search reads ([`PROBE`]; tests may choose others).
fn probe() -> usize {
    #[cfg(test)]
    if let Some(d) = std::env::var("ANN_PROBE").ok().and_then(|v| v.parse().ok()) {
        return d;
    }
    PROBE
}

/// Clusters of a segment of `n` rows: ⌈√n⌉, of about √n rows each (316 at 100 000), so that a
/// search compares about √n centres and [`PROBE`] × √n rows, its work growing with √n (tests
/// may choose rows per cluster instead).
fn clusters_for(n: usize) -> usize {
    #[cfg(test)]
    if let Some(d) = std::env::var("ANN_CLUSTER")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        return n.div_ceil(d.max(1)).max(1);
    }
    ((n as f64).sqrt().ceil() as usize).max(1)
}

/// Dimensions an index compares ([`GRAPH_DIM`]; tests may choose others).
fn graph_dim() -> usize {
    #[cfg(test)]
    if let Some(d) = std::env::var("ANN_DIM").ok().and_then(|v| v.parse().ok()) {
        return d;
    }
    GRAPH_DIM
}

/// A vector made unit length, as int8 values and their scale.
fn unit_int8(mut v: Vec<f32>) -> (f32, Vec<i8>) {
    crate::embed::normalise(&mut v);
    super::semantic::quantise(&v)
}

/// The first `dim` values of int8 `values` (times `scale`), made unit length again.
fn prefix_of(values: &[i8], scale: f32, dim: usize) -> (f32, Vec<i8>) {
    unit_int8(
        values[..dim]
            .iter()
            .map(|&x| f32::from(x) * scale)
            .collect(),
    )
}

/// How near an int8 row (values and scale) is to int8 `values`: their dot product times the
/// row's scale (the other side's scale, the same for every row compared, left out).
fn nearness((row, scale): (&[i8], f32), values: &[i8]) -> f32 {
    dot(row, values) as f32 * scale
}

/// Int8 rows of one dimension, each with its scale.
struct Rows {
    dim: usize,
    values: Vec<i8>,
    scales: Vec<f32>,
}

impl Rows {
    fn with_capacity(dim: usize, n: usize) -> Self {
        Self {
            dim,
            values: Vec::with_capacity(n * dim),
            scales: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, (scale, values): (f32, Vec<i8>)) {
        self.values.extend(values);
        self.scales.push(scale);
    }

    fn len(&self) -> usize {
        self.scales.len()
    }

    fn row(&self, r: usize) -> (&[i8], f32) {
        (
            &self.values[r * self.dim..(r + 1) * self.dim],
            self.scales[r],
        )
    }

    /// The row whose dot product with `values` is largest (ties: the first), scales counted.
    fn nearest(&self, values: &[i8]) -> usize {
        let mut best = (f32::NEG_INFINITY, 0);
        for c in 0..self.len() {
            let d = nearness(self.row(c), values);
            if d > best.0 {
                best = (d, c);
            }
        }
        best.1
    }
}

/// Centres of `count` clusters of `dim` dimensions: each the normalised mean of its members
/// among rows `0..n` (`row(i)`: values and scale; `member(i)`: its cluster), as int8. A cluster
/// with no member has a centre of zeros (scale 0), which no search reads.
fn centres<'r>(
    dim: usize,
    count: usize,
    n: usize,
    row: impl Fn(usize) -> (&'r [i8], f32),
    member: impl Fn(usize) -> usize,
) -> Rows {
    let mut sums = vec![0f32; count * dim];
    for r in 0..n {
        let c = member(r);
        let (values, scale) = row(r);
        for (s, &x) in sums[c * dim..(c + 1) * dim].iter_mut().zip(values) {
            *s += f32::from(x) * scale;
        }
    }
    let mut out = Rows::with_capacity(dim, count);
    for sum in sums.chunks_exact(dim) {
        out.push(unit_int8(sum.to_vec()));
    }
    out
}

/// Bytes a laid-out row takes beyond its values: its scale (f32), document (u32) and text
/// number (u16), and two bytes that keep the rows four-byte aligned.
const ROW_TAIL: usize = 12;

/// Rows laid out in one array of their own ([`Pages`], on huge pages), each its values, scale,
/// document and text together: a search reads a cluster's rows one after the other, and the
/// rows it returns without another page.
struct Laid {
    dim: usize,
    bytes: Pages<i8>,
}

impl Laid {
    fn stride(&self) -> usize {
        self.dim + ROW_TAIL
    }

    fn len(&self) -> usize {
        self.bytes.len() / self.stride()
    }

    fn tail(&self, slot: usize) -> [u8; ROW_TAIL] {
        let at = slot * self.stride() + self.dim;
        std::array::from_fn(|i| self.bytes[at + i] as u8)
    }

    fn row(&self, slot: usize) -> (&[i8], f32) {
        let at = slot * self.stride();
        let (values, tail) = self.bytes[at..at + self.stride()].split_at(self.dim);
        let scale = f32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]].map(|b| b as u8));
        (values, scale)
    }

    fn id(&self, slot: usize) -> (tantivy::DocId, u16) {
        let t = self.tail(slot);
        (
            u32::from_le_bytes([t[4], t[5], t[6], t[7]]),
            u16::from_le_bytes([t[8], t[9]]),
        )
    }

    fn set(&mut self, slot: usize, values: &[i8], scale: f32, (doc, text): (tantivy::DocId, u16)) {
        let at = slot * self.stride();
        let stride = self.stride();
        let row = &mut self.bytes[at..at + stride];
        row[..values.len()].copy_from_slice(values);
        let tail = scale
            .to_le_bytes()
            .into_iter()
            .chain(doc.to_le_bytes())
            .chain(text.to_le_bytes());
        for (b, x) in row[self.dim..].iter_mut().zip(tail) {
            *b = x as i8;
        }
    }
}

/// The nearest-neighbour index of one segment's rows (its "graph"): its rows in clusters, each
/// cluster's rows together, and which document and text each row is.
pub(crate) struct Clusters {
    /// Each cluster's centre.
    centres: Rows,
    /// Cluster c holds slots `starts[c]..starts[c + 1]`.
    starts: Vec<u32>,
    /// The rows' first dimensions, document and text, cluster by cluster.
    rows: Laid,
}

impl Clusters {
    /// An index over rows `rows` of `set`. Each row's prefix is computed twice, to find its
    /// cluster and to lay it out (some milliseconds at 100 000 rows), rather than held in a
    /// second copy of the array meanwhile.
    fn build(set: &VectorSet, rows: std::ops::Range<usize>) -> Self {
        let dim = set.dim().min(graph_dim());
        let n = rows.len();
        let count = clusters_for(n);
        let prefix = |r: usize| {
            let (values, scale) = set.raw_row(r);
            prefix_of(values, scale, dim)
        };
        // k-means on a sample spread evenly over the rows, each cluster starting as the mean of
        // a run of neighbouring samples: the same rows give the same clusters.
        let samples = n.min(count * SAMPLE_PER_CLUSTER);
        let mut sample = Rows::with_capacity(dim, samples);
        for i in 0..samples {
            sample.push(prefix(rows.start + i * n / samples));
        }
        let mut member: Vec<usize> = (0..samples).map(|i| i * count / samples).collect();
        let mut centre = centres(dim, count, samples, |i| sample.row(i), |i| member[i]);
        for _ in 0..ROUNDS {
            let mut moved = false;
            for (i, m) in member.iter_mut().enumerate() {
                let c = centre.nearest(sample.row(i).0);
                moved |= c != *m;
                *m = c;
            }
            if !moved {
                break;
            }
            centre = centres(dim, count, samples, |i| sample.row(i), |i| member[i]);
        }
        drop(sample);
        // Every row to its nearest centre, then the rows laid out cluster by cluster.
        let cluster: Vec<u32> = rows
            .clone()
            .map(|r| centre.nearest(&prefix(r).1) as u32)
            .collect();
        let mut starts = vec![0u32; count + 1];
        for &c in &cluster {
            starts[c as usize + 1] += 1;
        }
        for c in 0..count {
            starts[c + 1] += starts[c];
        }
        let mut next: Vec<u32> = starts[..count].to_vec();
        let mut order = vec![0usize; n];
        for (i, &c) in cluster.iter().enumerate() {
            order[next[c as usize] as usize] = rows.start + i;
            next[c as usize] += 1;
        }
        let ids = order.iter().map(|&r| {
            let (address, text) = set.source(r);
            (address.doc_id, text)
        });
        Self::laid_out(dim, starts, ids, |slot, _| Some(prefix(order[slot])))
    }

    /// The index of rows laid out as `starts` and `ids` say (one id a slot), each slot's prefix
    /// from `prefix(slot, id)` (zeros when `None`), with centres of its clusters' members.
    fn laid_out(
        dim: usize,
        starts: Vec<u32>,
        ids: impl ExactSizeIterator<Item = (tantivy::DocId, u16)>,
        prefix: impl Fn(usize, (tantivy::DocId, u16)) -> Option<(f32, Vec<i8>)>,
    ) -> Self {
        let n = ids.len();
        let mut rows = Laid {
            dim,
            bytes: Pages::<i8>::zeroed(n * (dim + ROW_TAIL)),
        };
        for (slot, id) in ids.enumerate() {
            let (scale, values) = prefix(slot, id).unwrap_or((0.0, Vec::new()));
            rows.set(slot, &values, scale, id);
        }
        let count = starts.len() - 1;
        let mut member = vec![0usize; n];
        for c in 0..count {
            member[starts[c] as usize..starts[c + 1] as usize].fill(c);
        }
        let centres = centres(dim, count, n, |slot| rows.row(slot), |slot| member[slot]);
        Self {
            centres,
            starts,
            rows,
        }
    }

    /// The rows nearest `query` among the nearest clusters' rows, nearest first, as (document id
    /// in the segment, text number).
    pub(crate) fn search(&self, query: &Query) -> Vec<(tantivy::DocId, u16)> {
        let (values, scale) = query.raw();
        let (_, q) = prefix_of(values, scale, self.rows.dim);
        let by_nearness = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        // Clusters with rows, nearest centre first.
        let count = self.starts.len() - 1;
        let mut near: Vec<(f32, u32)> = (0..count)
            .filter(|&c| self.starts[c] < self.starts[c + 1])
            .map(|c| (nearness(self.centres.row(c), &q), c as u32))
            .collect();
        let probe = probe().max(1);
        if probe < near.len() {
            near.select_nth_unstable_by(probe - 1, by_nearness);
            near.truncate(probe);
        }
        // The KEEP nearest rows: kept in a buffer of twice that, cut back to the best KEEP
        // whenever it fills (and a row below the KEEP-th so far is passed over).
        let mut found: Vec<(f32, u32)> = Vec::with_capacity(2 * KEEP);
        let mut floor = f32::NEG_INFINITY;
        for (_, c) in near {
            let c = c as usize;
            for slot in self.starts[c]..self.starts[c + 1] {
                let d = nearness(self.rows.row(slot as usize), &q);
                if d < floor {
                    continue;
                }
                found.push((d, slot));
                if found.len() == 2 * KEEP {
                    found.select_nth_unstable_by(KEEP - 1, by_nearness);
                    found.truncate(KEEP);
                    floor = found[KEEP - 1].0;
                }
            }
        }
        found.sort_by(by_nearness);
        found.truncate(KEEP);
        found
            .into_iter()
            .map(|(_, slot)| self.rows.id(slot as usize))
            .collect()
    }

    /// Writes the index: a header (magic, format, dimensions, rows, clusters), each row's
    /// document and text cluster by cluster, where each cluster starts, then a checksum of all
    /// that. The rows' vectors are not written: reading takes them from the index's stored
    /// vectors, and the centres from them.
    fn write_to(&self, out: impl Write) -> io::Result<()> {
        let mut out = Checked {
            inner: out,
            sum: Checksum::default(),
        };
        self.write_body(&mut out)?;
        let sum = out.sum.finish();
        out.inner.write_all(&sum.to_le_bytes())
    }

    fn write_body(&self, mut out: impl Write) -> io::Result<()> {
        out.write_all(GRAPH_MAGIC)?;
        let count = self.starts.len() - 1;
        for n in [GRAPH_FORMAT, self.rows.dim, self.rows.len(), count] {
            out.write_all(&(n as u32).to_le_bytes())?;
        }
        for slot in 0..self.rows.len() {
            let (doc, text) = self.rows.id(slot);
            out.write_all(&doc.to_le_bytes())?;
            out.write_all(&text.to_le_bytes())?;
        }
        for start in &self.starts {
            out.write_all(&start.to_le_bytes())?;
        }
        Ok(())
    }

    /// An index written by [`write_to`](Self::write_to) for segment `ord` of `set`, or `None`
    /// when the bytes are not such an index of this dimension. Each row's vector is looked up by
    /// its document in `set`; a guide deleted since has none, and stays in its cluster as a row
    /// of zeros (searches pass over deleted guides anyway).
    fn read_from(bytes: &[u8], set: &VectorSet, ord: u32) -> Option<Self> {
        // FxHash-like, the checksum finds damage, not intent: what follows checks every field
        // a search relies on, so that no file makes one fail or costly.
        let (bytes, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
        let mut checksum = Checksum::default();
        checksum.update(bytes);
        if checksum.finish().to_le_bytes() != sum {
            return None;
        }
        let mut input = bytes;
        let mut magic = [0u8; 8];
        input.read_exact(&mut magic).ok()?;
        let header = u32s(&mut input, 4)?;
        let [format, dim, n, count] =
            [header[0], header[1], header[2], header[3]].map(|x| x as usize);
        // A writer makes ⌈√n⌉ clusters: never more than the rows (or one).
        if &magic != GRAPH_MAGIC
            || format != GRAPH_FORMAT
            || dim == 0
            || dim != set.dim().min(graph_dim())
            || count == 0
            || count > n.max(1)
        {
            return None;
        }
        n.checked_mul(dim + ROW_TAIL)?;
        let (id_bytes, rest) = input.split_at_checked(n.checked_mul(6)?)?;
        input = rest;
        let starts = u32s(&mut input, count.checked_add(1)?)?;
        let ordered = starts.windows(2).all(|w| w[0] <= w[1]);
        if !input.is_empty() || starts[0] != 0 || starts[count] as usize != n || !ordered {
            return None;
        }
        let ids = id_bytes.chunks_exact(6).map(|b| {
            (
                u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                u16::from_le_bytes([b[4], b[5]]),
            )
        });
        Some(Self::laid_out(dim, starts, ids, |_, (doc, text)| {
            let r = set.row_of(DocAddress::new(ord, doc), text)?;
            let (values, scale) = set.raw_row(r);
            Some(prefix_of(values, scale, dim))
        }))
    }
}

/// The next `n` little-endian u32 of `input`, taken off it.
fn u32s(input: &mut &[u8], n: usize) -> Option<Vec<u32>> {
    let (head, rest) = input.split_at_checked(n.checked_mul(4)?)?;
    *input = rest;
    Some(
        head.chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    )
}

/// The first bytes of an index's file.
const GRAPH_MAGIC: &[u8; 8] = b"VVGRAPH\0";
/// The layout of an index's file (header, rows cluster by cluster, cluster starts, checksum).
/// 4 since the clusters: formats 2 and 3 held an HNSW graph, and are built again.
const GRAPH_FORMAT: usize = 4;

/// A checksum of a graph file's bytes, the same however they are cut into writes: eight bytes
/// at a time, each multiplied in (FxHash's step), then the rest and the length.
#[derive(Default)]
struct Checksum {
    state: u64,
    pending: [u8; 8],
    have: usize,
    len: u64,
}

impl Checksum {
    fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        while self.have > 0 && !bytes.is_empty() {
            self.pending[self.have] = bytes[0];
            self.have += 1;
            bytes = &bytes[1..];
            if self.have == 8 {
                self.mix(u64::from_le_bytes(self.pending));
                self.have = 0;
            }
        }
        if bytes.is_empty() {
            return;
        }
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut le = [0u8; 8];
            le.copy_from_slice(word);
            self.mix(u64::from_le_bytes(le));
        }
        let rest = words.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.have = rest.len();
    }

    fn mix(&mut self, word: u64) {
        self.state = (self.state.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(mut self) -> u64 {
        let mut last = [0u8; 8];
        last[..self.have].copy_from_slice(&self.pending[..self.have]);
        self.mix(u64::from_le_bytes(last));
        self.mix(self.len);
        self.state
    }
}

/// A writer that keeps the checksum of what passes through it.
struct Checked<W> {
    inner: W,
    sum: Checksum,
}

impl<W: Write> Write for Checked<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.sum.update(&bytes[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The file of the graph of a segment's vectors of embedder `key`, in an index's directory.
fn graph_path(dir: &Path, key: u32, segment: SegmentId) -> PathBuf {
    dir.join(format!(
        "vagvisare-graph-{key:08x}-{}.bin",
        segment.uuid_string()
    ))
}

/// Writes a graph's file whole or not at all (a temporary file renamed), then removes the files
/// of embedder `key`'s graphs of segments the index no longer has (`live`), and the temporary
/// files of this segment's graph that a process stopped while writing left behind.
fn save(
    dir: &Path,
    key: u32,
    segment: SegmentId,
    graph: &Clusters,
    live: &[SegmentId],
) -> io::Result<()> {
    let path = graph_path(dir, key, segment);
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    let written = (|| {
        let mut file = io::BufWriter::new(std::fs::File::create(&temporary)?);
        graph.write_to(&mut file)?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&temporary, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
        return written;
    }
    let prefix = format!("vagvisare-graph-{key:08x}-");
    for entry in std::fs::read_dir(dir)?.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some((uuid, extension)) = name.strip_prefix(&prefix).and_then(|n| n.split_once('.'))
        else {
            continue;
        };
        let temporary = extension.starts_with("tmp");
        if extension != "bin" && !temporary {
            continue;
        }
        let this = uuid == segment.uuid_string();
        if !live.iter().any(|s| s.uuid_string() == uuid) || (temporary && this) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// The graph of segment `ord` of `set` from its file, when there is one that reads (counted
/// in `counts[1]`).
fn load(
    dir: &Path,
    key: u32,
    segment: SegmentId,
    set: &VectorSet,
    ord: u32,
    counts: &[AtomicUsize; 2],
) -> Option<Clusters> {
    let bytes = std::fs::read(graph_path(dir, key, segment)).ok()?;
    let graph = Clusters::read_from(&bytes, set, ord)?;
    counts[1].fetch_add(1, Ordering::Relaxed);
    Some(graph)
}

/// A segment's graph, by embedder key and segment.
type Ready = FxHashMap<(u32, SegmentId), Arc<Clusters>>;

/// The graphs of an index, and the background thread that builds them.
#[derive(Default)]
pub(crate) struct Graphs {
    ready: Arc<Mutex<Ready>>,
    /// True while a thread is building; notified when it stops.
    building: Arc<(Mutex<bool>, Condvar)>,
    /// The index's directory, where each graph is kept once built (none in memory).
    dir: Option<PathBuf>,
    /// Graphs built, and read from their files, so far.
    counts: Arc<[AtomicUsize; 2]>,
}

impl Graphs {
    /// The graphs of an index kept in `dir` (or in memory, `None`).
    pub(crate) fn stored_in(dir: Option<PathBuf>) -> Self {
        Self {
            dir,
            ..Self::default()
        }
    }

    /// Graphs built and graphs read from their files since the index was opened.
    #[cfg(test)]
    pub(crate) fn built_and_read(&self) -> (usize, usize) {
        (
            self.counts[0].load(Ordering::Relaxed),
            self.counts[1].load(Ordering::Relaxed),
        )
    }

    /// The graph of a segment's vectors of embedder `key`, when it is ready.
    pub(crate) fn get(&self, key: u32, segment: SegmentId) -> Option<Arc<Clusters>> {
        let ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
        ready.get(&(key, segment)).cloned()
    }

    /// Reads, on the caller's thread, the graphs of `set`'s large segments (embedder `key`) that
    /// the index's directory keeps and that are not ready yet ([`request`](Self::request) builds
    /// the others).
    pub(crate) fn read_kept(&self, key: u32, set: &VectorSet) {
        let Some(dir) = self.dir.as_deref() else {
            return;
        };
        for (ord, (segment, rows)) in set.segments().iter().enumerate() {
            if rows.len() <= GRAPH_MIN_ROWS || self.get(key, *segment).is_some() {
                continue;
            }
            if let Some(graph) = load(dir, key, *segment, set, ord as u32, &self.counts) {
                let mut ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
                ready.insert((key, *segment), Arc::new(graph));
            }
        }
    }

    /// Starts building, off the caller's thread, the graphs `set` (of embedder `key`) lacks for
    /// its segments of more than [`GRAPH_MIN_ROWS`] vectors, and forgets the graphs of segments
    /// of `key` it no longer has. Returns at once; does nothing while a build runs (the set
    /// asks again at its next search).
    pub(crate) fn request(&self, key: u32, set: &Arc<VectorSet>) {
        let wanted: Vec<(u32, SegmentId, std::ops::Range<usize>)> = set
            .segments()
            .iter()
            .enumerate()
            .filter(|(_, (_, rows))| rows.len() > GRAPH_MIN_ROWS && set.dim() > 0)
            .map(|(ord, (segment, rows))| (ord as u32, *segment, rows.clone()))
            .collect();
        {
            let mut ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
            ready.retain(|(k, segment), _| {
                *k != key || set.segments().iter().any(|(s, _)| s == segment)
            });
            if wanted
                .iter()
                .all(|(_, s, _)| ready.contains_key(&(key, *s)))
            {
                set.graphs_complete.store(true, Ordering::Relaxed);
                return;
            }
        }
        {
            let mut building = self.building.0.lock().unwrap_or_else(|e| e.into_inner());
            if *building {
                return;
            }
            *building = true;
        }
        let ready = Arc::clone(&self.ready);
        let building = Arc::clone(&self.building);
        let set = Arc::clone(set);
        let dir = self.dir.clone();
        let counts = Arc::clone(&self.counts);
        let spawned = std::thread::Builder::new()
            .name("vagvisare-graphs".into())
            .spawn(move || {
                // Marks the build stopped however the thread ends, a panic included, so that
                // no one waits for it forever.
                let _stop = StopWhenDone(building);
                lower_priority();
                let live: Vec<SegmentId> = set.segments().iter().map(|(s, _)| *s).collect();
                for (ord, segment, rows) in wanted {
                    let done = {
                        let ready = ready.lock().unwrap_or_else(|e| e.into_inner());
                        ready.contains_key(&(key, segment))
                    };
                    if done {
                        continue;
                    }
                    let read = dir
                        .as_deref()
                        .and_then(|d| load(d, key, segment, &set, ord, &counts));
                    let graph = match read {
                        Some(graph) => graph,
                        None => {
                            let graph = Clusters::build(&set, rows);
                            counts[0].fetch_add(1, Ordering::Relaxed);
                            if let Some(dir) = dir.as_deref() {
                                // Not kept, it is built again at the next opening: never an
                                // error to a search.
                                let _ = save(dir, key, segment, &graph, &live);
                            }
                            graph
                        }
                    };
                    let graph = Arc::new(graph);
                    let mut ready = ready.lock().unwrap_or_else(|e| e.into_inner());
                    ready.insert((key, segment), graph);
                }
                set.graphs_complete.store(true, Ordering::Relaxed);
            });
        if spawned.is_err() {
            // No thread: searches go on with the lexical candidates alone beyond the scan.
            stopped(&self.building);
        }
    }

    /// Whether a build is running.
    #[cfg(test)]
    fn is_building(&self) -> bool {
        *self.building.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks until no build runs.
    pub(crate) fn wait(&self) {
        let (lock, stopped) = &*self.building;
        let mut building = lock.lock().unwrap_or_else(|e| e.into_inner());
        while *building {
            building = stopped.wait(building).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// Lowers the calling thread's scheduling priority to the least (nice 19): an index takes up to
/// seconds to build (about one at 100 000 rows, eleven at 1 000 000), on a thread beside the ones answering keystrokes (an index just opened, a restarted
/// service), and must not take a core from them when both want one. On Linux a thread has a
/// priority of its own (`setpriority` of `PRIO_PROCESS` 0 is the calling thread's); elsewhere
/// nothing changes. True when lowered.
pub(crate) fn lower_priority() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: setpriority only reads its integer arguments.
        unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Marks a build stopped when dropped ([`stopped`]).
struct StopWhenDone(Arc<(Mutex<bool>, Condvar)>);

impl Drop for StopWhenDone {
    fn drop(&mut self) {
        stopped(&self.0);
    }
}

/// Marks a build stopped and wakes those waiting for it.
fn stopped(building: &(Mutex<bool>, Condvar)) {
    *building.0.lock().unwrap_or_else(|e| e.into_inner()) = false;
    building.1.notify_all();
}

/// The rows nearest `query` in a set beyond the exact scan: through each large segment's graph
/// when it is ready, exactly in small segments. Rows, not yet grouped by guide, and whether every
/// large segment's graph was ready (when not, the rows are not all the nearest there are).
pub(crate) fn candidate_rows(
    set: &VectorSet,
    query: &Query,
    graphs: &Graphs,
    key: u32,
) -> (Vec<usize>, bool) {
    let mut rows = Vec::new();
    let mut complete = true;
    for (ord, (segment, range)) in set.segments().iter().enumerate() {
        if range.len() <= GRAPH_MIN_ROWS {
            rows.extend(range.clone());
            continue;
        }
        let Some(graph) = graphs.get(key, *segment) else {
            complete = false;
            continue;
        };
        for (doc, text) in graph.search(query) {
            if let Some(row) = set.row_of(DocAddress::new(ord as u32, doc), text) {
                rows.push(row);
            }
        }
    }
    (rows, complete)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guide::search::semantic::Centring;

    #[cfg(target_os = "linux")]
    #[test]
    fn the_graph_builder_lowers_its_own_priority_and_no_other_threads() {
        // SAFETY: getpriority only reads its integer arguments.
        let before = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        let own = std::thread::spawn(|| {
            let lowered = lower_priority();
            // SAFETY: getpriority only reads its integer arguments.
            (lowered, unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) })
        })
        .join()
        .unwrap();
        assert_eq!(own, (true, 19));
        // SAFETY: as above.
        let here = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        assert_eq!(here, before, "the calling thread keeps its priority");
    }

    /// A set of `n` unit vectors in `dim` dimensions spread by a simple generator, one guide each.
    fn spread(n: usize, dim: usize) -> Arc<VectorSet> {
        let mut state = 12345u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        let vectors: Vec<Vec<f32>> = (0..n)
            .map(|_| {
                let mut v: Vec<f32> = (0..dim).map(|_| next()).collect();
                crate::embed::normalise(&mut v);
                v
            })
            .collect();
        Arc::new(VectorSet::from_vectors(&vectors))
    }

    #[test]
    fn a_graph_finds_what_the_exact_scan_finds() {
        let set = spread(3000, 32);
        let graph = Clusters::build(&set, 0..set.len());
        let mut found = 0;
        let queries = 40;
        for q in 0..queries {
            // A stored vector as the query: its own row is the nearest.
            let v = set.vector(q * 71);
            let query = Arc::new(Query::new(&v).unwrap());
            let exact = set.nearest(&query, Centring::NONE, 5, &Default::default(), |_| true);
            let approx = graph.search(&query);
            let approx: Vec<usize> = approx
                .iter()
                .filter_map(|&(doc, text)| set.row_of(DocAddress::new(0, doc), text))
                .collect();
            found += exact
                .iter()
                .filter(|(_, row)| approx[..10.min(approx.len())].contains(row))
                .count();
            assert_eq!(approx[0], q * 71, "a stored vector finds itself first");
        }
        let recall = found as f32 / (5 * queries) as f32;
        assert!(
            recall >= 0.9,
            "recall of the 5 nearest in the first 10: {recall}"
        );
    }

    #[test]
    fn a_graph_read_from_its_file_finds_what_it_found() {
        let set = spread(1500, 32);
        let graph = Clusters::build(&set, 0..set.len());
        let mut bytes = Vec::new();
        graph.write_to(&mut bytes).unwrap();
        let read = Clusters::read_from(&bytes, &set, 0).expect("reads");
        for q in [0, 333, 1499] {
            let query = Arc::new(Query::new(&set.vector(q)).unwrap());
            assert_eq!(read.search(&query), graph.search(&query));
        }
        // Not a graph of these vectors: another format, dimension, or bytes cut short.
        let mut other = bytes.clone();
        other[8] = 9;
        assert!(Clusters::read_from(&other, &set, 0).is_none(), "format");
        assert!(
            Clusters::read_from(&bytes, &spread(1500, 16), 0).is_none(),
            "dimension"
        );
        for cut in [0, 7, 20, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                Clusters::read_from(&bytes[..cut], &set, 0).is_none(),
                "cut at {cut}"
            );
        }
        let mut noise = bytes.clone();
        for b in noise.iter_mut().skip(24 + 1500 * 6) {
            *b = b.wrapping_mul(31).wrapping_add(7);
        }
        assert!(Clusters::read_from(&noise, &set, 0).is_none(), "noise");
        // One byte of the cluster starts changed on disk: the checksum refuses it.
        let mut flipped = bytes.clone();
        let at = bytes.len() - 100;
        flipped[at] ^= 0x10;
        assert!(
            Clusters::read_from(&flipped, &set, 0).is_none(),
            "one byte changed"
        );
        // Cluster starts that do not add up, under a checksum that does: refused, so that no
        // search reads beyond the rows.
        let mut body = Vec::new();
        graph.write_body(&mut body).unwrap();
        assert!(Clusters::read_from(&resealed(&body), &set, 0).is_some());
        let starts = graph.starts.len();
        let at = body.len() - 4 * starts;
        for (slot, value) in [(0, 7u32), (starts - 1, 1501), (1, u32::MAX)] {
            let mut bad = body.clone();
            bad[at + 4 * slot..at + 4 * slot + 4].copy_from_slice(&value.to_le_bytes());
            assert!(
                Clusters::read_from(&resealed(&bad), &set, 0).is_none(),
                "start {slot} = {value}"
            );
        }
    }

    /// The clusters of `n` spread vectors of 32 dimensions, and their file's body (no checksum).
    fn written_body(n: usize) -> (Arc<VectorSet>, Clusters, Vec<u8>) {
        let set = spread(n, 32);
        let graph = Clusters::build(&set, 0..set.len());
        let mut body = Vec::new();
        graph.write_body(&mut body).unwrap();
        (set, graph, body)
    }

    /// A file's body with its checksum made again (what a changed file with a forged checksum
    /// would be).
    fn resealed(body: &[u8]) -> Vec<u8> {
        let mut sum = Checksum::default();
        sum.update(body);
        let mut bytes = body.to_vec();
        bytes.extend(sum.finish().to_le_bytes());
        bytes
    }

    #[test]
    fn the_same_rows_make_the_same_clusters_and_any_size_searches() {
        let set = spread(1500, 32);
        let written = |graph: &Clusters| {
            let mut bytes = Vec::new();
            graph.write_to(&mut bytes).unwrap();
            bytes
        };
        let once = Clusters::build(&set, 0..set.len());
        assert_eq!(
            written(&once),
            written(&Clusters::build(&set, 0..set.len()))
        );
        let query = Query::new(&set.vector(7)).unwrap();
        for n in [0, 1, 10, 63, 64, 65] {
            let graph = Clusters::build(&set, 0..n);
            let found = graph.search(&query);
            assert_eq!(found.len(), n.min(KEEP), "{n} rows");
            if n > 7 {
                assert_eq!(
                    found[0],
                    (7, 0),
                    "{n} rows: a stored vector finds itself first"
                );
            }
        }
    }

    #[test]
    fn deleted_rows_and_empty_clusters_read_and_search() {
        let (set, graph, mut body) = written_body(1500);
        // The last 100 guides gone since (the same first 1 400 vectors): rows of zeros.
        let fewer = spread(1400, 32);
        let read = Clusters::read_from(&resealed(&body), &fewer, 0).expect("reads");
        for q in [0, 700, 1399] {
            let query = Query::new(&fewer.vector(q)).unwrap();
            assert_eq!(read.search(&query)[0], (q as u32, 0));
        }
        // Cluster 0's rows given to cluster 1, so that cluster 0 is empty.
        let starts = graph.starts.len();
        let at = body.len() - 4 * starts;
        body[at + 4..at + 8].copy_from_slice(&0u32.to_le_bytes());
        let read = Clusters::read_from(&resealed(&body), &set, 0).expect("reads");
        let query = Query::new(&set.vector(3)).unwrap();
        assert_eq!(read.search(&query).len(), KEEP);
    }

    #[test]
    fn a_file_claiming_more_clusters_than_rows_is_refused() {
        let (set, graph, body) = written_body(1500);
        assert!(Clusters::read_from(&resealed(&body), &set, 0).is_some());
        // Header: magic, format, dimensions, rows, clusters; the starts last.
        let ids = &body[24..body.len() - 4 * graph.starts.len()];
        for count in [0u32, 1501, 10_000_000] {
            let mut bad = body[..20].to_vec();
            bad.extend(count.to_le_bytes());
            bad.extend(ids);
            bad.extend(std::iter::repeat_n(0u8, 4 * count as usize));
            bad.extend((1500u32).to_le_bytes());
            assert!(
                Clusters::read_from(&resealed(&bad), &set, 0).is_none(),
                "{count} clusters"
            );
        }
    }

    #[test]
    fn the_checksum_does_not_depend_on_how_the_bytes_are_cut() {
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut whole = Checksum::default();
        whole.update(&bytes);
        let whole = whole.finish();
        for cut in [1, 3, 8, 13, 999] {
            let mut pieces = Checksum::default();
            for piece in bytes.chunks(cut) {
                pieces.update(piece);
            }
            assert_eq!(pieces.finish(), whole, "cut every {cut}");
        }
        let mut other = Checksum::default();
        other.update(&bytes[..999]);
        assert_ne!(other.finish(), whole, "one byte fewer");
    }

    #[test]
    fn graphs_are_built_in_the_background_for_large_segments_only() {
        let set = spread(GRAPH_MIN_ROWS + 10, 8);
        let graphs = Graphs::default();
        graphs.request(7, &set);
        graphs.wait();
        let segment = set.segments()[0].0;
        assert!(graphs.get(7, segment).is_some());
        assert!(graphs.get(8, segment).is_none(), "another embedder's key");
        assert!(set.graphs_complete.load(Ordering::Relaxed));
        let small = spread(10, 8);
        let graphs = Graphs::default();
        graphs.request(7, &small);
        assert!(!graphs.is_building(), "nothing to build");
        assert!(graphs.get(7, small.segments()[0].0).is_none());
    }
}

#[cfg(test)]
mod through_the_index {
    use super::GRAPH_MIN_ROWS;
    use crate::guide::{GuideIndex, SuggestOptions, Weights};

    fn index_of(guides: &[crate::guide::Guide], weights: Weights) -> GuideIndex {
        let mut index = GuideIndex::in_memory().unwrap();
        index.set_weights(weights);
        index.upsert(guides).unwrap();
        index.commit().unwrap();
        index.optimize().unwrap();
        index.wait_for_semantic_graphs();
        index
    }

    /// The bundled guides, copied under new ids until there are more than `n`.
    fn copies(n: usize) -> Vec<crate::guide::Guide> {
        let base = crate::bundled::guides();
        let mut guides = Vec::new();
        for copy in 0.. {
            if guides.len() > n {
                break;
            }
            guides.extend(base.iter().map(|g| {
                let mut g = g.clone();
                g.id = format!("{}#{copy}", g.id);
                g
            }));
        }
        guides
    }

    #[test]
    fn an_index_opened_again_reads_its_graphs_instead_of_building_them() {
        let dir = std::env::temp_dir().join(format!("vv-graph-file-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let weights = Weights {
            semantic_scan: 100,
            ..Weights::default()
        };
        let files = |dir: &std::path::Path| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("vagvisare-graph-"))
                .collect();
            names.sort();
            names
        };
        let options = SuggestOptions::limit(5);
        let texts = [
            "kommer inte in ",
            "maskinen tuggar papper ",
            "vem står bakom ",
        ];
        // Opened as a portal opens it: `warm` (which opening runs, here again for the test's
        // weights) reads the kept graphs on its own thread.
        let opened = |dir: &std::path::Path| {
            let mut index = GuideIndex::open(dir).unwrap();
            index.set_weights(weights.clone());
            index.warm();
            index.wait_for_semantic_graphs();
            index
        };
        let expected: Vec<Vec<String>> = {
            let mut index = GuideIndex::create(&dir).unwrap();
            index.set_weights(weights.clone());
            index.upsert(&copies(GRAPH_MIN_ROWS + 50)).unwrap();
            index.commit().unwrap();
            index.optimize().unwrap();
            index.wait_for_semantic_graphs();
            assert_eq!(index.graphs.built_and_read(), (1, 0));
            texts
                .iter()
                .map(|t| index.suggest_ids(t, &options))
                .collect()
        };
        let kept = files(&dir);
        assert_eq!(kept.len(), 1, "one segment, one graph file: {kept:?}");

        let mut index = GuideIndex::open(&dir).unwrap();
        index.set_weights(weights.clone());
        index.warm();
        assert_eq!(index.graphs.built_and_read(), (0, 1), "read, not built");
        assert_eq!(
            index.graphs.ready.lock().unwrap().len(),
            1,
            "ready when warm returns"
        );
        let found: Vec<Vec<String>> = texts
            .iter()
            .map(|t| index.suggest_ids(t, &options))
            .collect();
        assert_eq!(found, expected);
        drop(index);

        // A file that does not read is built again, and written again; what a process stopped
        // while writing left behind goes then.
        std::fs::write(dir.join(&kept[0]), b"VVGRAPH\0 not a graph").unwrap();
        let litter = dir.join(kept[0].replace(".bin", ".tmp4242"));
        std::fs::write(&litter, b"half a graph").unwrap();
        assert_eq!(opened(&dir).graphs.built_and_read(), (1, 0));
        assert!(!litter.exists(), "a stopped write's file is removed");
        assert_eq!(opened(&dir).graphs.built_and_read(), (0, 1));

        // Guides deleted since the graph was written (no merge): it is still read, their rows
        // near nothing, and they are never suggested.
        let gone: Vec<String> = expected.iter().flatten().cloned().collect();
        {
            let index = opened(&dir);
            index.delete(&gone);
            index.commit().unwrap();
        }
        {
            let index = opened(&dir);
            assert_eq!(
                index.graphs.built_and_read(),
                (0, 1),
                "read despite the deletes"
            );
            for text in texts {
                let found = index.suggest_ids(text, &options);
                assert!(!found.is_empty(), "{text}");
                assert!(
                    found.iter().all(|id| !gone.contains(id)),
                    "{text}: {found:?}"
                );
            }
        }

        // A merge makes a new segment: its graph is built and the old one's file goes.
        {
            let index = opened(&dir);
            index.upsert(&copies(10)[..1]).unwrap();
            index.commit().unwrap();
            index.optimize().unwrap();
            index.wait_for_semantic_graphs();
            assert_eq!(index.graphs.built_and_read(), (1, 1));
        }
        let now = files(&dir);
        assert_eq!(now.len(), 1, "{now:?}");
        assert_ne!(now, kept);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn waiting_right_after_a_commit_builds_the_graphs() {
        // Nothing has searched, warmed or optimised: the wait asks for the graphs itself. More
        // than two graphs' worth, so that one of at most two indexing threads' segments holds one.
        let mut index = GuideIndex::in_memory().unwrap();
        index.set_weights(Weights {
            semantic_scan: 100,
            ..Weights::default()
        });
        index.upsert(&copies(2 * GRAPH_MIN_ROWS + 50)).unwrap();
        index.commit().unwrap();
        assert!(index.graphs.ready.lock().unwrap().is_empty(), "not before");
        index.wait_for_semantic_graphs();
        assert!(!index.graphs.ready.lock().unwrap().is_empty(), "built");
    }

    #[test]
    fn beyond_the_exact_scan_the_graphs_find_what_the_scan_finds() {
        // One segment (optimised) holding a graph's worth.
        let guides = copies(GRAPH_MIN_ROWS + 50);
        let exact = index_of(&guides, Weights::default());
        let approx = index_of(
            &guides,
            Weights {
                semantic_scan: 100,
                ..Weights::default()
            },
        );
        assert_eq!(
            approx.graphs.ready.lock().unwrap().len(),
            1,
            "one segment, one graph"
        );
        assert!(
            exact.graphs.ready.lock().unwrap().is_empty(),
            "within the scan: none"
        );
        // Texts whose words the guides mostly lack: the stage's extras decide the answer.
        let texts = [
            "kommer inte in ",
            "vem står bakom ",
            "datorn krånglar ",
            "ont i ryggen ",
            "pengar tillbaka ",
            "ny personal ",
            "barnet är sjukt ",
            "mobilen funkar inte ",
        ];
        let base_ids = |index: &GuideIndex, text: &str| -> Vec<String> {
            index
                .suggest_ids(text, &SuggestOptions::limit(5))
                .into_iter()
                .map(|id| id.split('#').next().unwrap_or_default().to_string())
                .collect()
        };
        let mut same = 0;
        let mut found = 0;
        for text in texts {
            let a = base_ids(&approx, text);
            let e = base_ids(&exact, text);
            found += a.len();
            same += usize::from(a == e);
        }
        assert!(found > 0, "the texts find guides");
        assert!(
            same >= texts.len() - 1,
            "{same} of {} answers as the exact scan's",
            texts.len()
        );
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use crate::embed::{Embedder, StaticEmbedder, TextKind};
    use crate::guide::search::semantic::Centring;

    /// Build time, search time and recall of a graph over texts like guides (each six words
    /// of the static table's vocabulary, embedded by it), against the exact scan:
    /// `ANN_N=100000 cargo test --release -p vagvisare --lib graph_at_scale -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn graph_at_scale() {
        let n: usize = std::env::var("ANN_N")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000);
        let table = StaticEmbedder::bundled();
        let mut state = 12345u64;
        let mut next = |m: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % m
        };
        // Common words more often, as in text: the table is in frequency order.
        let words = table.len().min(40_000);
        let mut texts: Vec<String> = Vec::new();
        for _ in 0..n {
            let t: Vec<&str> = (0..6)
                .map(|_| {
                    let m = next(words) + 1;
                    table.key(next(m))
                })
                .collect();
            texts.push(t.join(" "));
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vectors = table.embed(&refs, TextKind::Passage).unwrap();
        let set = VectorSet::from_vectors(&vectors);
        let t = std::time::Instant::now();
        let cpu0 = cpu();
        let graph = Clusters::build(&set, 0..set.len());
        eprintln!(
            "build {n}: {:?} wall, {:.1} s cpu",
            t.elapsed(),
            cpu() - cpu0
        );
        let queries: Vec<Query> = (0..200)
            .map(|_| {
                let words: Vec<&str> = texts[next(n)].split(' ').take(3).collect();
                let v = table.embed_query(&words.join(" "), None).unwrap();
                Query::new(&v).unwrap()
            })
            .collect();
        let (mut found, mut total) = (0, 0);
        let (mut ann_time, mut exact_time) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
        for q in &queries {
            let t = std::time::Instant::now();
            let rows: Vec<usize> = graph
                .search(q)
                .into_iter()
                .filter_map(|(doc, text)| set.row_of(DocAddress::new(0, doc), text))
                .collect();
            let approx =
                set.nearest_among(q, Centring::NONE, 10, &Default::default(), |_| true, &rows);
            ann_time += t.elapsed();
            let t = std::time::Instant::now();
            let exact = set.nearest(q, Centring::NONE, 10, &Default::default(), |_| true);
            exact_time += t.elapsed();
            total += exact.len();
            found += exact
                .iter()
                .filter(|e| approx.iter().any(|a| a.1 == e.1))
                .count();
        }
        eprintln!(
            "per query: graph {:?}, exact {:?}; recall of the exact 10 nearest: {:.3}",
            ann_time / queries.len() as u32,
            exact_time / queries.len() as u32,
            found as f64 / total as f64
        );
    }

    fn cpu() -> f64 {
        let s = std::fs::read_to_string("/proc/self/stat").unwrap();
        let f: Vec<&str> = s.rsplit(')').next().unwrap().split_whitespace().collect();
        (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
    }
}
