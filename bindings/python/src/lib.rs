//! Python bindings for the Orderly engine: the native module `orderly._orderly`, wrapped by the
//! pure-Python package `orderly` (see `python/orderly`).
//!
//! This crate only converts: Python arguments into the engine's request types, the engine's
//! results into immutable Python objects (money as `decimal.Decimal`, times as aware UTC
//! `datetime`), and `OrderlyError` into the exception classes of `orderly.errors` in one place
//! (`errors.rs`). Every engine call releases the GIL, a sync's HTTP calls included.

mod engine;
mod errors;
mod inputs;
mod results;
mod sync;
mod values;
mod webhooks;

use pyo3::prelude::*;

#[pymodule(name = "_orderly")]
fn orderly_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<engine::Engine>()?;
    m.add_function(wrap_pyfunction!(engine::default_policy, m)?)?;
    inputs::register(m)?;
    results::register(m)?;
    sync::register(m)?;
    webhooks::register(m)?;
    Ok(())
}
