//! gzip of PutLogEvents request bodies (`Content-Encoding: gzip`), which the service accepts
//! and the CloudWatch agent uses for every PutLogEvents call.
//!
//! An SDK interceptor: it replaces the serialized JSON body by its gzip and sets
//! `Content-Encoding` and `Content-Length`, in `modify_before_retry_loop`. That hook runs once
//! per call, before the orchestrator saves the request it rewinds to for each attempt and
//! before any signing, so every attempt signs (and sends) the compressed body and a retry
//! does not compress again. Bodies below [`MIN_COMPRESS_BYTES`], or that would not shrink, go
//! as they are. The batch limits are unaffected: they count the uncompressed events, as the
//! service does.
//!
//! Deflate is zlib-rs (through flate2) at level 1: on JSON logs about 0.5 µs per event of
//! 250 bytes for a ninth of the bytes, a fifth of the default level's CPU for 1.45 times its
//! size (figures in `bench/notes.md`).

use std::io::Write;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use flate2::write::GzEncoder;
use flate2::Compression;

/// Bodies smaller than this are sent as they are (the gzip header and the CPU are not worth
/// it; the CloudWatch agent uses 350 bytes too).
pub(crate) const MIN_COMPRESS_BYTES: usize = 350;

/// The operation whose bodies are compressed (others are small and rare).
const TARGET_SUFFIX: &str = ".PutLogEvents";

/// The interceptor that gzips PutLogEvents request bodies.
#[derive(Debug, Default)]
pub(crate) struct GzipRequests;

impl Intercept for GzipRequests {
    fn name(&self) -> &'static str {
        "WatchtowerGzipRequests"
    }

    fn modify_before_retry_loop(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let headers = request.headers();
        let is_put = headers
            .get("x-amz-target")
            .is_some_and(|t| t.ends_with(TARGET_SUFFIX));
        if !is_put || headers.contains_key("content-encoding") {
            return Ok(());
        }
        let Some(compressed) = request.body().bytes().and_then(gzip) else {
            return Ok(());
        };
        let len = compressed.len();
        *request.body_mut() = SdkBody::from(compressed);
        let headers = request.headers_mut();
        headers.insert("content-encoding", "gzip");
        headers.insert("content-length", len.to_string());
        Ok(())
    }
}

/// The gzip of `body`, or `None` when it is below [`MIN_COMPRESS_BYTES`] or would not
/// shrink (then the body goes as it is).
pub(crate) fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    if body.len() < MIN_COMPRESS_BYTES {
        return None;
    }
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::fast());
    encoder.write_all(body).ok()?;
    let compressed = encoder.finish().ok()?;
    (compressed.len() < body.len()).then_some(compressed)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn json_logs_shrink_at_least_four_times_and_round_trip() {
        let mut body = String::from(r#"{"logGroupName":"g","logStreamName":"s","logEvents":["#);
        for i in 0..2000 {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&format!(
                r#"{{"timestamp":{},"message":"{{\"level\":\"INFO\",\"target\":\"app::http\",\"fields\":{{\"message\":\"request served\",\"status\":200,\"latency_ms\":{},\"path\":\"/api/v1/items/{}\"}}}}"}}"#,
                1_700_000_000_000u64 + i,
                i % 97,
                i * 7
            ));
        }
        body.push_str("]}");
        let compressed = gzip(body.as_bytes()).expect("compressible");
        assert!(
            compressed.len() * 4 <= body.len(),
            "{} -> {}",
            body.len(),
            compressed.len()
        );
        assert_eq!(gunzip(&compressed), body.as_bytes());
    }

    #[test]
    fn small_or_incompressible_bodies_go_as_they_are() {
        assert!(gzip(&[b'a'; MIN_COMPRESS_BYTES - 1]).is_none());
        let mut rng = fastrand::Rng::with_seed(7);
        let noise: Vec<u8> = (0..4096).map(|_| rng.u8(..)).collect();
        assert!(gzip(&noise).is_none());
        assert!(gzip(&[b'a'; MIN_COMPRESS_BYTES]).is_some());
    }
}
