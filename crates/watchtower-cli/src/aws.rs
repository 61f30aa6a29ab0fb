//! The CloudWatch Logs client of the read commands, and AWS errors turned into one-line
//! [`CliError`]s with an exit code and a fix.
//!
//! The client is built like the core's (`watchtower_logs::AwsSettings`): aws-config's
//! standard chain with one HTTPS stack (hyper 1 + rustls with ring), then the --region,
//! --profile and --endpoint-url overrides. `AWS_ENDPOINT_URL` and
//! `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS` apply through aws-config as usual.

use std::error::Error as StdError;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudwatchlogs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::Client;

use crate::cli::ReadAwsArgs;
use crate::exit_codes::{CliError, ExitCode};

/// Error codes meaning the credentials or the permissions are wrong.
const CREDENTIAL_CODES: &[&str] = &[
    "UnrecognizedClientException",
    "AccessDeniedException",
    "AccessDenied",
    "ExpiredTokenException",
    "ExpiredToken",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "UnauthorizedOperation",
];

/// A client and the endpoint it talks to (for error messages).
#[derive(Debug, Clone)]
pub struct Logs {
    /// The SDK client.
    pub client: Client,
    /// The endpoint URL in use, as far as it can be told.
    pub endpoint: String,
}

/// Builds the client from the standard chain and the flags.
pub async fn connect(read: &ReadAwsArgs) -> Result<Logs, CliError> {
    let args = &read.aws;
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(watchtower_logs::sdk::https_client());
    if let Some(profile) = &args.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &args.region {
        loader = loader.region(Region::new(region.clone()));
    }
    let sdk = loader.load().await;
    let mut builder = aws_sdk_cloudwatchlogs::config::Builder::from(&sdk)
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(read.timeout.min(Duration::from_secs(5)))
                .operation_attempt_timeout(read.timeout)
                .operation_timeout(read.timeout)
                .build(),
        );
    if let Some(url) = &args.endpoint_url {
        builder = builder.endpoint_url(url);
    }
    let config = builder.build();
    let Some(region) = config.region().map(|r| r.to_string()) else {
        return Err(CliError::new(
            ExitCode::AwsSetup,
            "no AWS region configured: pass --region, set AWS_REGION, or set a region in the \
             AWS profile",
        ));
    };
    let endpoint = args
        .endpoint_url
        .clone()
        .or_else(|| env_nonempty("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"))
        .or_else(|| env_nonempty("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|| format!("https://logs.{region}.amazonaws.com"));
    Ok(Logs {
        client: Client::from_conf(config),
        endpoint,
    })
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// What a ResourceNotFoundException refers to.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// Any log group listing.
    Groups,
    /// A log group.
    Group(&'a str),
    /// One stream of a group.
    Stream {
        /// The group.
        group: &'a str,
        /// The stream.
        stream: &'a str,
    },
}

/// Turns an SDK error into a one-line error with an exit code and what to do.
pub fn sdk_error<E>(op: &str, target: Target<'_>, endpoint: &str, err: SdkError<E>) -> CliError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    match &err {
        SdkError::DispatchFailure(d) => {
            let cause = root_cause(&err);
            if cause.to_ascii_lowercase().contains("credential") {
                return no_credentials(&cause);
            }
            let what = if d.is_timeout() {
                "timed out"
            } else {
                "failed"
            };
            CliError::new(
                ExitCode::Unreachable,
                format!(
                    "cannot reach CloudWatch Logs at {endpoint}: {op} {what} ({cause}); check \
                     --endpoint-url or AWS_ENDPOINT_URL, --region and the network"
                ),
            )
        }
        SdkError::TimeoutError(_) => CliError::new(
            ExitCode::Unreachable,
            format!(
                "cannot reach CloudWatch Logs at {endpoint}: {op} got no answer within \
                 --timeout; check --endpoint-url or AWS_ENDPOINT_URL, --region and the \
                 network, or raise --timeout"
            ),
        ),
        SdkError::ResponseError(_) => CliError::new(
            ExitCode::Failure,
            format!(
                "{op}: unexpected answer from {endpoint} ({}); is it a CloudWatch Logs endpoint?",
                root_cause(&err)
            ),
        ),
        SdkError::ServiceError(_) => {
            let code = err.code().unwrap_or("unknown error").to_owned();
            let message = err.message().unwrap_or("").trim().to_owned();
            let detail = if message.is_empty() {
                code.clone()
            } else {
                format!("{code}: {message}")
            };
            if code == "ResourceNotFoundException" {
                let msg = match target {
                    Target::Stream { group, stream } => format!(
                        "log stream {stream:?} not found in log group {group:?} (list the \
                         streams with `watchtower streams --group {group}`)"
                    ),
                    Target::Group(group) => format!(
                        "log group {group:?} not found (list the groups with `watchtower \
                         groups`; check --region)"
                    ),
                    Target::Groups => format!("{op}: {detail}"),
                };
                CliError::new(ExitCode::NotFound, msg)
            } else if CREDENTIAL_CODES.contains(&code.as_str()) {
                CliError::new(
                    ExitCode::AwsSetup,
                    format!(
                        "AWS refused the request ({detail}): check the credentials (AWS_PROFILE, \
                         AWS_ACCESS_KEY_ID, `aws sso login`) and the logs:{op} permission"
                    ),
                )
            } else if code.contains("Throttl") || code == "LimitExceededException" {
                CliError::new(
                    ExitCode::Failure,
                    format!("{op} was throttled ({detail}): try again in a moment"),
                )
            } else {
                CliError::new(ExitCode::Failure, format!("{op} failed: {detail}"))
            }
        }
        _ => {
            let cause = root_cause(&err);
            if cause.to_ascii_lowercase().contains("credential") {
                return no_credentials(&cause);
            }
            CliError::new(
                ExitCode::Failure,
                format!(
                    "{op} failed: {}",
                    one_line(&DisplayErrorContext(&err).to_string())
                ),
            )
        }
    }
}

fn no_credentials(cause: &str) -> CliError {
    // The chain's message goes on to list every provider tried; the first sentence says it.
    let cause = cause.split(". Attempted").next().unwrap_or(cause);
    CliError::new(
        ExitCode::AwsSetup,
        format!(
            "no usable AWS credentials ({cause}): set AWS_PROFILE or AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY, or run `aws sso login`"
        ),
    )
}

/// The innermost message of an error chain, on one line.
fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut last: &(dyn StdError + 'static) = err;
    while let Some(next) = last.source() {
        last = next;
    }
    one_line(&last.to_string())
}

/// Collapses whitespace runs (newlines included) into single spaces.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
