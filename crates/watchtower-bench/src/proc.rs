//! What the current process used: peak resident memory and CPU time.

use std::time::Duration;

/// Peak resident set size (`VmHWM` in `/proc/self/status`), in bytes; 0 if unknown.
pub fn peak_rss_bytes() -> u64 {
    status_kib("VmHWM:") * 1024
}

/// Current resident set size (`VmRSS`), in bytes; 0 if unknown.
pub fn rss_bytes() -> u64 {
    status_kib("VmRSS:") * 1024
}

fn status_kib(key: &str) -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// User and system CPU time of the whole process (all threads) so far.
pub fn cpu_time() -> (Duration, Duration) {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    if rc != 0 {
        return (Duration::ZERO, Duration::ZERO);
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    (tv(usage.ru_utime), tv(usage.ru_stime))
}

/// CPU time (user + system) of the whole process so far.
pub fn cpu_total() -> Duration {
    let (user, sys) = cpu_time();
    user + sys
}

/// Minor page faults the calling thread has taken so far (`getrusage(RUSAGE_THREAD)`): each is
/// a fresh page of memory touched for the first time.
pub fn thread_minor_faults() -> u64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    if rc != 0 {
        return 0;
    }
    usage.ru_minflt as u64
}

/// CPU time the calling thread has used so far (`CLOCK_THREAD_CPUTIME_ID`): unlike wall time,
/// it does not grow while the thread waits for a lock or for a core.
pub fn thread_cpu_time() -> Duration {
    // SAFETY: clock_gettime only writes the struct it is given.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
