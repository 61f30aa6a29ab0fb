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

/// The deepest nesting of containers encoded here (deeper: `None`, `json.dumps` takes over).
const MAX_DEPTH: usize = 64;

/// Not encodable here: the caller falls back to `json.dumps`.
struct Bail;

type Encoded = Result<(), Bail>;

/// `json.dumps(obj)` for dicts (exact `str` keys), lists, tuples, and exact `str`, `int`,
/// `float`, `bool` and `None`, nested; `None` for anything else (use `json.dumps` then).
#[pyfunction]
pub(crate) fn dumps_fast<'py>(obj: &Bound<'py, PyAny>) -> Option<Bound<'py, PyString>> {
    let py = obj.py();
    let mut encoder = Encoder {
        py,
        out: Vec::with_capacity(1024),
        chars: Vec::new(),
    };
    let encoded = encoder.value(obj.as_ptr(), 0);
    if encoded.is_err() {
        // A failed C API call leaves its exception set: json.dumps will meet it again.
        drop(PyErr::take(py));
        return None;
    }
    // Only ASCII is ever written (ensure_ascii).
    let text = std::str::from_utf8(&encoder.out).ok()?;
    Some(PyString::new(py, text))
}

struct Encoder<'py> {
    py: Python<'py>,
    /// The JSON text (ASCII).
    out: Vec<u8>,
    /// The code points of the `str` being encoded (reused from one to the next).
    chars: Vec<ffi::Py_UCS4>,
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

    /// Copies the code points of `s` (an exact `str`) into `self.chars`.
    fn load_chars(&mut self, s: *mut ffi::PyObject) -> Encoded {
        // SAFETY: GIL held, `s` is a live `str`; `PyUnicode_AsUCS4` writes at most `len` code
        // points into a buffer that has room for `len`.
        unsafe {
            let len = ffi::PyUnicode_GetLength(s);
            let Ok(n) = usize::try_from(len) else {
                return Err(Bail);
            };
            self.chars.clear();
            if n == 0 {
                return Ok(());
            }
            self.chars.reserve(n);
            if ffi::PyUnicode_AsUCS4(s, self.chars.as_mut_ptr(), len, 0).is_null() {
                return Err(Bail);
            }
            self.chars.set_len(n);
        }
        Ok(())
    }

    /// A `str` as json's `ensure_ascii` encoder writes it (`py_encode_basestring_ascii`).
    fn string(&mut self, s: *mut ffi::PyObject) -> Encoded {
        self.load_chars(s)?;
        let out = &mut self.out;
        out.reserve(self.chars.len() + 2);
        out.push(b'"');
        let mut rest = &self.chars[..];
        while !rest.is_empty() {
            // ' ' ..= '~' but '"' and '\\' (the C encoder's S_CHAR) are written as they are:
            // copy each run of them at once.
            let plain = rest
                .iter()
                .position(|&c| !(0x20..=0x7e).contains(&c) || c == 0x22 || c == 0x5c)
                .unwrap_or(rest.len());
            out.extend(rest[..plain].iter().map(|&c| c as u8));
            let Some((&c, tail)) = rest[plain..].split_first() else {
                break;
            };
            rest = tail;
            match c {
                0x22 => out.extend_from_slice(b"\\\""),
                0x5c => out.extend_from_slice(b"\\\\"),
                0x0a => out.extend_from_slice(b"\\n"),
                0x0d => out.extend_from_slice(b"\\r"),
                0x09 => out.extend_from_slice(b"\\t"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                // A lone surrogate: left to json (which writes it as a \uXXXX escape).
                0xd800..=0xdfff => return Err(Bail),
                0x10000.. => {
                    let v = c - 0x10000;
                    push_u_escape(out, 0xd800 | (v >> 10));
                    push_u_escape(out, 0xdc00 | (v & 0x3ff));
                }
                _ => push_u_escape(out, c),
            }
        }
        out.push(b'"');
        Ok(())
    }

    /// The text of a `str` known to be ASCII (an `int`'s or a `float`'s repr), as it is.
    fn raw(&mut self, s: &Bound<'_, PyString>) -> Encoded {
        self.load_chars(s.as_ptr())?;
        for &c in &self.chars {
            let byte = u8::try_from(c).map_err(|_| Bail)?;
            if !byte.is_ascii() {
                return Err(Bail);
            }
            self.out.push(byte);
        }
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
