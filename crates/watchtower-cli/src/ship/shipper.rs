//! The shipper: takes lines from the readers, skips empty ones, joins multiline events and
//! hands them to the core; at the end shuts the core down and adds up what happened.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread;
use std::time::Instant;

use watchtower_logs::{
    Config, DropReason, FlushError, Handle, OversizePolicy, Record, StartError, WorkerGuard,
};

use super::reader::utf8_floor;
use super::signals::SignalState;
use super::summary::{LineCounts, Outcome};
use super::{Input, Msg, LEFTOVER_MAX, LEFTOVER_QUIET, SIGNAL_DRAIN};
use crate::config::ShipPlan;
use crate::exit_codes::{CliError, ExitCode};
use crate::multiline::{Joined, Joiner};
use crate::timestamp::TimestampFormat;

/// What CloudWatch Logs counts per event on top of its message bytes.
const EVENT_OVERHEAD_BYTES: usize = 26;

pub(super) struct Shipper {
    group: String,
    /// `[stdout/stdin, stderr]`; one entry unless `--stderr-stream`.
    outputs: Vec<(Handle, WorkerGuard)>,
    logger_name: String,
    joiners: [Joiner; 2],
    counts: LineCounts,
    pub(super) passthrough: bool,
    pub(super) quiet: bool,
    verbose: bool,
    timestamp_format: Option<TimestampFormat>,
    max_message_size: usize,
    oversize: OversizePolicy,
    /// Time of the last event, for the pieces of a line too long to hold.
    last_timestamp_ms: i64,
}

impl Shipper {
    pub(super) fn start(plan: ShipPlan) -> Result<Shipper, CliError> {
        if plan.verbose {
            crate::ship::eprint_line(&plan.description);
        }
        let mut outputs = vec![start_core(plan.main)?];
        if let Some(stderr) = plan.stderr {
            outputs.push(start_core(stderr)?);
        }
        let joiner = || Joiner::new(plan.multiline_start.clone(), plan.multiline_timeout);
        Ok(Shipper {
            group: plan.group,
            outputs,
            logger_name: plan.logger_name,
            joiners: [joiner(), joiner()],
            counts: LineCounts::default(),
            passthrough: plan.passthrough,
            quiet: plan.quiet,
            verbose: plan.verbose,
            timestamp_format: plan.timestamp_format,
            max_message_size: plan.max_message_size,
            oversize: plan.oversize,
            last_timestamp_ms: 0,
        })
    }

    /// Handles of the outputs (for progress).
    pub(super) fn handles(&self) -> Vec<Handle> {
        self.outputs.iter().map(|(h, _)| h.clone()).collect()
    }

    /// Handles messages until every input has ended, until a signal (`ship`) and a short
    /// drain, or (`run`) until the command has exited and its pipes are quiet. Returns the
    /// signal, if one stopped it.
    pub(super) fn consume(
        &mut self,
        rx: &Receiver<Msg>,
        mut open: usize,
        signals: &SignalState,
    ) -> Option<i32> {
        let mut drain_until: Option<Instant> = None;
        let mut exited_at: Option<Instant> = None;
        while open > 0 {
            let deadline = self
                .joiners
                .iter()
                .filter_map(Joiner::deadline)
                .chain(drain_until)
                .min();
            let msg = match deadline {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
            };
            let now = Instant::now();
            match msg {
                Ok(Msg::Line {
                    input,
                    text,
                    timestamp_ms,
                    continued,
                }) => {
                    self.line(input, text, timestamp_ms, continued, now);
                    if let Some(at) = exited_at {
                        drain_until = Some((now + LEFTOVER_QUIET).min(at + LEFTOVER_MAX));
                    }
                }
                Ok(Msg::Exited) => {
                    exited_at = Some(now);
                    drain_until = Some(now + LEFTOVER_QUIET);
                }
                Ok(Msg::Eof(input)) => {
                    if let Some(e) = self.joiners[input as usize].finish() {
                        self.emit(input, e);
                    }
                    open -= 1;
                }
                Ok(Msg::Signal) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            for input in [Input::Stdout, Input::Stderr] {
                if let Some(e) = self.joiners[input as usize].poll(now) {
                    self.emit(input, e);
                }
            }
            if drain_until.is_none() && signals.child.is_none() {
                if signals.received() != 0 {
                    drain_until = Some(now + SIGNAL_DRAIN);
                }
            } else if drain_until.is_some_and(|d| now >= d) {
                break;
            }
        }
        for input in [Input::Stdout, Input::Stderr] {
            if let Some(e) = self.joiners[input as usize].finish() {
                self.emit(input, e);
            }
        }
        Some(signals.received()).filter(|s| *s != 0 && signals.child.is_none())
    }

    fn line(&mut self, input: Input, text: String, read_ms: i64, continued: bool, now: Instant) {
        if continued {
            // The rest of a line too long to hold: its first piece was already over the
            // message size, so it is cut (or dropped) there, or split on with it.
            if self.oversize == OversizePolicy::Split {
                self.log(input, text, self.last_timestamp_ms);
            }
            return;
        }
        self.counts.lines += 1;
        if text.is_empty() {
            // The service refuses empty messages; they are counted, not shipped.
            self.counts.empty += 1;
            return;
        }
        let timestamp_ms = match &self.timestamp_format {
            Some(f) => f.find(&text, read_ms).unwrap_or_else(|| {
                self.counts.untimed += 1;
                read_ms
            }),
            None => read_ms,
        };
        if let Some(e) = self.joiners[input as usize].push(text, timestamp_ms, now) {
            self.emit(input, e);
        }
    }

    /// Applies the oversize policy to a whole event, counting it once.
    fn emit(&mut self, input: Input, event: Joined) {
        self.counts.joined_events += 1;
        self.last_timestamp_ms = event.timestamp_ms;
        let limit = self.max_message_size.saturating_sub(EVENT_OVERHEAD_BYTES);
        if event.text.len() <= limit {
            return self.log(input, event.text, event.timestamp_ms);
        }
        match self.oversize {
            OversizePolicy::Drop => self.counts.oversize_dropped += 1,
            OversizePolicy::Split => {
                self.counts.split += 1;
                self.log(input, event.text, event.timestamp_ms);
            }
            // Truncate, and any policy the core adds later.
            _ => {
                self.counts.truncated += 1;
                let mut text = event.text;
                text.truncate(utf8_floor(text.as_bytes(), limit));
                self.log(input, text, event.timestamp_ms);
            }
        }
    }

    /// Hands an event to the core, cutting it into pieces of at most the message size.
    fn log(&mut self, input: Input, mut text: String, timestamp_ms: i64) {
        let i = if input == Input::Stderr && self.outputs.len() > 1 {
            1
        } else {
            0
        };
        let limit = self
            .max_message_size
            .saturating_sub(EVENT_OVERHEAD_BYTES)
            .max(4);
        while text.len() > limit {
            let cut = utf8_floor(text.as_bytes(), limit);
            let rest = text.split_off(cut);
            self.send(i, std::mem::replace(&mut text, rest), timestamp_ms);
        }
        self.send(i, text, timestamp_ms);
    }

    fn send(&mut self, output: usize, text: String, timestamp_ms: i64) {
        self.outputs[output].0.log(
            Record::new(text)
                .logger_name(&self.logger_name)
                .timestamp_millis(timestamp_ms),
        );
        self.counts.events += 1;
    }

    /// Shuts every output down at once (each flushes up to its shutdown timeout) and adds up
    /// what happened.
    pub(super) fn finish(self) -> Outcome {
        let outputs = &self.outputs;
        let results: Vec<Result<(), FlushError>> = thread::scope(|s| {
            let joins: Vec<_> = outputs
                .iter()
                .map(|(h, _)| s.spawn(move || h.shutdown(h.config().shutdown_timeout())))
                .collect();
            joins
                .into_iter()
                .map(|j| j.join().unwrap_or(Ok(())))
                .collect()
        });
        let mut outcome = Outcome {
            group: self.group.clone(),
            counts: self.counts,
            quiet: self.quiet,
            verbose: self.verbose,
            timed_out: results
                .iter()
                .any(|r| matches!(r, Err(FlushError::Timeout { .. }))),
            ..Outcome::default()
        };
        outcome.truncated = self.counts.truncated;
        outcome.split = self.counts.split;
        outcome.add_lost(DropReason::Oversize, self.counts.oversize_dropped);
        for (h, _) in outputs {
            let s = h.stats();
            outcome.delivered += s.delivered;
            outcome.replayed += s.replayed;
            outcome.truncated += s.truncated;
            outcome.split += s.split;
            outcome.requests += s.batches;
            outcome.retries += s.retries;
            outcome.bytes += s.bytes;
            for (reason, n) in s.dropped.iter() {
                outcome.add_lost(reason, n);
            }
        }
        outcome
    }
}

fn start_core(config: Config) -> Result<(Handle, WorkerGuard), CliError> {
    config.start().map_err(|e| match e {
        StartError::NoRegion => CliError::new(
            ExitCode::AwsSetup,
            "no AWS region configured: pass --region, set AWS_REGION, or set a region in the \
             AWS profile",
        ),
        other => CliError::new(ExitCode::Failure, other.to_string()),
    })
}
