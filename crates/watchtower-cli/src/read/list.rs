//! `groups` and `streams`: listings, paginated to the end.

use serde_json::json;

use super::event::Printer;
use super::runtime;
use crate::aws::{connect, sdk_error, Target};
use crate::cli::{ColorChoice, GroupsArgs, Output, ReadFormat, StreamsArgs};
use crate::exit_codes::ExitCode;

/// `watchtower groups`.
pub fn groups(args: GroupsArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let mut printer = Printer::new(ReadFormat::Message, color);
    runtime()?.block_on(async {
        let logs = connect(&args.aws).await?;
        let mut pages = logs
            .client
            .describe_log_groups()
            .set_log_group_name_prefix(args.prefix.clone())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let resp = page
                .map_err(|e| sdk_error("DescribeLogGroups", Target::Groups, &logs.endpoint, e))?;
            for g in resp.log_groups() {
                let name = g.log_group_name().unwrap_or_default();
                match args.output {
                    Output::Text => printer.line(name)?,
                    Output::Json => printer.json(json!({
                        "name": name,
                        "arn": g.log_group_arn(),
                        "creationTime": g.creation_time(),
                        "retentionInDays": g.retention_in_days(),
                        "storedBytes": g.stored_bytes(),
                        "logGroupClass": g.log_group_class().map(|c| c.as_str()),
                        "kmsKeyId": g.kms_key_id(),
                    }))?,
                }
            }
        }
        printer.flush()?;
        Ok(ExitCode::Success)
    })
}

/// `watchtower streams`.
pub fn streams(args: StreamsArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let mut printer = Printer::new(ReadFormat::Message, color);
    runtime()?.block_on(async {
        let logs = connect(&args.aws).await?;
        let mut pages = logs
            .client
            .describe_log_streams()
            .log_group_name(&args.group)
            .set_log_stream_name_prefix(args.prefix.clone())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let resp = page.map_err(|e| {
                sdk_error(
                    "DescribeLogStreams",
                    Target::Group(&args.group),
                    &logs.endpoint,
                    e,
                )
            })?;
            for s in resp.log_streams() {
                let name = s.log_stream_name().unwrap_or_default();
                match args.output {
                    Output::Text => printer.line(name)?,
                    Output::Json => printer.json(json!({
                        "name": name,
                        "creationTime": s.creation_time(),
                        "firstEventTimestamp": s.first_event_timestamp(),
                        "lastEventTimestamp": s.last_event_timestamp(),
                        "lastIngestionTime": s.last_ingestion_time(),
                    }))?,
                }
            }
        }
        printer.flush()?;
        Ok(ExitCode::Success)
    })
}
