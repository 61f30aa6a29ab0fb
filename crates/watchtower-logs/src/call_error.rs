//! A failed API call reduced to what retrying and reporting need ([`crate::retry::classify`]),
//! with no secrets in it: the operation, the service's code and message or the transport's
//! cause, the HTTP status.

use std::fmt;

use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use crate::concurrency::Signal;
use crate::retry::{classify, ErrorAction, Failure};

/// A failed call, with no secrets in it.
#[derive(Debug, Clone)]
pub(crate) struct CallError {
    /// The API operation.
    pub(crate) op: &'static str,
    kind: CallErrorKind,
    /// The service's error code, when it answered.
    pub(crate) code: Option<String>,
    /// The service's message, or a description of the transport error.
    pub(crate) message: String,
    status: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallErrorKind {
    Service,
    Transport,
    Construction,
}

impl CallError {
    /// The service answered `code` with HTTP `status` (unit tests script these).
    #[cfg(test)]
    pub(crate) fn service(op: &'static str, code: &str, status: u16) -> Self {
        CallError {
            op,
            kind: CallErrorKind::Service,
            code: Some(code.into()),
            message: format!("scripted {code}"),
            status,
        }
    }

    /// No answer: a transport failure (unit tests script these).
    #[cfg(test)]
    pub(crate) fn transport(op: &'static str, message: &str) -> Self {
        CallError {
            op,
            kind: CallErrorKind::Transport,
            code: None,
            message: message.into(),
            status: 0,
        }
    }

    pub(crate) fn from_sdk<E: ProvideErrorMetadata + std::error::Error + 'static>(
        op: &'static str,
        err: SdkError<E, HttpResponse>,
    ) -> Self {
        match &err {
            SdkError::ServiceError(ctx) => CallError {
                op,
                kind: CallErrorKind::Service,
                code: ctx.err().code().map(str::to_owned),
                message: ctx.err().message().unwrap_or_default().to_owned(),
                status: ctx.raw().status().as_u16(),
            },
            SdkError::ConstructionFailure(_) => CallError {
                op,
                kind: CallErrorKind::Construction,
                code: None,
                message: error_chain(&err),
                status: 0,
            },
            // The SDK reports "no credentials could be loaded" as a dispatch failure: it is a
            // request that could not be signed, not a transport error to retry for minutes.
            SdkError::DispatchFailure(_) if is_credentials_error(&err) => CallError {
                op,
                kind: CallErrorKind::Construction,
                code: None,
                message: error_chain(&err),
                status: 0,
            },
            _ => CallError {
                op,
                kind: CallErrorKind::Transport,
                code: None,
                message: error_chain(&err),
                status: 0,
            },
        }
    }

    pub(crate) fn into_setup_error(self) -> crate::error::SetupError {
        crate::error::SetupError::Aws {
            op: self.op,
            code: self.code,
            message: self.message,
        }
    }

    /// What to do about it.
    pub(crate) fn action(&self) -> ErrorAction {
        classify(match self.kind {
            CallErrorKind::Service => Failure::Service {
                code: self.code.as_deref(),
                status: self.status,
            },
            CallErrorKind::Transport => Failure::Transport,
            CallErrorKind::Construction => Failure::Construction,
        })
    }
}

impl CallError {
    /// What the failure says about load, for the request limiter: throttling (the quota),
    /// back pressure (5xx, timeouts, dropped connections), or nothing.
    pub(crate) fn signal(&self) -> Signal {
        use aws_runtime::retries::classifiers::THROTTLING_ERRORS;
        let throttled = self.status == 429
            || self
                .code
                .as_deref()
                .is_some_and(|c| THROTTLING_ERRORS.contains(&c));
        match self.action() {
            _ if throttled => Signal::Throttled,
            ErrorAction::Retry => Signal::BackPressure,
            _ => Signal::Neutral,
        }
    }

    /// What kind of failure this is, for reporting the first of each kind at once: the
    /// service's code (or HTTP status), or the innermost transport cause (connection refused,
    /// a DNS failure, a TLS error, a timeout).
    pub(crate) fn cause_class(&self) -> String {
        match (&self.code, self.kind) {
            (Some(code), _) => code.clone(),
            (None, CallErrorKind::Service) => format!("HTTP {}", self.status),
            (None, _) => self
                .message
                .rsplit(": ")
                .next()
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

impl fmt::Display for CallError {
    /// `PutLogEvents failed: HTTP 503: ServiceUnavailableException: message`, or the transport
    /// error and its causes; never an empty cause.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: ", self.op)?;
        if self.kind == CallErrorKind::Service {
            write!(f, "HTTP {}", self.status)?;
            if let Some(code) = &self.code {
                write!(f, ": {code}")?;
            }
            if !self.message.is_empty() {
                write!(f, ": {}", self.message)?;
            }
            return Ok(());
        }
        if self.message.is_empty() {
            f.write_str("no answer (unknown transport error)")
        } else {
            f.write_str(&self.message)
        }
    }
}

/// Whether the credentials provider caused the error (no credentials could be loaded).
fn is_credentials_error(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(err);
    while let Some(e) = source {
        if e.is::<aws_credential_types::provider::error::CredentialsError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// The error and its sources on one line (the SDK's top-level message alone says little).
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_always_say_their_cause() {
        let e = CallError {
            op: "PutLogEvents",
            kind: CallErrorKind::Service,
            code: Some("ServiceUnavailableException".into()),
            message: String::new(),
            status: 503,
        };
        assert_eq!(
            e.to_string(),
            "PutLogEvents failed: HTTP 503: ServiceUnavailableException"
        );
        assert_eq!(e.cause_class(), "ServiceUnavailableException");
        use aws_sdk_cloudwatchlogs::operation::put_log_events::PutLogEventsError;
        use aws_smithy_runtime_api::client::result::ConnectorError;
        let refused: SdkError<PutLogEventsError, HttpResponse> = SdkError::dispatch_failure(
            ConnectorError::io("Connection refused (os error 111)".into()),
        );
        let e = CallError::from_sdk("PutLogEvents", refused);
        let text = e.to_string();
        assert!(text.contains("Connection refused"), "{text}");
        assert_eq!(e.cause_class(), "Connection refused (os error 111)");
    }

    #[test]
    fn missing_credentials_are_not_a_transport_error() {
        use aws_credential_types::provider::error::CredentialsError;
        use aws_sdk_cloudwatchlogs::operation::put_log_events::PutLogEventsError;
        use aws_smithy_runtime_api::client::result::ConnectorError;

        let no_credentials: SdkError<PutLogEventsError, HttpResponse> = SdkError::dispatch_failure(
            ConnectorError::other(Box::new(CredentialsError::not_loaded("none found")), None),
        );
        let err = CallError::from_sdk("PutLogEvents", no_credentials);
        assert_eq!(err.action(), ErrorAction::Credentials);
        let refused: SdkError<PutLogEventsError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io("connection refused".into()));
        assert_eq!(
            CallError::from_sdk("PutLogEvents", refused).action(),
            ErrorAction::Retry
        );
    }
}
