//! `tail --follow` with Live Tail, against the testkit's `LiveTailStub` (moto 5.2 answers
//! StartLiveTail with the stored events and closes the session at once, so it cannot serve
//! a session that stays open; the stub plays scripted event streams and forwards every
//! other call to moto): events in order, the filters passed as StartLiveTail expects them,
//! sessions that end are reported with their cause and reopened; where Live Tail cannot be
//! had (moto itself, a refusal, a session that cannot be reopened) it polls and says so.

mod common;

use std::process::{Child, Stdio};

use common::{run, wait_bounded, watchtower, Lines, TIMEOUT};
use watchtower_testkit::{
    shared_moto, Fault, FaultPlan, LiveEvent, LiveSession, LiveStep, LiveTailStub, Proxy,
};

fn ship(endpoint: &str, group: &str, stream: &str, input: &str) {
    let mut cmd = watchtower(endpoint);
    cmd.args(["ship", "-g", group, "-s", stream, "-q", "--no-passthrough"]);
    let done = run(&mut cmd, input.as_bytes());
    assert_eq!(done.code, Some(0), "ship failed: {}", done.stderr);
}

/// moto's ARN of a group (its default account).
fn arn(group: &str) -> String {
    format!("arn:aws:logs:us-east-1:123456789012:log-group:{group}")
}

fn live(group: &str, stream: &str, timestamp: i64, message: &str) -> LiveEvent {
    LiveEvent {
        group: arn(group),
        stream: stream.into(),
        timestamp,
        message: message.into(),
    }
}

fn update(events: Vec<LiveEvent>) -> LiveStep {
    LiveStep::Update {
        events,
        sampled: false,
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `watchtower tail ARGS --follow --format message` against `endpoint`, with its stdout and
/// stderr read line by line.
fn follow(endpoint: &str, args: &[&str]) -> (Child, Lines, Lines) {
    let mut tail = watchtower(endpoint)
        .arg("tail")
        .args(args)
        .args([
            "--follow",
            "--format",
            "message",
            "--poll-interval",
            "100ms",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = Lines::new(tail.stdout.take().unwrap());
    let err = Lines::new(tail.stderr.take().unwrap());
    (tail, out, err)
}

fn stop(mut tail: Child) {
    assert!(tail.try_wait().unwrap().is_none(), "--follow keeps running");
    tail.kill().unwrap();
    wait_bounded(&mut tail, TIMEOUT).expect("tail stops when killed");
}

#[test]
fn live_tail_prints_stored_then_live_events_in_order_with_the_filters_asked() {
    let moto = shared_moto();
    ship(&moto.endpoint(), "live-order", "s1", "ERROR stored\n");
    let stored = moto.events("live-order", "s1")[0].timestamp;
    let stub = LiveTailStub::start(&moto.endpoint());
    let t = now_ms();
    stub.push(LiveSession::Stream(vec![
        LiveStep::Start,
        // The session repeats an event the first read printed: printed once.
        update(vec![
            live("live-order", "s1", stored, "ERROR stored"),
            live("live-order", "s1", t, "ERROR live 1"),
        ]),
        update(vec![]),
        update(vec![
            live("live-order", "s1", t + 1, "ERROR live 2"),
            live("live-order", "s1", t + 2, "ERROR live 3"),
        ]),
        LiveStep::Update {
            events: vec![live("live-order", "s1", t + 3, "ERROR live 4")],
            sampled: true,
        },
    ]));
    let (tail, mut out, mut err) = follow(
        &stub.endpoint(),
        &[
            "live-order",
            "--filter-pattern",
            "ERROR",
            "--log-stream-names",
            "s1",
        ],
    );
    err.expect("the mode", |l| l == "watchtower: following with Live Tail");
    out.expect("the last live event", |l| l == "ERROR live 3");
    stop(tail);
    assert_eq!(
        out.seen,
        [
            "ERROR stored",
            "ERROR live 1",
            "ERROR live 2",
            "ERROR live 3"
        ],
        "stored events first, then live ones, each once and in order"
    );
    let requests = stub.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let r = &requests[0];
    assert_eq!(
        r["logGroupIdentifiers"],
        serde_json::json!([arn("live-order")])
    );
    assert_eq!(r["logStreamNames"], serde_json::json!(["s1"]));
    assert_eq!(r["logEventFilterPattern"], "ERROR");
    assert!(r.get("logStreamNamePrefixes").is_none(), "{r}");

    // A stream prefix goes as logStreamNamePrefixes.
    let (tail, _out, mut err) = follow(
        &stub.endpoint(),
        &["live-order", "--log-stream-name-prefix", "s"],
    );
    err.expect("the mode", |l| l == "watchtower: following with Live Tail");
    stop(tail);
    let r = &stub.requests()[1];
    assert_eq!(r["logStreamNamePrefixes"], serde_json::json!(["s"]));
    assert!(r.get("logStreamNames").is_none() && r.get("logEventFilterPattern").is_none());

    // With --until, following stops once it has passed, though the session is still open.
    let until = (now_ms() + 2_000).to_string();
    let (mut tail, _out, mut err) = follow(&stub.endpoint(), &["live-order", "--until", &until]);
    err.expect("the mode", |l| l == "watchtower: following with Live Tail");
    let status = wait_bounded(&mut tail, TIMEOUT).expect("tail stops after --until");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn an_ended_session_is_reported_with_its_cause_and_reopened() {
    let moto = shared_moto();
    moto.create_group("live-reopen");
    let stub = LiveTailStub::start(&moto.endpoint());
    let t = now_ms();
    let event = |i: i64| live("live-reopen", "s", t + i, &format!("event {i}"));
    stub.push(LiveSession::Stream(vec![
        LiveStep::Start,
        update(vec![event(1)]),
        LiveStep::Exception {
            kind: "SessionStreamingException".into(),
            message: "the stream broke".into(),
        },
    ]));
    stub.push(LiveSession::Stream(vec![
        LiveStep::Start,
        update(vec![event(2)]),
        LiveStep::Drop,
    ]));
    stub.push(LiveSession::Stream(vec![
        LiveStep::Start,
        update(vec![event(3)]),
        LiveStep::Exception {
            kind: "SessionTimeoutException".into(),
            message: "Session timed out".into(),
        },
    ]));
    stub.push(LiveSession::Stream(vec![
        LiveStep::Start,
        update(vec![event(4)]),
        LiveStep::Silence,
    ]));
    stub.push(LiveSession::Stream(vec![
        LiveStep::Start,
        update(vec![event(5)]),
    ]));
    // A session silent for --timeout is taken as dropped.
    let (tail, mut out, mut err) = follow(&stub.endpoint(), &["live-reopen", "--timeout", "3s"]);
    out.expect("the last session's event", |l| l == "event 5");
    assert_eq!(
        out.seen,
        ["event 1", "event 2", "event 3", "event 4", "event 5"]
    );
    assert_eq!(stub.requests().len(), 5);
    let mut ended = Vec::new();
    for _ in 0..4 {
        ended.push(err.expect("a session end", |l| l.contains("Live Tail session ended")));
    }
    err.expect("the last reconnection", |l| {
        l == "watchtower: following with Live Tail again"
    });
    assert!(
        ended[0].contains("SessionStreamingException: the stream broke; reconnecting"),
        "{}",
        ended[0]
    );
    assert!(
        ended[1].contains("the connection dropped ("),
        "{}",
        ended[1]
    );
    assert!(
        ended[2].contains("time limit (3 hours): Session timed out; reconnecting"),
        "{}",
        ended[2]
    );
    assert!(
        ended[3].contains("nothing received for 3s (the service sends an update every second)"),
        "{}",
        ended[3]
    );
    let again = err
        .seen
        .iter()
        .filter(|l| *l == "watchtower: following with Live Tail again")
        .count();
    assert_eq!(again, 4, "{:#?}", err.seen);
    stop(tail);
}

/// Ships `message` after `tail` announced polling and waits for it: polling works.
fn polls(moto_endpoint: &str, group: &str, out: &mut Lines, message: &str) {
    ship(moto_endpoint, group, "s", &format!("{message}\n"));
    out.expect("the event shipped while polling", |l| l == message);
}

#[test]
fn without_live_tail_it_polls_and_says_why() {
    let moto = shared_moto();
    ship(&moto.endpoint(), "live-fallback", "s", "stored\n");

    // moto closes the session at once.
    let (tail, mut out, mut err) = follow(&moto.endpoint(), &["live-fallback"]);
    err.expect("the fallback", |l| {
        l.contains("closed the Live Tail session at once")
            && l.ends_with("following by polling every 100ms from now on")
    });
    out.expect("the stored event", |l| l == "stored");
    polls(
        &moto.endpoint(),
        "live-fallback",
        &mut out,
        "after moto's session",
    );
    stop(tail);
    assert_eq!(out.seen, ["stored", "after moto's session"], "each once");

    // An endpoint without the operation.
    let stub = LiveTailStub::start(&moto.endpoint());
    stub.push(LiveSession::Refuse {
        status: 400,
        code: "UnknownOperationException".into(),
        message: "no such operation".into(),
    });
    let (tail, mut out, mut err) = follow(&stub.endpoint(), &["live-fallback"]);
    let line = err.expect("the fallback", |l| l.contains("Live Tail not available"));
    assert!(
        line.contains("UnknownOperationException: no such operation")
            && line.ends_with("following by polling every 100ms"),
        "{line}"
    );
    polls(
        &moto.endpoint(),
        "live-fallback",
        &mut out,
        "after a refusal",
    );
    stop(tail);

    // A session that ends and cannot be reopened (every attempt refused).
    let stub = LiveTailStub::start(&moto.endpoint());
    stub.push(LiveSession::Stream(vec![
        LiveStep::Start,
        LiveStep::Exception {
            kind: "SessionStreamingException".into(),
            message: "gone".into(),
        },
    ]));
    for _ in 0..4 {
        stub.push(LiveSession::Refuse {
            status: 400,
            code: "AccessDeniedException".into(),
            message: "not allowed".into(),
        });
    }
    let (tail, mut out, mut err) = follow(&stub.endpoint(), &["live-fallback"]);
    let line = err.expect("the fallback", |l| {
        l.contains("cannot open a new Live Tail session")
    });
    assert!(
        line.contains("AccessDeniedException: not allowed")
            && line.ends_with("following by polling every 100ms from now on"),
        "{line}"
    );
    assert!(
        err.seen
            .iter()
            .any(|l| l.contains("SessionStreamingException: gone")),
        "{:#?}",
        err.seen
    );
    polls(
        &moto.endpoint(),
        "live-fallback",
        &mut out,
        "after the last session",
    );
    stop(tail);
    assert_eq!(stub.requests().len(), 5);

    // Asked for, and where Live Tail cannot take the flags.
    moto.create_group("live-fallback-2");
    let stub = LiveTailStub::start(&moto.endpoint());
    let (tail, _out, mut err) = follow(&stub.endpoint(), &["live-fallback", "--no-live-tail"]);
    err.expect("the mode", |l| {
        l == "watchtower: following by polling every 100ms (--no-live-tail)"
    });
    stop(tail);
    let (tail, _out, mut err) = follow(
        &stub.endpoint(),
        &[
            "live-fallback",
            "live-fallback-2",
            "--log-stream-names",
            "s",
        ],
    );
    err.expect("the mode", |l| {
        l.contains("Live Tail takes streams of one log group only")
    });
    stop(tail);
    assert!(stub.requests().is_empty());
}

#[test]
fn a_throttled_first_read_under_live_tail_goes_on_by_polling() {
    let moto = shared_moto();
    ship(&moto.endpoint(), "live-throttled", "s", "stored\n");
    // stub → recording proxy → moto: the proxy throttles FilterLogEvents (all of the SDK's
    // attempts of the first read).
    let proxy = Proxy::start(&moto.endpoint());
    proxy.set_faults(FaultPlan::sequence([Fault::Throttle; 3]).only_ops(&["FilterLogEvents"]));
    let stub = LiveTailStub::start(&proxy.endpoint());
    let (tail, mut out, mut err) = follow(&stub.endpoint(), &["live-throttled"]);
    err.expect("the mode", |l| l == "watchtower: following with Live Tail");
    let line = err.expect("the fallback", |l| l.contains("throttled"));
    assert!(
        line.ends_with("following by polling every 100ms from now on"),
        "{line}"
    );
    out.expect("the stored event, read by polling", |l| l == "stored");
    stop(tail);
}
