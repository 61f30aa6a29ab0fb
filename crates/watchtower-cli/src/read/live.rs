//! Live Tail sessions (StartLiveTail): who may use one, opening one, and its events as
//! [`Event`]s. The loop that prints them, reconnects and falls back to polling is in
//! [`super::follow_live`].
//!
//! StartLiveTail takes log group ARNs: they are looked up once with DescribeLogGroups. The
//! SDK sends it to `stream-` + the endpoint's host (`stream-logs.REGION.amazonaws.com`); an
//! endpoint set with --endpoint-url or `AWS_ENDPOINT_URL` outside amazonaws.com (an emulator,
//! a local proxy) is used as it is.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_cloudwatchlogs::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_cloudwatchlogs::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::primitives::event_stream::EventReceiver;
use aws_sdk_cloudwatchlogs::types::error::StartLiveTailResponseStreamError;
use aws_sdk_cloudwatchlogs::types::StartLiveTailResponseStream;
use aws_smithy_runtime_api::box_error::BoxError;

use super::event::Event;
use super::fetch::Query;
use crate::aws::{one_line, sdk_error, Logs, Target};
use crate::exit_codes::CliError;

/// Most log groups in one session.
const MAX_GROUPS: usize = 10;

/// A session's event stream.
pub type Session = EventReceiver<StartLiveTailResponseStream, StartLiveTailResponseStreamError>;

/// What a session said next.
#[derive(Debug)]
pub enum Next {
    /// Log events, in the order sent.
    Events {
        /// The events.
        events: Vec<Event>,
        /// The service left some out (over 500 a second).
        sampled: bool,
    },
    /// The session ended, for this reason (an exception event, a dropped connection).
    Ended(String),
    /// The endpoint ended the response without an exception event (the service always
    /// sends one; an emulator may not keep sessions open).
    Closed,
}

/// Everything needed to open sessions for the groups of `tail --follow`.
#[derive(Debug)]
pub struct LiveTail {
    arns: Vec<String>,
    /// Group ARN → the name the user typed.
    names: HashMap<String, String>,
    query: Query,
    /// Drop the SDK's `stream-` host prefix (an endpoint outside AWS).
    same_host: bool,
    timeout: Duration,
}

/// Why these flags cannot be followed with Live Tail, if they cannot.
pub fn unsuited(groups: &[String], query: &Query) -> Option<String> {
    if groups.len() > MAX_GROUPS {
        return Some(format!("Live Tail takes at most {MAX_GROUPS} log groups"));
    }
    if groups.len() > 1 && (!query.streams.is_empty() || query.prefix.is_some()) {
        return Some("Live Tail takes streams of one log group only".to_owned());
    }
    None
}

impl LiveTail {
    /// Looks up the groups' ARNs. A group that does not exist is an error, as for polling.
    pub async fn prepare(
        logs: &Logs,
        groups: &[String],
        query: &Query,
        timeout: Duration,
    ) -> Result<LiveTail, CliError> {
        let mut arns = Vec::new();
        let mut names = HashMap::new();
        for group in groups {
            let arn = if group.starts_with("arn:") {
                group.trim_end_matches(":*").to_owned()
            } else {
                group_arn(logs, group).await?
            };
            names.insert(arn.clone(), group.clone());
            arns.push(arn);
        }
        Ok(LiveTail {
            arns,
            names,
            query: query.clone(),
            same_host: !is_aws_host(&logs.endpoint),
            timeout,
        })
    }

    /// Opens a session; the error is the cause, on one line.
    pub async fn open(&self, logs: &Logs) -> Result<Session, String> {
        let q = &self.query;
        let mut request = logs
            .client
            .start_live_tail()
            .set_log_group_identifiers(Some(self.arns.clone()));
        if !q.streams.is_empty() {
            request = request.set_log_stream_names(Some(q.streams.clone()));
        }
        if let Some(prefix) = &q.prefix {
            request = request.log_stream_name_prefixes(prefix);
        }
        if let Some(filter) = &q.filter {
            request = request.log_event_filter_pattern(filter);
        }
        let mut request = request.customize();
        if self.same_host {
            request = request.interceptor(SameHost);
        }
        match tokio::time::timeout(self.timeout, request.send()).await {
            Ok(Ok(out)) => Ok(out.response_stream),
            Ok(Err(e)) => {
                let e = sdk_error("StartLiveTail", Target::Groups, &logs.endpoint, e);
                Err(e.message)
            }
            Err(_) => Err(format!(
                "StartLiveTail got no answer within {}",
                humantime::format_duration(self.timeout)
            )),
        }
    }

    /// The next events of `session`, or why it ended.
    pub async fn next(&self, session: &mut Session) -> Next {
        loop {
            match session.recv().await {
                Ok(Some(StartLiveTailResponseStream::SessionUpdate(update))) => {
                    let sampled = update
                        .session_metadata()
                        .map(|m| m.sampled())
                        .unwrap_or(false);
                    let events = update
                        .session_results()
                        .iter()
                        .map(|e| {
                            let id = e.log_group_identifier().unwrap_or_default();
                            Event {
                                group: self.name_of(id),
                                timestamp: e.timestamp().unwrap_or_default(),
                                message: e.message().unwrap_or_default().to_owned(),
                                stream: e.log_stream_name().map(String::from),
                                event_id: None,
                                ingestion_time: e.ingestion_time(),
                            }
                        })
                        .collect();
                    return Next::Events { events, sampled };
                }
                // sessionStart, and event types newer than this build.
                Ok(Some(_)) => continue,
                Ok(None) => return Next::Closed,
                Err(e) => return Next::Ended(ended_by(&e)),
            }
        }
    }

    /// The group name of an ARN the service sends back.
    fn name_of(&self, id: &str) -> String {
        let bare = id.trim_end_matches(":*");
        if let Some(name) = self.names.get(bare) {
            return name.clone();
        }
        bare.rsplit_once(":log-group:")
            .map_or(bare, |(_, name)| name)
            .to_owned()
    }
}

/// Why a session's stream ended, on one line.
fn ended_by<R: std::fmt::Debug + 'static>(
    e: &SdkError<StartLiveTailResponseStreamError, R>,
) -> String {
    if let SdkError::ServiceError(service) = e {
        let err = service.err();
        let message = err.message().unwrap_or("").trim();
        return match err {
            StartLiveTailResponseStreamError::SessionTimeoutException(_) => {
                format!("the session reached its time limit (3 hours): {message}")
            }
            StartLiveTailResponseStreamError::SessionStreamingException(_) => {
                format!("SessionStreamingException: {message}")
            }
            _ => format!("{}: {message}", err.code().unwrap_or("an exception event")),
        };
    }
    let mut cause: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    format!("the connection dropped ({})", one_line(&cause.to_string()))
}

/// The ARN of a group, from DescribeLogGroups.
async fn group_arn(logs: &Logs, group: &str) -> Result<String, CliError> {
    let out = logs
        .client
        .describe_log_groups()
        .log_group_name_prefix(group)
        .send()
        .await
        .map_err(|e| sdk_error("DescribeLogGroups", Target::Group(group), &logs.endpoint, e))?;
    let found = out
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(group));
    let arn = found.and_then(|g| {
        g.log_group_arn()
            .map(String::from)
            .or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_owned()))
    });
    arn.ok_or_else(|| {
        CliError::new(
            crate::exit_codes::ExitCode::NotFound,
            format!(
                "log group {group:?} not found (list the groups with `watchtower groups`; \
                 check --region)"
            ),
        )
    })
}

/// An AWS endpoint, where the SDK's `stream-` host prefix names the Live Tail host.
fn is_aws_host(endpoint: &str) -> bool {
    let host = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")
}

/// Sends StartLiveTail to the configured host itself, without the `stream-` prefix.
#[derive(Debug)]
struct SameHost;

impl Intercept for SameHost {
    fn name(&self) -> &'static str {
        "watchtower-live-tail-same-host"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let uri = request.uri().to_owned();
        if let Some((scheme, rest)) = uri.split_once("://") {
            if let Some(host) = rest.strip_prefix("stream-") {
                request.set_uri(format!("{scheme}://{host}"))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_hosts_keep_the_prefix() {
        assert!(is_aws_host("https://logs.us-east-1.amazonaws.com"));
        assert!(is_aws_host("https://logs.cn-north-1.amazonaws.com.cn/"));
        assert!(!is_aws_host("http://127.0.0.1:5000"));
        assert!(!is_aws_host("http://localhost:4566/"));
    }

    #[test]
    fn live_tail_limits() {
        let groups = |n: usize| (0..n).map(|i| format!("g{i}")).collect::<Vec<_>>();
        let q = Query::default();
        assert!(unsuited(&groups(10), &q).is_none());
        assert!(unsuited(&groups(11), &q).is_some());
        let streams = Query {
            streams: vec!["s".into()],
            ..Query::default()
        };
        assert!(unsuited(&groups(1), &streams).is_none());
        assert!(unsuited(&groups(2), &streams).is_some());
    }
}
