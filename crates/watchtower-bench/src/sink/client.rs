//! A client for a sink in another process.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::*;

/// Reads a sink's counters over HTTP (`/stats`, `/wait`, `/reset`), for a sink running in
/// another process (the `bench-sink` binary, or a parent's in-process [`Sink`]).
#[derive(Debug, Clone)]
pub struct SinkClient {
    addr: String,
}

impl SinkClient {
    /// A client for `endpoint` (`http://127.0.0.1:PORT` or `127.0.0.1:PORT`).
    pub fn new(endpoint: &str) -> SinkClient {
        let addr = endpoint
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        SinkClient { addr }
    }

    fn request(&self, method: &str, path: &str, timeout: Duration) -> io::Result<Waited> {
        let mut stream = TcpStream::connect(&self.addr)?;
        stream.set_read_timeout(Some(timeout + Duration::from_secs(5)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.addr
        )?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response)?;
        let start = memchr::memmem::find(&response, b"\r\n\r\n")
            .map(|i| i + 4)
            .ok_or_else(|| io::Error::other("no HTTP body from the sink"))?;
        let value: serde_json::Value = serde_json::from_slice(&response[start..])
            .map_err(|e| io::Error::other(format!("bad JSON from the sink: {e}")))?;
        Ok(Waited {
            reached: value
                .get("reached")
                .and_then(|v| v.as_bool())
                .unwrap_or(true),
            stats: SinkStats::from_json(&value),
        })
    }

    /// The counters.
    pub fn stats(&self) -> io::Result<SinkStats> {
        self.request("GET", "/stats", Duration::from_secs(5))
            .map(|w| w.stats)
    }

    /// Zeroes the counters.
    pub fn reset(&self) -> io::Result<SinkStats> {
        self.request("POST", "/reset", Duration::from_secs(5))
            .map(|w| w.stats)
    }

    /// Waits (in the sink) until `events` events have arrived, up to `timeout`.
    pub fn wait_for(&self, events: u64, timeout: Duration) -> io::Result<Waited> {
        let path = format!("/wait?events={events}&timeout_ms={}", timeout.as_millis());
        self.request("GET", &path, timeout)
    }
}
