//! A Python `str`'s UTF-8 text, borrowed without a copy.
//!
//! The extension is built for the stable ABI of Python 3.9 (`abi3-py39`), where PyO3 reads a
//! `str` through `PyUnicode_AsUTF8String`: a new `bytes` object and a copy on every call, for
//! every record. `PyUnicode_AsUTF8AndSize` returns the UTF-8 text the `str` object keeps (for an
//! ASCII `str`, its own data) with no allocation. It joined the stable ABI in Python 3.10, and
//! CPython has exported it with this signature since 3.3, so the 3.9 build uses it too. (On
//! Windows an abi3 module links against `python3.dll`, which exports it only from 3.10 on: a
//! Windows wheel would need `abi3-py310`. The package is built and tested on Linux.)

use std::os::raw::c_char;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

extern "C" {
    #[link_name = "PyUnicode_AsUTF8AndSize"]
    fn unicode_as_utf8_and_size(
        unicode: *mut ffi::PyObject,
        size: *mut ffi::Py_ssize_t,
    ) -> *const c_char;
}

/// The text of `obj`, a `str` (or a subclass), borrowed from it: a `TypeError` for anything
/// else, a `UnicodeEncodeError` for a `str` with a lone surrogate (as PyO3's own extraction).
pub(crate) fn utf8<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    let s = obj.cast::<PyString>()?;
    let mut size: ffi::Py_ssize_t = 0;
    // SAFETY: the GIL is held (we have a `Bound`) and `s` is a live `str`; the buffer returned
    // belongs to `s` and lives as long as it, which the returned lifetime ties to `obj`.
    unsafe {
        let data = unicode_as_utf8_and_size(s.as_ptr(), &mut size);
        if data.is_null() {
            return Err(PyErr::fetch(obj.py()));
        }
        let bytes = std::slice::from_raw_parts(data.cast::<u8>(), size as usize);
        // CPython's strict UTF-8 encoder wrote these bytes: valid UTF-8 by construction.
        Ok(std::str::from_utf8_unchecked(bytes))
    }
}
