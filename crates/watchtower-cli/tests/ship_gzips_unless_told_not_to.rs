//! `watchtower ship` sends PutLogEvents bodies gzipped (`Content-Encoding: gzip`), and plain
//! with `--no-compress` (or `WATCHTOWER_NO_COMPRESS`); either way moto gets every line.

mod common;

use common::{run, watchtower};
use watchtower_testkit::{shared_moto, Proxy};

/// Ships 2,000 JSON lines through a proxy; returns (encodings of the PutLogEvents requests,
/// bytes on the wire, bytes decoded).
fn ship(group: &str, extra: &[&str]) -> (Vec<Option<String>>, usize, usize) {
    let moto = shared_moto();
    let proxy = Proxy::start(&moto.endpoint());
    let input: String = (0..2000)
        .map(|i| format!("{{\"level\":\"INFO\",\"msg\":\"request handled\",\"id\":{i}}}\n"))
        .collect();
    let mut cmd = watchtower(&proxy.endpoint());
    cmd.args(["ship", "-g", group, "-s", "s", "--no-passthrough"])
        .args(extra);
    let done = run(&mut cmd, input.as_bytes());
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(moto.events(group, "s").len(), 2000);
    proxy.assert_no_violations();
    let puts = proxy.put_requests();
    assert!(!puts.is_empty());
    (
        puts.iter().map(|r| r.content_encoding.clone()).collect(),
        puts.iter().map(|r| r.wire_bytes).sum(),
        puts.iter().map(|r| r.body.len()).sum(),
    )
}

#[test]
fn bodies_are_gzipped_by_default() {
    let (encodings, wire, decoded) = ship("cli-gzip", &[]);
    assert!(
        encodings.iter().all(|e| e.as_deref() == Some("gzip")),
        "{encodings:?}"
    );
    assert!(wire * 4 <= decoded, "{wire} on the wire for {decoded}");
}

#[test]
fn no_compress_sends_them_plain() {
    let (encodings, wire, decoded) = ship("cli-plain", &["--no-compress"]);
    assert!(encodings.iter().all(Option::is_none), "{encodings:?}");
    assert_eq!(wire, decoded);
}
