//! Serving the sink: the AWS calls, the control paths, and counting PutLogEvents.

use std::convert::Infallible;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

use super::*;

pub(super) async fn accept_loop(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(req, shared.clone()));
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn respond(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        "x-amzn-requestid",
        HeaderValue::from_static("00000000-0000-4000-8000-000000000000"),
    );
    resp
}

fn json_ok(body: &'static str) -> Response<Full<Bytes>> {
    respond(StatusCode::OK, JSON_11, Bytes::from_static(body.as_bytes()))
}

fn aws_error(code: &str, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "__type": code, "message": message }).to_string();
    respond(StatusCode::BAD_REQUEST, JSON_11, Bytes::from(body))
}

const STS_IDENTITY: &str = concat!(
    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">",
    "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/bench</Arn>",
    "<UserId>AIDABENCHBENCHBENCH</UserId><Account>123456789012</Account>",
    "</GetCallerIdentityResult><ResponseMetadata><RequestId>",
    "00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata>",
    "</GetCallerIdentityResponse>"
);

async fn handle(
    req: Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(|t| t.rsplit('.').next().unwrap_or(t).to_owned());
    let gzipped = req
        .headers()
        .get("content-encoding")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let c = &shared.counters;
    let resp = match target.as_deref() {
        Some("PutLogEvents") => match decode(gzipped, &body) {
            Ok(decoded) => put_log_events(&shared, &decoded, body.len()),
            Err(e) => {
                c.rejected_requests.fetch_add(1, Relaxed);
                aws_error("SerializationException", &e)
            }
        },
        Some("CreateLogGroup") => {
            c.create_log_group.fetch_add(1, Relaxed);
            json_ok("{}")
        }
        Some("CreateLogStream") => {
            c.create_log_stream.fetch_add(1, Relaxed);
            json_ok("{}")
        }
        Some("PutRetentionPolicy") => {
            c.put_retention_policy.fetch_add(1, Relaxed);
            json_ok("{}")
        }
        Some("TagResource") | Some("TagLogGroup") => {
            c.tag_resource.fetch_add(1, Relaxed);
            json_ok("{}")
        }
        Some("DescribeLogGroups") => {
            c.describe.fetch_add(1, Relaxed);
            json_ok("{\"logGroups\":[]}")
        }
        Some("DescribeLogStreams") => {
            c.describe.fetch_add(1, Relaxed);
            json_ok("{\"logStreams\":[]}")
        }
        Some(other) => {
            c.unknown.fetch_add(1, Relaxed);
            aws_error(
                "UnknownOperationException",
                &format!("the bench sink does not implement {other}"),
            )
        }
        None => control(&shared, &method, &path, &query, &body).await,
    };
    Ok(resp)
}

/// Requests without `X-Amz-Target`: STS (query protocol) and the sink's own paths.
async fn control(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
) -> Response<Full<Bytes>> {
    let c = &shared.counters;
    if method == Method::POST && memchr::memmem::find(body, b"Action=GetCallerIdentity").is_some() {
        c.sts.fetch_add(1, Relaxed);
        return respond(
            StatusCode::OK,
            "text/xml",
            Bytes::from_static(STS_IDENTITY.as_bytes()),
        );
    }
    let stats_json = |stats: SinkStats, extra: &str| {
        let mut json = stats.to_json();
        if !extra.is_empty() {
            json.pop();
            json.push(',');
            json.push_str(extra);
            json.push('}');
        }
        respond(StatusCode::OK, "application/json", Bytes::from(json))
    };
    match (method, path) {
        (&Method::GET, "/stats") => stats_json(c.snapshot(), ""),
        (&Method::POST, "/reset") => {
            shared.reset();
            stats_json(c.snapshot(), "")
        }
        (&Method::GET, "/wait") => {
            let mut events = 0u64;
            let mut timeout_ms = 60_000u64;
            for pair in query.split('&') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                match k {
                    "events" => events = v.parse().unwrap_or(0),
                    "timeout_ms" => timeout_ms = v.parse().unwrap_or(timeout_ms),
                    _ => {}
                }
            }
            let deadline = tokio::time::Instant::now() + Duration::from_millis(timeout_ms);
            let reached = loop {
                let notified = shared.notify.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if c.events.load(Relaxed) >= events {
                    break true;
                }
                if tokio::time::timeout_at(deadline, notified).await.is_err() {
                    break c.events.load(Relaxed) >= events;
                }
            };
            stats_json(c.snapshot(), &format!("\"reached\":{reached}"))
        }
        _ => {
            c.unknown.fetch_add(1, Relaxed);
            aws_error("UnknownOperationException", "unknown request")
        }
    }
}

/// The body as the service reads it: gunzipped when `Content-Encoding: gzip`.
fn decode(gzipped: bool, body: &Bytes) -> Result<Bytes, String> {
    if !gzipped {
        return Ok(body.clone());
    }
    let mut out = Vec::with_capacity(body.len() * 8);
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut out)
        .map_err(|e| format!("Content-Encoding gzip, but the body does not gunzip: {e}"))?;
    Ok(Bytes::from(out))
}

/// Counts one PutLogEvents call of `wire` bytes as sent.
fn put_log_events(shared: &Shared, body: &[u8], wire: usize) -> Response<Full<Bytes>> {
    let c = &shared.counters;
    let summary = match scan_put_log_events(body) {
        Ok(s) => s,
        Err(e) => {
            c.rejected_requests.fetch_add(1, Relaxed);
            return aws_error("SerializationException", &e.to_string());
        }
    };
    if shared.check_limits {
        if let Some(problem) = summary.violation() {
            c.rejected_requests.fetch_add(1, Relaxed);
            c.rejected_events.fetch_add(summary.events, Relaxed);
            return aws_error("InvalidParameterException", problem);
        }
    }
    shared.accepted(&summary);
    c.wire_bytes.fetch_add(wire as u64, Relaxed);
    c.body_bytes.fetch_add(body.len() as u64, Relaxed);
    json_ok("{\"nextSequenceToken\":\"1\"}")
}
