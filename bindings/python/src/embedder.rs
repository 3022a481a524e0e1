//! A Python object as the embedder of an index's semantic stage (`GuideIndex(...,
//! embedder=obj)`): the core's [`Embedder`] over any object with `embed(texts) -> vectors`.
//!
//! What the object needs (docs/semantic.md, "Embedders: Python objects and HTTP"):
//! - `embed(texts)`: a list of str in, one vector per text out, as a list of lists of numbers
//!   or anything with `tolist()` that gives one (a numpy array). When `embed` takes a `kind`
//!   keyword (or `**kwargs`), it is called with `kind="query"` for what a person typed and
//!   `kind="passage"` for guides and learned texts.
//! - `name` (optional, a non-empty str): recorded with the stored vectors; default the class's
//!   name. Two objects of one class that embed differently need different names.
//! - `dim` (optional, an int from 1): the length of every vector; when absent it is learned from
//!   the object's answer for one text, asked once when the index takes the object.
//!
//! The GIL is taken only while the object runs: the core calls [`Embedder::embed`] with it
//! released (a search or an upsert), and the call attaches to the interpreter for its length.
//! An exception, a wrong shape or a value that is not a finite number becomes an
//! [`EmbedError`]: the index then uses its static vectors and counts the failure in
//! `GuideIndex.read_errors`; the person typing never sees it.

use std::sync::atomic::{AtomicU8, Ordering};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use vagvisare::embed::{EmbedError, Embedder, TextKind};

use crate::convert::type_name;
use crate::errors;

/// Not known yet whether `embed` takes `kind=` (its signature could not be read): the first
/// call tries with it.
const KIND_UNKNOWN: u8 = 0;
/// `embed` takes `kind=`.
const KIND_KEYWORD: u8 = 1;
/// `embed` takes the texts alone.
const KIND_NONE: u8 = 2;

/// The text the object is asked to embed when its `dim` must be learned.
const PROBE: &str = "Så byter du lösenord";

/// Most characters of an exception's message kept in a failure (of a guide's text only: for
/// what a person typed, the message is not kept, as it may repeat the text).
const MESSAGE_CHARS: usize = 200;

/// An embedder that is a Python object.
pub(crate) struct PyEmbedder {
    object: Py<PyAny>,
    name: String,
    dim: usize,
    kind: AtomicU8,
}

impl std::fmt::Debug for PyEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PyEmbedder")
            .field("name", &self.name)
            .field("dim", &self.dim)
            .finish()
    }
}

impl PyEmbedder {
    /// The embedder of `object`, checked: a `TypeError` when it has no callable `embed` or a
    /// `name`/`dim` of the wrong type, an `InputError` for an empty name, a `dim` below 1, or an
    /// object whose `dim` had to be learned and whose answer could not be used.
    pub(crate) fn new(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = object.py();
        let embed = match object.getattr_opt("embed")? {
            Some(embed) if embed.is_callable() => embed,
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "embedder must have a method embed(texts) -> vectors, and {} has none",
                    type_name(object)
                )))
            }
        };
        let name = match object.getattr_opt("name")?.filter(|n| !n.is_none()) {
            Some(name) => match name.cast::<PyString>() {
                Ok(s) => s.to_str()?.to_string(),
                Err(_) => return Err(crate::convert::wrong_type("embedder.name", "a str", &name)),
            },
            None => object.get_type().name()?.to_string(),
        };
        if name.trim().is_empty() {
            return Err(errors::input(
                "embedder.name is empty; give the embedder a name that says which model it runs",
            ));
        }
        let kind = AtomicU8::new(takes_kind(py, &embed));
        let dim = match object.getattr_opt("dim")?.filter(|d| !d.is_none()) {
            Some(dim) => {
                if dim.is_instance_of::<pyo3::types::PyBool>() {
                    return Err(crate::convert::wrong_type("embedder.dim", "an int", &dim));
                }
                let dim: i64 = dim
                    .extract()
                    .map_err(|_| crate::convert::wrong_type("embedder.dim", "an int", &dim))?;
                usize::try_from(dim)
                    .ok()
                    .filter(|d| *d >= 1)
                    .ok_or_else(|| {
                        errors::input(format!("embedder.dim must be at least 1, not {dim}"))
                    })?
            }
            None => 0,
        };
        let mut embedder = PyEmbedder {
            object: object.clone().unbind(),
            name,
            dim,
            kind,
        };
        if embedder.dim == 0 {
            embedder.dim = embedder.learn_dim(py)?;
        }
        Ok(embedder)
    }

    /// The length of the object's vector of one text (its `dim` was not given).
    fn learn_dim(&self, py: Python<'_>) -> PyResult<usize> {
        let answer = self.call(py, &[PROBE], TextKind::Passage).map_err(|e| {
            let error = errors::input(format!(
                "the embedder {} has no `dim`, and asking it for one vector to learn it raised",
                self.name
            ));
            error.set_cause(py, Some(e));
            error
        })?;
        let rows = rows(&answer, 1, None).map_err(|problem| {
            errors::input(format!(
                "the embedder {} has no `dim`, and its answer for one text cannot be used: {}",
                self.name,
                problem.message(&self.name)
            ))
        })?;
        match rows.first().map(Vec::len) {
            Some(dim) if dim >= 1 => Ok(dim),
            _ => Err(errors::input(format!(
                "the embedder {} has no `dim`, and its vector of one text is empty",
                self.name
            ))),
        }
    }

    /// `embed(texts[, kind=...])` of the object.
    fn call<'py>(
        &self,
        py: Python<'py>,
        texts: &[&str],
        kind: TextKind,
    ) -> PyResult<Bound<'py, PyAny>> {
        let object = self.object.bind(py);
        let embed = object.getattr("embed")?;
        let list = PyList::new(py, texts)?;
        let keyword = || -> PyResult<Bound<'py, PyDict>> {
            let kwargs = PyDict::new(py);
            let kind = match kind {
                TextKind::Query => "query",
                TextKind::Passage => "passage",
            };
            kwargs.set_item("kind", kind)?;
            Ok(kwargs)
        };
        match self.kind.load(Ordering::Relaxed) {
            KIND_KEYWORD => embed.call((list,), Some(&keyword()?)),
            KIND_NONE => embed.call1((list,)),
            _ => match embed.call((list.clone(),), Some(&keyword()?)) {
                Ok(answer) => {
                    self.kind.store(KIND_KEYWORD, Ordering::Relaxed);
                    Ok(answer)
                }
                Err(e) if e.is_instance_of::<PyTypeError>(py) => {
                    let answer = embed.call1((list,))?;
                    self.kind.store(KIND_NONE, Ordering::Relaxed);
                    Ok(answer)
                }
                Err(e) => Err(e),
            },
        }
    }
}

/// Whether `embed` takes `kind=`: a parameter of that name, or `**kwargs`. Unknown when its
/// signature cannot be read (some built-in callables).
fn takes_kind(py: Python<'_>, embed: &Bound<'_, PyAny>) -> u8 {
    let read = || -> PyResult<u8> {
        let signature = py.import("inspect")?.call_method1("signature", (embed,))?;
        let parameters = signature.getattr("parameters")?;
        if parameters.contains("kind")? {
            return Ok(KIND_KEYWORD);
        }
        for parameter in parameters.call_method0("values")?.try_iter()? {
            let kind = parameter?.getattr("kind")?.getattr("name")?;
            if kind.extract::<String>()? == "VAR_KEYWORD" {
                return Ok(KIND_KEYWORD);
            }
        }
        Ok(KIND_NONE)
    };
    read().unwrap_or(KIND_UNKNOWN)
}

/// Why an answer cannot be used.
enum Problem {
    /// Rows or values other than asked.
    Shape { expected: usize, got: usize },
    /// Not a sequence of sequences of finite numbers.
    Bad(String),
}

impl Problem {
    fn message(&self, name: &str) -> String {
        self.to_error(name).to_string()
    }

    fn to_error(&self, name: &str) -> EmbedError {
        match self {
            Problem::Shape { expected, got } => EmbedError::Shape {
                name: name.to_string(),
                expected: *expected,
                got: *got,
            },
            Problem::Bad(message) => EmbedError::Failed {
                name: name.to_string(),
                message: message.clone(),
            },
        }
    }
}

/// The vectors of an answer: `count` rows (of `dim` values each, when known), every value a
/// finite number. A value with `tolist()` (a numpy array) is read through it.
fn rows(
    answer: &Bound<'_, PyAny>,
    count: usize,
    dim: Option<usize>,
) -> Result<Vec<Vec<f32>>, Problem> {
    let bad = |what: &str| Problem::Bad(what.to_string());
    let answer = match answer.getattr_opt("tolist") {
        Ok(Some(tolist)) if tolist.is_callable() => tolist
            .call0()
            .map_err(|_| bad("its answer's tolist() raised"))?,
        _ => answer.clone(),
    };
    if answer.cast::<PyString>().is_ok() {
        return Err(bad("it answered a str, not one vector per text"));
    }
    let iter = answer.try_iter().map_err(|_| {
        Problem::Bad(format!(
            "it answered {}, not one vector per text (a list of lists of floats, or a numpy array)",
            type_name(&answer)
        ))
    })?;
    let mut out = Vec::with_capacity(count);
    for row in iter {
        let row = row.map_err(|_| bad("iterating over its answer raised"))?;
        if row.cast::<PyString>().is_ok() {
            return Err(bad("a vector of its answer is a str"));
        }
        let values: Vec<f32> = row.extract().map_err(|_| {
            Problem::Bad(format!(
                "a vector of its answer is {}, not a list of floats",
                type_name(&row)
            ))
        })?;
        if let Some(dim) = dim {
            if values.len() != dim {
                return Err(Problem::Shape {
                    expected: dim,
                    got: values.len(),
                });
            }
        }
        if !values.iter().all(|v| v.is_finite()) {
            return Err(bad(
                "a vector of its answer holds a value that is not a finite number",
            ));
        }
        out.push(values);
        if out.len() > count {
            break;
        }
    }
    if out.len() != count {
        let per = dim.unwrap_or(1);
        return Err(Problem::Shape {
            expected: count * per,
            got: out.iter().map(Vec::len).sum(),
        });
    }
    Ok(out)
}

/// The first characters of a message.
fn shortened(message: &str) -> String {
    match message.char_indices().nth(MESSAGE_CHARS) {
        Some((at, _)) => format!("{}…", &message[..at]),
        None => message.to_string(),
    }
}

impl Embedder for PyEmbedder {
    fn dim(&self) -> usize {
        self.dim
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn embed(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let attached = Python::try_attach(|py| -> Result<Vec<Vec<f32>>, EmbedError> {
            let answer = self.call(py, texts, kind).map_err(|e| {
                let class = e
                    .get_type(py)
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_else(|_| "an exception".into());
                // What a person typed may be in the message: only a guide's failure keeps it.
                let message = match kind {
                    TextKind::Query => format!("embed() raised {class}"),
                    TextKind::Passage => {
                        format!(
                            "embed() raised {class}: {}",
                            shortened(&e.value(py).to_string())
                        )
                    }
                };
                EmbedError::Failed {
                    name: self.name.clone(),
                    message,
                }
            })?;
            rows(&answer, texts.len(), Some(self.dim)).map_err(|p| p.to_error(&self.name))
        });
        attached.unwrap_or_else(|| {
            Err(EmbedError::Failed {
                name: self.name.clone(),
                message: "the Python interpreter is shutting down".into(),
            })
        })
    }
}
