//! A forward HTTP proxy, as a company network has one: plain requests in absolute form are
//! forwarded, `CONNECT host:port` opens a tunnel (for HTTPS). Host names are resolved from
//! the proxy's own table only, so an endpoint named there (`moto.test`) is reachable through
//! the proxy and from nowhere else: a client that ignores `HTTPS_PROXY` cannot reach it.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use crate::http_server::serve_http1;

type Body = BoxBody<Bytes, hyper::Error>;

/// What went through a [`ForwardProxy`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyLog {
    /// `CONNECT` tunnels opened, by `host:port` as asked.
    pub tunnels: Vec<String>,
    /// Plain requests forwarded, by absolute URI.
    pub forwarded: Vec<String>,
    /// Requests refused (an unknown host), by what was asked.
    pub refused: Vec<String>,
}

struct Shared {
    hosts: HashMap<String, SocketAddr>,
    log: Mutex<ProxyLog>,
    client: Client<HttpConnector, Incoming>,
}

/// A forward proxy on a free port of 127.0.0.1 (see the module docs). Runs until the process
/// ends.
#[derive(Clone)]
pub struct ForwardProxy {
    port: u16,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ForwardProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForwardProxy")
            .field("port", &self.port)
            .finish()
    }
}

impl ForwardProxy {
    /// Starts a proxy that resolves each `(name, address)` of `hosts`, and nothing else.
    pub fn start(hosts: &[(&str, SocketAddr)]) -> ForwardProxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.set_nonblocking(true).map(|_| l))
            .expect("watchtower-testkit: cannot bind the forward proxy");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            hosts: hosts
                .iter()
                .map(|(name, addr)| (name.to_string(), *addr))
                .collect(),
            log: Mutex::default(),
            client: Client::builder(TokioExecutor::new()).build(HttpConnector::new()),
        });
        serve_http1(listener, shared.clone(), true, handle);
        ForwardProxy { port, shared }
    }

    /// `http://127.0.0.1:PORT`: the value for `HTTPS_PROXY` / `HTTP_PROXY`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What went through so far.
    pub fn log(&self) -> ProxyLog {
        self.shared.log.lock().unwrap().clone()
    }
}

fn resolve(shared: &Shared, authority: &str) -> Option<SocketAddr> {
    let (host, port) = authority.rsplit_once(':')?;
    let addr = shared.hosts.get(host)?;
    Some(SocketAddr::new(addr.ip(), port.parse().ok()?))
}

fn status(code: StatusCode) -> Response<Body> {
    let mut response = Response::new(Empty::new().map_err(|e| match e {}).boxed());
    *response.status_mut() = code;
    response
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let asked = req.uri().to_string();
    if req.method() == Method::CONNECT {
        let authority = req
            .uri()
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let Some(addr) = resolve(&shared, &authority) else {
            shared.log.lock().unwrap().refused.push(asked);
            return Ok(status(StatusCode::BAD_GATEWAY));
        };
        shared.log.lock().unwrap().tunnels.push(authority);
        tokio::spawn(async move {
            let Ok(upgraded) = hyper::upgrade::on(req).await else {
                return;
            };
            let Ok(mut upstream) = TcpStream::connect(addr).await else {
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut TokioIo::new(upgraded), &mut upstream).await;
        });
        return Ok(status(StatusCode::OK));
    }
    let target = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .and_then(|a| resolve(&shared, if a.contains(':') { &a } else { "" }));
    let Some(addr) = target else {
        shared.log.lock().unwrap().refused.push(asked);
        return Ok(status(StatusCode::BAD_GATEWAY));
    };
    shared.log.lock().unwrap().forwarded.push(asked);
    let (mut parts, body) = req.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_owned();
    parts.uri = format!("http://{addr}{path}").parse::<Uri>().unwrap();
    parts.headers.remove("proxy-authorization");
    match shared
        .client
        .request(Request::from_parts(parts, body))
        .await
    {
        Ok(response) => Ok(response.map(|b| b.boxed())),
        Err(e) => {
            let mut response = Response::new(
                Full::new(Bytes::from(e.to_string()))
                    .map_err(|e| match e {})
                    .boxed(),
            );
            *response.status_mut() = StatusCode::BAD_GATEWAY;
            Ok(response)
        }
    }
}
