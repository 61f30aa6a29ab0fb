//! Serving: accepting connections, applying the fault plan to each request, checking it
//! against the rules, forwarding it to moto, and recording what happened.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};

use crate::rules::{check_request, parse_put_log_events, Rule, Violation};

use super::{Fault, Outcome, RecordedRequest, Shared};

pub(super) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let conn_shutdown = shutdown.clone();
    loop {
        tokio::select! {
            _ = until(&mut shutdown, true) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(serve_connection(stream, Arc::clone(&shared), conn_shutdown.clone()));
                }
                // E.g. too many open files: back off a little, keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }
}

/// Serves one client connection. A "drop" fault notifies `kill`: the connection (and its
/// socket) is then dropped at once, so the client sees the connection closed with no response.
async fn serve_connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let kill = Arc::new(Notify::new());
    let svc_kill = Arc::clone(&kill);
    let svc = service_fn(move |req| handle(Arc::clone(&shared), req, Arc::clone(&svc_kill)));
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
        _ = until(&mut shutdown, true) => {}
    }
}

/// Waits until the watched flag equals `value` (or its sender is gone); holds no guard.
async fn until(rx: &mut watch::Receiver<bool>, value: bool) {
    let _ = rx.wait_for(|v| *v == value).await;
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
}

fn aws_error(
    status: StatusCode,
    code: &'static str,
    message: &str,
    seq: usize,
) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "__type": code, "message": message }).to_string();
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    h.insert("x-amzn-errortype", HeaderValue::from_static(code));
    if let Ok(v) = HeaderValue::from_str(&format!("watchtower-testkit-{seq}")) {
        h.insert("x-amzn-requestid", v);
    }
    resp
}

/// Closes the connection (via `kill`) and never answers.
async fn drop_connection(kill: &Notify) -> Result<Response<Full<Bytes>>, Infallible> {
    kill.notify_one();
    std::future::pending().await
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    kill: Arc<Notify>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let arrived = std::time::Instant::now();
    let (parts, body) = req.into_parts();
    let wire = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return drop_connection(&kill).await,
    };
    let content_encoding = parts
        .headers
        .get("content-encoding")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let (body, decode_error) = decode_body(content_encoding.as_deref(), &wire);
    let api_op = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(|t| t.rsplit('.').next().unwrap_or(t).to_string());
    let op = api_op
        .clone()
        .unwrap_or_else(|| format!("{} {}", parts.method, parts.uri.path()));

    let json: Option<serde_json::Value> = if api_op.is_some() {
        serde_json::from_slice(&body).ok()
    } else {
        None
    };
    let field = |k: &str| {
        json.as_ref()
            .and_then(|j| j.get(k))
            .and_then(|v| v.as_str())
            .map(String::from)
    };
    let (group, stream) = (field("logGroupName"), field("logStreamName"));
    let events = if op == "PutLogEvents" {
        parse_put_log_events(&body)
            .map(|p| p.events)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut checks = api_op
        .as_deref()
        .map(|o| check_request(o, &body))
        .unwrap_or_default();
    if let Some(e) = decode_error {
        checks.push((Rule::MalformedRequest, e));
    }

    let seq = {
        let mut st = shared.state();
        let seq = st.next_seq;
        st.next_seq += 1;
        for (rule, detail) in &checks {
            st.violations.push(Violation {
                request: seq,
                op: op.clone(),
                rule: *rule,
                detail: detail.clone(),
            });
        }
        st.requests.push(RecordedRequest {
            seq,
            op: op.clone(),
            group,
            stream,
            events,
            body: body.clone(),
            wire_bytes: wire.len(),
            content_encoding,
            arrived,
            outcome: Outcome::Pending,
            held: false,
            latency: None,
            violations: checks.iter().map(|(r, _)| *r).collect(),
        });
        seq
    };

    let mut hold = shared.hold.subscribe();
    if *hold.borrow_and_update() {
        shared.update(seq, |r| {
            r.held = true;
            r.outcome = Outcome::Held;
        });
        until(&mut hold, false).await;
        shared.set_outcome(seq, Outcome::Pending);
    }

    let within_quotas = api_op.as_deref().is_none_or(|op| shared.within_quotas(op));
    let (fault, latency) = if within_quotas {
        shared.decide(api_op.as_deref())
    } else {
        (Fault::Throttle, None)
    };
    if let Some(d) = latency {
        shared.update(seq, |r| r.latency = Some(d));
        tokio::time::sleep(d).await;
    }

    match fault {
        Fault::Throttle => {
            shared.set_outcome(seq, Outcome::Throttled);
            Ok(aws_error(
                StatusCode::BAD_REQUEST,
                "ThrottlingException",
                "Rate exceeded",
                seq,
            ))
        }
        Fault::Unavailable => {
            shared.set_outcome(seq, Outcome::Unavailable);
            Ok(aws_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailableException",
                "Service unavailable",
                seq,
            ))
        }
        Fault::Error(status, code) => {
            shared.set_outcome(seq, Outcome::Errored(code.to_string()));
            Ok(aws_error(
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                code,
                "injected by the watchtower-testkit proxy",
                seq,
            ))
        }
        Fault::DropBefore => {
            shared.set_outcome(seq, Outcome::DroppedBeforeForward);
            drop_connection(&kill).await
        }
        Fault::Pass | Fault::DropAfter => match forward(&shared, &parts, body).await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                if fault == Fault::DropAfter {
                    shared.set_outcome(seq, Outcome::DroppedAfterForward { status });
                    drop_connection(&kill).await
                } else {
                    shared.set_outcome(seq, Outcome::Forwarded { status });
                    Ok(resp)
                }
            }
            Err(e) => {
                let msg = format!("watchtower-testkit proxy: upstream error: {e}");
                shared.set_outcome(seq, Outcome::UpstreamError(e));
                Ok(aws_error(
                    StatusCode::BAD_GATEWAY,
                    "ServiceUnavailableException",
                    &msg,
                    seq,
                ))
            }
        },
    }
}

async fn forward(
    shared: &Shared,
    parts: &Parts,
    body: Bytes,
) -> Result<Response<Full<Bytes>>, String> {
    let pq = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let uri: Uri = format!("{}{}", shared.upstream, pq)
        .parse()
        .map_err(|e| format!("bad upstream URI: {e}"))?;
    let mut req = Request::new(Full::new(body));
    *req.method_mut() = parts.method.clone();
    *req.uri_mut() = uri;
    // The body goes decoded (moto takes no gzip): no Content-Encoding, and hyper sets the
    // Content-Length of what is sent.
    for (k, v) in parts.headers.iter() {
        if !is_hop_by_hop(k)
            && k != hyper::header::CONTENT_LENGTH
            && k != hyper::header::CONTENT_ENCODING
        {
            req.headers_mut().append(k.clone(), v.clone());
        }
    }
    let resp = shared
        .client
        .request(req)
        .await
        .map_err(|e| format!("{e} ({e:?})"))?;
    let (rparts, rbody) = resp.into_parts();
    let bytes = rbody
        .collect()
        .await
        .map_err(|e| format!("reading the upstream body: {e}"))?
        .to_bytes();
    let is_put = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.ends_with(".PutLogEvents"));
    let bytes = if is_put {
        aws_rejected_indices(bytes)
    } else {
        bytes
    };
    let mut out = Response::new(Full::new(bytes.clone()));
    *out.status_mut() = rparts.status;
    for (k, v) in rparts.headers.iter() {
        if !is_hop_by_hop(k) && k != hyper::header::CONTENT_LENGTH {
            out.headers_mut().append(k.clone(), v.clone());
        }
    }
    out.headers_mut()
        .insert(hyper::header::CONTENT_LENGTH, bytes.len().into());
    Ok(out)
}

/// moto reports `tooOldLogEventEndIndex` (and `expiredLogEventEndIndex`) as the index of the
/// last rejected event; the service documents both as exclusive end indices. Rewrite moto's
/// answer to the service's convention so the client is tested against the real semantics.
fn aws_rejected_indices(body: Bytes) -> Bytes {
    let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return body;
    };
    let Some(info) = json
        .get_mut("rejectedLogEventsInfo")
        .and_then(|v| v.as_object_mut())
    else {
        return body;
    };
    for key in ["tooOldLogEventEndIndex", "expiredLogEventEndIndex"] {
        if let Some(i) = info.get(key).and_then(|v| v.as_i64()) {
            info.insert(key.into(), (i + 1).into());
        }
    }
    Bytes::from(serde_json::to_vec(&json).unwrap_or_else(|_| body.to_vec()))
}

/// The body as the service reads it: gunzipped when `Content-Encoding: gzip` (the only
/// encoding CloudWatch Logs takes), with an error when it does not decode (then the raw bytes
/// are kept).
fn decode_body(encoding: Option<&str>, wire: &Bytes) -> (Bytes, Option<String>) {
    use std::io::Read;
    match encoding.map(str::trim) {
        None | Some("") | Some("identity") => (wire.clone(), None),
        Some(e) if e.eq_ignore_ascii_case("gzip") => {
            let mut out = Vec::with_capacity(wire.len() * 8);
            match flate2::read::GzDecoder::new(&wire[..]).read_to_end(&mut out) {
                Ok(_) => (Bytes::from(out), None),
                Err(err) => (
                    wire.clone(),
                    Some(format!(
                        "Content-Encoding gzip, but the body does not gunzip: {err}"
                    )),
                ),
            }
        }
        Some(other) => (
            wire.clone(),
            Some(format!(
                "unsupported Content-Encoding {other:?} (only gzip)"
            )),
        ),
    }
}
