//! A Python `str`'s UTF-8 text, borrowed without a copy.
//!
//! The extension is built for the stable ABI of Python 3.10 (`abi3-py310`), where
//! `PyUnicode_AsUTF8AndSize` is part of the limited API: PyO3's `PyString::to_str()` uses it
//! and returns the UTF-8 text the `str` object keeps (for an ASCII `str`, its own data) with no
//! allocation and no `unsafe` here.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// The text of `obj`, a `str` (or a subclass), borrowed from it: a `TypeError` for anything
/// else, a `UnicodeEncodeError` for a `str` with a lone surrogate (as PyO3's own extraction).
pub(crate) fn utf8<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    obj.cast::<PyString>()?.to_str()
}
