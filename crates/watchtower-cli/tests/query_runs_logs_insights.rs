//! `watchtower query`: Logs Insights over log groups, rows as a table or JSON lines. Against
//! moto (its queries complete at once, with fields, sort and limit), and against a stub
//! server of our own for a query that runs for a while and for one that fails, which moto
//! cannot serve.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{assert_one_error_line, run, watchtower};
use serde_json::Value;
use watchtower_testkit::shared_moto;

#[test]
fn a_query_over_two_groups_prints_rows_as_json_or_a_table() {
    let moto = shared_moto();
    let e = moto.endpoint();
    for (group, line) in [("insights-a", "alpha"), ("insights-b", "beta")] {
        let done = run(
            watchtower(&e).args(["ship", "-g", group, "-s", "s", "-q", "--no-passthrough"]),
            format!("{line}\n").as_bytes(),
        );
        assert_eq!(done.code, Some(0), "{}", done.stderr);
    }
    let q = "fields @timestamp, @message | sort @timestamp asc";
    let done = run(
        watchtower(&e).args([
            "query",
            "insights-a",
            "insights-b",
            "-e",
            q,
            "--since",
            "1h",
            "--format",
            "json",
        ]),
        b"",
    );
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let rows: Vec<Value> = done
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let messages: Vec<&str> = rows
        .iter()
        .map(|r| r["@message"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["alpha", "beta"]);
    assert!(rows
        .iter()
        .all(|r| r.get("@ptr").is_none() && r["@timestamp"].is_string()));

    let done = run(
        watchtower(&e).args(["query", "insights-a", "-e", q, "--since", "1h"]),
        b"",
    );
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let lines: Vec<&str> = done.stdout.lines().collect();
    assert!(
        lines[0].starts_with("@timestamp") && lines[0].ends_with("@message"),
        "{lines:?}"
    );
    assert!(
        lines.len() == 2 && lines[1].ends_with("  alpha"),
        "{lines:?}"
    );

    // Nothing in the range: no rows, exit 7 only when asked.
    let empty = [
        "query",
        "insights-a",
        "-e",
        q,
        "--since",
        "3h",
        "--until",
        "2h ago",
    ];
    assert_eq!(run(watchtower(&e).args(empty), b"").code, Some(0));
    let done = run(watchtower(&e).args(empty).arg("--fail-if-empty"), b"");
    assert_eq!(done.code, Some(7), "{}", done.stderr);
}

/// A CloudWatch Logs stub: StartQuery answers a query id; GetQueryResults answers `Running`
/// `running` times, then `final_status` with one row.
fn stub(running: usize, final_status: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let polls = Arc::new(AtomicUsize::new(0));
    let counted = polls.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { break };
            let counted = counted.clone();
            std::thread::spawn(move || loop {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let (mut target, mut length) = (String::new(), 0usize);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("x-amz-target:") {
                        target = v.trim().to_owned();
                    } else if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    } else if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0u8; length];
                reader.read_exact(&mut body).unwrap();
                let answer = if target.ends_with("startquery") {
                    r#"{"queryId":"q-1"}"#.to_owned()
                } else {
                    let n = counted.fetch_add(1, Ordering::SeqCst);
                    let status = if n < running { "Running" } else { final_status };
                    format!(
                        r#"{{"status":"{status}","statistics":{{"recordsMatched":{n}.0,"recordsScanned":10.0,"bytesScanned":100.0}},"results":[[{{"field":"@message","value":"row"}}]]}}"#
                    )
                };
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\n\r\n{answer}",
                    answer.len()
                );
                if conn.write_all(response.as_bytes()).is_err() {
                    return;
                }
            });
        }
    });
    (endpoint, polls)
}

#[test]
fn a_running_query_is_polled_until_it_completes_and_a_failed_one_says_so() {
    let (endpoint, polls) = stub(3, "Complete");
    let done = run(
        watchtower(&endpoint).args([
            "query",
            "g",
            "-e",
            "stats count(*)",
            "--poll-interval",
            "10ms",
            "--format",
            "json",
        ]),
        b"",
    );
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(done.stdout, "{\"@message\":\"row\"}\n");
    assert_eq!(
        polls.load(Ordering::SeqCst),
        4,
        "three times Running, then Complete"
    );

    let (endpoint, _) = stub(1, "Failed");
    let done = run(
        watchtower(&endpoint).args(["query", "g", "-e", "bad", "--poll-interval", "10ms"]),
        b"",
    );
    assert_one_error_line(&done, 1, &["the query ended Failed", "q-1"]);
}
