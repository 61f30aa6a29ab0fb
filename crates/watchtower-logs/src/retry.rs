//! Retry policy: which errors are worth another attempt, and how long to wait.
//!
//! The AWS SDK already retries throttling and transient errors a few times inside each call
//! (its standard retry mode). This outer loop keeps a batch alive across longer outages:
//! exponential backoff with jitter, until [`RetryPolicy::max_elapsed`] has passed since the
//! batch's first attempt, after which its events are dropped and counted as
//! [`DropReason::RetriesExhausted`](crate::DropReason::RetriesExhausted).
//! Error actions follow the CloudWatch Logs API reference (see `cloudwatch-facts.md`).

use std::time::Duration;

use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, RetryReason,
};
use aws_smithy_types::retry::ErrorKind;

use crate::error::ConfigError;

/// Longest backoff and attempt timeout a [`RetryPolicy`] may ask for.
const MAX_RETRY_DURATION: Duration = Duration::from_secs(3600);

/// Backoff and the bound on how long one batch is retried.
///
/// ```
/// use std::time::Duration;
/// use watchtower_logs::{Config, RetryPolicy};
/// // Keep batches through an hour-long outage.
/// let retry = RetryPolicy { max_elapsed: Duration::from_secs(3600), ..RetryPolicy::default() };
/// let config = Config::builder().retry(retry).build()?;
/// # Ok::<(), watchtower_logs::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// First wait after a failed attempt. Default 200 ms; at most `max_backoff`.
    pub initial_backoff: Duration,
    /// Longest wait between attempts. Default 20 s; at most an hour.
    pub max_backoff: Duration,
    /// How long a batch is retried, from its first attempt, before it is given up. Default
    /// 10 minutes; `Duration::MAX` retries for ever.
    pub max_elapsed: Duration,
    /// Attempts the SDK makes inside each call before this loop sees the error. Default 3;
    /// 1 to 10. Throttling is not retried inside a call: it goes to the process-wide
    /// backoff at once.
    pub sdk_max_attempts: u32,
    /// Timeout of one HTTP attempt. Default 30 s; at most an hour.
    pub attempt_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            max_elapsed: Duration::from_secs(600),
            sdk_max_attempts: 3,
            attempt_timeout: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let bad = |reason: &str| {
            Err(ConfigError::InvalidOption {
                option: "retry",
                reason: reason.into(),
            })
        };
        if self.initial_backoff.is_zero() || self.initial_backoff > self.max_backoff {
            return bad("initial_backoff must be non-zero and at most max_backoff");
        }
        if self.max_backoff > MAX_RETRY_DURATION {
            return bad("max_backoff must be at most an hour");
        }
        if self.sdk_max_attempts == 0 || self.sdk_max_attempts > 10 {
            return bad("sdk_max_attempts must be from 1 to 10");
        }
        if self.attempt_timeout.is_zero() || self.attempt_timeout > MAX_RETRY_DURATION {
            return bad("attempt_timeout must be non-zero and at most an hour");
        }
        Ok(())
    }

    /// The wait before retry number `attempt` (0-based): exponential, capped, with "equal
    /// jitter" (half fixed, half random) so that waits never collapse to zero.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.min(20))
            .min(self.max_backoff);
        let half = exp / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// Keeps the SDK from retrying a throttled call itself: the throttle goes straight to the
/// delivery loop, whose limiter (`concurrency.rs`) slows the whole process, instead of each
/// call spending more of the account's quota on refusals. Other retryable errors are still
/// retried inside the call (`sdk_max_attempts`).
#[derive(Debug)]
pub(crate) struct ThrottlesToTheLimiter;

impl ClassifyRetry for ThrottlesToTheLimiter {
    fn classify_retry(&self, _ctx: &InterceptorContext) -> RetryAction {
        RetryAction::NoActionIndicated
    }

    fn classify_retry_v2(&self, _ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        match previous {
            RetryAction::RetryIndicated(RetryReason::RetryableError {
                kind: ErrorKind::ThrottlingError,
                ..
            }) => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "WatchtowerThrottlesToTheLimiter"
    }

    fn priority(&self) -> RetryClassifierPriority {
        // After the SDK's own classifiers, so that it sees their verdict.
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// What to do about a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorAction {
    /// Throttling, 5xx, timeouts, dropped connections, concurrent modifications: back off and
    /// try again.
    Retry,
    /// The group or stream is missing: create it, then resend at once.
    CreateResource,
    /// The request breaks a rule: do not resend as is (split, or drop the event).
    InvalidParameter,
    /// The service already has these events: treat as delivered.
    AlreadyAccepted,
    /// Credentials or permissions: retry a few times (credentials may be refreshed), then drop.
    Credentials,
    /// Anything else the service refuses: drop.
    Fatal,
}

/// Error codes, beyond the SDK's own lists of throttling and transient errors
/// (`aws_runtime::retries::classifiers`), that mean "try later": CloudWatch Logs' modelled
/// retryable errors and the generic server-side ones.
const SERVICE_RETRYABLE_CODES: &[&str] = &[
    "ServiceUnavailableException",
    "ServiceUnavailable",
    "OperationAbortedException",
    "InternalFailure",
    "InternalServerError",
    "InternalServerException",
];

/// Whether the code means "slow down" or "try later".
fn is_retryable_code(code: &str) -> bool {
    use aws_runtime::retries::classifiers::{THROTTLING_ERRORS, TRANSIENT_ERRORS};
    THROTTLING_ERRORS.contains(&code)
        || TRANSIENT_ERRORS.contains(&code)
        || SERVICE_RETRYABLE_CODES.contains(&code)
}

/// Error codes that mean the credentials or permissions are wrong.
const CREDENTIAL_CODES: &[&str] = &[
    "UnrecognizedClientException",
    "AccessDeniedException",
    "AccessDenied",
    "ExpiredTokenException",
    "ExpiredToken",
    "InvalidClientTokenId",
    "IncompleteSignature",
    "SignatureDoesNotMatch",
    "MissingAuthenticationToken",
    "InvalidSignatureException",
    "UnauthorizedOperation",
];

/// The facts about a failed call that decide what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure<'a> {
    /// The service answered with an error code and HTTP status.
    Service { code: Option<&'a str>, status: u16 },
    /// No usable answer: connection refused or dropped, timeout, unreadable response.
    Transport,
    /// The request could not be built or signed (usually: no credentials could be loaded).
    Construction,
}

/// Decides what to do about a failure (pure; unit-tested below).
pub(crate) fn classify(failure: Failure<'_>) -> ErrorAction {
    match failure {
        Failure::Transport => ErrorAction::Retry,
        Failure::Construction => ErrorAction::Credentials,
        Failure::Service { code, status } => match code {
            Some("ResourceNotFoundException") => ErrorAction::CreateResource,
            Some("InvalidParameterException") | Some("ValidationException") => {
                ErrorAction::InvalidParameter
            }
            Some("DataAlreadyAcceptedException") => ErrorAction::AlreadyAccepted,
            // Sequence tokens are ignored by the service since 2023; an emulator may still ask
            // for one. Resending without one is the only option left.
            Some("InvalidSequenceTokenException") => ErrorAction::Retry,
            Some(c) if is_retryable_code(c) => ErrorAction::Retry,
            Some(c) if CREDENTIAL_CODES.contains(&c) => ErrorAction::Credentials,
            _ if status >= 500 || status == 429 || status == 408 => ErrorAction::Retry,
            _ if status == 401 || status == 403 => ErrorAction::Credentials,
            _ => ErrorAction::Fatal,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: &str, status: u16) -> ErrorAction {
        classify(Failure::Service {
            code: Some(code),
            status,
        })
    }

    #[test]
    fn classification_follows_the_api_reference() {
        assert_eq!(service("ThrottlingException", 400), ErrorAction::Retry);
        assert_eq!(
            service("ServiceUnavailableException", 503),
            ErrorAction::Retry
        );
        assert_eq!(
            service("OperationAbortedException", 400),
            ErrorAction::Retry
        );
        assert_eq!(service("LimitExceededException", 400), ErrorAction::Retry);
        assert_eq!(
            service("ResourceNotFoundException", 400),
            ErrorAction::CreateResource
        );
        assert_eq!(
            service("InvalidParameterException", 400),
            ErrorAction::InvalidParameter
        );
        assert_eq!(
            service("DataAlreadyAcceptedException", 400),
            ErrorAction::AlreadyAccepted
        );
        assert_eq!(
            service("AccessDeniedException", 400),
            ErrorAction::Credentials
        );
        assert_eq!(
            service("UnrecognizedClientException", 400),
            ErrorAction::Credentials
        );
        assert_eq!(
            service("ExpiredTokenException", 400),
            ErrorAction::Credentials
        );
        assert_eq!(service("Whatever", 502), ErrorAction::Retry);
        assert_eq!(service("Whatever", 400), ErrorAction::Fatal);
        assert_eq!(classify(Failure::Transport), ErrorAction::Retry);
        assert_eq!(classify(Failure::Construction), ErrorAction::Credentials);
        assert_eq!(
            classify(Failure::Service {
                code: None,
                status: 500
            }),
            ErrorAction::Retry
        );
    }

    #[test]
    fn backoff_grows_is_capped_and_never_zero() {
        let p = RetryPolicy::default();
        for attempt in 0..40 {
            let d = p.backoff(attempt);
            let exp = (p.initial_backoff * 2u32.pow(attempt.min(20))).min(p.max_backoff);
            assert!(d >= exp / 2 && d <= exp, "attempt {attempt}: {d:?}");
        }
        assert!(p.backoff(30) >= Duration::from_secs(10));
    }

    #[test]
    fn impossible_policies_are_rejected() {
        let p = RetryPolicy {
            initial_backoff: Duration::ZERO,
            ..RetryPolicy::default()
        };
        assert!(p.validate().is_err());
        let p = RetryPolicy {
            initial_backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        assert!(p.validate().is_err());
    }
}
