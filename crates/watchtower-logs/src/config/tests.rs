//! Unit tests of the configuration: defaults, limits, names, tags, secrets.

use super::*;
use crate::limits::RETENTION_DAYS;
use crate::AwsSettings;

#[test]
fn defaults_match_watchtower_3_4() {
    let c = Config::builder().build().unwrap();
    assert_eq!(c.log_group_name(), "watchtower");
    assert_eq!(
        c.log_stream_name(),
        "{machine_name}/{program_name}/{logger_name}/{process_id}"
    );
    assert_eq!(c.send_interval(), Duration::from_secs(60));
    assert_eq!(c.max_batch_size(), 1_048_576);
    assert_eq!(c.max_batch_count(), 10_000);
    assert_eq!(c.max_message_size(), 262_144);
    assert!(c.create_log_group && c.create_log_stream);
    assert_eq!(c.retention_days, None);
    assert_eq!(c.shutdown_timeout(), Duration::from_secs(30));
    assert_eq!(c.overflow, OverflowPolicy::DropNewest);
    assert_eq!(c.oversize, OversizePolicy::Truncate);
}

#[test]
fn group_names_are_checked() {
    for bad in ["", "has space", "aws/reserved", "colon:", &"x".repeat(513)] {
        let err = Config::builder().log_group_name(bad).build().unwrap_err();
        assert!(
            matches!(err, ConfigError::InvalidLogGroupName { .. }),
            "{bad:?}: {err}"
        );
    }
    for good in ["a", "/aws-lambda/x", "My.Group_1#2-3", &"x".repeat(512)] {
        Config::builder().log_group_name(good).build().unwrap();
    }
}

#[test]
fn limits_are_checked() {
    let e = |b: ConfigBuilder| b.build().unwrap_err().to_string();
    assert!(e(Config::builder().max_batch_size(1_048_577)).contains("max_batch_size"));
    assert!(e(Config::builder().max_batch_size(0)).contains("max_batch_size"));
    assert!(e(Config::builder().max_batch_count(10_001)).contains("max_batch_count"));
    assert!(e(Config::builder().max_batch_count(0)).contains("max_batch_count"));
    assert!(e(Config::builder().max_message_size(1_048_577)).contains("max_message_size"));
    assert!(e(Config::builder().max_message_size(29)).contains("max_message_size"));
    assert!(e(Config::builder()
        .max_batch_size(1000)
        .max_message_size(2000))
    .contains("larger than max_batch_size"));
    assert!(e(Config::builder().max_queue_bytes(1000)).contains("max_queue_bytes"));
    assert!(e(Config::builder().max_concurrent_requests(0)).contains("at least 1"));
    Config::builder()
        .max_batch_size(1_048_576)
        .max_message_size(1_048_576)
        .build()
        .unwrap();
    Config::builder()
        .max_batch_size(1000)
        .max_message_size(2000)
        .large_events_alone(true)
        .build()
        .unwrap();
}

#[test]
fn retention_and_tags_are_checked() {
    assert!(Config::builder().retention_days(2).build().is_err());
    for d in RETENTION_DAYS {
        Config::builder().retention_days(d).build().unwrap();
    }
    let tags = |k: &str, v: &str| {
        Config::builder()
            .log_group_tags([(k.to_string(), v.to_string())])
            .build()
    };
    assert!(tags("team", "core platform/logs:1 +=@_.-").is_ok());
    assert!(tags("", "x").is_err());
    assert!(tags("k", "semi;colon").is_err());
    assert!(tags(&"k".repeat(129), "v").is_err());
    assert!(tags("k", &"v".repeat(257)).is_err());
    assert!(tags("aws:k", "v").is_err());
    let many: Vec<_> = (0..51)
        .map(|i| (format!("k{i}"), "v".to_string()))
        .collect();
    assert!(Config::builder().log_group_tags(many).build().is_err());
    assert!("delivery".parse::<LogGroupClass>().is_err());
    assert_eq!(
        "infrequent-access".parse::<LogGroupClass>().unwrap(),
        LogGroupClass::InfrequentAccess
    );
}

#[test]
fn debug_output_hides_credentials() {
    let c = Config::builder()
        .aws(AwsSettings::default().credentials("AKIDEXAMPLE", "SECRETVALUE123", None))
        .build()
        .unwrap();
    let s = format!("{c:?}");
    assert!(!s.contains("SECRETVALUE123"), "{s}");
}
