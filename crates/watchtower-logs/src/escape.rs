//! JSON string escaping, shared by the front ends' rendering (a message's JSON) and the request
//! encoding (every message as a JSON string of the request body): quotes, backslashes and
//! control characters escaped, everything else (UTF-8 included) as it is.
//!
//! Messages are mostly bytes that go as they are, so the scan looks at eight bytes at a time
//! for one that needs escaping (a word-at-a-time test, no `unsafe`), and copies the runs
//! between them whole.

/// The escape of each control character (JSON's short forms where it has one).
const CONTROL: [&str; 32] = [
    "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007", "\\b",
    "\\t", "\\n", "\\u000b", "\\f", "\\r", "\\u000e", "\\u000f", "\\u0010", "\\u0011", "\\u0012",
    "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019", "\\u001a",
    "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
];

/// Whether byte `b` needs escaping.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// For eight bytes read little-endian: zero when none needs escaping; otherwise the lowest
/// set bit is in the first byte that does (`trailing_zeros() / 8` is its index).
#[inline]
fn escape_mask(word: u64) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    const SPACES: u64 = u64::from_ne_bytes([0x20; 8]);
    // A byte's high bit is set if it is zero after the XOR (a quote or a backslash) or below
    // 0x20; the lowest such byte is always a true one (a borrow only runs upwards from a true
    // one).
    let quote = word ^ QUOTES;
    let backslash = word ^ BACKSLASHES;
    let found = (quote.wrapping_sub(ONES) & !quote)
        | (backslash.wrapping_sub(ONES) & !backslash)
        | (word.wrapping_sub(SPACES) & !word);
    found & HIGH
}

/// The escape of byte `b`, which [`needs_escape`].
#[inline]
fn escape_of(b: u8) -> &'static str {
    match b {
        b'"' => "\\\"",
        b'\\' => "\\\\",
        b => CONTROL[usize::from(b & 0x1f)],
    }
}

/// The index of the first byte at or after `from` that needs escaping (`bytes.len()` if none).
#[allow(dead_code)] // used by the feature-gated front ends only (and this file is also compiled into the benches)
fn next_escape(bytes: &[u8], mut from: usize) -> usize {
    while let Some(chunk) = bytes.get(from..from + 8) {
        let found = escape_mask(u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])));
        if found != 0 {
            return from + (found.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    bytes[from..]
        .iter()
        .position(|&b| needs_escape(b))
        .map_or(bytes.len(), |i| from + i)
}

/// Passes `s`, escaped for a JSON string (without the quotes), to `push` in pieces.
#[allow(dead_code)] // used by the feature-gated front ends only (and this file is also compiled into the benches)
pub(crate) fn escaped(s: &str, mut push: impl FnMut(&str)) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut at = next_escape(bytes, 0);
    while at < bytes.len() {
        // Only ASCII bytes are escaped, so `at` is always a character boundary.
        push(&s[start..at]);
        push(escape_of(bytes[at]));
        start = at + 1;
        at = next_escape(bytes, start);
    }
    push(&s[start..]);
}

/// Appends `s` as a JSON string literal to `out`.
///
/// The request body escapes every message, and a JSON message escapes to many short runs
/// between quotes: so runs are copied a word at a time with fixed-size copies (eight bytes
/// copied, the length then cut back to the escape) rather than one variable-length copy per
/// run, which cost a `memcpy` call each.
pub(crate) fn push_json_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut from = 0;
    while let Some(chunk) = bytes.get(from..from + 8) {
        let chunk: [u8; 8] = chunk.try_into().unwrap_or([0; 8]);
        let found = escape_mask(u64::from_le_bytes(chunk));
        let len = out.len();
        out.extend_from_slice(&chunk);
        if found == 0 {
            from += 8;
            continue;
        }
        // Only ASCII bytes are escaped: the cut is at a character boundary.
        let at = (found.trailing_zeros() / 8) as usize;
        out.truncate(len + at);
        out.extend_from_slice(escape_of(chunk[at]).as_bytes());
        from += at + 1;
    }
    for &b in &bytes[from..] {
        if needs_escape(b) {
            out.extend_from_slice(escape_of(b).as_bytes());
        } else {
            out.push(b);
        }
    }
    out.push(b'"');
}

/// The text of `escaped`, the contents of a JSON string (what [`push_json_str`] writes between
/// the quotes): for the rare event that must be handled as text (oversized, or spooled).
#[allow(dead_code)] // not used by the benches that compile this file
pub(crate) fn unescape(escaped: &str) -> String {
    let mut quoted = String::with_capacity(escaped.len() + 2);
    quoted.push('"');
    quoted.push_str(escaped);
    quoted.push('"');
    let text = serde_json::from_str(&quoted);
    // Only our own renderer's output is unescaped: always valid.
    debug_assert!(text.is_ok(), "not an escaped JSON string: {escaped:?}");
    text.unwrap_or_else(|_| escaped.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `s` as a JSON string literal, by both escapers (which must agree).
    fn literal(s: &str) -> String {
        let mut out = Vec::new();
        push_json_str(&mut out, s);
        let fast = String::from_utf8(out).expect("UTF-8");
        let mut pieces = String::from("\"");
        escaped(s, |piece| pieces.push_str(piece));
        pieces.push('"');
        assert_eq!(fast, pieces, "{s:?}");
        fast
    }

    #[test]
    fn escapes_what_json_requires_and_nothing_else() {
        assert_eq!(literal(""), r#""""#);
        assert_eq!(
            literal("a\"b\\c\nd\u{1}é\u{7f}/"),
            "\"a\\\"b\\\\c\\nd\\u0001é\u{7f}/\""
        );
        // Every position within and across the 8-byte words.
        for len in 0..40 {
            for at in 0..len {
                for special in ['"', '\\', '\n', '\u{1f}', '\0'] {
                    let s: String = (0..len)
                        .map(|i| if i == at { special } else { 'x' })
                        .collect();
                    let want = serde_json::to_string(&s).expect("serde_json");
                    assert_eq!(literal(&s), want, "{s:?}");
                }
            }
        }
    }

    #[test]
    fn agrees_with_serde_json_on_random_text() {
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..2000 {
            let s: String = (0..rng.usize(0..50))
                .map(|_| match rng.u8(0..4) {
                    0 => char::from(rng.u8(0..0x20)),
                    1 => rng.choice(['"', '\\', '/', '\u{7f}', ' ']).unwrap_or('x'),
                    2 => char::from_u32(rng.u32(0x80..0x11_0000)).unwrap_or('\u{fffd}'),
                    _ => char::from(rng.u8(0x20..0x7f)),
                })
                .collect();
            let literal = literal(&s);
            let parsed: String = serde_json::from_str(&literal).expect("valid JSON");
            assert_eq!(parsed, s);
            assert_eq!(unescape(&literal[1..literal.len() - 1]), s);
        }
    }
}
