//! Unit tests of delivery, branch by branch, against a scripted API (no network): retries,
//! giving up, splitting a refused batch down to the one bad event, creating a missing stream
//! and group, refused creation, rejected ranges, credentials failures, and events already
//! accepted. Every test ends with every event settled: delivered or counted.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::call_error::CallError;
use crate::config::{Config, ConfigBuilder};
use crate::deliver::Delivery;
use crate::encode::PutBody;
use crate::hub::Shared;
use crate::send::{Rejected, Sender};
use crate::stats::{DropReason, Stats};
use crate::{AwsSettings, OverflowPolicy, RetryPolicy};

/// One scripted answer.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    Ok,
    Rejected(Rejected),
    Err(CallError),
}

/// Answers calls from a script per operation (then `Ok`), and refuses with
/// InvalidParameterException any PutLogEvents holding the poisoned message.
#[derive(Debug, Default)]
pub(crate) struct FakeApi {
    script: Mutex<HashMap<&'static str, VecDeque<Answer>>>,
    poison: Option<String>,
    /// (operation, events in the call)
    calls: Mutex<Vec<(&'static str, usize)>>,
}

impl FakeApi {
    fn next(&self, op: &'static str) -> Answer {
        self.script
            .lock()
            .unwrap()
            .get_mut(op)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Answer::Ok)
    }

    pub(crate) fn put(&self, _stream: &str, body: &PutBody) -> Result<Option<Rejected>, CallError> {
        let events = body.decode().expect("our bodies decode");
        self.calls
            .lock()
            .unwrap()
            .push(("PutLogEvents", events.len()));
        if let Some(poison) = &self.poison {
            if events.iter().any(|(_, message)| message == poison) {
                return Err(CallError::service(
                    "PutLogEvents",
                    "InvalidParameterException",
                    400,
                ));
            }
        }
        match self.next("PutLogEvents") {
            Answer::Ok => Ok(None),
            Answer::Rejected(r) => Ok(Some(r)),
            Answer::Err(e) => Err(e),
        }
    }

    pub(crate) fn call(&self, op: &'static str) -> Result<(), CallError> {
        self.calls.lock().unwrap().push((op, 0));
        match self.next(op) {
            Answer::Err(e) => Err(e),
            _ => Ok(()),
        }
    }

    fn count(&self, op: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(o, _)| *o == op)
            .count()
    }
}

fn script(pairs: Vec<(&'static str, Answer)>) -> HashMap<&'static str, VecDeque<Answer>> {
    let mut map: HashMap<&'static str, VecDeque<Answer>> = HashMap::new();
    for (op, answer) in pairs {
        map.entry(op).or_default().push_back(answer);
    }
    map
}

fn base() -> ConfigBuilder {
    Config::builder()
        .aws(
            AwsSettings::new()
                .region("us-east-1")
                .credentials("testing", "testing-secret", None),
        )
        .retry(RetryPolicy {
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
            max_elapsed: Duration::from_secs(10),
            sdk_max_attempts: 1,
            attempt_timeout: Duration::from_secs(1),
        })
        .warnings(Arc::new(crate::FnSink(|_: &crate::Warning| {})))
}

/// Queues `n` events (`e0`..), cuts them into one batch, delivers it through `api`, and
/// returns the counters and the API's record of calls.
fn deliver(config: ConfigBuilder, api: FakeApi, n: usize) -> (Stats, Arc<FakeApi>) {
    let shared = Arc::new(Shared::new(config.build().unwrap()));
    let client = aws_sdk_cloudwatchlogs::Client::from_conf(
        aws_sdk_cloudwatchlogs::Config::builder()
            .behavior_version(crate::aws::behavior_version())
            .region(aws_config::Region::new("us-east-1"))
            .build(),
    );
    let api = Arc::new(api);
    let mut sender = Sender::new(client);
    sender.fake = Some(api.clone());
    let delivery = Delivery::new(shared.clone(), sender);
    for i in 0..n {
        shared.queues.push(
            "s",
            1_700_000_000_000 + i as i64,
            format!("e{i}"),
            OverflowPolicy::DropNewest,
            &shared.counters,
            || {},
        );
    }
    let (batches, _) = shared.queues.take_due(Instant::now(), Duration::ZERO, true);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for batch in batches {
            let id = shared
                .inflight
                .register(batch.events.len(), batch.held(), 0);
            let sealed = delivery.seal(id, batch);
            delivery.deliver(id, sealed).await;
        }
    });
    let stats = shared.counters.snapshot();
    assert_eq!(stats.queued_events, 0, "every event settled: {stats}");
    (stats, api)
}

fn err(code: &str, status: u16) -> Answer {
    Answer::Err(CallError::service("PutLogEvents", code, status))
}

#[test]
fn throttling_and_outages_are_retried_until_delivered() {
    let api = FakeApi {
        script: Mutex::new(script(vec![
            ("PutLogEvents", err("ThrottlingException", 400)),
            ("PutLogEvents", err("ServiceUnavailableException", 503)),
            (
                "PutLogEvents",
                Answer::Err(CallError::transport("PutLogEvents", "connection reset")),
            ),
        ])),
        ..FakeApi::default()
    };
    let (stats, api) = deliver(base(), api, 5);
    assert_eq!(stats.delivered, 5, "{stats}");
    assert_eq!(stats.retries, 3, "{stats}");
    assert_eq!(api.count("PutLogEvents"), 4);
}

#[test]
fn a_batch_is_given_up_after_the_retry_bound() {
    let mut retry = RetryPolicy {
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(5),
        max_elapsed: Duration::from_millis(30),
        sdk_max_attempts: 1,
        attempt_timeout: Duration::from_secs(1),
    };
    retry.max_elapsed = Duration::from_millis(30);
    let api = FakeApi {
        script: Mutex::new(script(
            (0..100)
                .map(|_| ("PutLogEvents", err("ThrottlingException", 400)))
                .collect(),
        )),
        ..FakeApi::default()
    };
    let (stats, _) = deliver(base().retry(retry), api, 3);
    assert_eq!(
        stats.dropped.get(DropReason::RetriesExhausted),
        3,
        "{stats}"
    );
    assert_eq!(stats.delivered, 0);
}

#[test]
fn a_refused_batch_is_split_down_to_the_one_bad_event() {
    let api = FakeApi {
        poison: Some("e5".into()),
        ..FakeApi::default()
    };
    let (stats, api) = deliver(base(), api, 8);
    assert_eq!(stats.delivered, 7, "{stats}");
    assert_eq!(
        stats.dropped.get(DropReason::InvalidParameter),
        1,
        "{stats}"
    );
    // 8 -> 4+4 -> (4 ok) 2+2 -> (2 ok) 1+1: the refused single is not resent.
    assert!(
        api.count("PutLogEvents") <= 7,
        "{:?}",
        api.calls.lock().unwrap()
    );
}

#[test]
fn a_missing_stream_is_created_then_the_batch_resent() {
    let api = FakeApi {
        script: Mutex::new(script(vec![(
            "PutLogEvents",
            err("ResourceNotFoundException", 400),
        )])),
        ..FakeApi::default()
    };
    let (stats, api) = deliver(base(), api, 2);
    assert_eq!(stats.delivered, 2, "{stats}");
    assert_eq!(api.count("CreateLogStream"), 1);
    assert_eq!(api.count("CreateLogGroup"), 0);
}

#[test]
fn a_missing_group_is_created_before_its_stream() {
    let missing = || {
        Answer::Err(CallError::service(
            "CreateLogStream",
            "ResourceNotFoundException",
            400,
        ))
    };
    let api = FakeApi {
        script: Mutex::new(script(vec![
            ("PutLogEvents", err("ResourceNotFoundException", 400)),
            ("CreateLogStream", missing()),
        ])),
        ..FakeApi::default()
    };
    let (stats, api) = deliver(base().retention_days(7), api, 2);
    assert_eq!(stats.delivered, 2, "{stats}");
    assert_eq!(api.count("CreateLogGroup"), 1);
    assert_eq!(api.count("CreateLogStream"), 2);
    assert!(api.count("PutRetentionPolicy") >= 1);
}

#[test]
fn with_creation_disabled_a_missing_stream_drops_the_batch() {
    let api = FakeApi {
        script: Mutex::new(script(vec![(
            "PutLogEvents",
            err("ResourceNotFoundException", 400),
        )])),
        ..FakeApi::default()
    };
    let (stats, api) = deliver(base().create_log_stream(false), api, 3);
    assert_eq!(
        stats.dropped.get(DropReason::ResourceNotFound),
        3,
        "{stats}"
    );
    assert_eq!(api.count("CreateLogStream"), 0);
}

#[test]
fn rejected_ranges_are_counted_by_reason() {
    let api = FakeApi {
        script: Mutex::new(script(vec![(
            "PutLogEvents",
            Answer::Rejected(Rejected {
                too_new_start: Some(9),
                too_old_end: Some(3),
                expired_end: Some(1),
            }),
        )])),
        ..FakeApi::default()
    };
    let (stats, _) = deliver(base(), api, 10);
    assert_eq!(stats.delivered, 6, "{stats}");
    assert_eq!(stats.dropped.get(DropReason::Expired), 1);
    assert_eq!(stats.dropped.get(DropReason::TooOld), 2);
    assert_eq!(stats.dropped.get(DropReason::TooNew), 1);
}

#[test]
fn credentials_failures_drop_after_a_few_attempts() {
    let api = FakeApi {
        script: Mutex::new(script(
            (0..10)
                .map(|_| ("PutLogEvents", err("AccessDeniedException", 400)))
                .collect(),
        )),
        ..FakeApi::default()
    };
    let (stats, api) = deliver(base(), api, 4);
    assert_eq!(stats.dropped.get(DropReason::Credentials), 4, "{stats}");
    assert_eq!(api.count("PutLogEvents"), 3);
}

#[test]
fn events_already_accepted_count_as_delivered() {
    let api = FakeApi {
        script: Mutex::new(script(vec![(
            "PutLogEvents",
            err("DataAlreadyAcceptedException", 400),
        )])),
        ..FakeApi::default()
    };
    let (stats, api) = deliver(base(), api, 3);
    assert_eq!(stats.delivered, 3, "{stats}");
    assert_eq!(api.count("PutLogEvents"), 1);
}
