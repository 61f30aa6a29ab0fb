//! The CloudWatch Logs API calls: PutLogEvents, CreateLogGroup, CreateLogStream and
//! PutRetentionPolicy, each one attempt (plus the SDK's own retries), with errors reduced to
//! a [`CallError`] (`call_error.rs`).

use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::types::LogGroupClass as SdkLogGroupClass;
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use crate::call_error::CallError;
use crate::config::Config;
use crate::encode::PutBody;

/// Indices of events the service refused, from `rejectedLogEventsInfo`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Rejected {
    pub(crate) too_new_start: Option<usize>,
    pub(crate) too_old_end: Option<usize>,
    pub(crate) expired_end: Option<usize>,
}

impl Rejected {
    /// Counts (expired, too old, too new) among `n` events: events before `expired_end` are
    /// expired, other events before `too_old_end` too old, events from `too_new_start` on too
    /// new.
    pub(crate) fn counts(&self, n: usize) -> (usize, usize, usize) {
        let expired = self.expired_end.unwrap_or(0).min(n);
        let too_old_end = self.too_old_end.unwrap_or(0).min(n).max(expired);
        let too_old = too_old_end - expired;
        let too_new = match self.too_new_start {
            Some(start) => n - start.clamp(too_old_end, n),
            None => 0,
        };
        (expired, too_old, too_new)
    }
}

/// The API calls, bound to one client and configuration (or, in unit tests, to a script of
/// answers: see `deliver_tests.rs`).
#[derive(Debug, Clone)]
pub(crate) struct Sender {
    client: Client,
    #[cfg(test)]
    pub(crate) fake: Option<std::sync::Arc<crate::deliver_tests::FakeApi>>,
}

impl Sender {
    pub(crate) fn new(client: Client) -> Self {
        Sender {
            client,
            #[cfg(test)]
            fake: None,
        }
    }

    /// One PutLogEvents call sending `body` (the encoding of events already sorted and within
    /// every limit).
    pub(crate) async fn put_log_events(
        &self,
        group: &str,
        stream: &str,
        body: &PutBody,
    ) -> Result<Option<Rejected>, CallError> {
        #[cfg(test)]
        if let Some(fake) = &self.fake {
            return fake.put(stream, body);
        }
        // The SDK serializes the names alone; the interceptor sends the encoded body instead.
        let out = self
            .client
            .put_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .customize()
            .interceptor(body.interceptor())
            .send()
            .await
            .map_err(|e| CallError::from_sdk("PutLogEvents", e))?;
        Ok(out.rejected_log_events_info().map(|r| Rejected {
            too_new_start: r.too_new_log_event_start_index().map(|i| i.max(0) as usize),
            too_old_end: r.too_old_log_event_end_index().map(|i| i.max(0) as usize),
            expired_end: r.expired_log_event_end_index().map(|i| i.max(0) as usize),
        }))
    }

    /// CreateLogStream; "already exists" counts as success.
    pub(crate) async fn create_log_stream(
        &self,
        group: &str,
        stream: &str,
    ) -> Result<(), CallError> {
        #[cfg(test)]
        if let Some(fake) = &self.fake {
            return fake.call("CreateLogStream");
        }
        let result = self
            .client
            .create_log_stream()
            .log_group_name(group)
            .log_stream_name(stream)
            .send()
            .await;
        already_exists_is_ok(result.map(|_| ()), "CreateLogStream")
    }

    /// CreateLogGroup with the configured tags, class and KMS key; "already exists" counts as
    /// success.
    pub(crate) async fn create_log_group(&self, config: &Config) -> Result<(), CallError> {
        #[cfg(test)]
        if let Some(fake) = &self.fake {
            return fake.call("CreateLogGroup");
        }
        let mut req = self
            .client
            .create_log_group()
            .log_group_name(&config.log_group_name);
        if !config.log_group_tags.is_empty() {
            req = req.set_tags(Some(
                config
                    .log_group_tags
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ));
        }
        if let Some(class) = config.log_group_class {
            req = req.log_group_class(SdkLogGroupClass::from(class.as_str()));
        }
        if let Some(kms) = &config.kms_key_id {
            req = req.kms_key_id(kms);
        }
        already_exists_is_ok(req.send().await.map(|_| ()), "CreateLogGroup")
    }

    /// PutRetentionPolicy.
    pub(crate) async fn put_retention_policy(
        &self,
        group: &str,
        days: u32,
    ) -> Result<(), CallError> {
        #[cfg(test)]
        if let Some(fake) = &self.fake {
            return fake.call("PutRetentionPolicy");
        }
        self.client
            .put_retention_policy()
            .log_group_name(group)
            .retention_in_days(days as i32)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| CallError::from_sdk("PutRetentionPolicy", e))
    }
}

fn already_exists_is_ok<E: ProvideErrorMetadata + std::error::Error + 'static>(
    result: Result<(), SdkError<E, HttpResponse>>,
    op: &'static str,
) -> Result<(), CallError> {
    match result {
        Ok(()) => Ok(()),
        Err(e) => {
            let err = CallError::from_sdk(op, e);
            if err.code.as_deref() == Some("ResourceAlreadyExistsException") {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejected_indices_become_counts() {
        let r = Rejected {
            too_new_start: Some(8),
            too_old_end: Some(3),
            expired_end: Some(1),
        };
        assert_eq!(r.counts(10), (1, 2, 2));
        assert_eq!(Rejected::default().counts(10), (0, 0, 0));
        // Overlapping or out-of-range indices never count an event twice.
        let r = Rejected {
            too_new_start: Some(2),
            too_old_end: Some(5),
            expired_end: None,
        };
        assert_eq!(r.counts(4), (0, 4, 0));
    }
}
