//! The floor: what it costs us to build, encode and sign one full PutLogEvents batch (10,000
//! events, exactly 1,048,576 bytes counting 26 per event), without the network.
//!
//! The request goes through the real AWS SDK pipeline (input validation, endpoint resolution,
//! JSON serialisation, SigV4 signing with the SHA-256 of the body, response parsing), with an
//! HTTP connector that answers at once from memory ([`in_memory_client`]), so no socket and
//! no server take part. A [`PhaseTimer`] interceptor records when each phase of the SDK's
//! orchestrator starts and ends, to tell serialisation from signing.
//!
//! The events are converted to `InputLogEvent`s exactly as the core's sender does
//! (`crates/watchtower-logs/src/send.rs`, `Sender::put_log_events`: one builder per event, the
//! message cloned, because the batch is kept for retries).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    http_client_fn, HttpConnector, HttpConnectorFuture, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;

/// Events in the floor batch.
pub const FLOOR_EVENTS: usize = 10_000;
/// Bytes of the floor batch, counting 26 per event: exactly the service's maximum.
pub const FLOOR_BYTES: usize = 1_048_576;

/// One queued event, as the core holds it: timestamp and message.
#[derive(Debug, Clone)]
pub struct FloorEvent {
    /// Milliseconds since the epoch.
    pub timestamp_ms: i64,
    /// The message.
    pub message: String,
}

/// `n` JSON log lines (quotes to escape, like our front ends' default output) whose sizes add
/// up, with 26 per event, to `total_bytes`; timestamps ascending from `start_ms`. Messages of
/// at least 61 bytes are valid JSON (`{"level":"INFO","msg":"request handled","id":N,"pad":"xx"}`).
pub fn events(n: usize, total_bytes: usize, start_ms: i64) -> Vec<FloorEvent> {
    let body_total = total_bytes - 26 * n;
    let (base, extra) = (body_total / n, body_total % n);
    (0..n)
        .map(|i| {
            let len = base + usize::from(i < extra);
            let mut m =
                format!("{{\"level\":\"INFO\",\"msg\":\"request handled\",\"id\":{i},\"pad\":\"");
            let tail = "\"}";
            let pad = len.saturating_sub(m.len() + tail.len());
            m.extend(std::iter::repeat_n('x', pad));
            m.push_str(tail);
            m.truncate(len);
            FloorEvent {
                timestamp_ms: start_ms + (i / 10) as i64,
                message: m,
            }
        })
        .collect()
}

/// The floor batch: [`FLOOR_EVENTS`] events of exactly [`FLOOR_BYTES`] bytes.
pub fn floor_events() -> Vec<FloorEvent> {
    events(FLOOR_EVENTS, FLOOR_BYTES, 1_700_000_000_000)
}

/// Sum of (message bytes + 26).
pub fn batch_bytes(events: &[FloorEvent]) -> usize {
    events.iter().map(|e| e.message.len() + 26).sum()
}

/// The core's conversion (see `send.rs`): one builder per event, the message cloned.
pub fn to_input_events(events: &[FloorEvent]) -> Vec<InputLogEvent> {
    events
        .iter()
        .map(|e| {
            InputLogEvent::builder()
                .timestamp(e.timestamp_ms)
                .message(e.message.clone())
                .build()
                .expect("timestamp and message are set")
        })
        .collect()
}

/// An HTTP connector that never touches the network: every request gets
/// `{"nextSequenceToken":"1"}` at once. Remembers the last request's body.
#[derive(Debug, Clone, Default)]
pub struct InMemoryConnector {
    last_body_len: Arc<AtomicUsize>,
    keep_body: bool,
    last_body: Arc<Mutex<Vec<u8>>>,
}

impl InMemoryConnector {
    /// Size of the last request body.
    pub fn last_body_len(&self) -> usize {
        self.last_body_len.load(Ordering::Relaxed)
    }

    /// The last request body (only when made with [`InMemoryConnector::keeping_bodies`]).
    pub fn last_body(&self) -> Vec<u8> {
        self.last_body
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A connector that also keeps a copy of the last body.
    pub fn keeping_bodies() -> Self {
        InMemoryConnector {
            keep_body: true,
            ..Self::default()
        }
    }
}

impl HttpConnector for InMemoryConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let body = request.body().bytes().unwrap_or_default();
        self.last_body_len.store(body.len(), Ordering::Relaxed);
        if self.keep_body {
            *self.last_body.lock().unwrap_or_else(|e| e.into_inner()) = body.to_vec();
        }
        let mut response = HttpResponse::new(
            200u16.try_into().expect("valid status"),
            SdkBody::from("{\"nextSequenceToken\":\"1\"}"),
        );
        response
            .headers_mut()
            .insert("content-type", "application/x-amz-json-1.1");
        HttpConnectorFuture::ready(Ok(response))
    }
}

/// A CloudWatch Logs client (the testkit's config: static credentials, us-east-1, standard
/// retries) whose HTTP layer is `connector`.
pub fn in_memory_client(connector: InMemoryConnector) -> Client {
    let shared = SharedHttpConnector::new(connector);
    let base = watchtower_testkit::sdk_config("http://127.0.0.1:9");
    let conf = aws_sdk_cloudwatchlogs::config::Builder::from(&base)
        .http_client(http_client_fn(move |_, _| shared.clone()))
        .build();
    Client::from_conf(conf)
}

/// One PutLogEvents call as the core makes it: convert, then send through `client`.
pub async fn put_batch(client: &Client, events: &[FloorEvent]) -> Result<(), String> {
    client
        .put_log_events()
        .log_group_name("bench")
        .log_stream_name("floor")
        .set_log_events(Some(to_input_events(events)))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| aws_sdk_cloudwatchlogs::error::DisplayErrorContext(e).to_string())
}

// === phase timing ===

/// The SDK orchestrator's hooks a [`PhaseTimer`] records.
pub const PHASE_MARKS: [&str; 10] = [
    "execution_start",
    "before_serialization",
    "after_serialization",
    "before_signing",
    "after_signing",
    "before_transmit",
    "after_transmit",
    "before_deserialization",
    "after_deserialization",
    "execution_end",
];

/// An interceptor that records when each hook of [`PHASE_MARKS`] runs.
#[derive(Debug, Clone, Default)]
pub struct PhaseTimer {
    marks: Arc<Mutex<Vec<(&'static str, Instant)>>>,
}

impl PhaseTimer {
    fn mark(&self, name: &'static str) {
        self.marks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name, Instant::now()));
    }

    /// Takes the marks recorded so far.
    pub fn take(&self) -> Vec<(&'static str, Instant)> {
        std::mem::take(&mut *self.marks.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Intercept for PhaseTimer {
    fn name(&self) -> &'static str {
        "PhaseTimer"
    }

    fn read_before_execution(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.mark("execution_start");
        Ok(())
    }

    fn read_before_serialization(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.mark("before_serialization");
        Ok(())
    }

    fn read_after_serialization(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.mark("after_serialization");
        Ok(())
    }

    fn read_before_signing(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.mark("before_signing");
        Ok(())
    }

    fn read_after_signing(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.mark("after_signing");
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.mark("before_transmit");
        Ok(())
    }

    fn read_after_transmit(
        &self,
        _: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.mark("after_transmit");
        Ok(())
    }

    fn read_before_deserialization(
        &self,
        _: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.mark("before_deserialization");
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        _: &aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.mark("after_deserialization");
        Ok(())
    }

    fn read_after_execution(
        &self,
        _: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.mark("execution_end");
        Ok(())
    }
}

/// Where the time of one floor batch goes (means over the measured iterations).
#[derive(Debug, Clone, Default)]
pub struct FloorReport {
    /// Iterations measured.
    pub iterations: usize,
    /// Request body size (bytes on the wire, JSON-escaped).
    pub body_bytes: usize,
    /// Converting 10,000 events to `InputLogEvent`s (message clones).
    pub build: Duration,
    /// Execution start to before serialisation (input checks, endpoint parameters).
    pub pre_serialize: Duration,
    /// JSON serialisation of the request.
    pub serialize: Duration,
    /// After serialisation to before signing (endpoint, identity/credentials, retry setup).
    pub pre_sign: Duration,
    /// SigV4 signing (includes SHA-256 of the body).
    pub sign: Duration,
    /// Before transmit to after deserialisation (the in-memory round trip and response parse).
    pub transmit_and_parse: Duration,
    /// The rest, to the end of execution.
    pub finish: Duration,
    /// Whole `send()` call plus the conversion, wall clock.
    pub total: Duration,
    /// CPU time of the process per batch (one thread does the work).
    pub cpu: Duration,
}

impl FloorReport {
    /// Events per second one core could ship if nothing but this floor cost anything.
    pub fn ceiling_events_per_sec(&self) -> f64 {
        FLOOR_EVENTS as f64 / self.total.as_secs_f64()
    }
}

/// Measures the floor: `iterations` batches through the in-memory client on a current-thread
/// runtime (after `warmup` unmeasured ones), with the phases timed.
pub fn measure_floor(warmup: usize, iterations: usize) -> FloorReport {
    let events = floor_events();
    assert_eq!(batch_bytes(&events), FLOOR_BYTES);
    let connector = InMemoryConnector::default();
    let client = in_memory_client(connector.clone());
    let timer = PhaseTimer::default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut report = FloorReport {
        iterations,
        ..FloorReport::default()
    };
    let mut cpu_measured = Duration::ZERO;
    for i in 0..warmup + iterations {
        let measured = i >= warmup;
        let cpu0 = crate::proc::cpu_total();
        let t0 = Instant::now();
        let input = to_input_events(&events);
        let t1 = Instant::now();
        rt.block_on(async {
            client
                .put_log_events()
                .log_group_name("bench")
                .log_stream_name("floor")
                .set_log_events(Some(input))
                .customize()
                .interceptor(timer.clone())
                .send()
                .await
                .expect("in-memory PutLogEvents")
        });
        let t2 = Instant::now();
        let marks = timer.take();
        if !measured {
            continue;
        }
        cpu_measured += crate::proc::cpu_total() - cpu0;
        let at = |name: &str| {
            marks
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| *t)
                .unwrap_or(t1)
        };
        let span = |a: &str, b: &str| at(b).saturating_duration_since(at(a));
        report.build += t1 - t0;
        report.pre_serialize += at("execution_start").saturating_duration_since(t1)
            + span("execution_start", "before_serialization");
        report.serialize += span("before_serialization", "after_serialization");
        report.pre_sign += span("after_serialization", "before_signing");
        report.sign += span("before_signing", "after_signing");
        report.transmit_and_parse += span("after_signing", "after_deserialization");
        report.finish += t2.saturating_duration_since(at("after_deserialization"));
        report.total += t2 - t0;
    }
    let n = iterations.max(1) as u32;
    for d in [
        &mut report.build,
        &mut report.pre_serialize,
        &mut report.serialize,
        &mut report.pre_sign,
        &mut report.sign,
        &mut report.transmit_and_parse,
        &mut report.finish,
        &mut report.total,
    ] {
        *d /= n;
    }
    report.cpu = cpu_measured / n;
    report.body_bytes = connector.last_body_len();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_batch_is_exactly_full() {
        let events = floor_events();
        assert_eq!(events.len(), FLOOR_EVENTS);
        assert_eq!(batch_bytes(&events), FLOOR_BYTES);
        assert!(events
            .windows(2)
            .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms));
    }

    #[test]
    fn the_in_memory_client_sends_what_the_sink_counts() {
        let connector = InMemoryConnector::keeping_bodies();
        let client = in_memory_client(connector.clone());
        let events = events(100, 100 * 80, 1);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(put_batch(&client, &events)).unwrap();
        let summary = crate::sink::scan_put_log_events(&connector.last_body()).unwrap();
        assert_eq!(summary.events, 100);
        assert_eq!(summary.bytes as usize, batch_bytes(&events));
        let report = measure_floor(0, 1);
        assert!(report.body_bytes > FLOOR_BYTES - 26 * FLOOR_EVENTS);
        assert!(report.serialize > Duration::ZERO && report.sign > Duration::ZERO);
    }
}
