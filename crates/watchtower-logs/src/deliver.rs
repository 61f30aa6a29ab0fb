//! Delivery of one batch: send, create the group or stream when missing, retry, split what the
//! service refuses, and account for every event (delivered, or dropped with a reason).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::OnceCell;

use crate::batch::Batch;
use crate::call_error::CallError;
use crate::concurrency::{Limiter, Signal};
use crate::error::SetupError;
use crate::hub::Shared;
use crate::retry::ErrorAction;
use crate::sealed::Sealed;
use crate::send::{Rejected, Sender};
use crate::stats::DropReason;
use crate::warn::WarningKind;

/// Failed attempts with credential or unknown errors before a batch is dropped.
const MAX_HARD_FAILURES: u32 = 3;
/// Creation rounds (stream, then group) for one batch before backing off like a retry.
const MAX_CREATE_ROUNDS: u32 = 3;
/// Kinds of failure remembered for "the first of each kind is reported at once".
const MAX_FAILURE_KINDS: usize = 64;

/// How one batch ended.
#[derive(Debug)]
enum Outcome {
    Delivered(Option<Rejected>),
    /// The service refused the batch as a whole: send the halves separately.
    Split,
    Dropped(DropReason),
}

/// Sends batches for one handle.
pub(crate) struct Delivery {
    shared: Arc<Shared>,
    sender: Sender,
    /// Request concurrency, pacing and the shared throttle backoff of the process.
    limiter: Arc<Limiter>,
    retention_applied: OnceCell<()>,
    /// Kinds of failure already reported (see [`CallError::cause_class`]).
    reported: Mutex<HashSet<String>>,
}

impl Delivery {
    pub(crate) fn new(shared: Arc<Shared>, sender: Sender) -> Self {
        let config = &shared.config;
        let limiter = Arc::new(Limiter::new(config.max_concurrent_requests, &config.retry));
        Delivery {
            shared,
            sender,
            limiter,
            retention_applied: OnceCell::new(),
            reported: Mutex::default(),
        }
    }

    /// Reports a failed attempt that will be retried: the first failure of each kind at once,
    /// with its cause; repeats are rate-limited (with counts) by the warner.
    fn report_retry(&self, err: &CallError, events: usize) {
        let message = || format!("{err}; retrying ({events} events wait, nothing is lost yet)");
        let first = {
            let mut seen = self.reported.lock().unwrap_or_else(|e| e.into_inner());
            seen.len() < MAX_FAILURE_KINDS && seen.insert(err.cause_class())
        };
        if first {
            self.shared
                .warner
                .warn_always(WarningKind::Retrying, message());
        } else {
            self.shared.warner.warn(WarningKind::Retrying, message);
        }
    }

    /// Encodes `batch` (in flight as `id`) into its request body and frees its events (see
    /// `sealed.rs`).
    pub(crate) fn seal(&self, id: u64, batch: Batch) -> Sealed {
        let config = &self.shared.config;
        let sealed = Sealed::seal(batch, &config.log_group_name, config.compression);
        self.shared.inflight.mark_sealed(id);
        sealed
    }

    /// Delivers `batch` (registered in flight as `id`), splitting it if the service refuses it
    /// as a whole, and settles every event.
    pub(crate) async fn deliver(&self, id: u64, batch: Sealed) {
        let config = &self.shared.config;
        let mut todo = vec![batch];
        while let Some(batch) = todo.pop() {
            match self.send_with_retries(&batch).await {
                Outcome::Split => {
                    match batch.split_in_half(&config.log_group_name, config.compression) {
                        Ok((a, b)) => {
                            todo.push(b);
                            todo.push(a);
                        }
                        Err(cause) => self.drop_undecodable(id, &batch, &cause),
                    }
                }
                Outcome::Delivered(rejected) => self.settle_delivered(id, &batch, rejected),
                Outcome::Dropped(reason) => {
                    self.shared
                        .settle(id, &batch, 0, 0, &[(reason, batch.count)])
                }
            }
        }
    }

    /// A sealed batch that does not decode again (a bug of ours) cannot be split: its events
    /// are counted as lost to a worker failure, with the cause.
    fn drop_undecodable(&self, id: u64, batch: &Sealed, cause: &str) {
        self.shared.warner.warn(WarningKind::WorkerFailed, || {
            format!(
                "a batch of {} events could not be split ({cause}); they were counted as \
                 worker_failed. Please report this bug.",
                batch.count
            )
        });
        self.shared
            .settle(id, batch, 0, 0, &[(DropReason::WorkerFailed, batch.count)]);
    }

    fn settle_delivered(&self, id: u64, batch: &Sealed, rejected: Option<Rejected>) {
        let n = batch.count;
        let Some(rejected) = rejected else {
            self.shared.settle(id, batch, n, batch.bytes, &[]);
            return;
        };
        let (expired, too_old, too_new) = rejected.counts(n);
        let delivered = expired + too_old..n - too_new;
        // Only the bytes counter needs the events again; an undecodable body (a bug of ours)
        // leaves it short rather than failing the settlement.
        let delivered_bytes = batch.bytes_of(delivered.clone()).unwrap_or(0);
        self.shared.warner.warn(WarningKind::Rejected, || {
            format!(
                "CloudWatch Logs rejected {} events of a batch for stream {:?}: {expired} \
                 expired, {too_old} too old, {too_new} too new (more than 2 hours ahead)",
                expired + too_old + too_new,
                batch.stream
            )
        });
        self.shared.settle(
            id,
            batch,
            delivered.len(),
            delivered_bytes,
            &[
                (DropReason::Expired, expired),
                (DropReason::TooOld, too_old),
                (DropReason::TooNew, too_new),
            ],
        );
    }

    async fn send_with_retries(&self, batch: &Sealed) -> Outcome {
        let config = &self.shared.config;
        let group = config.log_group_name.as_str();
        self.apply_retention_once().await;
        let started = Instant::now();
        let mut attempt: u32 = 0;
        let mut hard_failures: u32 = 0;
        let mut create_rounds: u32 = 0;
        loop {
            let permit = self.limiter.acquire().await;
            let sent = self
                .sender
                .put_log_events(group, &batch.stream, &batch.body)
                .await;
            permit.finish(match &sent {
                Ok(_) => Signal::Success,
                Err(e) => e.signal(),
            });
            let err = match sent {
                Ok(rejected) => return Outcome::Delivered(rejected),
                Err(err) => err,
            };
            let mut action = err.action();
            let mut last_err = err;
            if action == ErrorAction::CreateResource && create_rounds < MAX_CREATE_ROUNDS {
                match self.create_missing(&batch.stream).await {
                    Ok(()) => {
                        // Only a creation that succeeded counts as a round: a throttled one
                        // backs off below and creates again.
                        create_rounds += 1;
                        continue;
                    }
                    Err(None) => {
                        self.shared.warner.warn(WarningKind::DeliveryFailed, || {
                            format!(
                                "log group {group:?} or stream {:?} does not exist and creating \
                                 it is disabled; {} events dropped",
                                batch.stream, batch.count
                            )
                        });
                        return Outcome::Dropped(DropReason::ResourceNotFound);
                    }
                    Err(Some(create_err)) => {
                        action = match create_err.action() {
                            ErrorAction::CreateResource => ErrorAction::Retry,
                            other => other,
                        };
                        last_err = create_err;
                    }
                }
            }
            match action {
                ErrorAction::AlreadyAccepted => return Outcome::Delivered(None),
                ErrorAction::InvalidParameter if batch.count > 1 => return Outcome::Split,
                ErrorAction::InvalidParameter => {
                    self.shared.warner.warn(WarningKind::DeliveryFailed, || {
                        format!("an event was refused and dropped: {last_err}")
                    });
                    return Outcome::Dropped(DropReason::InvalidParameter);
                }
                ErrorAction::Credentials | ErrorAction::Fatal => {
                    hard_failures += 1;
                    if hard_failures >= MAX_HARD_FAILURES {
                        let credentials = action == ErrorAction::Credentials;
                        let kind = if credentials {
                            WarningKind::Credentials
                        } else {
                            WarningKind::DeliveryFailed
                        };
                        self.shared.warner.warn(kind, || {
                            format!(
                                "Failed to deliver logs: {last_err}; {} events dropped{}",
                                batch.count,
                                if credentials {
                                    " (check the AWS credentials and the logs:PutLogEvents, \
                                     logs:CreateLogStream and logs:CreateLogGroup permissions)"
                                } else {
                                    ""
                                }
                            )
                        });
                        return Outcome::Dropped(if credentials {
                            DropReason::Credentials
                        } else {
                            DropReason::RetriesExhausted
                        });
                    }
                }
                ErrorAction::Retry | ErrorAction::CreateResource => {}
            }
            // A throttled attempt waits for the limiter's shared pause instead (taken with the
            // next permit), so that the whole process slows, not this batch alone.
            let wait = if last_err.op == "PutLogEvents" && last_err.signal() == Signal::Throttled {
                std::time::Duration::ZERO
            } else {
                config.retry.backoff(attempt)
            };
            // Created that often and still missing: back off, then create again.
            if create_rounds >= MAX_CREATE_ROUNDS {
                create_rounds = 0;
            }
            if started.elapsed().saturating_add(wait) > config.retry.max_elapsed {
                self.shared.warner.warn(WarningKind::DeliveryFailed, || {
                    format!(
                        "Failed to deliver logs: {last_err}; gave up after {:?}, {} events dropped",
                        started.elapsed(),
                        batch.count
                    )
                });
                return Outcome::Dropped(DropReason::RetriesExhausted);
            }
            self.report_retry(&last_err, batch.count);
            attempt += 1;
            self.shared
                .counters
                .retries
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tokio::time::sleep(wait).await;
        }
    }

    /// Creates the stream, and the group first if that is what is missing. `Err(None)` when
    /// creation is disabled.
    async fn create_missing(&self, stream: &str) -> Result<(), Option<CallError>> {
        let config = &self.shared.config;
        let group = config.log_group_name.as_str();
        if !config.create_log_stream {
            return Err(None);
        }
        match self.sender.create_log_stream(group, stream).await {
            Ok(()) => return Ok(()),
            Err(e) if e.action() != ErrorAction::CreateResource => return Err(Some(e)),
            Err(_) => {}
        }
        // The group itself is missing (never created, or deleted meanwhile).
        if !config.create_log_group {
            return Err(None);
        }
        self.sender.create_log_group(config).await.map_err(|e| {
            self.shared.warner.warn(WarningKind::Setup, || {
                format!("could not create log group: {e}")
            });
            Some(e)
        })?;
        if let Some(days) = config.retention_days {
            self.put_retention(days).await;
        }
        self.sender
            .create_log_stream(group, stream)
            .await
            .map_err(Some)
    }

    /// Creates the log group now (if `create_log_group`; "already exists" is fine) and applies
    /// the retention policy, returning the service's errors: watchtower 3.4 does this in its
    /// constructor, and the Python front end keeps that behaviour.
    pub(crate) async fn setup_group(&self) -> Result<(), SetupError> {
        let config = &self.shared.config;
        if config.create_log_group {
            self.sender
                .create_log_group(config)
                .await
                .map_err(CallError::into_setup_error)?;
        }
        if let Some(days) = config.retention_days {
            self.sender
                .put_retention_policy(&config.log_group_name, days)
                .await
                .map_err(CallError::into_setup_error)?;
            // Done: no need to apply it again before the first batch.
            let _ = self.retention_applied.set(());
        }
        Ok(())
    }

    /// Applies the retention policy once per handle, before the first batch, as 3.4 does in its
    /// constructor. A missing group is fine: retention is set when the group is created.
    async fn apply_retention_once(&self) {
        let Some(days) = self.shared.config.retention_days else {
            return;
        };
        self.retention_applied
            .get_or_init(|| async move { self.put_retention(days).await })
            .await;
    }

    async fn put_retention(&self, days: u32) {
        let group = &self.shared.config.log_group_name;
        match self.sender.put_retention_policy(group, days).await {
            Ok(()) => {}
            Err(e) if e.action() == ErrorAction::CreateResource => {}
            Err(e) => self.shared.warner.warn(WarningKind::Setup, || {
                format!("could not set the retention policy of log group {group:?}: {e}")
            }),
        }
    }
}
