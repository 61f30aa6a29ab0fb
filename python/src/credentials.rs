//! Credentials from a boto3 client, for `CloudWatchLogHandler(boto3_client=...)`.
//!
//! No Rust thread ever calls into Python for them. The SDK asks on the worker's runtime; the
//! request is queued in a [`CredentialsBroker`] and a byte is written to a pipe. A Python
//! daemon thread (started by the Python side, `watchtower-credentials`) blocks in `os.read`
//! on that pipe, takes the requests, asks the client (botocore refreshes assumed-role, SSO and
//! other refreshable credentials inside that call) and answers each one; the answer wakes the
//! worker through a oneshot channel. So:
//!
//! - the worker never waits for the GIL or for a lock that Python code holds; a slow or blocked
//!   callback (botocore needs the logging module lock for its own log calls, and dictConfig
//!   holds it while it builds the handler) only delays sending, bounded by [`ANSWER_TIMEOUT`];
//! - at interpreter exit the callback runs on a thread CPython made and knows how to stop
//!   (a daemon thread): no foreign thread is attached to the interpreter while it finalises,
//!   whatever the callback is doing.
//!
//! The SDK caches the credentials until their expiry (or 15 minutes when they have none).

use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::io::Write;
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, future, ProvideCredentials};
use aws_credential_types::Credentials;
use pyo3::prelude::*;
use tokio::sync::oneshot;

/// How long the worker waits for the Python thread to answer one request.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

type Reply = oneshot::Sender<provider::Result>;

struct Shared {
    queue: Mutex<VecDeque<Reply>>,
    /// The pipe's write end (non-blocking: a full pipe already has a wake-up in it); `None`
    /// once closed, which makes the Python thread's `os.read` return EOF and the thread exit.
    wake: Mutex<Option<File>>,
}

/// The queue of credential requests between the worker and the Python thread that answers
/// them. Made by the Python side with the write end of a pipe (it keeps the read end).
#[pyclass(module = "watchtower._watchtower", frozen)]
pub struct CredentialsBroker {
    shared: Arc<Shared>,
}

impl fmt::Debug for CredentialsBroker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialsBroker")
    }
}

#[pymethods]
impl CredentialsBroker {
    /// Takes ownership of `wake_fd`, the write end of a pipe (set non-blocking by the caller).
    #[new]
    fn new(wake_fd: i32) -> PyResult<Self> {
        if wake_fd < 0 {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "invalid file descriptor",
            ));
        }
        // SAFETY: the caller hands over an open descriptor it no longer uses (documented).
        let pipe = File::from(unsafe { OwnedFd::from_raw_fd(wake_fd) });
        Ok(CredentialsBroker {
            shared: Arc::new(Shared {
                queue: Mutex::new(VecDeque::new()),
                wake: Mutex::new(Some(pipe)),
            }),
        })
    }

    /// The next waiting request, or None. Never blocks.
    fn next_request(&self) -> Option<CredentialsRequest> {
        let mut queue = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(reply) = queue.pop_front() {
            if !reply.is_closed() {
                return Some(CredentialsRequest {
                    reply: Mutex::new(Some(reply)),
                });
            }
        }
        None
    }

    /// Closes the pipe: the Python thread sees EOF and exits. Waiting and later requests fail
    /// at once.
    fn close(&self) {
        self.shared
            .wake
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        self.shared
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// One request for credentials, answered once by the Python thread.
#[pyclass(module = "watchtower._watchtower", frozen)]
pub struct CredentialsRequest {
    reply: Mutex<Option<Reply>>,
}

impl fmt::Debug for CredentialsRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialsRequest")
    }
}

impl CredentialsRequest {
    fn send(&self, answer: provider::Result) {
        if let Some(reply) = self.reply.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = reply.send(answer);
        }
    }
}

#[pymethods]
impl CredentialsRequest {
    /// Answers with the client's frozen credentials `(access_key, secret_key, token, expiry)`
    /// (expiry in seconds since the epoch, or None), or None when the client has none.
    fn answer(&self, credentials: &Bound<'_, PyAny>) {
        self.send(convert(credentials));
    }

    /// Answers with an error (the text must not hold secrets: it is printed on stderr).
    fn fail(&self, reason: &str) {
        self.send(Err(CredentialsError::provider_error(format!(
            "could not get credentials from the boto3 client: {reason}"
        ))));
    }
}

fn convert(answer: &Bound<'_, PyAny>) -> provider::Result {
    if answer.is_none() {
        return Err(CredentialsError::not_loaded(
            "the boto3 client has no credentials",
        ));
    }
    let (access_key, secret_key, token, expiry): (String, String, Option<String>, Option<f64>) =
        answer.extract().map_err(|e| {
            CredentialsError::provider_error(format!(
                "the boto3 credentials callback returned an unexpected value: {e}"
            ))
        })?;
    let expiry = expiry
        .and_then(|t| Duration::try_from_secs_f64(t).ok())
        .map(|d| UNIX_EPOCH + d);
    Ok(Credentials::new(
        access_key,
        secret_key,
        token,
        expiry,
        "boto3_client",
    ))
}

/// The SDK's side: a credentials provider that asks through a [`CredentialsBroker`].
pub(crate) struct PythonCredentials {
    shared: Arc<Shared>,
}

impl PythonCredentials {
    pub(crate) fn new(broker: &CredentialsBroker) -> Self {
        PythonCredentials {
            shared: broker.shared.clone(),
        }
    }
}

impl fmt::Debug for PythonCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PythonCredentials(boto3_client)")
    }
}

impl ProvideCredentials for PythonCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let (reply, answer) = oneshot::channel();
        {
            // Queued under the pipe's lock, so that `close` cannot slip in between.
            let mut wake = self.shared.wake.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(pipe) = wake.as_mut() {
                self.shared
                    .queue
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_back(reply);
                let _ = pipe.write(b"r");
            }
        }
        future::ProvideCredentials::new(async move {
            match tokio::time::timeout(ANSWER_TIMEOUT, answer).await {
                Ok(Ok(result)) => result,
                Ok(Err(_)) => Err(CredentialsError::not_loaded(
                    "the boto3 credentials thread has stopped (handler closed or process exiting)",
                )),
                Err(_) => Err(CredentialsError::provider_error(format!(
                    "the boto3 client gave no credentials within {} s",
                    ANSWER_TIMEOUT.as_secs()
                ))),
            }
        })
    }
}
