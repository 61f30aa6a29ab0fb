//! The CloudWatch Logs limits that every request must respect.
//!
//! Source: the PutLogEvents API reference
//! (<https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>)
//! and the CloudWatch Logs quotas page.

/// Bytes counted for each event on top of its UTF-8 message bytes when sizing a batch.
pub const EVENT_OVERHEAD_BYTES: usize = 26;

/// Largest PutLogEvents batch: the sum of (message UTF-8 bytes + 26) over its events.
pub const MAX_BATCH_BYTES: usize = 1_048_576;

/// Most events in one PutLogEvents call.
pub const MAX_BATCH_EVENTS: usize = 10_000;

/// Largest single event (message bytes + 26) since April 2025.
pub const MAX_EVENT_BYTES: usize = 1_048_576;

/// The longest time span one batch may cover, in milliseconds. The service refuses a batch
/// spanning 24 hours or more, so a batch's newest event is less than this after its oldest.
pub const MAX_BATCH_SPAN_MS: i64 = 24 * 60 * 60 * 1000;

/// Longest log group or log stream name, in characters.
pub const MAX_NAME_CHARS: usize = 512;

/// Retention periods, in days, that PutRetentionPolicy and CreateLogGroup accept.
pub const RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Most tags on one log group.
pub const MAX_TAGS: usize = 50;
