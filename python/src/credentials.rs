//! Credentials from a boto3 client, for `CloudWatchLogHandler(boto3_client=...)`.
//!
//! The Python side passes a callable that returns the client's current frozen credentials
//! `(access_key, secret_key, token, expiry)` (botocore refreshes assumed-role and other
//! refreshable credentials inside that call). The SDK asks for credentials on the worker's
//! runtime; the call into Python runs on the runtime's blocking pool, so a slow refresh (an STS
//! round trip) or a wait for the GIL never stalls the worker, and it attaches to the interpreter
//! only while the interpreter can be attached to (never during or after finalisation).
//! The SDK caches the credentials until their expiry (or 15 minutes when they have none).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, future, ProvideCredentials};
use aws_credential_types::Credentials;
use pyo3::prelude::*;

/// A credentials provider that calls back into Python.
pub(crate) struct PythonCredentials {
    callback: Arc<Py<PyAny>>,
}

impl PythonCredentials {
    pub(crate) fn new(callback: Py<PyAny>) -> Self {
        PythonCredentials {
            callback: Arc::new(callback),
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
        let callback = self.callback.clone();
        future::ProvideCredentials::new(async move {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => runtime
                    .spawn_blocking(move || call(&callback))
                    .await
                    .unwrap_or_else(|e| {
                        Err(CredentialsError::provider_error(format!(
                            "the boto3 credentials callback failed: {e}"
                        )))
                    }),
                Err(_) => call(&callback),
            }
        })
    }
}

/// Calls the Python callback (attaching to the interpreter) and converts its answer.
fn call(callback: &Py<PyAny>) -> provider::Result {
    Python::try_attach(|py| {
        let answer = callback.bind(py).call0().map_err(|e| {
            CredentialsError::provider_error(format!(
                "could not get credentials from the boto3 client: {e}"
            ))
        })?;
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
    })
    .unwrap_or_else(|| {
        Err(CredentialsError::not_loaded(
            "the Python interpreter is shutting down: no credentials from the boto3 client",
        ))
    })
}
