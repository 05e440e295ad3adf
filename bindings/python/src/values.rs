//! Conversions of single values between Python and the engine: money as `decimal.Decimal`,
//! instants as aware UTC `datetime` (through pyo3's chrono conversions), free-form JSON as
//! plain dicts and lists, and the dataclass-style `repr` every result class uses.

use chrono::{DateTime, Utc};
use orderly::{Money, Timestamp};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyTzInfo,
};

use crate::errors::invalid_field;

static DECIMAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

/// `Decimal("12.34")`: the exact amount in the currency's minor digits.
pub(crate) fn decimal<'py>(py: Python<'py>, money: &Money) -> PyResult<Bound<'py, PyAny>> {
    decimal_type(py)?.call1((money.amount_string(),))
}

/// A decimal amount as the engine parses it: `Decimal`, `str` or `int`, never `float`
/// (a float cannot hold most cent amounts exactly). The engine validates the digits.
pub(crate) fn amount_string(value: &Bound<'_, PyAny>, field: &str) -> PyResult<String> {
    let py = value.py();
    if value.is_instance(decimal_type(py)?)? {
        // Fixed-point notation: `Decimal("1E+1")` is "10", not "1E+1".
        return value.call_method1("__format__", ("f",))?.extract();
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if value.is_instance_of::<PyInt>() && !value.is_instance_of::<PyBool>() {
        return Ok(value.str()?.to_cow()?.into_owned());
    }
    Err(PyTypeError::new_err(format!(
        "{field} must be a decimal.Decimal, str or int, not {}",
        value.get_type().name()?
    )))
}

/// An aware `datetime` in UTC, to the millisecond like the engine.
pub(crate) fn datetime(py: Python<'_>, at: Timestamp) -> PyResult<Bound<'_, PyDateTime>> {
    let value = at.to_datetime().into_pyobject(py)?.into_any();
    Ok(value.cast_into::<PyDateTime>()?)
}

/// An aware `datetime` in any time zone as an engine instant (whole milliseconds, floored).
/// A naive `datetime` is refused: it names no instant.
pub(crate) fn timestamp(value: &Bound<'_, PyAny>, field: &str) -> PyResult<Timestamp> {
    let py = value.py();
    if !value.is_instance_of::<PyDateTime>() {
        return Err(PyTypeError::new_err(format!(
            "{field} must be a datetime.datetime, not {}",
            value.get_type().name()?
        )));
    }
    if value.call_method0("utcoffset")?.is_none() {
        return Err(invalid_field(
            py,
            field,
            "must be a timezone-aware datetime (e.g. with tzinfo=timezone.utc)",
        ));
    }
    // Any tzinfo (fixed offsets, zoneinfo) to UTC first: pyo3 reads a UTC datetime directly.
    let utc = value.call_method1("astimezone", (PyTzInfo::utc(py)?,))?;
    let at: DateTime<Utc> = utc.extract()?;
    Ok(Timestamp::from_datetime(at))
}

/// JSON (event payloads, order metadata) as plain Python values.
pub(crate) fn json_to_py<'py>(
    py: Python<'py>,
    value: &serde_json::Value,
) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u), _) => u.into_pyobject(py)?.into_any(),
            (None, None, Some(f)) => PyFloat::new(py, f).into_any(),
            _ => py.None().into_bound(py),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => json_object(py, map)?.into_any(),
    })
}

pub(crate) fn json_object<'py>(
    py: Python<'py>,
    map: &serde_json::Map<String, serde_json::Value>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in map {
        dict.set_item(k, json_to_py(py, v)?)?;
    }
    Ok(dict)
}

/// A JSON-compatible Python value (dict with str keys, list, tuple, str, int, float, bool,
/// None) as JSON; anything else is a `TypeError` naming where it was found.
pub(crate) fn py_to_json(value: &Bound<'_, PyAny>, path: &str) -> PyResult<serde_json::Value> {
    use serde_json::Value;
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        if let Ok(i) = value.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = value.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(PyTypeError::new_err(format!(
            "{path}: integer out of the 64-bit range"
        )));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| PyTypeError::new_err(format!("{path}: NaN and infinity are not JSON")));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        return Ok(Value::Object(py_to_json_object(d, path)?));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in value.try_iter()?.enumerate() {
            items.push(py_to_json(&item?, &format!("{path}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    Err(PyTypeError::new_err(format!(
        "{path}: {} is not JSON-compatible",
        value.get_type().name()?
    )))
}

pub(crate) fn py_to_json_object(
    dict: &Bound<'_, PyDict>,
    path: &str,
) -> PyResult<serde_json::Map<String, serde_json::Value>> {
    let mut map = serde_json::Map::new();
    for (k, v) in dict.iter() {
        let key = k
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err(format!("{path}: keys must be str")))?
            .to_cow()?
            .into_owned();
        let value = py_to_json(&v, &format!("{path}[{key:?}]"))?;
        map.insert(key, value);
    }
    Ok(map)
}

/// `Name(field=repr(value), ...)`, like a dataclass: `py_repr!(py, "Totals", total = t, ...)`.
macro_rules! py_repr {
    ($py:expr, $name:literal $(, $field:ident = $value:expr)* $(,)?) => {{
        use pyo3::IntoPyObjectExt as _;
        $crate::values::repr(
            $name,
            &[$((stringify!($field), ($value).into_bound_py_any($py)?)),*],
        )
    }};
}
pub(crate) use py_repr;

pub(crate) fn repr(name: &str, fields: &[(&str, Bound<'_, PyAny>)]) -> PyResult<String> {
    let mut parts = Vec::with_capacity(fields.len());
    for (field, value) in fields {
        parts.push(format!("{field}={}", value.repr()?.to_cow()?));
    }
    Ok(format!("{name}({})", parts.join(", ")))
}
