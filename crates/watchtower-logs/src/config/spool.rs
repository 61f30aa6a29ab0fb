//! The durable spool's options of [`ConfigBuilder`] and their checks.

use std::path::PathBuf;
use std::time::Duration;

use super::{ConfigBuilder, SpoolConfig};
use crate::error::ConfigError;

impl ConfigBuilder {
    /// Keeps every event in segment files under `dir` (created if missing) until it is
    /// delivered or counted, so that events survive a crash of the process: a later process
    /// with the same directory delivers what a dead one left. Off by default (events are kept
    /// in memory only). Several processes may share one directory. A directory that cannot be
    /// written, or a full disk, falls back to memory with a warning and
    /// [`Stats::spool_fallback`](crate::Stats::spool_fallback).
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = watchtower_logs::Config::builder()
    ///     .spool_dir("/var/spool/my-service")
    ///     .spool_sync_interval(Duration::from_millis(100))
    ///     .build()?;
    /// assert!(config.spool_dir().is_some());
    /// # Ok::<(), watchtower_logs::ConfigError>(())
    /// ```
    pub fn spool_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.spool_dir = Some(dir.into());
        self
    }

    /// Bound on the bytes of the spool's segment files; default 256 MiB, at least
    /// `max_message_size` × 4. When it is reached the overflow policy decides (`Block` waits
    /// for room, the others drop the new event as
    /// [`DropReason::SpoolFull`](crate::DropReason::SpoolFull)).
    pub fn spool_max_bytes(mut self, bytes: u64) -> Self {
        self.spool_max_bytes = bytes;
        self
    }

    /// Longest time between a `log` call and its record being written to the spool's file,
    /// i.e. what a crash of the process can lose; default 200 ms, 1 ms to 10 s. Each write is
    /// followed by an fsync.
    pub fn spool_sync_interval(mut self, interval: Duration) -> Self {
        self.spool_sync_interval = interval;
        self
    }
}

/// Checks the spool's options; `None` when no directory is set.
pub(super) fn check(
    dir: Option<PathBuf>,
    max_bytes: u64,
    sync_interval: Duration,
    max_message_size: usize,
) -> Result<Option<SpoolConfig>, ConfigError> {
    let Some(dir) = dir else {
        return Ok(None);
    };
    if dir.as_os_str().is_empty() {
        return Err(ConfigError::InvalidOption {
            option: "spool_dir",
            reason: "must not be empty".into(),
        });
    }
    let least = 4 * max_message_size as u64;
    if max_bytes < least {
        return Err(ConfigError::InvalidOption {
            option: "spool_max_bytes",
            reason: format!("{max_bytes} is less than 4 × max_message_size ({least})"),
        });
    }
    let range = Duration::from_millis(1)..=Duration::from_secs(10);
    if !range.contains(&sync_interval) {
        return Err(ConfigError::InvalidOption {
            option: "spool_sync_interval",
            reason: format!("{sync_interval:?} is outside 1 ms to 10 s"),
        });
    }
    Ok(Some(SpoolConfig {
        dir,
        max_bytes,
        sync_interval,
    }))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::{Config, ConfigError};

    fn option(result: Result<Config, ConfigError>) -> &'static str {
        match result {
            Err(ConfigError::InvalidOption { option, .. }) => option,
            other => panic!("expected an invalid option, got {other:?}"),
        }
    }

    #[test]
    fn spool_options_are_checked_at_build() {
        let b = || Config::builder().spool_dir("/tmp/spool");
        assert_eq!(option(Config::builder().spool_dir("").build()), "spool_dir");
        assert_eq!(option(b().spool_max_bytes(1000).build()), "spool_max_bytes");
        let zero = b().spool_sync_interval(Duration::ZERO).build();
        assert_eq!(option(zero), "spool_sync_interval");
        let long = b().spool_sync_interval(Duration::from_secs(11)).build();
        assert_eq!(option(long), "spool_sync_interval");
        let ok = b().build().unwrap();
        assert_eq!(ok.spool_dir(), Some(std::path::Path::new("/tmp/spool")));
        assert!(Config::builder().build().unwrap().spool_dir().is_none());
    }
}
