//! Encoding a batch into its PutLogEvents request body, once, before the batch waits for its
//! turn: the JSON of the request (messages escaped once, straight from the queued events), and
//! its gzip (`Content-Encoding: gzip`, which the service accepts and the CloudWatch agent uses
//! for every PutLogEvents call).
//!
//! The SDK would serialize the events itself, from a copy of every message, inside the call,
//! that is after the stream's previous request is answered. Encoding here instead lets a
//! stream's next body be built while its previous request is in flight, and skips the copy.
//! The call then carries the body through a per-call interceptor ([`PreparedBody`]) that
//! replaces what the SDK serialized, in `modify_before_retry_loop`: that hook runs once per
//! call, before the orchestrator saves the request it rewinds to for each attempt and before
//! any signing, so every attempt signs and sends this body.
//!
//! Bodies below [`MIN_COMPRESS_BYTES`], or that would not shrink, go as they are. The batch
//! limits are unaffected: they count the uncompressed events, as the service does. Deflate is
//! zlib-rs (through flate2) at level 1: on JSON logs a ninth of the bytes for a fifth of the
//! default level's CPU (figures in `bench/notes.md`).

use std::cell::RefCell;
use std::io::{Read, Write};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;

use crate::escape::push_json_str;
use crate::record::QueuedEvent;

/// Bodies smaller than this are sent as they are (the gzip header and the CPU are not worth
/// it; the CloudWatch agent uses 350 bytes too).
pub(crate) const MIN_COMPRESS_BYTES: usize = 350;

/// A PutLogEvents request body, ready to send.
#[derive(Debug, Clone)]
pub(crate) struct PutBody {
    bytes: Bytes,
    gzipped: bool,
}

impl PutBody {
    /// Encodes the request for `events` of `stream` in `group`; gzipped when `compress` and
    /// it pays.
    pub(crate) fn encode(
        group: &str,
        stream: &str,
        events: &[QueuedEvent],
        compress: bool,
    ) -> Self {
        thread_local! {
            static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        if !compress {
            let mut out = Vec::with_capacity(json_capacity(group, stream, events));
            write_json(&mut out, group, stream, events);
            // A sealed batch holds its body until it is settled (`sealed.rs`): no slack.
            out.shrink_to_fit();
            return PutBody {
                bytes: out.into(),
                gzipped: false,
            };
        }
        SCRATCH.with(|scratch| {
            let Ok(mut json) = scratch.try_borrow_mut() else {
                return PutBody::encode(group, stream, events, false);
            };
            json.clear();
            json.reserve(json_capacity(group, stream, events));
            write_json(&mut json, group, stream, events);
            let body = match gzip(&json) {
                Some(compressed) => PutBody {
                    bytes: compressed.into(),
                    gzipped: true,
                },
                None => PutBody {
                    bytes: Bytes::copy_from_slice(&json),
                    gzipped: false,
                },
            };
            // Keep the scratch buffer for the next batch, unless one odd batch made it huge.
            if json.capacity() > 4 * crate::limits::MAX_BATCH_BYTES {
                *json = Vec::new();
            }
            body
        })
    }

    /// The bytes sent on the wire.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// The events of this body again, as `(timestamp, message)` in order: for the rare batch
    /// that must be split or whose partial rejection must be counted once its events are gone
    /// (`sealed.rs`). An error names what is wrong (it would be a bug of ours).
    pub(crate) fn decode(&self) -> Result<Vec<(i64, String)>, String> {
        let mut plain = Vec::new();
        let json: &[u8] = if self.gzipped {
            flate2::read::GzDecoder::new(&self.bytes[..])
                .read_to_end(&mut plain)
                .map_err(|e| format!("the encoded body does not gunzip: {e}"))?;
            &plain
        } else {
            &self.bytes
        };
        let mut request: serde_json::Value = serde_json::from_slice(json)
            .map_err(|e| format!("the encoded body is not JSON: {e}"))?;
        let Some(serde_json::Value::Array(events)) =
            request.get_mut("logEvents").map(std::mem::take)
        else {
            return Err("the encoded body has no logEvents".into());
        };
        events
            .into_iter()
            .map(|mut event| {
                let timestamp = event.get("timestamp").and_then(serde_json::Value::as_i64);
                match (timestamp, event.get_mut("message").map(std::mem::take)) {
                    (Some(ms), Some(serde_json::Value::String(message))) => Ok((ms, message)),
                    _ => Err("an encoded event lacks its timestamp or message".into()),
                }
            })
            .collect()
    }

    /// The interceptor that puts this body into a call.
    pub(crate) fn interceptor(&self) -> PreparedBody {
        PreparedBody(self.clone())
    }
}

/// Bytes to reserve for the JSON of a batch: its messages with a little room for escapes.
fn json_capacity(group: &str, stream: &str, events: &[QueuedEvent]) -> usize {
    let messages: usize = events.iter().map(|e| e.message.len() + 40).sum();
    messages + messages / 16 + group.len() + stream.len() + 64
}

/// Writes `{"logGroupName":..,"logStreamName":..,"logEvents":[{"timestamp":..,"message":..}]}`.
fn write_json(out: &mut Vec<u8>, group: &str, stream: &str, events: &[QueuedEvent]) {
    out.extend_from_slice(b"{\"logGroupName\":");
    push_json_str(out, group);
    out.extend_from_slice(b",\"logStreamName\":");
    push_json_str(out, stream);
    out.extend_from_slice(b",\"logEvents\":[");
    let mut digits = itoa::Buffer::new();
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"timestamp\":");
        out.extend_from_slice(digits.format(event.timestamp_ms).as_bytes());
        out.extend_from_slice(b",\"message\":");
        if event.escaped.is_some() {
            // Rendered by a front end straight in this form.
            out.push(b'"');
            out.extend_from_slice(event.message.as_bytes());
            out.push(b'"');
        } else {
            push_json_str(out, &event.message);
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
}

/// The gzip of `body`, or `None` when it is below [`MIN_COMPRESS_BYTES`] or would not
/// shrink (then the body goes as it is).
pub(crate) fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    if body.len() < MIN_COMPRESS_BYTES {
        return None;
    }
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::fast());
    encoder.write_all(body).ok()?;
    let mut compressed = encoder.finish().ok()?;
    // A sealed batch holds its body until it is settled (`sealed.rs`), and JSON logs compress
    // to about a ninth: give back the rest of the room reserved for a quarter.
    compressed.shrink_to_fit();
    (compressed.len() < body.len()).then_some(compressed)
}

/// The per-call interceptor that sends a [`PutBody`] instead of what the SDK serialized.
#[derive(Debug)]
pub(crate) struct PreparedBody(PutBody);

impl Intercept for PreparedBody {
    fn name(&self) -> &'static str {
        "WatchtowerPreparedBody"
    }

    fn modify_before_retry_loop(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        *request.body_mut() = SdkBody::from(self.0.bytes.clone());
        let headers = request.headers_mut();
        if self.0.gzipped {
            headers.insert("content-encoding", "gzip");
        } else {
            headers.remove("content-encoding");
        }
        headers.insert("content-length", self.0.bytes.len().to_string());
        Ok(())
    }
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;
