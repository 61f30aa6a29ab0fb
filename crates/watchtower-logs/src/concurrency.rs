//! Adaptive request concurrency and throttle-aware pacing: how many PutLogEvents requests a
//! process has in flight, and how fast it starts them once the service throttles it.
//!
//! The account's PutLogEvents quota is shared by every process of a fleet; a process that
//! keeps sending at full speed when throttled only spends the quota on refusals. So each
//! request attempt takes a [`Permit`] from the process's one [`Limiter`] and reports how it
//! ended ([`Signal`]):
//!
//! - **Concurrency** (AIMD, after Vector's adaptive request concurrency): the limit starts at
//!   1; after each window (about one round trip) in which the limit was reached, no request
//!   met back pressure and the mean round trip did not rise, it grows by 1, up to
//!   `max_concurrent_requests`. Back pressure (throttling, 5xx, timeouts, dropped
//!   connections) or a round trip twice the average halves it (never below 1).
//! - **Pacing** (AIMD on the request rate): a throttle means the quota, not the round trip,
//!   is the bound. The limiter then spaces request starts by an interval that grows by
//!   [`PACE_BACKOFF`](state::PACE_BACKOFF) on each throttle, while the rate grows with time: by [`FAST_GROWTH`](state::FAST_GROWTH)
//!   a second up to where it was last throttled, by [`SLOW_GROWTH`](state::SLOW_GROWTH) for [`PROBE_TIME`](state::PROBE_TIME) past
//!   that, then fast again once the quota evidently has room (other processes went quiet):
//!   fast recovery, slow probing, as TCP CUBIC. Growth with time, not per request, keeps a
//!   fast process from outgrowing a slow one; and as the fast one meets more of the
//!   throttles, a fleet drifts towards equal shares. Pacing ends once negligible.
//! - **Shared backoff**: the first throttle, and each one in a row without a success, pause
//!   every request of the process for a jittered exponential backoff (the first also starts
//!   pacing at the pause's length), so a throttled process slows as a whole instead of each
//!   batch retrying on its own, and a fleet that starts together spreads out.
//!
//! One reaction per congestion episode: a response to a request started before the last
//! reduction does not reduce again (as TCP reduces once per window), so the requests that
//! were in flight together when the service pushed back count once.
//!
//! The decisions are a pure state machine over explicit instants ([`State`], in
//! `concurrency/state.rs`), unit-tested there without a clock; [`Limiter`] wraps it with a
//! mutex and the waits.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::retry::RetryPolicy;

/// The limiter's decisions as a pure state machine: the AIMD limit, pacing and the shared
/// pause.
mod state;
use state::{Gate, State, THROTTLE_BACKOFF};

/// How a request attempt ended, for the limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// The service processed it (round trip measured from the permit).
    Success,
    /// ThrottlingException (or HTTP 429): the quota is exhausted.
    Throttled,
    /// 5xx, timeout, dropped connection: the service or the path is overloaded.
    BackPressure,
    /// Anything else (a rejected request, missing stream): says nothing about load.
    Neutral,
}

/// The process's limiter, shared by every delivery task of a handle.
#[derive(Debug)]
pub(crate) struct Limiter {
    state: Mutex<State>,
    changed: Notify,
    backoff_base: Duration,
    backoff_cap: Duration,
}

impl Limiter {
    /// At most `max` requests in flight; shared pauses from [`THROTTLE_BACKOFF`] (or
    /// `initial_backoff` if longer), at most `max_backoff`.
    pub(crate) fn new(max: usize, retry: &RetryPolicy) -> Self {
        Limiter {
            state: Mutex::new(State::new(max).with_max_pace(retry.max_backoff)),
            changed: Notify::new(),
            backoff_base: THROTTLE_BACKOFF
                .min(retry.max_backoff)
                .max(retry.initial_backoff),
            backoff_cap: retry.max_backoff,
        }
    }

    /// The state, even if a panic poisoned its lock.
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until a request may start, and counts it in flight.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Permit {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let gate = self.lock().try_start(Instant::now());
            match gate {
                Gate::Go => {
                    return Permit {
                        limiter: self.clone(),
                        started: Instant::now(),
                        signal: Signal::Neutral,
                    }
                }
                Gate::At(t) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(t.into()) => {}
                        _ = changed => {}
                    }
                }
                Gate::Full => changed.await,
            }
        }
    }

    /// The shared pause after `streak` throttles in a row: exponential, capped, with equal
    /// jitter (half fixed, half random).
    fn pause(&self, streak: u32) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << streak.saturating_sub(1).min(16))
            .min(self.backoff_cap.max(self.backoff_base));
        let half = exp / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// One request attempt in flight; report how it ended with [`Permit::finish`] (dropped
/// without it, it counts as [`Signal::Neutral`]).
#[derive(Debug)]
pub(crate) struct Permit {
    limiter: Arc<Limiter>,
    started: Instant,
    signal: Signal,
}

impl Permit {
    /// Records how the attempt ended.
    pub(crate) fn finish(mut self, signal: Signal) {
        self.signal = signal;
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let limiter = &self.limiter;
        limiter
            .lock()
            .finish(self.started, Instant::now(), self.signal, |s| {
                limiter.pause(s)
            });
        limiter.changed.notify_waiters();
    }
}
