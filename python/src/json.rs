//! `dumps_fast`: `json.dumps(obj)` (the standard library's defaults: `ensure_ascii`, the `", "`
//! and `": "` separators, `allow_nan`, insertion order) for the common exact builtin types, so
//! that `CloudWatchLogFormatter` can encode dict messages without the stdlib encoder's overhead.
//!
//! The output is byte-identical to `json.dumps` or there is none: anything else (a subclass of
//! a builtin type, a non-`str` dict key, a type that needs `default=`, a lone surrogate, nesting
//! deeper than [`MAX_DEPTH`], which is also how reference cycles end up, a Python error) returns
//! `None` and the caller falls back to `json.dumps`, which then does (or raises) what it always
//! did. Never calling `default=` is what makes this valid whatever the `default` is: `json`
//! only calls it for the types bailed on here.
//!
//! Numbers are written as `json` writes them: an `int` is its `repr` (written here for values
//! that fit an `i64`, asked from Python for bigger ones), a finite `float` is `float.__repr__`
//! (asked from Python, so the digits are CPython's), NaN and the infinities are `NaN`,
//! `Infinity` and `-Infinity`.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::text::utf8;

/// The deepest nesting of containers encoded here (deeper: `None`, `json.dumps` takes over).
const MAX_DEPTH: usize = 64;

/// Not encodable here: the caller falls back to `json.dumps`.
struct Bail;

type Encoded = Result<(), Bail>;

/// `json.dumps(obj)` for dicts (exact `str` keys), lists, tuples, and exact `str`, `int`,
/// `float`, `bool` and `None`, nested; `None` for anything else (use `json.dumps` then).
#[pyfunction]
pub(crate) fn dumps_fast<'py>(obj: &Bound<'py, PyAny>) -> Option<Bound<'py, PyString>> {
    let text = dumps_text(obj)?;
    Some(PyString::new(obj.py(), &text))
}

/// [`dumps_fast`]'s text as a Rust `String` (no `str` object made): what the per-record fast
/// path hands to the core.
pub(crate) fn dumps_text(obj: &Bound<'_, PyAny>) -> Option<String> {
    let py = obj.py();
    let mut encoder = Encoder {
        py,
        out: Vec::with_capacity(1024),
    };
    let encoded = encoder.value(obj.as_ptr(), 0);
    if encoded.is_err() {
        // A failed C API call leaves its exception set: json.dumps will meet it again.
        drop(PyErr::take(py));
        return None;
    }
    let mut out = encoder.out;
    // The core keeps the text as it is and counts its allocation against the queue bound:
    // give back a large unused tail (glibc shrinks in place).
    if out.capacity() - out.len() > out.len() / 4 {
        out.shrink_to_fit();
    }
    // Only ASCII is ever written (ensure_ascii).
    String::from_utf8(out).ok()
}

struct Encoder<'py> {
    py: Python<'py>,
    /// The JSON text (ASCII).
    out: Vec<u8>,
}

fn is_type(ty: *mut ffi::PyTypeObject, builtin: *const ffi::PyTypeObject) -> bool {
    std::ptr::eq(ty.cast_const(), builtin)
}

impl Encoder<'_> {
    /// Encodes `obj` (a borrowed reference, kept alive by the caller), inside `depth`
    /// containers.
    fn value(&mut self, obj: *mut ffi::PyObject, depth: usize) -> Encoded {
        // SAFETY: the GIL is held (we have `self.py`) and `obj` is a live object; the type
        // objects are the interpreter's static builtin types.
        unsafe {
            let ty = ffi::Py_TYPE(obj);
            if is_type(ty, &raw const ffi::PyUnicode_Type) {
                self.string(obj)
            } else if is_type(ty, &raw const ffi::PyLong_Type) {
                self.int(obj)
            } else if is_type(ty, &raw const ffi::PyFloat_Type) {
                self.float(obj)
            } else if is_type(ty, &raw const ffi::PyDict_Type) {
                self.dict(obj, depth + 1)
            } else if is_type(ty, &raw const ffi::PyList_Type) {
                self.list(obj, depth + 1)
            } else if is_type(ty, &raw const ffi::PyTuple_Type) {
                self.tuple(obj, depth + 1)
            } else if obj == ffi::Py_None() {
                self.out.extend_from_slice(b"null");
                Ok(())
            } else if obj == ffi::Py_True() {
                self.out.extend_from_slice(b"true");
                Ok(())
            } else if obj == ffi::Py_False() {
                self.out.extend_from_slice(b"false");
                Ok(())
            } else {
                Err(Bail)
            }
        }
    }

    /// The UTF-8 text of `s`, a live `str` (borrowed: the object outlives the encoding).
    fn text<'s>(&self, s: *mut ffi::PyObject) -> Result<&'s str, Bail> {
        // SAFETY: GIL held, `s` is a live `str`, borrowed for the whole encoding (its container
        // holds it), and the text `utf8` returns belongs to it.
        let obj = unsafe { Bound::from_borrowed_ptr(self.py, s) };
        let text = utf8(&obj).map_err(|_| Bail)?;
        // SAFETY: as above: the text lives as long as the object, which outlives `'s`.
        Ok(unsafe { &*std::ptr::from_ref::<str>(text) })
    }

    /// A `str` as json's `ensure_ascii` encoder writes it (`py_encode_basestring_ascii`).
    fn string(&mut self, s: *mut ffi::PyObject) -> Encoded {
        // A lone surrogate cannot be read as UTF-8: left to json (which writes it as a \uXXXX
        // escape).
        let text = self.text(s)?;
        let out = &mut self.out;
        out.reserve(text.len() + 2);
        out.push(b'"');
        let mut rest = text;
        while !rest.is_empty() {
            // ' ' ..= '~' but '"' and '\\' (the C encoder's S_CHAR) are written as they are:
            // copy each run of them at once.
            let plain = rest
                .bytes()
                .position(|b| !(0x20..=0x7e).contains(&b) || b == b'"' || b == b'\\')
                .unwrap_or(rest.len());
            out.extend_from_slice(&rest.as_bytes()[..plain]);
            let mut chars = rest[plain..].chars();
            let Some(c) = chars.next() else {
                break;
            };
            rest = chars.as_str();
            match c {
                '"' => out.extend_from_slice(b"\\\""),
                '\\' => out.extend_from_slice(b"\\\\"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\r' => out.extend_from_slice(b"\\r"),
                '\t' => out.extend_from_slice(b"\\t"),
                '\u{8}' => out.extend_from_slice(b"\\b"),
                '\u{c}' => out.extend_from_slice(b"\\f"),
                c if u32::from(c) >= 0x10000 => {
                    let v = u32::from(c) - 0x10000;
                    push_u_escape(out, 0xd800 | (v >> 10));
                    push_u_escape(out, 0xdc00 | (v & 0x3ff));
                }
                c => push_u_escape(out, u32::from(c)),
            }
        }
        out.push(b'"');
        Ok(())
    }

    /// The text of a `str` known to be ASCII (an `int`'s or a `float`'s repr), as it is.
    fn raw(&mut self, s: &Bound<'_, PyString>) -> Encoded {
        let text = self.text(s.as_ptr())?;
        if !text.is_ascii() {
            return Err(Bail);
        }
        self.out.extend_from_slice(text.as_bytes());
        Ok(())
    }

    /// An exact `int`: its `repr`.
    fn int(&mut self, obj: *mut ffi::PyObject) -> Encoded {
        let mut overflow = 0;
        // SAFETY: GIL held, `obj` is a live `int`.
        let v = unsafe { ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow) };
        if overflow == 0 {
            // SAFETY: GIL held.
            if v == -1 && unsafe { !ffi::PyErr_Occurred().is_null() } {
                return Err(Bail);
            }
            push_i64(&mut self.out, v);
            return Ok(());
        }
        // A big int: Python's own digits (json uses int.__repr__; it may refuse, past
        // sys.get_int_max_str_digits(), and then json.dumps raises the same error).
        // SAFETY: `obj` is a live object, borrowed for the call.
        let obj = unsafe { Bound::from_borrowed_ptr(self.py, obj) };
        let repr = obj.repr().map_err(|_| Bail)?;
        self.raw(&repr)
    }

    /// An exact `float`: `float.__repr__`, or json's words for NaN and the infinities.
    fn float(&mut self, obj: *mut ffi::PyObject) -> Encoded {
        // SAFETY: GIL held, `obj` is a live exact `float` (cannot fail).
        let v = unsafe { ffi::PyFloat_AsDouble(obj) };
        if v.is_nan() {
            self.out.extend_from_slice(b"NaN");
        } else if v == f64::INFINITY {
            self.out.extend_from_slice(b"Infinity");
        } else if v == f64::NEG_INFINITY {
            self.out.extend_from_slice(b"-Infinity");
        } else {
            // SAFETY: `obj` is a live object, borrowed for the call.
            let obj = unsafe { Bound::from_borrowed_ptr(self.py, obj) };
            let repr = obj.repr().map_err(|_| Bail)?;
            self.raw(&repr)?;
        }
        Ok(())
    }

    fn dict(&mut self, dict: *mut ffi::PyObject, depth: usize) -> Encoded {
        if depth > MAX_DEPTH {
            return Err(Bail);
        }
        // SAFETY: GIL held, `dict` is a live exact dict. Keys and values are owned (incref'd)
        // while they are encoded, and a dict changed meanwhile (only a finaliser run by the
        // garbage collector could) is bailed on.
        unsafe {
            let size = ffi::PyDict_Size(dict);
            if size == 0 {
                self.out.extend_from_slice(b"{}");
                return Ok(());
            }
            self.out.push(b'{');
            let mut pos: ffi::Py_ssize_t = 0;
            let mut key = std::ptr::null_mut();
            let mut value = std::ptr::null_mut();
            let mut first = true;
            while ffi::PyDict_Next(dict, &mut pos, &mut key, &mut value) != 0 {
                let key = Bound::from_borrowed_ptr(self.py, key);
                let value = Bound::from_borrowed_ptr(self.py, value);
                if !is_type(ffi::Py_TYPE(key.as_ptr()), &raw const ffi::PyUnicode_Type) {
                    return Err(Bail);
                }
                if !first {
                    self.out.extend_from_slice(b", ");
                }
                first = false;
                self.string(key.as_ptr())?;
                self.out.extend_from_slice(b": ");
                self.value(value.as_ptr(), depth)?;
                if ffi::PyDict_Size(dict) != size {
                    return Err(Bail);
                }
            }
            self.out.push(b'}');
        }
        Ok(())
    }

    fn list(&mut self, list: *mut ffi::PyObject, depth: usize) -> Encoded {
        if depth > MAX_DEPTH {
            return Err(Bail);
        }
        // SAFETY: GIL held, `list` is a live exact list; each item is owned while encoded and
        // the length is read again each time (PyList_GetItem checks the index).
        unsafe {
            if ffi::PyList_Size(list) == 0 {
                self.out.extend_from_slice(b"[]");
                return Ok(());
            }
            self.out.push(b'[');
            let mut i = 0;
            while i < ffi::PyList_Size(list) {
                let item = ffi::PyList_GetItem(list, i);
                if item.is_null() {
                    return Err(Bail);
                }
                let item = Bound::from_borrowed_ptr(self.py, item);
                if i > 0 {
                    self.out.extend_from_slice(b", ");
                }
                self.value(item.as_ptr(), depth)?;
                i += 1;
            }
            self.out.push(b']');
        }
        Ok(())
    }

    fn tuple(&mut self, tuple: *mut ffi::PyObject, depth: usize) -> Encoded {
        if depth > MAX_DEPTH {
            return Err(Bail);
        }
        // SAFETY: GIL held, `tuple` is a live exact tuple (immutable, it owns its items).
        unsafe {
            let size = ffi::PyTuple_Size(tuple);
            if size == 0 {
                self.out.extend_from_slice(b"[]");
                return Ok(());
            }
            self.out.push(b'[');
            for i in 0..size {
                let item = ffi::PyTuple_GetItem(tuple, i);
                if item.is_null() {
                    return Err(Bail);
                }
                if i > 0 {
                    self.out.extend_from_slice(b", ");
                }
                self.value(item, depth)?;
            }
            self.out.push(b']');
        }
        Ok(())
    }
}

/// `\uXXXX` with lowercase hex digits, as json writes it.
fn push_u_escape(out: &mut Vec<u8>, unit: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[((unit >> shift) & 0xf) as usize]);
    }
}

/// The decimal digits of `v`, with a `-` if negative: an `int`'s repr.
fn push_i64(out: &mut Vec<u8>, v: i64) {
    let mut digits = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_written_as_their_repr() {
        for v in [0, 1, -1, 9, 10, -10, 1234567890, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            push_i64(&mut out, v);
            assert_eq!(out, v.to_string().into_bytes());
        }
    }

    #[test]
    fn u_escapes_are_lowercase_and_four_digits() {
        let mut out = Vec::new();
        push_u_escape(&mut out, 0x1f);
        push_u_escape(&mut out, 0xd83d);
        assert_eq!(out, b"\\u001f\\ud83d");
    }
}
