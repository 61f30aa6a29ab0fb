//! Sync helpers on a running [`Moto`]: reading back events, streams, groups, retention and
//! tags, and creating or deleting groups and streams. Each call panics with the operation, what
//! it was about and moto's endpoint when the service fails.

use std::collections::HashMap;

use aws_sdk_cloudwatchlogs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsError;
use aws_sdk_cloudwatchlogs::operation::describe_log_streams::DescribeLogStreamsError;
use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsError;
use aws_sdk_cloudwatchlogs::operation::list_tags_for_resource::ListTagsForResourceError;
use aws_sdk_cloudwatchlogs::Client;

use super::Moto;
use crate::runtime::block_on;
use crate::Event;

impl Moto {
    /// All events of one stream, oldest first (moto sorts by timestamp, stable for ties), read
    /// with GetLogEvents `startFromHead` and paginated until `nextForwardToken` repeats.
    /// Empty if the group or stream does not exist.
    pub fn events(&self, group: &str, stream: &str) -> Vec<Event> {
        let c = self.client();
        let (g, s) = (group.to_string(), stream.to_string());
        match block_on(async move { fetch_events(&c, &g, &s).await }) {
            Ok(v) => v,
            Err(e) => self.fail("GetLogEvents", group, e),
        }
    }

    /// All events of a group as (stream name, event), stream by stream in the order of
    /// [`Moto::streams`], each stream's events oldest first. Empty if the group does not exist.
    pub fn all_events(&self, group: &str) -> Vec<(String, Event)> {
        let mut out = Vec::new();
        for stream in self.streams(group) {
            for e in self.events(group, &stream) {
                out.push((stream.clone(), e));
            }
        }
        out
    }

    /// The stream names of a group (DescribeLogStreams, paginated). Empty if the group does not
    /// exist.
    pub fn streams(&self, group: &str) -> Vec<String> {
        let c = self.client();
        let g = group.to_string();
        let r = block_on(async move {
            let mut out = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let resp = c
                    .describe_log_streams()
                    .log_group_name(&g)
                    .set_next_token(token.clone())
                    .send()
                    .await?;
                out.extend(
                    resp.log_streams()
                        .iter()
                        .filter_map(|s| s.log_stream_name().map(String::from)),
                );
                match resp.next_token() {
                    Some(t) if Some(t) != token.as_deref() && !t.is_empty() => {
                        token = Some(t.to_string())
                    }
                    _ => break,
                }
            }
            Ok::<_, SdkError<DescribeLogStreamsError>>(out)
        });
        match r {
            Ok(v) => v,
            Err(e) if e.code() == Some("ResourceNotFoundException") => Vec::new(),
            Err(e) => self.fail("DescribeLogStreams", group, e),
        }
    }

    /// All log group names (DescribeLogGroups, paginated).
    pub fn groups(&self) -> Vec<String> {
        let c = self.client();
        let r = block_on(async move {
            let mut out = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let resp = c
                    .describe_log_groups()
                    .set_next_token(token.clone())
                    .send()
                    .await?;
                out.extend(
                    resp.log_groups()
                        .iter()
                        .filter_map(|g| g.log_group_name().map(String::from)),
                );
                match resp.next_token() {
                    Some(t) if Some(t) != token.as_deref() && !t.is_empty() => {
                        token = Some(t.to_string())
                    }
                    _ => break,
                }
            }
            Ok::<_, SdkError<DescribeLogGroupsError>>(out)
        });
        match r {
            Ok(v) => v,
            Err(e) => self.fail("DescribeLogGroups", "", e),
        }
    }

    fn describe_group(&self, group: &str) -> Option<aws_sdk_cloudwatchlogs::types::LogGroup> {
        let c = self.client();
        let g = group.to_string();
        let r = block_on(async move {
            let resp = c
                .describe_log_groups()
                .log_group_name_prefix(&g)
                .send()
                .await?;
            Ok::<_, SdkError<DescribeLogGroupsError>>(
                resp.log_groups()
                    .iter()
                    .find(|x| x.log_group_name() == Some(g.as_str()))
                    .cloned(),
            )
        });
        match r {
            Ok(v) => v,
            Err(e) => self.fail("DescribeLogGroups", group, e),
        }
    }

    /// The group's retention in days, `None` if unset (never expire) or the group is missing.
    pub fn retention_days(&self, group: &str) -> Option<i32> {
        self.describe_group(group)
            .and_then(|g| g.retention_in_days())
    }

    /// The group's tags (ListTagsForResource with the group's ARN). Empty if the group is
    /// missing.
    pub fn tags(&self, group: &str) -> HashMap<String, String> {
        let Some(g) = self.describe_group(group) else {
            return HashMap::new();
        };
        let arn = g
            .log_group_arn()
            .map(String::from)
            .or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_string()))
            .unwrap_or_default();
        let c = self.client();
        let r = block_on(async move {
            let resp = c.list_tags_for_resource().resource_arn(arn).send().await?;
            Ok::<_, SdkError<ListTagsForResourceError>>(resp.tags().cloned().unwrap_or_default())
        });
        match r {
            Ok(v) => v,
            Err(e) => self.fail("ListTagsForResource", group, e),
        }
    }

    /// Creates a log group; succeeds if it already exists.
    pub fn create_group(&self, group: &str) {
        let c = self.client();
        let g = group.to_string();
        let r = block_on(async move { c.create_log_group().log_group_name(g).send().await });
        if let Err(e) = r {
            if e.code() != Some("ResourceAlreadyExistsException") {
                self.fail("CreateLogGroup", group, e)
            }
        }
    }

    /// Creates a log stream; succeeds if it already exists.
    ///
    /// # Panics
    /// If the group does not exist (or on any other error).
    pub fn create_stream(&self, group: &str, stream: &str) {
        let c = self.client();
        let (g, s) = (group.to_string(), stream.to_string());
        let r = block_on(async move {
            c.create_log_stream()
                .log_group_name(g)
                .log_stream_name(s)
                .send()
                .await
        });
        if let Err(e) = r {
            if e.code() != Some("ResourceAlreadyExistsException") {
                self.fail("CreateLogStream", &format!("{group}/{stream}"), e)
            }
        }
    }

    /// Deletes a log stream; succeeds if it (or its group) does not exist.
    pub fn delete_stream(&self, group: &str, stream: &str) {
        let c = self.client();
        let (g, s) = (group.to_string(), stream.to_string());
        let r = block_on(async move {
            c.delete_log_stream()
                .log_group_name(g)
                .log_stream_name(s)
                .send()
                .await
        });
        if let Err(e) = r {
            if e.code() != Some("ResourceNotFoundException") {
                self.fail("DeleteLogStream", &format!("{group}/{stream}"), e)
            }
        }
    }

    /// Deletes a log group and its streams; succeeds if it does not exist.
    pub fn delete_group(&self, group: &str) {
        let c = self.client();
        let g = group.to_string();
        let r = block_on(async move { c.delete_log_group().log_group_name(g).send().await });
        if let Err(e) = r {
            if e.code() != Some("ResourceNotFoundException") {
                self.fail("DeleteLogGroup", group, e)
            }
        }
    }

    /// Panics with the failed operation, what it was about and moto's endpoint.
    fn fail<E>(&self, op: &str, what: &str, e: E) -> !
    where
        E: std::error::Error + 'static,
    {
        panic!(
            "watchtower-testkit: {op} {what:?} against moto at {} failed: {}",
            self.endpoint(),
            DisplayErrorContext(e)
        )
    }
}

/// Every event of one stream, oldest first (GetLogEvents from the head, paginated until the
/// forward token repeats); empty if the group or stream does not exist.
async fn fetch_events(
    c: &Client,
    group: &str,
    stream: &str,
) -> Result<Vec<Event>, SdkError<GetLogEventsError>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    // Bounded: moto pages are up to 10,000 events.
    for _ in 0..100_000 {
        let resp = match c
            .get_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .start_from_head(true)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) if e.code() == Some("ResourceNotFoundException") => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let page = resp.events();
        out.extend(page.iter().map(|e| Event {
            timestamp: e.timestamp().unwrap_or_default(),
            message: e.message().unwrap_or_default().to_string(),
        }));
        let next = resp.next_forward_token().map(String::from);
        if page.is_empty() || next.is_none() || next == token {
            break;
        }
        token = next;
    }
    Ok(out)
}
