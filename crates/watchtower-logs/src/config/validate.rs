//! The service's rules for names, tags and ranges, checked before anything is sent.

use std::collections::BTreeMap;

use crate::error::ConfigError;
use crate::limits::{
    EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES, MAX_NAME_CHARS,
    MAX_TAGS, RETENTION_DAYS,
};

fn check_range(
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

/// The options that size events, batches and the queue, checked together (each against the
/// service's limits, and against each other).
pub(super) struct Sizes {
    pub(super) max_batch_size: usize,
    pub(super) max_batch_count: usize,
    pub(super) max_message_size: usize,
    pub(super) large_events_alone: bool,
    pub(super) max_queue_bytes: usize,
    pub(super) max_concurrent_requests: usize,
}

/// Checks [`Sizes`]: every event must fit a batch (unless large events go alone) and the
/// queue, and at least one request may be in flight.
pub(super) fn check_sizes(sizes: &Sizes) -> Result<(), ConfigError> {
    check_range(
        "max_batch_size",
        sizes.max_batch_size,
        EVENT_OVERHEAD_BYTES + 1,
        MAX_BATCH_BYTES,
    )?;
    check_range(
        "max_batch_count",
        sizes.max_batch_count,
        1,
        MAX_BATCH_EVENTS,
    )?;
    check_range(
        "max_message_size",
        sizes.max_message_size,
        EVENT_OVERHEAD_BYTES + 4,
        MAX_EVENT_BYTES,
    )?;
    if sizes.max_message_size > sizes.max_batch_size && !sizes.large_events_alone {
        return Err(ConfigError::InvalidOption {
            option: "max_message_size",
            reason: format!(
                "{} is larger than max_batch_size ({}): such an event could never be sent",
                sizes.max_message_size, sizes.max_batch_size
            ),
        });
    }
    if sizes.max_queue_bytes < sizes.max_message_size {
        return Err(ConfigError::InvalidOption {
            option: "max_queue_bytes",
            reason: format!(
                "{} cannot hold one event of max_message_size ({})",
                sizes.max_queue_bytes, sizes.max_message_size
            ),
        });
    }
    if sizes.max_concurrent_requests == 0 {
        return Err(ConfigError::InvalidOption {
            option: "max_concurrent_requests",
            reason: "must be at least 1".into(),
        });
    }
    Ok(())
}

/// Checks `retention_days` against the values the service accepts.
pub(super) fn check_retention_days(days: Option<u32>) -> Result<(), ConfigError> {
    if let Some(days) = days {
        if !RETENTION_DAYS.contains(&days) {
            return Err(ConfigError::InvalidOption {
                option: "retention_days",
                reason: format!("{days} is not one of {RETENTION_DAYS:?}"),
            });
        }
    }
    Ok(())
}

/// Checks `kms_key_id`: a key ARN of 1 to 256 characters.
pub(super) fn check_kms_key_id(kms: Option<&str>) -> Result<(), ConfigError> {
    if let Some(kms) = kms {
        if kms.is_empty() || kms.chars().count() > 256 {
            return Err(ConfigError::InvalidOption {
                option: "kms_key_id",
                reason: "must be a KMS key ARN of 1 to 256 characters".into(),
            });
        }
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
