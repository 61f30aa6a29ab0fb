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
