//! The limiter's decisions, on explicit instants (no clock, no runtime): deterministic.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::*;

const RTT: Duration = Duration::from_millis(20);

fn fixed_pause(streak: u32) -> Duration {
    Duration::from_secs(1) * streak
}

/// Runs `n` requests one after another, each answered `signal` after [`RTT`]; returns the
/// instant after the last one.
fn run(state: &mut State, mut now: Instant, n: usize, signal: Signal) -> Instant {
    for _ in 0..n {
        loop {
            match state.try_start(now) {
                Gate::Go => break,
                Gate::At(t) => now = t,
                Gate::Full => panic!("nothing in flight, yet full"),
            }
        }
        let started = now;
        now += RTT;
        state.finish(started, now, signal, fixed_pause);
    }
    now
}

/// Starts as many requests as the limit allows at `now`, all answered after [`RTT`].
fn burst(state: &mut State, now: Instant, signal: Signal) -> (usize, Instant) {
    let mut started = 0;
    while state.try_start(now) == Gate::Go {
        started += 1;
    }
    for _ in 0..started {
        state.finish(now, now + RTT, signal, fixed_pause);
    }
    (started, now + RTT)
}

#[test]
fn the_limit_starts_at_one_and_grows_by_one_per_window_at_the_limit() {
    let mut s = State::new(4);
    let t0 = Instant::now();
    assert_eq!(s.limit(), 1);
    assert_eq!(s.try_start(t0), Gate::Go);
    assert_eq!(s.try_start(t0), Gate::Full, "one in flight at first");
    s.finish(t0, t0 + RTT, Signal::Success, fixed_pause);
    let mut now = t0 + RTT;
    let mut limits = vec![];
    for _ in 0..8 {
        let (n, t) = burst(&mut s, now, Signal::Success);
        assert_eq!(n, s.limit().min(n), "never more than the limit in flight");
        now = t;
        limits.push(s.limit());
    }
    assert_eq!(
        limits,
        [2, 3, 4, 4, 4, 4, 4, 4],
        "+1 per window, bounded by max"
    );
}

#[test]
fn a_throttle_halves_the_limit_pauses_the_process_and_paces_it() {
    let mut s = State::new(8);
    let mut now = Instant::now();
    for _ in 0..10 {
        now = burst(&mut s, now, Signal::Success).1;
    }
    assert_eq!(s.limit(), 8);
    // Eight requests in flight together are all throttled: one reduction, not three.
    for _ in 0..8 {
        assert_eq!(s.try_start(now), Gate::Go);
    }
    for _ in 0..8 {
        s.finish(now, now + RTT, Signal::Throttled, fixed_pause);
    }
    now += RTT;
    assert_eq!(s.limit(), 4);
    assert_eq!(
        s.pace(),
        Some(Duration::from_secs(1)),
        "paced at least at the pause"
    );
    assert_eq!(s.try_start(now), Gate::At(now + Duration::from_secs(1)));
    // After the pause, the next throttle is a new episode: the streak lengthens the pause
    // and the pace doubles.
    now += Duration::from_secs(1);
    assert_eq!(s.try_start(now), Gate::Go);
    s.finish(now, now + RTT, Signal::Throttled, fixed_pause);
    now += RTT;
    assert_eq!(s.limit(), 2);
    assert_eq!(s.pace(), Some(Duration::from_secs(2)));
    assert_eq!(s.try_start(now), Gate::At(now + Duration::from_secs(2)));
}

#[test]
fn the_paced_rate_grows_fast_then_slowly_past_the_last_throttle_then_fast() {
    let mut s = State::new(8);
    let close = |d: Option<Duration>, secs: f64| {
        let got = d.unwrap().as_secs_f64();
        assert!((got - secs).abs() < 1e-6, "{got} vs {secs}");
    };
    // First throttle: paced at the pause.
    let t0 = Instant::now();
    assert_eq!(s.try_start(t0), Gate::Go);
    s.finish(t0, t0, Signal::Throttled, fixed_pause);
    close(s.pace(), 1.0);
    // A success 2 s later: no ceiling yet, fast growth.
    let t1 = t0 + Duration::from_secs(2);
    assert_eq!(s.try_start(t1), Gate::Go);
    s.finish(t1, t1, Signal::Success, fixed_pause);
    let p1 = (-FAST_GROWTH * 2.0).exp();
    close(s.pace(), p1);
    // Throttled there: 1.5 times slower; the ceiling is p1.
    assert_eq!(s.try_start(t1 + Duration::from_secs(1)), Gate::Go);
    let t2 = t1 + Duration::from_secs(1);
    s.finish(t2, t2, Signal::Throttled, fixed_pause);
    close(s.pace(), p1 * PACE_BACKOFF);
    // 10 s later: fast back to p1, then slowly for the rest.
    let t3 = t2 + Duration::from_secs(10);
    assert_eq!(s.try_start(t3), Gate::Go);
    s.finish(t3, t3, Signal::Success, fixed_pause);
    let to_ceiling = PACE_BACKOFF.ln() / FAST_GROWTH;
    let slow = 10.0 - to_ceiling;
    close(s.pace(), p1 * (-SLOW_GROWTH * slow).exp());
    // Probing over: fast again, and pacing ends.
    let t4 = t3 + Duration::from_secs(60);
    assert_eq!(s.try_start(t4), Gate::Go);
    s.finish(t4, t4, Signal::Success, fixed_pause);
    assert_eq!(s.pace(), None);
}

#[test]
fn server_errors_reduce_concurrency_without_pausing() {
    let mut s = State::new(8);
    let mut now = Instant::now();
    for _ in 0..10 {
        now = burst(&mut s, now, Signal::Success).1;
    }
    let (_, now) = burst(&mut s, now, Signal::BackPressure);
    assert_eq!(s.limit(), 4);
    assert_eq!(s.pace(), None);
    assert_eq!(s.try_start(now), Gate::Go, "no pause for a 5xx");
}

#[test]
fn a_sharply_rising_round_trip_reduces_concurrency() {
    let mut s = State::new(8);
    let mut now = Instant::now();
    for _ in 0..10 {
        now = burst(&mut s, now, Signal::Success).1;
    }
    assert_eq!(s.limit(), 8);
    // A window whose requests take ten times as long.
    let slow = RTT * 10;
    let mut n = 0;
    while s.try_start(now) == Gate::Go {
        n += 1;
    }
    for _ in 0..n {
        s.finish(now, now + slow, Signal::Success, fixed_pause);
    }
    assert_eq!(s.limit(), 4);
}

#[test]
fn neutral_answers_change_nothing() {
    let mut s = State::new(8);
    let now = run(&mut s, Instant::now(), 5, Signal::Neutral);
    assert_eq!(s.limit(), 1);
    assert_eq!(s.pace(), None);
    assert_eq!(s.try_start(now), Gate::Go);
}

/// A fleet of limiters against one shared token bucket, in virtual time, each client with
/// `work` requests to get through (one stream each: one request at a time). Returns the
/// requests per success, the share of the quota used while every client had work left, and
/// the share used until the last one finished.
fn fleet(clients: usize, quota: f64, work: u64, seed: u64) -> (f64, f64, f64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let t0 = Instant::now();
    let mut states: Vec<State> = (0..clients).map(|_| State::new(8)).collect();
    let mut left = vec![work; clients];
    let (mut tokens, mut refilled) = (quota, t0);
    let mut queue: BinaryHeap<Reverse<(Instant, usize)>> = (0..clients)
        .map(|c| Reverse((t0 + Duration::from_micros(rng.u64(0..1000)), c)))
        .collect();
    let (mut requests, mut successes) = (0u64, 0u64);
    let (mut first_done, mut successes_then, mut last_done) = (None, 0, t0);
    while let Some(Reverse((now, c))) = queue.pop() {
        match states[c].try_start(now) {
            Gate::At(t) => queue.push(Reverse((t, c))),
            Gate::Full => unreachable!("one request at a time"),
            Gate::Go => {
                tokens = (tokens + (now - refilled).as_secs_f64() * quota).min(quota);
                refilled = now;
                let ok = tokens >= 1.0;
                if ok {
                    tokens -= 1.0;
                    successes += 1;
                    left[c] -= 1;
                }
                requests += 1;
                let done = now + RTT + Duration::from_micros(rng.u64(0..10_000));
                let signal = if ok {
                    Signal::Success
                } else {
                    Signal::Throttled
                };
                let jitter = rng.f64();
                states[c].finish(now, done, signal, |streak| {
                    let exp = THROTTLE_BACKOFF * (1u32 << (streak - 1).min(5));
                    exp / 2 + (exp / 2).mul_f64(jitter)
                });
                if left[c] > 0 {
                    queue.push(Reverse((done, c)));
                } else {
                    if first_done.is_none() {
                        first_done = Some(now);
                        successes_then = successes;
                    }
                    last_done = now;
                }
            }
        }
    }
    let used = |n: u64, end: Instant| n as f64 / (quota * (end - t0).as_secs_f64() + quota);
    (
        requests as f64 / successes as f64,
        used(successes_then, first_done.unwrap()),
        used(successes, last_done),
    )
}

#[test]
fn a_fleet_converges_on_a_shared_quota_without_amplifying() {
    // (clients, quota per second, requests each, seed)
    let cases = [
        (32, 20.0, 20, 1),
        (32, 20.0, 60, 2),
        (32, 100.0, 100, 3),
        (4, 20.0, 500, 4),
    ];
    for (clients, quota, work, seed) in cases
        .into_iter()
        .chain([(100, 50.0, 30, 5), (2, 5.0, 100, 6)])
    {
        let (per_success, backlogged, overall) = fleet(clients, quota, work, seed);
        let case = format!("{clients} clients of {work} requests, {quota}/s");
        assert!(
            per_success <= 1.25,
            "{case}: {per_success:.3} requests per success"
        );
        assert!(
            backlogged >= 0.9,
            "{case}: {:.1} % used while all backlogged",
            backlogged * 100.0
        );
        assert!(
            overall >= 0.6,
            "{case}: {:.1} % used overall",
            overall * 100.0
        );
    }
}
