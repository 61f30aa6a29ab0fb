//! A CloudWatch Logs endpoint that serves StartLiveTail, which moto does not: every other
//! request is forwarded to an upstream (moto). Each StartLiveTail call plays the next
//! scripted [`LiveSession`]: a real `application/vnd.amazon.eventstream` response (frames
//! built with aws-smithy-eventstream: initial-response, sessionStart, sessionUpdate events,
//! exception events), a cut connection, or a refusal. The request bodies are kept for the
//! test to check what the client asked for.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::http_server::serve_http1;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Body = BoxBody<Bytes, BoxError>;

/// The `X-Amz-Target` of StartLiveTail.
const TARGET: &str = "Logs_20140328.StartLiveTail";

/// One log event of a `sessionUpdate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    /// `logGroupIdentifier`: the group's ARN, as the service sends it.
    pub group: String,
    /// `logStreamName`.
    pub stream: String,
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    /// The message.
    pub message: String,
}

/// One step of a scripted Live Tail session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveStep {
    /// The `sessionStart` event, echoing what the request asked for.
    Start,
    /// A `sessionUpdate` event carrying these log events (`sampled` as given).
    Update {
        /// The events.
        events: Vec<LiveEvent>,
        /// `sessionMetadata.sampled`.
        sampled: bool,
    },
    /// An exception event (`:exception-type` `kind`, e.g. `SessionTimeoutException`); the
    /// response ends after it.
    Exception {
        /// The exception type.
        kind: String,
        /// Its message.
        message: String,
    },
    /// The connection is cut in the middle of the response (once the frames before it
    /// were written).
    Drop,
    /// The connection stays open but nothing more is sent, not even the empty updates (as
    /// when the connection died without the client noticing).
    Silence,
}

/// What one StartLiveTail call gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveSession {
    /// An event stream playing these steps; afterwards, unless a step ended it, it stays
    /// open and sends an empty `sessionUpdate` every second, as the service does.
    Stream(Vec<LiveStep>),
    /// An error response: HTTP status, `__type` code and message.
    Refuse {
        /// HTTP status.
        status: u16,
        /// The error code, e.g. `AccessDeniedException`.
        code: String,
        /// The message.
        message: String,
    },
}

struct Shared {
    upstream: String,
    sessions: Mutex<VecDeque<LiveSession>>,
    requests: Mutex<Vec<Value>>,
    client: Client<HttpConnector, Incoming>,
}

/// The Live Tail stub on a free port of 127.0.0.1 (see the module docs). Runs until the
/// process ends.
///
/// ```no_run
/// use watchtower_testkit::{shared_moto, LiveSession, LiveStep, LiveTailStub};
///
/// let moto = shared_moto();
/// let stub = LiveTailStub::start(&moto.endpoint());
/// stub.push(LiveSession::Stream(vec![LiveStep::Start]));
/// // ... point the client at stub.endpoint() ...
/// assert!(stub.requests().len() <= 1);
/// ```
#[derive(Clone)]
pub struct LiveTailStub {
    port: u16,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for LiveTailStub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveTailStub")
            .field("port", &self.port)
            .finish()
    }
}

impl LiveTailStub {
    /// Starts the stub, forwarding everything but StartLiveTail to `upstream`
    /// (`http://127.0.0.1:PORT`). A StartLiveTail call with no scripted session left gets a
    /// session that starts and then stays quiet.
    pub fn start(upstream: &str) -> LiveTailStub {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.set_nonblocking(true).map(|_| l))
            .expect("watchtower-testkit: cannot bind the Live Tail stub");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            sessions: Mutex::default(),
            requests: Mutex::default(),
            client: Client::builder(TokioExecutor::new()).build(HttpConnector::new()),
        });
        serve_http1(listener, shared.clone(), false, handle);
        LiveTailStub { port, shared }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Queues what the next StartLiveTail call gets.
    pub fn push(&self, session: LiveSession) {
        self.shared.sessions.lock().unwrap().push_back(session);
    }

    /// The JSON bodies of the StartLiveTail calls so far.
    pub fn requests(&self) -> Vec<Value> {
        self.shared.requests.lock().unwrap().clone()
    }
}

/// A response body fed from a channel; an `Err` cuts the connection.
struct ChannelBody(mpsc::Receiver<Result<Bytes, BoxError>>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.get_mut()
            .0
            .poll_recv(cx)
            .map(|o| o.map(|r| r.map(Frame::data)))
    }
}

fn full(status: u16, body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)).map_err(|e| match e {}).boxed());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    response
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let live = req
        .headers()
        .get("x-amz-target")
        .is_some_and(|t| t.as_bytes() == TARGET.as_bytes());
    if !live {
        return Ok(forward(&shared, req).await);
    }
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    shared.requests.lock().unwrap().push(request.clone());
    let session = shared
        .sessions
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(LiveSession::Stream(vec![LiveStep::Start]));
    let steps = match session {
        LiveSession::Refuse {
            status,
            code,
            message,
        } => {
            let body = json!({ "__type": code, "message": message }).to_string();
            let mut response = full(status, body.into_bytes());
            response.headers_mut().insert(
                "content-type",
                "application/x-amz-json-1.1".parse().unwrap(),
            );
            return Ok(response);
        }
        LiveSession::Stream(steps) => steps,
    };
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let _ = tx.send(Ok(event("initial-response", json!({})))).await;
        for step in steps {
            let frame = match step {
                LiveStep::Start => event("sessionStart", session_start(&request)),
                LiveStep::Update { events, sampled } => {
                    event("sessionUpdate", session_update(&events, sampled))
                }
                LiveStep::Exception { kind, message } => {
                    let _ = tx.send(Ok(exception(&kind, &message))).await;
                    return;
                }
                LiveStep::Drop => {
                    // Once hyper has taken the frames before (and written them: it flushes
                    // when the body has nothing more), cut: the client gets them, then the
                    // error.
                    while tx.capacity() < tx.max_capacity() {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    let _ = tx.send(Err("connection cut by the test".into())).await;
                    return;
                }
                LiveStep::Silence => {
                    tx.closed().await;
                    return;
                }
            };
            if tx.send(Ok(frame)).await.is_err() {
                return;
            }
        }
        // A quiet session: an empty update every second until the client goes away.
        loop {
            tokio::select! {
                _ = tx.closed() => return,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            if tx
                .send(Ok(event("sessionUpdate", session_update(&[], false))))
                .await
                .is_err()
            {
                return;
            }
        }
    });
    let mut response = Response::new(BoxBody::new(ChannelBody(rx)));
    response.headers_mut().insert(
        "content-type",
        "application/vnd.amazon.eventstream".parse().unwrap(),
    );
    Ok(response)
}

async fn forward(shared: &Shared, req: Request<Incoming>) -> Response<Body> {
    let (mut parts, body) = req.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_owned();
    parts.uri = match format!("{}{path}", shared.upstream).parse::<Uri>() {
        Ok(uri) => uri,
        Err(e) => return full(502, e.to_string().into_bytes()),
    };
    match shared
        .client
        .request(Request::from_parts(parts, body))
        .await
    {
        Ok(response) => response.map(|b| b.map_err(BoxError::from).boxed()),
        Err(e) => full(502, e.to_string().into_bytes()),
    }
}

fn session_start(request: &Value) -> Value {
    let mut start = json!({ "requestId": "stub-request", "sessionId": "stub-session" });
    for key in [
        "logGroupIdentifiers",
        "logStreamNames",
        "logStreamNamePrefixes",
        "logEventFilterPattern",
    ] {
        if let Some(v) = request.get(key) {
            start[key] = v.clone();
        }
    }
    start
}

fn session_update(events: &[LiveEvent], sampled: bool) -> Value {
    let results: Vec<Value> = events
        .iter()
        .map(|e| {
            json!({
                "logGroupIdentifier": e.group,
                "logStreamName": e.stream,
                "timestamp": e.timestamp,
                "ingestionTime": e.timestamp,
                "message": e.message,
            })
        })
        .collect();
    json!({ "sessionMetadata": { "sampled": sampled }, "sessionResults": results })
}

fn frame(headers: [(&'static str, &str); 3], payload: Value) -> Bytes {
    let mut message = Message::new(payload.to_string().into_bytes());
    for (name, value) in headers {
        message = message.add_header(Header::new(
            name,
            HeaderValue::String(value.to_owned().into()),
        ));
    }
    let mut out = Vec::new();
    aws_smithy_eventstream::frame::write_message_to(&message, &mut out)
        .expect("an event-stream frame of the stub");
    Bytes::from(out)
}

fn event(kind: &str, payload: Value) -> Bytes {
    frame(
        [
            (":message-type", "event"),
            (":event-type", kind),
            (":content-type", "application/json"),
        ],
        payload,
    )
}

fn exception(kind: &str, message: &str) -> Bytes {
    frame(
        [
            (":message-type", "exception"),
            (":exception-type", kind),
            (":content-type", "application/json"),
        ],
        json!({ "message": message }),
    )
}
