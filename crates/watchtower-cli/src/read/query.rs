//! `query`: CloudWatch Logs Insights. StartQuery, then GetQueryResults every
//! `--poll-interval` until the query is done (progress on a terminal), then the rows as an
//! aligned table or JSON lines.

use aws_sdk_cloudwatchlogs::types::{QueryStatus, ResultField};
use chrono::{Local, NaiveDateTime, TimeZone};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Map, Value};

use super::event::Printer;
use super::runtime;
use crate::aws::{connect, sdk_error, Target};
use crate::cli::{ColorChoice, QueryArgs, QueryFormat, ReadFormat};
use crate::exit_codes::{CliError, ExitCode};
use crate::parse::now_millis;

/// The field Logs Insights adds to every row to point at the event; not printed.
const POINTER: &str = "@ptr";

/// `watchtower query`.
pub fn query(args: QueryArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let mut groups: Vec<String> = Vec::new();
    for g in args.groups.iter().chain(&args.group_flags) {
        if !groups.contains(g) {
            groups.push(g.clone());
        }
    }
    if groups.is_empty() {
        return Err(CliError::new(
            ExitCode::Usage,
            "name a log group to query: `watchtower query GROUP... -e QUERY` or --group",
        )
        .into());
    }
    let now = now_millis();
    let start = args.since.resolve(now).div_euclid(1000);
    // Whole seconds, rounded outwards so that no event of the range is left out.
    let end = (args.until.map_or(now, |t| t.resolve(now)) + 999).div_euclid(1000);
    let target = match groups.as_slice() {
        [one] => Target::Group(one),
        _ => Target::Groups,
    };
    let rows = runtime()?.block_on(async {
        let logs = connect(&args.aws).await?;
        let started = logs
            .client
            .start_query()
            .set_log_group_names(Some(groups.clone()))
            .start_time(start)
            .end_time(end)
            .query_string(&args.query)
            .set_limit(args.limit)
            .send()
            .await
            .map_err(|e| sdk_error("StartQuery", target, &logs.endpoint, e))?;
        let id = started.query_id().unwrap_or_default().to_owned();
        let progress = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
            .with_style(
                ProgressStyle::with_template("{spinner} query {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
        loop {
            let out = logs
                .client
                .get_query_results()
                .query_id(&id)
                .send()
                .await
                .map_err(|e| sdk_error("GetQueryResults", target, &logs.endpoint, e))?;
            let status = out
                .status()
                .cloned()
                .unwrap_or(QueryStatus::from("Unknown"));
            if let Some(s) = out.statistics() {
                progress.set_message(format!(
                    "{}: {} records matched, {} scanned",
                    status.as_str(),
                    s.records_matched(),
                    s.records_scanned()
                ));
            }
            progress.tick();
            match status {
                QueryStatus::Complete => {
                    progress.finish_and_clear();
                    return Ok::<_, anyhow::Error>(out.results().to_vec());
                }
                QueryStatus::Scheduled | QueryStatus::Running => {}
                other => {
                    progress.finish_and_clear();
                    return Err(CliError::new(
                        ExitCode::Failure,
                        format!(
                            "the query ended {} (query id {id}); check its syntax and time range",
                            other.as_str()
                        ),
                    )
                    .into());
                }
            }
            tokio::time::sleep(args.poll_interval).await;
        }
    })?;
    let mut printer = Printer::new(ReadFormat::Message, color);
    match args.format {
        QueryFormat::Json => {
            for row in &rows {
                let object: Map<String, Value> = row
                    .iter()
                    .filter(|f| f.field() != Some(POINTER))
                    .map(|f| {
                        (
                            f.field().unwrap_or_default().to_owned(),
                            Value::from(f.value().unwrap_or_default()),
                        )
                    })
                    .collect();
                printer.json(Value::Object(object))?;
            }
        }
        QueryFormat::Table => {
            for line in table(&rows, args.local) {
                printer.line(line.trim_end())?;
            }
        }
    }
    printer.flush()?;
    Ok(if args.fail_if_empty && rows.is_empty() {
        ExitCode::NothingMatched
    } else {
        ExitCode::Success
    })
}

/// A header and one line per row, columns in the order the fields first appear.
fn table(rows: &[Vec<ResultField>], local: bool) -> Vec<String> {
    let mut columns: Vec<&str> = Vec::new();
    for f in rows.iter().flatten() {
        let name = f.field().unwrap_or_default();
        if name != POINTER && !columns.contains(&name) {
            columns.push(name);
        }
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| {
                    let v = row
                        .iter()
                        .find(|f| f.field() == Some(c))
                        .and_then(ResultField::value)
                        .unwrap_or("");
                    cell(c, v, local)
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([c.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>| -> String {
        values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = vec![line(columns.clone())];
    out.extend(
        cells
            .iter()
            .map(|r| line(r.iter().map(String::as_str).collect())),
    );
    out
}

/// A value on one line; `@timestamp` (UTC `2026-01-05 10:00:00.000`) in local time if asked.
fn cell(field: &str, value: &str, local: bool) -> String {
    if local && field == "@timestamp" {
        if let Ok(t) = NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S%.f") {
            let l = Local.from_utc_datetime(&t);
            return l.format("%Y-%m-%d %H:%M:%S%.3f%:z").to_string();
        }
    }
    value.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(k: &str, v: &str) -> ResultField {
        ResultField::builder().field(k).value(v).build()
    }

    #[test]
    fn tables_align_columns_and_drop_the_pointer() {
        let rows = vec![
            vec![
                field("@timestamp", "t1"),
                field("@message", "a\nb"),
                field("@ptr", "x"),
            ],
            vec![field("@timestamp", "time2"), field("@message", "c")],
        ];
        assert_eq!(
            table(&rows, false),
            [
                "@timestamp  @message",
                "t1          a b     ",
                "time2       c       "
            ]
        );
    }
}
