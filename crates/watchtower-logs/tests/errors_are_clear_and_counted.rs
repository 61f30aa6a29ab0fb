//! Mistakes surface clearly: configuration errors when building, a missing region when
//! starting, and at run time credential, permission and invalid-parameter failures are counted
//! and warned about, never panicking, hanging or printing secrets.

mod support;

use std::time::Duration;

use support::{core_config, Started as _, FLUSH};
use watchtower_logs::sdk::SdkConfig;
use watchtower_logs::{
    AwsSettings, Config, ConfigError, DropReason, RetryPolicy, StartError, WarningKind,
};
use watchtower_logs::{LogOutcome, Record};
use watchtower_testkit::{shared_moto, Fault, FaultPlan, Proxy};

#[test]
fn every_configuration_mistake_is_a_typed_error() {
    let cases: Vec<(watchtower_logs::ConfigBuilder, &str)> = vec![
        (
            Config::builder().log_group_name("bad name"),
            "invalid log group name",
        ),
        (Config::builder().log_group_name("aws/x"), "reserved"),
        (
            Config::builder().log_stream_name("{nope}"),
            "unknown placeholder {nope}",
        ),
        (
            Config::builder().log_stream_name("a:b"),
            "':' is not allowed",
        ),
        (
            Config::builder().log_stream_name("{strftime:%Q}"),
            "invalid strftime",
        ),
        (
            Config::builder().max_batch_size(2_000_000),
            "invalid max_batch_size",
        ),
        (
            Config::builder().max_batch_count(10_001),
            "invalid max_batch_count",
        ),
        (
            Config::builder().max_message_size(2_000_000),
            "invalid max_message_size",
        ),
        (
            Config::builder()
                .max_batch_size(1000)
                .max_message_size(1001),
            "larger than max_batch_size",
        ),
        (
            Config::builder().max_queue_bytes(10),
            "invalid max_queue_bytes",
        ),
        (
            Config::builder().retention_days(2),
            "invalid retention_days",
        ),
        (
            Config::builder().log_group_tags([("k", "bad;value")]),
            "invalid log group tag",
        ),
        (Config::builder().kms_key_id(""), "invalid kms_key_id"),
        (
            Config::builder().retry(RetryPolicy {
                initial_backoff: Duration::ZERO,
                ..RetryPolicy::default()
            }),
            "invalid retry",
        ),
    ];
    for (builder, expected) in cases {
        let err: ConfigError = builder.build().unwrap_err();
        assert!(err.to_string().contains(expected), "{err} / {expected}");
    }
}

#[test]
fn a_missing_region_fails_at_start() {
    let config = Config::builder()
        .aws(AwsSettings::new().sdk_config(SdkConfig::builder().build()))
        .build()
        .unwrap();
    let err = config.start().unwrap_err();
    assert!(matches!(err, StartError::NoRegion));
    assert!(err.to_string().contains("AWS_REGION"));
}

#[test]
fn permission_errors_are_counted_warned_and_never_show_secrets() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    proxy.set_faults(FaultPlan::sequence(
        [Fault::Error(400, "AccessDeniedException"); 20],
    ));
    let (builder, warnings) = core_config(&proxy.endpoint(), "denied");
    let (logs, _guard) = builder.log_stream_name("s").started();
    logs.log(Record::new("will be refused"));
    logs.flush(FLUSH).unwrap();
    assert_eq!(logs.stats().dropped.get(DropReason::Credentials), 1);
    let all = warnings.all();
    let w = all
        .iter()
        .find(|w| w.kind == WarningKind::Credentials)
        .expect("a credentials warning");
    assert!(w.message.contains("AccessDeniedException"), "{}", w.message);
    for w in &all {
        assert!(!w.message.contains("testing-secret-key"), "{}", w.message);
    }
    assert!(!format!("{:?}", logs.config()).contains("testing-secret-key"));
}

#[test]
fn an_event_the_service_refuses_is_isolated_and_counted() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    // The whole batch is refused once, then each half goes through (split, not dropped).
    proxy.set_faults(
        FaultPlan::sequence([Fault::Error(400, "InvalidParameterException")])
            .only_ops(&["PutLogEvents"]),
    );
    let (builder, _) = core_config(&proxy.endpoint(), "invalid");
    let (logs, _guard) = builder.log_stream_name("s").started();
    for i in 0..4 {
        logs.log(Record::new(format!("e{i}")));
    }
    logs.flush(FLUSH).unwrap();
    assert_eq!(moto.events("invalid", "s").len(), 4);
    assert_eq!(logs.stats().delivered, 4);

    // A single event refused every time is dropped and counted, not retried forever.
    proxy.set_faults(
        FaultPlan::sequence([Fault::Error(400, "InvalidParameterException"); 5])
            .only_ops(&["PutLogEvents"]),
    );
    assert_eq!(logs.log(Record::new("refused")), LogOutcome::Queued);
    logs.flush(FLUSH).unwrap();
    assert_eq!(logs.stats().dropped.get(DropReason::InvalidParameter), 1);
}

#[test]
fn throttling_longer_than_the_retry_bound_is_counted() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    proxy.set_faults(FaultPlan {
        throttle: 1.0,
        ..FaultPlan::default()
    });
    let (builder, warnings) = core_config(&proxy.endpoint(), "exhausted");
    let (logs, _guard) = builder
        .log_stream_name("s")
        .retry(RetryPolicy {
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
            max_elapsed: Duration::from_millis(500),
            sdk_max_attempts: 1,
            attempt_timeout: Duration::from_secs(5),
        })
        .started();
    logs.log(Record::new("throttled forever"));
    logs.flush(FLUSH).unwrap();
    let stats = logs.stats();
    assert_eq!(stats.dropped.get(DropReason::RetriesExhausted), 1);
    assert!(stats.retries >= 3, "{stats:?}");
    assert!(warnings
        .messages()
        .iter()
        .any(|m| m.contains("ThrottlingException") && m.contains("gave up")));
}
