//! The service's rules for names, tags and ranges, checked before anything is sent.

use std::collections::BTreeMap;

use crate::error::ConfigError;
use crate::limits::{MAX_NAME_CHARS, MAX_TAGS};

pub(super) fn check_range(
    option: &'static str,
    value: usize,
    min: usize,
    max: usize,
) -> Result<(), ConfigError> {
    if value < min || value > max {
        return Err(ConfigError::InvalidOption {
            option,
            reason: format!("{value} is outside the allowed range {min}..={max}"),
        });
    }
    Ok(())
}

/// Checks a log group name against the service's rules: 1–512 characters of
/// `[.-_/#A-Za-z0-9]`, not starting with `aws/`.
pub fn validate_log_group_name(name: &str) -> Result<(), ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidLogGroupName {
        name: name.to_owned(),
        reason,
    };
    if name.is_empty() {
        return Err(invalid("it is empty".into()));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!(
            "it is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | '#')))
    {
        return Err(invalid(format!(
            "{bad:?} is not allowed (use letters, digits and . - _ / #)"
        )));
    }
    if name.starts_with("aws/") {
        return Err(invalid("names starting with \"aws/\" are reserved".into()));
    }
    Ok(())
}

pub(super) fn validate_tags(tags: &BTreeMap<String, String>) -> Result<(), ConfigError> {
    if tags.len() > MAX_TAGS {
        return Err(ConfigError::InvalidTag {
            key: String::new(),
            reason: format!("{} tags given, at most {MAX_TAGS} allowed", tags.len()),
        });
    }
    let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c);
    for (key, value) in tags {
        let bad = |reason: String| ConfigError::InvalidTag {
            key: key.clone(),
            reason,
        };
        let key_len = key.chars().count();
        if key_len == 0 || key_len > 128 {
            return Err(bad("a tag key must have 1 to 128 characters".into()));
        }
        if value.chars().count() > 256 {
            return Err(bad("a tag value must have at most 256 characters".into()));
        }
        if key.starts_with("aws:") {
            return Err(bad("tag keys starting with \"aws:\" are reserved".into()));
        }
        if let Some(c) = key.chars().chain(value.chars()).find(|c| !allowed(*c)) {
            return Err(bad(format!(
                "{c:?} is not allowed (use letters, digits, spaces and _ . : / = + - @)"
            )));
        }
    }
    Ok(())
}
