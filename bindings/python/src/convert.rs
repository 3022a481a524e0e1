//! Conversions between Python values and the core's: time-zone-aware datetimes, lists of text,
//! JSON values, character offsets.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, TimeZone};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyDate, PyDateAccess, PyDateTime, PyDict, PyList, PyString, PyTimeAccess,
};
use pyo3::IntoPyObjectExt;

use crate::errors;

/// The Python type name of a value, for messages.
pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

/// A `TypeError` saying what `what` must be and what it was.
pub(crate) fn wrong_type(what: &str, expected: &str, value: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!(
        "{what} must be {expected}, not {}",
        type_name(value)
    ))
}

/// Text as a person typed it: any `str`, lone surrogates (which Python allows and UTF-8 cannot
/// hold) replaced by U+FFFD, never an error. The one conversion of `suggest`, `redact` and
/// `contains_personal_data`; anything but a `str` is a `TypeError`.
pub(crate) fn typed_text<'a>(text: &'a Bound<'_, PyAny>) -> PyResult<std::borrow::Cow<'a, str>> {
    match text.cast::<PyString>() {
        Ok(s) => Ok(s.to_string_lossy()),
        Err(_) => Err(wrong_type("text", "a str", text)),
    }
}

/// A point in time from a time-zone-aware `datetime` (any tzinfo: `timezone.utc`,
/// `ZoneInfo("Europe/Stockholm")`, …), kept with its UTC offset. A naive datetime is refused with
/// an `InputError` (a `ValueError`); anything else is a `TypeError`.
pub(crate) fn timestamp(what: &str, value: &Bound<'_, PyAny>) -> PyResult<DateTime<FixedOffset>> {
    let Ok(dt) = value.cast::<PyDateTime>() else {
        return Err(wrong_type(what, "a datetime.datetime", value));
    };
    let offset = dt.call_method0("utcoffset")?;
    if offset.is_none() {
        return Err(errors::input(format!(
                "{what} is a naive datetime ({}); pass a time-zone-aware one, e.g. \
                 datetime.now(ZoneInfo(\"Europe/Stockholm\")) or datetime(..., tzinfo=timezone.utc)",
                value.str().map_or_else(|_| "?".into(), |s| s.to_string())
            ),
        ));
    }
    let offset: TimeDelta = offset.extract()?;
    let offset = i32::try_from(offset.num_seconds())
        .ok()
        .and_then(FixedOffset::east_opt)
        .ok_or_else(|| errors::input(format!("{what} has a UTC offset out of range")))?;
    let date = NaiveDate::from_ymd_opt(
        dt.get_year(),
        u32::from(dt.get_month()),
        u32::from(dt.get_day()),
    );
    let naive = date.and_then(|d| {
        d.and_hms_micro_opt(
            u32::from(dt.get_hour()),
            u32::from(dt.get_minute()),
            u32::from(dt.get_second()),
            dt.get_microsecond(),
        )
    });
    naive
        .and_then(|n| offset.from_local_datetime(&n).single())
        .ok_or_else(|| errors::input(format!("{what} is out of range")))
}

/// A calendar date from a `datetime.date` (a `datetime` gives its date).
pub(crate) fn date(what: &str, value: &Bound<'_, PyAny>) -> PyResult<NaiveDate> {
    if value.cast::<PyDate>().is_err() {
        return Err(wrong_type(what, "a datetime.date", value));
    }
    if let Ok(dt) = value.cast::<PyDateTime>() {
        return date(what, &dt.call_method0("date")?);
    }
    value.extract()
}

/// A string, as a `TypeError` otherwise.
pub(crate) fn string(what: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    string_with(&|| what.to_string(), value)
}

/// [`string`], its error's subject (`what`) written only for an error: a bulk load converts
/// several strings a guide, each of which would otherwise format one.
pub(crate) fn string_with(what: &dyn Fn() -> String, value: &Bound<'_, PyAny>) -> PyResult<String> {
    match value.cast::<PyString>() {
        Ok(s) => Ok(s.to_str()?.to_string()),
        Err(_) => Err(wrong_type(&what(), "a str", value)),
    }
}

/// An optional string (`None` allowed).
pub(crate) fn optional_string(
    what: &str,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => string(what, v).map(Some),
    }
}

/// Strings from an iterable of `str`. A lone `str` is refused (it would be read letter by
/// letter) unless `lone_str_is_one` says to take it as one item.
pub(crate) fn strings(
    what: &str,
    value: &Bound<'_, PyAny>,
    lone_str_is_one: bool,
) -> PyResult<Vec<String>> {
    strings_with(&|| what.to_string(), value, lone_str_is_one)
}

/// [`strings`], its errors' subject written only for an error (see [`string_with`]).
pub(crate) fn strings_with(
    what: &dyn Fn() -> String,
    value: &Bound<'_, PyAny>,
    lone_str_is_one: bool,
) -> PyResult<Vec<String>> {
    if let Ok(s) = value.cast::<PyString>() {
        if lone_str_is_one {
            return Ok(vec![s.to_str()?.to_string()]);
        }
        return Err(PyTypeError::new_err(format!(
            "{} must be an iterable of str, not a single str; wrap it in a list: [{:?}]",
            what(),
            s.to_str()?
        )));
    }
    let Ok(iter) = value.try_iter() else {
        return Err(wrong_type(&what(), "an iterable of str", value));
    };
    let mut out = Vec::new();
    for item in iter {
        let item = item?;
        out.push(string_with(&|| format!("each item of {}", what()), &item)?);
    }
    Ok(out)
}

/// Optional strings: `None` gives an empty list.
pub(crate) fn optional_strings(
    what: &str,
    value: Option<&Bound<'_, PyAny>>,
    lone_str_is_one: bool,
) -> PyResult<Vec<String>> {
    match value {
        None => Ok(Vec::new()),
        Some(v) if v.is_none() => Ok(Vec::new()),
        Some(v) => strings(what, v, lone_str_is_one),
    }
}

/// A `str -> str` mapping.
pub(crate) fn string_map(
    what: &str,
    value: &Bound<'_, PyAny>,
) -> PyResult<std::collections::BTreeMap<String, String>> {
    let Ok(map) = value.cast::<pyo3::types::PyMapping>() else {
        return Err(wrong_type(what, "a mapping of str to str", value));
    };
    let mut out = std::collections::BTreeMap::new();
    for item in map.items()?.iter() {
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let key = string(&format!("a key of {what}"), &k)?;
        let value = string(&format!("{what}[{key:?}]"), &v)?;
        out.insert(key, value);
    }
    Ok(out)
}

/// A count that must not be negative: a `TypeError` for a non-int (or a bool), an `InputError`
/// for a negative one.
pub(crate) fn count(what: &str, value: &Bound<'_, PyAny>) -> PyResult<usize> {
    if value.cast::<PyBool>().is_ok() || value.cast::<pyo3::types::PyInt>().is_err() {
        return Err(wrong_type(what, "an int", value));
    }
    // Beyond i128 (Python ints have no bound): as large or as small as it gets.
    let n: i128 = match value.extract() {
        Ok(n) => n,
        Err(_) if value.gt(0)? => i128::MAX,
        Err(_) => i128::MIN,
    };
    if n < 0 {
        return Err(errors::input(format!("{what} must be 0 or more, not {n}")));
    }
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// A JSON value as plain Python data (dict, list, str, int, float, bool, None).
pub(crate) fn json_to_py(py: Python<'_>, value: &serde_json::Value) -> PyResult<Py<PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => b.into_py_any(py)?,
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_py_any(py)?
            } else if let Some(u) = n.as_u64() {
                u.into_py_any(py)?
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_py_any(py)?
            }
        }
        Value::String(s) => s.into_py_any(py)?,
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// Any serialisable core value as plain Python data.
pub(crate) fn to_py_data<T: serde::Serialize + ?Sized>(
    py: Python<'_>,
    value: &T,
) -> PyResult<Py<PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|e| PyTypeError::new_err(format!("cannot convert to Python data: {e}")))?;
    json_to_py(py, &json)
}

/// `repr()` of a Python string, for `__repr__`s.
pub(crate) fn repr_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `repr()` of an optional string.
pub(crate) fn repr_opt(text: Option<&str>) -> String {
    text.map_or_else(|| "None".to_string(), repr_str)
}
