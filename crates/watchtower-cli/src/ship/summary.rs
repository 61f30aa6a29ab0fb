//! The summary printed at exit: what was read, what became of it, and what to do about losses.

use watchtower_logs::DropReason;

/// What the CLI itself counted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct LineCounts {
    /// Lines read, empty ones included.
    pub(super) lines: u64,
    /// Empty lines, skipped.
    pub(super) empty: u64,
    /// Events handed to the core (after joining and splitting).
    pub(super) events: u64,
    /// Lines (events) cut to the message size.
    pub(super) truncated: u64,
    /// Lines (events) sent as several events.
    pub(super) split: u64,
    /// Lines (events) over the message size dropped (`--oversize drop`).
    pub(super) oversize_dropped: u64,
    /// Lines without a time in `--timestamp-format` (read time used).
    pub(super) untimed: u64,
    /// Events out of the multiline joiner (before oversize handling).
    pub(super) joined_events: u64,
}

/// What happened to the lines, for the summary and the exit code.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    pub(super) group: String,
    pub(super) counts: LineCounts,
    pub(super) delivered: u64,
    /// Events replayed from the spool (left by a watchtower that died).
    pub(super) replayed: u64,
    pub(super) truncated: u64,
    pub(super) split: u64,
    pub(super) lost: u64,
    /// Lost events by reason, in [`DropReason::ALL`] order.
    pub(super) lost_by: Vec<(DropReason, u64)>,
    pub(super) timed_out: bool,
    /// `--verbose`: also PutLogEvents calls, retries and bytes.
    pub(super) verbose: bool,
    pub(super) requests: u64,
    pub(super) retries: u64,
    pub(super) bytes: u64,
    pub(super) quiet: bool,
}

impl Outcome {
    pub(super) fn add_lost(&mut self, reason: DropReason, n: u64) {
        if n == 0 {
            return;
        }
        self.lost += n;
        match self.lost_by.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, m)) => *m += n,
            None => {
                self.lost_by.push((reason, n));
                self.lost_by
                    .sort_by_key(|(r, _)| DropReason::ALL.iter().position(|x| x == r).unwrap_or(0));
            }
        }
    }

    pub(super) fn print_summary(&self) {
        if !self.quiet || self.lost > 0 {
            crate::ship::eprint_line(&self.summary());
        }
        if self.verbose {
            crate::ship::eprint_line(&format!(
                "watchtower: {}, {} retried, {} delivered",
                count(self.requests, "PutLogEvents call"),
                self.retries,
                count(self.bytes, "byte")
            ));
        }
    }

    /// One line: what was read, what became of it, and what to do about losses.
    fn summary(&self) -> String {
        let c = &self.counts;
        let mut s = format!(
            "watchtower: {} read ({} skipped",
            count(c.lines, "line"),
            count(c.empty, "empty line")
        );
        let joined = c.lines.saturating_sub(c.empty + c.joined_events);
        if joined > 0 {
            s += &format!(", {} joined into multiline events", count(joined, "line"));
        }
        if c.untimed > 0 {
            s += &format!(
                ", {} without a timestamp in --timestamp-format (read time used)",
                count(c.untimed, "line")
            );
        }
        s += &format!(
            "); {} to log group \"{}\": {} delivered",
            count(c.events + c.oversize_dropped, "event"),
            self.group,
            self.delivered
        );
        if self.replayed > 0 {
            s += &format!(
                " (and {} left in the spool by an earlier watchtower)",
                count(self.replayed, "event")
            );
        }
        if self.truncated > 0 {
            s += &format!(", {} truncated", self.truncated);
        }
        if self.split > 0 {
            s += &format!(", {} split", self.split);
        }
        s += &format!(", {} lost", self.lost);
        if self.lost > 0 {
            let reasons: Vec<String> = self
                .lost_by
                .iter()
                .map(|(r, n)| format!("{r} {n}"))
                .collect();
            s += &format!(" ({})", reasons.join(", "));
            if let Some((reason, _)) = self.lost_by.iter().max_by_key(|(_, n)| *n) {
                s += &format!(": {}", hint(*reason, self.timed_out));
            }
        }
        s
    }
}

/// `1 line`, `2 lines`.
fn count(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// What to do about events lost for `reason`.
fn hint(reason: DropReason, timed_out: bool) -> &'static str {
    match reason {
        DropReason::QueueFull => "raise --max-queue-bytes or use --overflow block",
        DropReason::Oversize => "raise --max-message-size or use --oversize truncate or split",
        DropReason::TooOld | DropReason::TooNew | DropReason::Expired => {
            "the service refused their timestamps: check this machine's clock and the group's \
             retention"
        }
        DropReason::RetriesExhausted => {
            "CloudWatch Logs could not be reached or kept failing: check the endpoint and the \
             network, or raise --retry-max-elapsed"
        }
        DropReason::ShutdownTimeout if timed_out => {
            "not delivered within --shutdown-timeout: check the endpoint (--endpoint-url, \
             AWS_ENDPOINT_URL) and the network, or raise --shutdown-timeout"
        }
        DropReason::Credentials => {
            "check the AWS credentials and the logs:PutLogEvents, logs:CreateLogGroup and \
             logs:CreateLogStream permissions"
        }
        DropReason::ResourceNotFound => {
            "the log group or stream is missing: drop --no-create-group / --no-create-stream \
             or create them first"
        }
        DropReason::SpoolFull => "raise --spool-max-bytes or use --overflow block",
        DropReason::SpoolCorrupt => {
            "spool files left by an earlier watchtower held torn or damaged records (killed \
             while writing, a disk error, or edited): see the warning above"
        }
        _ => "see the warnings above",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use watchtower_logs::DropReason;

    #[test]
    fn the_summary_says_what_was_lost_and_what_to_do() {
        let mut o = Outcome {
            group: "app".into(),
            counts: LineCounts {
                lines: 10,
                empty: 2,
                events: 5,
                joined_events: 6,
                oversize_dropped: 1,
                ..LineCounts::default()
            },
            delivered: 5,
            truncated: 1,
            ..Outcome::default()
        };
        o.add_lost(DropReason::Oversize, 1);
        assert_eq!(
            o.summary(),
            "watchtower: 10 lines read (2 empty lines skipped, 2 lines joined into multiline \
             events); 6 events to log group \"app\": 5 delivered, 1 truncated, 1 lost (oversize \
             1): raise --max-message-size or use --oversize truncate or split"
        );
        let ok = Outcome {
            group: "g".into(),
            counts: LineCounts {
                lines: 1,
                empty: 0,
                events: 1,
                joined_events: 1,
                ..LineCounts::default()
            },
            delivered: 1,
            ..Outcome::default()
        };
        assert_eq!(
            ok.summary(),
            "watchtower: 1 line read (0 empty lines skipped); 1 event to log group \"g\": 1 \
             delivered, 0 lost"
        );
    }
}
