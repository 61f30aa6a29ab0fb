//! `get` and `tail` as users of `aws logs tail`, cw and saw type them: several groups as
//! arguments, interleaved by time; aws's flag names; times like `-10m`, `2h ago`, epoch
//! milliseconds; `--grep`/`--grepv`; JSON lines naming group and stream; exit 7 with
//! `--fail-if-empty` when nothing matched.

mod common;

use common::{run, watchtower};
use serde_json::Value;
use watchtower_testkit::shared_moto;

fn ship(endpoint: &str, group: &str, stream: &str, input: &str) {
    let done = run(
        watchtower(endpoint).args(["ship", "-g", group, "-s", stream, "-q", "--no-passthrough"]),
        input.as_bytes(),
    );
    assert_eq!(done.code, Some(0), "ship failed: {}", done.stderr);
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn several_groups_are_interleaved_by_time_with_group_and_stream_in_json() {
    let moto = shared_moto();
    let e = moto.endpoint();
    // One process after the other: each event later than the one before.
    ship(&e, "multi-a", "web/1", "a1\n");
    ship(&e, "multi-b", "job/1", "b1\n");
    ship(&e, "multi-a", "web/2", "a2\n");
    ship(&e, "multi-b", "job/1", "b2\n");

    for cmd in ["get", "tail"] {
        let done = run(
            watchtower(&e).args([
                cmd, "multi-a", "multi-b", "--since", "-10m", "--format", "json",
            ]),
            b"",
        );
        assert_eq!(done.code, Some(0), "{cmd}: {}", done.stderr);
        let got: Vec<(String, String, String)> = json_lines(&done.stdout)
            .iter()
            .map(|v| {
                assert!(v["timestamp"].is_i64() && v["time"].is_string(), "{v}");
                (
                    v["group"].as_str().unwrap().to_owned(),
                    v["stream"].as_str().unwrap().to_owned(),
                    v["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let want = [
            ("multi-a", "web/1", "a1"),
            ("multi-b", "job/1", "b1"),
            ("multi-a", "web/2", "a2"),
            ("multi-b", "job/1", "b2"),
        ]
        .map(|(g, s, m)| (g.to_owned(), s.to_owned(), m.to_owned()));
        assert_eq!(got, want, "{cmd}");
    }

    // detailed names the group when there are several.
    let done = run(
        watchtower(&e).args(["tail", "multi-a", "-g", "multi-b", "--format", "detailed"]),
        b"",
    );
    let first = done.stdout.lines().next().unwrap_or_default();
    assert!(first.ends_with(" multi-a web/1 a1"), "{first:?}");
}

#[test]
fn aws_flag_names_and_times_as_typed() {
    let moto = shared_moto();
    let e = moto.endpoint();
    ship(&e, "aliases", "web/1", "GET /ok\nERROR boom\n");
    ship(&e, "aliases", "worker/1", "ERROR elsewhere\n");
    let messages = |args: &[&str]| -> Vec<String> {
        let done = run(watchtower(&e).args(args), b"");
        assert_eq!(done.code, Some(0), "{args:?}: {}", done.stderr);
        done.stdout.lines().map(String::from).collect()
    };
    let now_ms = chrono::Utc::now().timestamp_millis();
    let an_hour_ago_ms = (now_ms - 3_600_000).to_string();
    let in_a_minute = chrono::DateTime::from_timestamp_millis(now_ms + 60_000)
        .unwrap()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    assert_eq!(
        messages(&[
            "get",
            "aliases",
            "--filter-pattern",
            "ERROR",
            "--log-stream-name-prefix",
            "web/",
            "--since",
            &an_hour_ago_ms,
            "--until",
            &in_a_minute,
        ]),
        ["ERROR boom"]
    );
    assert_eq!(
        messages(&[
            "tail",
            "aliases",
            "--log-stream-names",
            "worker/1",
            "--since",
            "2h ago",
            "--format",
            "message",
        ]),
        ["ERROR elsewhere"]
    );
    // Nothing in a window that ended an hour ago.
    assert!(messages(&["get", "aliases", "--since", "3h", "--until", "1h ago"]).is_empty());
}

#[test]
fn grep_grepv_and_fail_if_empty() {
    let moto = shared_moto();
    let e = moto.endpoint();
    ship(
        &e,
        "grepping",
        "s",
        "GET /health 200\nGET /api 500 timeout\nPOST /api 201\nGET /health 503\n",
    );
    let done = run(
        watchtower(&e).args([
            "get",
            "grepping",
            "--grep",
            r"\b5\d\d\b",
            "--grepv",
            "health",
        ]),
        b"",
    );
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(done.stdout, "GET /api 500 timeout\n");
    // Context around a match, as grep's -B/-A/-C.
    let done = run(
        watchtower(&e).args(["get", "grepping", "--grep", "timeout", "-B", "1", "-A", "1"]),
        b"",
    );
    assert_eq!(
        done.stdout, "GET /health 200\nGET /api 500 timeout\nPOST /api 201\n",
        "{}",
        done.stderr
    );
    let done = run(
        watchtower(&e).args([
            "tail", "grepping", "--grep", "503", "-C", "1", "--format", "message",
        ]),
        b"",
    );
    assert_eq!(
        done.stdout, "POST /api 201\nGET /health 503\n",
        "{}",
        done.stderr
    );

    let done = run(
        watchtower(&e).args([
            "get",
            "grepping",
            "--grep",
            "nothing like this",
            "--fail-if-empty",
        ]),
        b"",
    );
    assert_eq!(
        (done.code, done.stdout.as_str()),
        (Some(7), ""),
        "{}",
        done.stderr
    );
    let done = run(
        watchtower(&e).args(["get", "grepping", "--grep", "nothing like this"]),
        b"",
    );
    assert_eq!(done.code, Some(0), "exit 7 is opt-in");
}

#[test]
fn jmespath_selects_fields_of_json_messages() {
    let moto = shared_moto();
    let e = moto.endpoint();
    ship(
        &e,
        "structured",
        "s",
        concat!(
            r#"{"level":"ERROR","msg":"boom","req":{"id":7}}"#,
            "\n",
            r#"{"level":"INFO","msg":"fine"}"#,
            "\nnot json at all\n"
        ),
    );
    let out = |args: &[&str]| -> String {
        let done = run(watchtower(&e).args(["get", "structured"]).args(args), b"");
        assert_eq!(done.code, Some(0), "{args:?}: {}", done.stderr);
        done.stdout
    };
    assert_eq!(out(&["--jmespath", "msg"]), "boom\nfine\n");
    assert_eq!(
        out(&["--jmespath", "[level, msg]"]),
        "[\"ERROR\",\"boom\"]\n[\"INFO\",\"fine\"]\n"
    );
    assert_eq!(
        out(&["--jmespath", "req", "--pretty"]),
        "{\n  \"id\": 7\n}\n"
    );
    let done = run(
        watchtower(&e).args(["get", "structured", "--jmespath", "[unclosed"]),
        b"",
    );
    assert_eq!(done.code, Some(2), "{}", done.stderr);
}

#[test]
fn log_stream_names_takes_several_values_after_one_flag_as_aws_does() {
    let moto = shared_moto();
    let e = moto.endpoint();
    for s in ["a", "b", "c"] {
        ship(&e, "stream-names", s, &format!("from {s}\n"));
    }
    let messages = |args: &[&str]| -> Vec<String> {
        let done = run(watchtower(&e).args(args), b"");
        assert_eq!(done.code, Some(0), "{args:?}: {}", done.stderr);
        let mut got: Vec<String> = done.stdout.lines().map(String::from).collect();
        got.sort();
        got
    };
    let a_and_c = ["from a", "from c"];
    // Several values after one flag; the group before it or as -g after the values.
    assert_eq!(
        messages(&["get", "stream-names", "--log-stream-names", "a", "c"]),
        a_and_c
    );
    assert_eq!(
        messages(&[
            "tail",
            "--log-stream-names",
            "a",
            "c",
            "-g",
            "stream-names",
            "--format",
            "message"
        ]),
        a_and_c
    );
    // The flag repeated, and mixed with -s.
    assert_eq!(
        messages(&[
            "get",
            "stream-names",
            "--log-stream-names",
            "a",
            "--log-stream-names",
            "c"
        ]),
        a_and_c
    );
    assert_eq!(
        messages(&[
            "get",
            "stream-names",
            "--log-stream-names",
            "a",
            "b",
            "-s",
            "c"
        ]),
        ["from a", "from b", "from c"]
    );
    // Not with a prefix, as aws.
    let done = run(
        watchtower(&e).args([
            "get",
            "stream-names",
            "--log-stream-names",
            "a",
            "--log-stream-name-prefix",
            "a",
        ]),
        b"",
    );
    assert_eq!(done.code, Some(2), "{}", done.stderr);
}
