//! The recording, rule-checking, fault-injecting proxy, driven with the real SDK client.
#![allow(clippy::result_large_err)] // SdkError is large; fine in tests

use std::io::{Read, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::operation::put_log_events::{PutLogEventsError, PutLogEventsOutput};
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_cloudwatchlogs::Client;
use watchtower_testkit::limits::{EVENT_OVERHEAD, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_SPAN_MS};
use watchtower_testkit::{
    client_no_retries, shared_moto, wait_until, Event, Fault, FaultPlan, Outcome, Proxy, Rule,
};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn put(
    c: &Client,
    group: &str,
    stream: &str,
    events: &[Event],
) -> Result<PutLogEventsOutput, SdkError<PutLogEventsError>> {
    let mut req = c
        .put_log_events()
        .log_group_name(group)
        .log_stream_name(stream);
    for e in events {
        req = req.log_events(
            InputLogEvent::builder()
                .timestamp(e.timestamp)
                .message(&e.message)
                .build()
                .unwrap(),
        );
    }
    rt().block_on(req.send())
}

fn batch(t: i64, n: usize) -> Vec<Event> {
    (0..n)
        .map(|i| Event::new(t + i as i64, format!("event {i}")))
        .collect()
}

#[test]
fn forwards_and_records() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let c = client_no_retries(&proxy.endpoint());
    let t = now_ms();
    rt().block_on(async {
        c.create_log_group()
            .log_group_name("app")
            .send()
            .await
            .unwrap();
        c.create_log_stream()
            .log_group_name("app")
            .log_stream_name("web-1")
            .send()
            .await
            .unwrap();
        // moto's error answers pass through verbatim.
        let e = c
            .create_log_group()
            .log_group_name("app")
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("ResourceAlreadyExistsException"));
    });
    put(&c, "app", "web-1", &batch(t, 3)).unwrap();

    assert_eq!(moto.events("app", "web-1"), batch(t, 3));
    let reqs = proxy.requests();
    let ops: Vec<&str> = reqs.iter().map(|r| r.op.as_str()).collect();
    assert_eq!(
        ops,
        [
            "CreateLogGroup",
            "CreateLogStream",
            "CreateLogGroup",
            "PutLogEvents"
        ]
    );
    assert_eq!(reqs[0].outcome, Outcome::Forwarded { status: 200 });
    assert_eq!(reqs[2].outcome, Outcome::Forwarded { status: 400 });
    let p = &proxy.put_requests()[0];
    assert_eq!(p.group.as_deref(), Some("app"));
    assert_eq!(p.stream.as_deref(), Some("web-1"));
    assert_eq!(p.events, batch(t, 3));
    assert_eq!(p.outcome, Outcome::Forwarded { status: 200 });
    assert_eq!(proxy.count("PutLogEvents"), 1);
    assert_eq!(proxy.count("CreateLogGroup"), 2);
    assert_eq!(proxy.fault_counts().total(), 0);
    proxy.assert_no_violations();
    assert_eq!(proxy.rule_violation_count(), 0);

    proxy.clear();
    assert!(proxy.requests().is_empty());
    put(&c, "app", "web-1", &batch(t + 10, 1)).unwrap();
    assert_eq!(proxy.requests()[0].seq, 4);
}

#[test]
fn each_rule_is_flagged() {
    let moto = shared_moto();
    moto.create_group("g");
    moto.create_stream("g", "s");
    let proxy = Proxy::start(&moto.endpoint());
    let c = client_no_retries(&proxy.endpoint());
    let t = now_ms();
    let big = |n: usize| "x".repeat(n);
    let cases: Vec<(Rule, Vec<Event>)> = vec![
        (Rule::EventCount, vec![]),
        (Rule::EventCount, batch(t, MAX_BATCH_EVENTS + 1)),
        (
            Rule::BatchBytes,
            vec![Event::new(t, big(600_000)), Event::new(t, big(600_000))],
        ),
        (
            Rule::EventSize,
            vec![Event::new(t, big(MAX_BATCH_BYTES - EVENT_OVERHEAD + 1))],
        ),
        (
            Rule::EmptyMessage,
            vec![Event::new(t, "a"), Event::new(t, "")],
        ),
        (Rule::NegativeTimestamp, vec![Event::new(-5, "a")]),
        (
            Rule::ChronologicalOrder,
            vec![Event::new(t, "b"), Event::new(t - 1, "a")],
        ),
        (
            Rule::Span,
            vec![Event::new(t - MAX_SPAN_MS, "a"), Event::new(t, "b")],
        ),
    ];
    for (rule, events) in cases {
        proxy.clear();
        let _ = put(&c, "g", "s", &events);
        let v = proxy.violation_records();
        assert!(
            v.iter().any(|v| v.rule == rule),
            "{rule} not flagged, got {:?}",
            proxy.violations()
        );
        assert!(proxy.violations().iter().any(|s| s.starts_with(rule.tag())));
    }
    // Valid limits are not flagged.
    proxy.clear();
    put(&c, "g", "s", &batch(t, MAX_BATCH_EVENTS)).unwrap();
    put(
        &c,
        "g",
        "s",
        &[Event::new(t, big(MAX_BATCH_BYTES - EVENT_OVERHEAD))],
    )
    .unwrap();
    proxy.assert_no_violations();

    // Names, on PutLogEvents and on the create calls.
    proxy.clear();
    let _ = put(&c, "aws/reserved", "a:b", &batch(t, 1));
    rt().block_on(async {
        let _ = c.create_log_group().log_group_name("bad name").send().await;
        let _ = c
            .create_log_stream()
            .log_group_name("g")
            .log_stream_name("x*y")
            .send()
            .await;
    });
    let rules: Vec<(usize, Rule)> = proxy
        .violation_records()
        .iter()
        .map(|v| (v.request - proxy.requests()[0].seq, v.rule))
        .collect();
    assert_eq!(
        rules,
        vec![
            (0, Rule::GroupName),
            (0, Rule::StreamName),
            (1, Rule::GroupName),
            (2, Rule::StreamName)
        ]
    );
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        proxy.assert_no_violations()
    }));
    assert!(r.is_err());
}

#[test]
fn throttle_and_unavailable_reach_the_sdk() {
    let moto = shared_moto();
    moto.create_group("g");
    moto.create_stream("g", "s");
    let proxy = Proxy::start(&moto.endpoint());
    let c = client_no_retries(&proxy.endpoint());
    let t = now_ms();
    proxy.set_faults(FaultPlan::sequence([Fault::Throttle, Fault::Unavailable]));
    let e = put(&c, "g", "s", &batch(t, 1)).unwrap_err();
    assert_eq!(e.code(), Some("ThrottlingException"), "{e:?}");
    assert_eq!(e.message(), Some("Rate exceeded"));
    let e = put(&c, "g", "s", &batch(t, 1)).unwrap_err();
    assert_eq!(e.code(), Some("ServiceUnavailableException"), "{e:?}");
    assert!(matches!(
        e.into_service_error(),
        PutLogEventsError::ServiceUnavailableException(_)
    ));
    put(&c, "g", "s", &batch(t, 1)).unwrap(); // the sequence is used up
    let outcomes: Vec<Outcome> = proxy.requests().into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Throttled,
            Outcome::Unavailable,
            Outcome::Forwarded { status: 200 }
        ]
    );
    let fc = proxy.fault_counts();
    assert_eq!((fc.throttled, fc.unavailable, fc.total()), (1, 1, 2));
    assert_eq!(moto.events("g", "s").len(), 1);

    // Probabilities and the ops filter: only PutLogEvents is affected.
    proxy.set_faults(
        FaultPlan {
            throttle: 1.0,
            ..FaultPlan::default()
        }
        .only_ops(&["PutLogEvents"]),
    );
    moto.create_stream("g", "s2");
    rt().block_on(async {
        c.create_log_stream()
            .log_group_name("g")
            .log_stream_name("s3")
            .send()
            .await
            .unwrap();
    });
    let e = put(&c, "g", "s", &batch(t, 1)).unwrap_err();
    assert_eq!(e.code(), Some("ThrottlingException"));
}

#[test]
fn seeded_faults_are_reproducible() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let c = client_no_retries(&proxy.endpoint());
    let plan = FaultPlan {
        throttle: 0.3,
        unavailable: 0.3,
        seed: 42,
        ..FaultPlan::default()
    };
    let run = || {
        proxy.set_faults(plan.clone());
        proxy.clear();
        rt().block_on(async {
            for _ in 0..30 {
                let _ = c.describe_log_groups().send().await;
            }
        });
        proxy
            .requests()
            .into_iter()
            .map(|r| r.outcome)
            .collect::<Vec<_>>()
    };
    let a = run();
    let b = run();
    assert_eq!(a, b);
    let fc = proxy.fault_counts();
    assert!(
        fc.throttled > 0 && fc.unavailable > 0 && fc.total() < 30,
        "{fc:?}"
    );
}

#[test]
fn drops_are_connection_errors() {
    let moto = shared_moto();
    moto.create_group("g");
    moto.create_stream("g", "s");
    let proxy = Proxy::start(&moto.endpoint());
    let c = client_no_retries(&proxy.endpoint());
    let t = now_ms();

    proxy.set_faults(FaultPlan::sequence([Fault::DropBefore]));
    let e = put(&c, "g", "s", &batch(t, 2)).unwrap_err();
    // Seen as DispatchFailure { ConnectorError { kind: Other(Some(TransientError)), source:
    // hyper IncompleteMessage } }: retryable, but not `is_io()`.
    match &e {
        SdkError::DispatchFailure(d) => assert!(d.is_io() || d.is_other(), "{e:?}"),
        _ => panic!("expected a dispatch failure, got {e:?}"),
    }
    assert!(moto.events("g", "s").is_empty());

    proxy.set_faults(FaultPlan::sequence([Fault::DropAfter]));
    let e = put(&c, "g", "s", &batch(t + 10, 2)).unwrap_err();
    assert!(matches!(e, SdkError::DispatchFailure(_)), "{e:?}");
    // The request was applied upstream all the same.
    assert_eq!(moto.events("g", "s"), batch(t + 10, 2));

    let puts = proxy.put_requests();
    assert_eq!(puts[0].outcome, Outcome::DroppedBeforeForward);
    assert_eq!(
        puts[1].outcome,
        Outcome::DroppedAfterForward { status: 200 }
    );
    assert!(puts[1].outcome.applied_upstream() && !puts[0].outcome.applied_upstream());
    let fc = proxy.fault_counts();
    assert_eq!((fc.dropped_before, fc.dropped_after), (1, 1));

    // The client recovers on a new connection.
    put(&c, "g", "s", &batch(t + 20, 1)).unwrap();
}

/// A dropped request gets no HTTP response at all: the socket is just closed.
#[test]
fn drop_closes_the_raw_socket() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    for fault in [Fault::DropBefore, Fault::DropAfter] {
        proxy.set_faults(FaultPlan::sequence([fault]));
        let mut s = std::net::TcpStream::connect(("127.0.0.1", proxy.port())).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let body = r#"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1,"message":"m"}]}"#;
        write!(
            s,
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: Logs_20140328.PutLogEvents\r\n\
             Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut got = Vec::new();
        match s.read_to_end(&mut got) {
            Ok(_) => assert!(
                got.is_empty(),
                "{fault:?}: got {:?}",
                String::from_utf8_lossy(&got)
            ),
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{fault:?}"),
        }
    }
}

#[test]
fn hold_and_release() {
    let moto = shared_moto();
    moto.create_group("g");
    moto.create_stream("g", "s");
    let proxy = Proxy::start(&moto.endpoint());
    let endpoint = proxy.endpoint();
    let t = now_ms();
    proxy.hold();
    assert!(proxy.is_held());
    let sender = std::thread::spawn(move || {
        let c = client_no_retries(&endpoint);
        put(&c, "g", "s", &batch(t, 2)).map(|_| ())
    });
    assert!(wait_until(Duration::from_secs(10), || proxy.held_now() == 1));
    std::thread::sleep(Duration::from_millis(100));
    assert!(moto.events("g", "s").is_empty());
    assert_eq!(proxy.put_requests()[0].outcome, Outcome::Held);
    proxy.release();
    sender.join().unwrap().unwrap();
    assert_eq!(moto.events("g", "s"), batch(t, 2));
    let r = &proxy.put_requests()[0];
    assert!(r.held);
    assert_eq!(r.outcome, Outcome::Forwarded { status: 200 });
    assert_eq!(proxy.fault_counts().held, 1);
}

#[test]
fn latency_is_injected() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let c = client_no_retries(&proxy.endpoint());
    proxy.set_faults(FaultPlan {
        latency: Some((Duration::from_millis(150), Duration::from_millis(200))),
        ..FaultPlan::default()
    });
    let start = Instant::now();
    rt().block_on(async { c.describe_log_groups().send().await.unwrap() });
    assert!(start.elapsed() >= Duration::from_millis(150));
    let lat = proxy.requests()[0].latency.unwrap();
    assert!(lat >= Duration::from_millis(150) && lat <= Duration::from_millis(200));
    assert_eq!(proxy.fault_counts().delayed, 1);
}

#[test]
fn drop_shuts_the_proxy_down() {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let port = proxy.port();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    drop(proxy);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
