//! What the criterion benches share.

use std::time::Duration;

use criterion::Criterion;

/// Short runs that still give stable means on a 2-core machine (`scripts/bench` shortens or
/// lengthens them with `--warm-up-time` and `--measurement-time`).
pub fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

/// Our configuration for the benches that ship to the bench sink at `endpoint`: log group
/// `bench`, a send interval of 5 s, otherwise the defaults.
#[allow(dead_code)] // not every bench ships
pub fn ours_config(endpoint: &str) -> watchtower_logs::Config {
    watchtower_logs::Config::builder()
        .log_group_name("bench")
        .send_interval(Duration::from_secs(5))
        .aws(
            watchtower_logs::AwsSettings::new()
                .sdk_config(watchtower_testkit::sdk_config(endpoint)),
        )
        .build()
        .expect("valid config")
}
