//! Configurations built from extreme values (zero, one nanosecond, `Duration::MAX`, huge
//! retry bounds, tiny queues) are either refused with a clear error naming the option, or run
//! without a panic; whatever runs accounts for every record: delivered or counted.

mod support;

use std::time::Duration;

use support::core_config;
use watchtower_logs::{
    ConfigError, FlushError, OverflowPolicy, OversizePolicy, Record, RetryPolicy, MAX_SEND_INTERVAL,
};
use watchtower_testkit::shared_moto;

const EXTREMES: [Duration; 6] = [
    Duration::ZERO,
    Duration::from_nanos(1),
    Duration::from_millis(50),
    Duration::from_secs(86_400),
    Duration::from_secs(u64::MAX),
    Duration::MAX,
];

fn pick<T: Copy>(rng: &mut fastrand::Rng, from: &[T]) -> T {
    from[rng.usize(..from.len())]
}

/// An extreme value half of the time, else `usual`.
fn maybe<T: Copy>(rng: &mut fastrand::Rng, usual: T, extremes: &[T]) -> T {
    if rng.bool() {
        pick(rng, extremes)
    } else {
        usual
    }
}

#[test]
fn send_interval_beyond_a_day_is_a_configuration_error() {
    for interval in [
        Duration::MAX,
        Duration::from_secs(u64::MAX),
        MAX_SEND_INTERVAL * 2,
    ] {
        let (builder, _) = core_config("http://127.0.0.1:1", "extreme");
        let err = builder.send_interval(interval).build().unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::InvalidOption {
                    option: "send_interval",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("send_interval"), "{err}");
    }
}

#[test]
fn random_extreme_configurations_run_or_are_refused_never_panic() {
    let moto = shared_moto();
    let mut rng = fastrand::Rng::with_seed(20261201);
    let mut ran = 0;
    for case in 0..40 {
        let group = format!("extreme-{case}");
        let usual = RetryPolicy::default();
        let retry = RetryPolicy {
            initial_backoff: maybe(&mut rng, usual.initial_backoff, &EXTREMES),
            max_backoff: maybe(&mut rng, usual.max_backoff, &EXTREMES),
            max_elapsed: maybe(&mut rng, usual.max_elapsed, &EXTREMES),
            sdk_max_attempts: maybe(&mut rng, 3, &[0, 1, 10, 11, u32::MAX]),
            attempt_timeout: maybe(&mut rng, usual.attempt_timeout, &EXTREMES),
        };
        let overflow = match rng.u8(..3) {
            0 => OverflowPolicy::DropNewest,
            1 => OverflowPolicy::DropOldest,
            _ => OverflowPolicy::Block {
                timeout: pick(&mut rng, &EXTREMES),
            },
        };
        let (builder, _warnings) = core_config(&moto.endpoint(), &group);
        let built = builder
            .send_interval(maybe(&mut rng, Duration::from_secs(60), &EXTREMES))
            .shutdown_timeout(pick(&mut rng, &EXTREMES))
            .retry(retry)
            .overflow(overflow)
            .oversize(pick(
                &mut rng,
                &[
                    OversizePolicy::Truncate,
                    OversizePolicy::Split,
                    OversizePolicy::Drop,
                ],
            ))
            .max_queue_bytes(pick(&mut rng, &[1 << 20, 4 << 20, usize::MAX]))
            .max_message_size(pick(&mut rng, &[30, 1000, 262_144]))
            .build();
        let config = match built {
            Ok(config) => config,
            Err(e) => {
                // A refusal names the option it is about.
                let text = e.to_string();
                assert!(text.starts_with("invalid "), "case {case}: {text}");
                continue;
            }
        };
        ran += 1;
        let (logs, guard) = config.start().expect("starts");
        for i in 0..50 {
            logs.log(Record::new(format!(
                "case {case} event {i} {}",
                "x".repeat(i * 40)
            )));
        }
        // Zero and "for ever" as flush timeouts: both return (moto answers quickly).
        let _ = logs.flush(pick(&mut rng, &[Duration::ZERO, Duration::MAX]));
        match logs.flush(Duration::MAX) {
            Ok(()) | Err(FlushError::Timeout { .. }) => {}
            Err(e) => panic!("case {case}: {e}"),
        }
        drop(guard);
        let stats = logs.stats();
        assert_eq!(stats.records, 50, "case {case}: {stats}");
        assert_eq!(
            stats.events,
            stats.delivered + stats.settled_failed(),
            "case {case}: every queued event delivered or counted: {stats}"
        );
        assert_eq!(stats.queued_events, 0, "case {case}: {stats}");
    }
    assert!(
        ran >= 4,
        "only {ran} of the random configurations were valid"
    );
}
