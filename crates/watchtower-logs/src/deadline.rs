//! Deadlines that never overflow: `now + timeout` where the timeout may be `Duration::MAX`
//! (a user asking to wait "for ever"). `Instant + Duration` panics on overflow, so every
//! deadline in the crate is made here.

use std::time::{Duration, Instant};

/// How far ahead "never" is (tokio uses the same horizon for its far future).
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// `now + d`, or a point about 30 years ahead when that would overflow.
pub(crate) fn after(now: Instant, d: Duration) -> Instant {
    now.checked_add(d.min(FAR_FUTURE))
        .or_else(|| now.checked_add(Duration::from_secs(86_400)))
        .unwrap_or(now)
}

/// [`after`] for tokio's clock.
pub(crate) fn after_tokio(now: tokio::time::Instant, d: Duration) -> tokio::time::Instant {
    tokio::time::Instant::from_std(after(now.into_std(), d))
}

#[cfg(test)]
mod tests {
    #[allow(unused_imports)] // also compiled into the benches, without the tests
    use super::*;

    #[test]
    fn huge_timeouts_mean_far_ahead_not_a_panic() {
        let now = Instant::now();
        assert!(after(now, Duration::MAX) >= now + Duration::from_secs(86_400 * 365));
        assert_eq!(
            after(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        assert_eq!(after(now, Duration::ZERO), now);
        let t = tokio::time::Instant::now();
        assert!(after_tokio(t, Duration::MAX) > t);
    }
}
