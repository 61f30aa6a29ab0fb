//! The limiter's decisions (see `concurrency.rs` for the design): a pure state machine over
//! explicit instants, with no clock and no runtime, so that its tests are deterministic.

use std::time::{Duration, Instant};

use super::Signal;

/// Factor applied to the concurrency limit on back pressure.
const DECREASE: f64 = 0.5;
/// A round trip this many times the average is back pressure too.
const RTT_RISE: f64 = 2.0;
/// Weight of a window's mean round trip in the running average.
const RTT_ALPHA: f64 = 0.3;
/// Shortest window between concurrency adjustments.
const MIN_WINDOW: Duration = Duration::from_millis(10);
/// While paced and slower than where it was last throttled, the rate grows by this much a
/// second (e-folding: ×1.22 a second).
pub(crate) const FAST_GROWTH: f64 = 0.2;
/// Past that rate, it grows this slowly for [`PROBE_TIME`], then fast again.
pub(crate) const SLOW_GROWTH: f64 = 0.01;
/// How long the rate grows slowly past where it was last throttled.
pub(crate) const PROBE_TIME: Duration = Duration::from_secs(12);
/// Per throttle while paced, the interval grows by this factor (the rate halves).
pub(crate) const PACE_BACKOFF: f64 = 2.0;
/// Below this interval pacing ends (the round trip bounds the rate again).
const MIN_PACE: Duration = Duration::from_millis(1);
/// Longest interval between request starts (one request a minute still goes), unless the
/// retry policy's `max_backoff` is shorter.
const MAX_PACE: Duration = Duration::from_secs(60);
/// First shared pause after a throttle, unless the retry policy's `max_backoff` is shorter;
/// it doubles with each throttle in a row (AWS's SDKs back off from one second too).
pub(crate) const THROTTLE_BACKOFF: Duration = Duration::from_secs(1);

/// The limiter's decisions, over explicit instants.
#[derive(Debug, Clone)]
pub(crate) struct State {
    max: usize,
    limit: usize,
    in_flight: usize,
    /// Running average round trip, seconds (none before the first window).
    avg_rtt: Option<f64>,
    window_sum: f64,
    window_n: u32,
    window_end: Option<Instant>,
    reached_limit: bool,
    back_pressure: bool,
    /// Minimum spacing of request starts; `None` when not paced.
    pace: Option<Duration>,
    /// Longest spacing.
    max_pace: Duration,
    next_start: Option<Instant>,
    /// The spacing at which the process was last throttled while paced.
    ceiling: Option<Duration>,
    /// Seconds spent probing past the ceiling.
    probed: f64,
    /// When the pace last grew (or was cut).
    grown_at: Option<Instant>,
    paused_until: Option<Instant>,
    /// Throttles in a row without a success.
    streak: u32,
    last_reduction: Option<Instant>,
}

/// When a request may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    /// Now (the request is counted in flight).
    Go,
    /// Not before this instant (shared pause or pacing).
    At(Instant),
    /// When a request in flight ends (concurrency limit).
    Full,
}

impl State {
    /// At most `max` requests in flight (at least 1); the limit starts at 1, unpaced.
    pub(crate) fn new(max: usize) -> Self {
        State {
            max: max.max(1),
            limit: 1,
            in_flight: 0,
            avg_rtt: None,
            window_sum: 0.0,
            window_n: 0,
            window_end: None,
            reached_limit: false,
            back_pressure: false,
            pace: None,
            max_pace: MAX_PACE,
            next_start: None,
            ceiling: None,
            probed: 0.0,
            grown_at: None,
            paused_until: None,
            streak: 0,
            last_reduction: None,
        }
    }

    /// Caps the spacing of request starts (and so the pause) at `max`.
    pub(crate) fn with_max_pace(mut self, max: Duration) -> Self {
        self.max_pace = max.clamp(MIN_PACE, MAX_PACE);
        self
    }

    /// The concurrency limit now.
    #[cfg(test)]
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// The spacing of request starts now, if paced.
    #[cfg(test)]
    pub(crate) fn pace(&self) -> Option<Duration> {
        self.pace
    }

    /// Tries to start a request at `now`.
    pub(crate) fn try_start(&mut self, now: Instant) -> Gate {
        let not_before = self.paused_until.max(self.next_start);
        if let Some(t) = not_before.filter(|t| *t > now) {
            return Gate::At(t);
        }
        if self.in_flight >= self.limit {
            self.reached_limit = true;
            return Gate::Full;
        }
        self.in_flight += 1;
        if self.in_flight >= self.limit {
            self.reached_limit = true;
        }
        self.next_start = self.pace.map(|p| now + p);
        Gate::Go
    }

    /// Records the end at `now` of a request started at `started`. `pause` is the shared
    /// backoff for the given number of throttles in a row (jittered by the caller).
    pub(crate) fn finish(
        &mut self,
        started: Instant,
        now: Instant,
        signal: Signal,
        pause: impl FnOnce(u32) -> Duration,
    ) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let new_episode = self.last_reduction.is_none_or(|r| started >= r);
        match signal {
            Signal::Success => {
                self.streak = 0;
                let rtt = now.saturating_duration_since(started).as_secs_f64();
                self.window_sum += rtt;
                self.window_n += 1;
                if let Some(p) = self.pace {
                    let elapsed = self
                        .grown_at
                        .map_or(0.0, |t| now.saturating_duration_since(t).as_secs_f64());
                    self.grown_at = Some(now);
                    self.pace = self.grow(p.as_secs_f64(), elapsed);
                    if self.pace.is_none() {
                        self.ceiling = None;
                    }
                }
            }
            Signal::Throttled => {
                self.back_pressure = true;
                if new_episode {
                    self.streak += 1;
                    self.reduce(now);
                    // Not paced yet, or throttled again without a success in between: the
                    // shared pause. Not paced yet: pacing starts at the pause's length (after
                    // it, the process goes on at the spacing that waiting implied, not at
                    // full speed). Paced already: the rate halves.
                    let wait = match self.pace {
                        Some(_) if self.streak == 1 => Duration::ZERO,
                        _ => pause(self.streak),
                    };
                    self.ceiling = self.pace;
                    self.probed = 0.0;
                    self.grown_at = Some(now);
                    let pace = match self.pace {
                        Some(p) => p.mul_f64(PACE_BACKOFF),
                        None => wait,
                    };
                    let pace = pace.min(self.max_pace);
                    self.pace = Some(pace);
                    self.paused_until = self.paused_until.max(Some(now + pace.max(wait)));
                }
            }
            Signal::BackPressure => {
                self.back_pressure = true;
                if new_episode {
                    self.reduce(now);
                }
            }
            Signal::Neutral => {}
        }
        self.end_window(now);
    }

    /// The pace after `elapsed` seconds of successes from `pace` seconds: the rate grows by
    /// [`FAST_GROWTH`] a second up to where it was last throttled, by [`SLOW_GROWTH`] for
    /// [`PROBE_TIME`] past that, then fast again. `None` once pacing is negligible.
    fn grow(&mut self, mut pace: f64, mut elapsed: f64) -> Option<Duration> {
        if let Some(ceiling) = self.ceiling.map(|c| c.as_secs_f64()) {
            if pace > ceiling {
                let to_ceiling = (pace / ceiling).ln() / FAST_GROWTH;
                let step = elapsed.min(to_ceiling);
                pace = (pace * (-FAST_GROWTH * step).exp()).max(ceiling);
                elapsed -= step;
            }
            let probe = elapsed.min(PROBE_TIME.as_secs_f64() - self.probed);
            if probe > 0.0 {
                pace *= (-SLOW_GROWTH * probe).exp();
                self.probed += probe;
                elapsed -= probe;
            }
            if self.probed >= PROBE_TIME.as_secs_f64() {
                self.ceiling = None;
            }
        }
        pace *= (-FAST_GROWTH * elapsed.max(0.0)).exp();
        let pace = Duration::from_secs_f64(pace);
        (pace >= MIN_PACE).then_some(pace)
    }

    /// Halves the concurrency limit (never below 1) and remembers when, for one reaction per
    /// congestion episode.
    fn reduce(&mut self, now: Instant) {
        self.limit = ((self.limit as f64 * DECREASE) as usize).max(1);
        self.last_reduction = Some(now);
    }

    /// At the end of a window: grow the limit by one if it was reached without back pressure
    /// or a rising round trip; halve it if the round trip rose sharply.
    fn end_window(&mut self, now: Instant) {
        let window_mean = (self.window_n > 0).then(|| self.window_sum / self.window_n as f64);
        let Some(end) = self.window_end else {
            if let Some(mean) = window_mean {
                self.avg_rtt = Some(mean);
                self.start_window(now, mean);
            }
            return;
        };
        if now < end {
            return;
        }
        let avg = self.avg_rtt.unwrap_or_default();
        match window_mean {
            Some(mean) if mean >= avg * RTT_RISE && self.limit > 1 && !self.back_pressure => {
                self.reduce(now)
            }
            Some(mean) if self.reached_limit && !self.back_pressure && mean <= avg * 1.1 => {
                self.limit = (self.limit + 1).min(self.max);
            }
            _ => {}
        }
        if let Some(mean) = window_mean {
            self.avg_rtt = Some(avg + RTT_ALPHA * (mean - avg));
        }
        self.start_window(now, self.avg_rtt.unwrap_or_default());
    }

    /// Starts a window of about one round trip (`rtt` seconds, at least [`MIN_WINDOW`]).
    fn start_window(&mut self, now: Instant, rtt: f64) {
        self.window_end = Some(now + Duration::from_secs_f64(rtt).max(MIN_WINDOW));
        self.window_sum = 0.0;
        self.window_n = 0;
        self.reached_limit = self.in_flight >= self.limit;
        self.back_pressure = false;
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
