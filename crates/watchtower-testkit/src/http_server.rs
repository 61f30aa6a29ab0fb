//! The accept loop the testkit's HTTP stand-ins ([`ForwardProxy`](crate::ForwardProxy),
//! [`LiveTailStub`](crate::LiveTailStub)) share: each connection is served over HTTP/1.1 by
//! its own task on the testkit's runtime.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::runtime::rt;

/// Accepts connections on `listener` (bound, non-blocking) until it fails, serving each with
/// `handle(state, request)`; `upgrades` lets a response upgrade its connection (a `CONNECT`
/// tunnel). Returns at once: the loop runs on the testkit's runtime.
pub(crate) fn serve_http1<T, H, F, B>(
    listener: std::net::TcpListener,
    state: Arc<T>,
    upgrades: bool,
    handle: H,
) where
    T: Send + Sync + 'static,
    H: Fn(Arc<T>, Request<Incoming>) -> F + Copy + Send + Sync + 'static,
    F: Future<Output = Result<Response<B>, Infallible>> + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    rt().spawn(async move {
        let Ok(listener) = TcpListener::from_std(listener) else {
            return;
        };
        while let Ok((stream, _)) = listener.accept().await {
            let state = state.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| handle(state.clone(), req));
                let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                let _ = if upgrades {
                    conn.with_upgrades().await
                } else {
                    conn.await
                };
            });
        }
    });
}
