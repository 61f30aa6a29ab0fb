//! The `tracing` front end's field visitor: an event's or span's fields into [`Fields`], an
//! event's message straight into its block's text.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use ::tracing_core::field::{Field, Visit};

use super::{FieldValue, Fields, Span};

/// Collects the fields of an event or span; the `message` field and (for events bridged from
/// `log`) the `log.*` fields go to their own slots.
pub(super) struct FieldVisitor<'a> {
    pub(super) fields: &'a mut Fields,
    /// Where the message goes (events); `None` keeps it as a field (spans).
    pub(super) text: Option<&'a mut String>,
    pub(super) bridged: bool,
    /// Where the message is in `text`.
    pub(super) message: Option<Span>,
    pub(super) log_target: Option<String>,
    pub(super) log_module_path: Option<String>,
    pub(super) log_file: Option<String>,
    pub(super) log_line: Option<u32>,
}

impl<'a> FieldVisitor<'a> {
    pub(super) fn new(fields: &'a mut Fields, text: Option<&'a mut String>) -> Self {
        FieldVisitor {
            fields,
            text,
            bridged: false,
            message: None,
            log_target: None,
            log_module_path: None,
            log_file: None,
            log_line: None,
        }
    }

    fn put(&mut self, field: &Field, value: FieldValue) {
        let name = field.name();
        if let Some(text) = self.text.as_deref_mut().filter(|_| name == "message") {
            let start = text.len();
            match value {
                FieldValue::Str(s) => text.push_str(&s),
                other => super::plain_value(text, &other),
            }
            self.message = Some(Span::since(text, start));
            return;
        }
        if self.bridged {
            match (name, &value) {
                ("log.target", FieldValue::Str(s)) => {
                    self.log_target = Some(s.clone());
                    return;
                }
                ("log.file", FieldValue::Str(s)) => {
                    self.log_file = Some(s.clone());
                    return;
                }
                ("log.line", FieldValue::U64(n)) => {
                    self.log_line = u32::try_from(*n).ok();
                    return;
                }
                ("log.line", FieldValue::I64(n)) => {
                    self.log_line = u32::try_from(*n).ok();
                    return;
                }
                ("log.module_path", FieldValue::Str(s)) => {
                    self.log_module_path = Some(s.clone());
                    return;
                }
                ("log.module_path", _) => return,
                _ => {}
            }
        }
        self.fields.insert(Cow::Borrowed(name), value);
    }
}

impl Visit for FieldVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, FieldValue::F64(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, FieldValue::I64(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, FieldValue::U64(value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.put(field, FieldValue::I128(value));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.put(field, FieldValue::U128(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, FieldValue::Bool(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if let Some(text) = self
            .text
            .as_deref_mut()
            .filter(|_| field.name() == "message")
        {
            self.message = Some(Span::push(text, value));
            return;
        }
        self.put(field, FieldValue::Str(value.to_owned()));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, FieldValue::Str(value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // The message (usually `format_args!`) is written straight into the buffer.
        if let Some(text) = self
            .text
            .as_deref_mut()
            .filter(|_| field.name() == "message")
        {
            let start = text.len();
            let _ = write!(text, "{value:?}");
            self.message = Some(Span::since(text, start));
            return;
        }
        self.put(field, FieldValue::Str(format!("{value:?}")));
    }
}
