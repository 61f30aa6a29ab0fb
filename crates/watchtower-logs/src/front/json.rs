//! JSON writing for the front ends, into one of two forms: the JSON text itself (a `String`),
//! or that text already escaped as the contents of a JSON string ([`Escaped`]), the form a
//! message takes in the PutLogEvents request body. Rendering a JSON message straight into the
//! second form escapes it once instead of twice (once as JSON, once again by the request
//! encoder): a JSON message has a quote every ~9 bytes, and escaping it again was the largest
//! single cost of the pipeline (see `bench/notes.md`).

use crate::escape::escaped;

use super::{FieldValue, Fields};

/// Where JSON text goes.
pub(crate) trait JsonOut {
    /// Punctuation and keys: `json`, whose escaped form `esc` the caller gives (constants).
    fn lit(&mut self, json: &str, esc: &str);
    /// Text that needs no escaping in either form (digits, `true`, a timestamp).
    fn bare(&mut self, s: &str);
    /// Text written as a JSON string's contents (the quotes around it are the caller's).
    fn text(&mut self, s: &str);
    /// JSON text rendered before (a span list).
    fn json(&mut self, json: &str);
}

impl JsonOut for String {
    fn lit(&mut self, json: &str, _esc: &str) {
        self.push_str(json);
    }

    fn bare(&mut self, s: &str) {
        self.push_str(s);
    }

    fn text(&mut self, s: &str) {
        escaped(s, |piece| self.push_str(piece));
    }

    fn json(&mut self, json: &str) {
        self.push_str(json);
    }
}

/// JSON text written in its escaped form, with the length of the text it stands for (what the
/// service counts, and what the queue's limits check).
#[derive(Debug, Default)]
pub(crate) struct Escaped {
    /// The escaped form.
    pub(crate) out: String,
    /// Bytes of the JSON text `out` stands for.
    pub(crate) text_len: usize,
}

impl Escaped {
    /// An empty text with room for `capacity` escaped bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Escaped {
            out: String::with_capacity(capacity),
            text_len: 0,
        }
    }
}

impl JsonOut for Escaped {
    fn lit(&mut self, json: &str, esc: &str) {
        debug_assert_eq!(esc, escape_once(json), "the escaped form of {json:?}");
        self.out.push_str(esc);
        self.text_len += json.len();
    }

    fn bare(&mut self, s: &str) {
        debug_assert_eq!(s, escape_once(s), "{s:?} needs escaping");
        self.out.push_str(s);
        self.text_len += s.len();
    }

    fn text(&mut self, s: &str) {
        // Escaped once into JSON, each piece escaped again: a run of plain text is the same in
        // both forms, and only the escapes (`\"`, `\n`, ...) change.
        let Escaped { out, text_len } = self;
        escaped(s, |piece| {
            *text_len += piece.len();
            if piece.starts_with('\\') {
                escaped(piece, |p| out.push_str(p));
            } else {
                out.push_str(piece);
            }
        });
    }

    fn json(&mut self, json: &str) {
        self.text_len += json.len();
        let out = &mut self.out;
        escaped(json, |piece| out.push_str(piece));
    }
}

/// `s` escaped once (the checks of debug builds).
fn escape_once(s: &str) -> String {
    let mut out = String::new();
    escaped(s, |piece| out.push_str(piece));
    out
}

/// `"` in both forms.
const QUOTE: (&str, &str) = ("\"", "\\\"");

/// Appends `value` as a JSON string literal.
pub(crate) fn json_str<W: JsonOut>(out: &mut W, value: &str) {
    out.lit(QUOTE.0, QUOTE.1);
    out.text(value);
    out.lit(QUOTE.0, QUOTE.1);
}

/// Appends a field's value with its JSON type.
pub(crate) fn json_value<W: JsonOut>(out: &mut W, value: &FieldValue) {
    match value {
        FieldValue::Null => out.bare("null"),
        FieldValue::Bool(b) => out.bare(if *b { "true" } else { "false" }),
        FieldValue::I64(n) => out.bare(itoa::Buffer::new().format(*n)),
        FieldValue::U64(n) => out.bare(itoa::Buffer::new().format(*n)),
        FieldValue::I128(n) => out.bare(itoa::Buffer::new().format(*n)),
        FieldValue::U128(n) => out.bare(itoa::Buffer::new().format(*n)),
        // serde_json's float formatting (shortest round trip; NaN and infinities as null).
        FieldValue::F64(f) => match serde_json::to_string(f) {
            Ok(s) => out.bare(&s),
            Err(_) => out.bare("null"),
        },
        FieldValue::Str(s) => json_str(out, s),
    }
}

/// Appends `fields` as the members of a JSON object (without braces), after `first` members
/// already written when `first` is false. A field called `name` is renamed when `rename_name`.
pub(crate) fn json_members<W: JsonOut>(
    out: &mut W,
    fields: &Fields,
    mut first: bool,
    rename_name: bool,
) {
    for (name, value) in fields.iter() {
        if !first {
            out.lit(",", ",");
        }
        first = false;
        if rename_name && name == "name" {
            json_str(out, "field.name");
        } else {
            json_str(out, name);
        }
        out.lit(":", ":");
        json_value(out, value);
    }
}

/// Appends one span of the JSON `spans` list: `{"name":...,fields}`.
#[cfg(feature = "tracing")]
pub(crate) fn json_span(out: &mut String, name: &str, fields: Option<&Fields>) {
    out.push_str("{\"name\":");
    json_str(out, name);
    if let Some(fields) = fields {
        json_members(out, fields, false, true);
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same calls on both forms: the escaped form must be the JSON text escaped, and its
    /// length that text's.
    macro_rules! both {
        ($out:ident => $write:expr) => {{
            let mut text = String::new();
            {
                let $out = &mut text;
                $write;
            }
            let mut esc = Escaped::default();
            {
                let $out = &mut esc;
                $write;
            }
            (text, esc)
        }};
    }

    fn check(text: &str, esc: &Escaped) {
        assert_eq!(esc.text_len, text.len(), "{text:?}");
        assert_eq!(esc.out, escape_once(text), "{text:?}");
        let back: String = serde_json::from_str(&format!("\"{}\"", esc.out)).expect("valid");
        assert_eq!(back, text);
    }

    #[test]
    fn the_escaped_form_is_the_json_text_escaped() {
        for s in [
            "",
            "plain",
            "a \"b\" \\ c\n\t\u{1}\u{1f}",
            "é ünïcode \u{7f} /",
        ] {
            let (text, esc) = both!(out => json_str(out, s));
            let parsed: String = serde_json::from_str(&text).expect("valid JSON");
            assert_eq!(parsed, s);
            check(&text, &esc);
        }
        let mut fields = Fields::default();
        fields.insert("name".into(), FieldValue::Str("q\"uote".into()));
        fields.insert("n".into(), FieldValue::I128(i128::MIN));
        fields.insert("u".into(), FieldValue::U128(u128::MAX));
        fields.insert("f".into(), FieldValue::F64(f64::NAN));
        fields.insert("g".into(), FieldValue::F64(-0.5));
        fields.insert("b".into(), FieldValue::Bool(false));
        fields.insert("z".into(), FieldValue::Null);
        fields.insert("k\\ey".into(), FieldValue::I64(-1));
        let (text, esc) = both!(out => {
            out.lit("{", "{");
            json_members(out, &fields, true, true);
            out.lit("}", "}");
        });
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(v["field.name"], "q\"uote");
        assert!(text.contains(&format!("\"n\":{}", i128::MIN)), "{text}");
        assert!(v["f"].is_null());
        assert_eq!(v["k\\ey"], -1);
        check(&text, &esc);
    }

    #[test]
    fn random_text_round_trips_through_both_escapes() {
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..2000 {
            let s: String = (0..rng.usize(0..40))
                .map(|_| match rng.u8(0..4) {
                    0 => char::from(rng.u8(0..0x20)),
                    1 => rng.choice(['"', '\\', '/', ' ']).unwrap_or('x'),
                    2 => char::from_u32(rng.u32(0x80..0x11_0000)).unwrap_or('\u{fffd}'),
                    _ => char::from(rng.u8(0x20..0x7f)),
                })
                .collect();
            let (text, esc) = both!(out => json_str(out, &s));
            check(&text, &esc);
        }
    }
}
