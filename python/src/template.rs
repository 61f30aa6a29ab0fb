//! The core's verdict on a stream name template, for the Python side's own check of the
//! templates the core leaves to `str.format` (see `watchtower/_template.py`).

use pyo3::prelude::*;
use watchtower_logs::template::{StreamNameTemplate, TemplateValues};
use watchtower_logs::ConfigError;

/// Why the core cannot render `template` itself (an unknown placeholder, a bad strftime
/// format, a literal `:` or `*`, a format spec it does not take), or `None` if it can.
#[pyfunction]
pub(crate) fn stream_template_error(template: &str) -> Option<String> {
    let values = TemplateValues {
        machine_name: String::new(),
        program_name: String::new(),
        process_id: 0,
    };
    match StreamNameTemplate::parse(template, values) {
        Ok(_) => None,
        Err(ConfigError::InvalidStreamTemplate { reason, .. }) => Some(reason),
        Err(e) => Some(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_name_the_problem() {
        assert_eq!(stream_template_error("{logger_name}/{strftime:%Y}"), None);
        assert!(stream_template_error("{nope}")
            .unwrap()
            .contains("unknown placeholder {nope}"));
        assert!(stream_template_error("{strftime:%Q}").is_some());
        assert!(stream_template_error("a:b")
            .unwrap()
            .contains("':' is not allowed"));
    }
}
