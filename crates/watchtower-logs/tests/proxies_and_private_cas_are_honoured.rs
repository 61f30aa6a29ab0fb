//! `HTTP_PROXY` / `HTTPS_PROXY` and a private CA (`AWS_CA_BUNDLE` or the `ca_bundle` option)
//! work as in every AWS SDK and CLI. The endpoint is named `moto.test`, a name only our
//! forward proxy can resolve: a client that ignored the proxy could not reach it at all. The
//! HTTPS endpoint is a TLS front whose certificate is signed by a CA of the test's own. (This
//! binary sets environment variables: its own process, one test.)

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use support::{core_config, Started as _};
use watchtower_logs::{AwsSettings, Record, WarningKind};
use watchtower_testkit::{shared_moto, ForwardProxy, TlsFront};

fn set_proxy_env(url: Option<&str>) {
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "NO_PROXY",
        "no_proxy",
    ] {
        std::env::remove_var(var);
    }
    if let Some(url) = url {
        std::env::set_var("HTTP_PROXY", url);
        std::env::set_var("HTTPS_PROXY", url);
    }
}

fn ship(endpoint: &str, group: &str, aws: Option<AwsSettings>) -> u64 {
    let (mut builder, _warnings) = core_config(endpoint, group);
    if let Some(aws) = aws {
        builder = builder.aws(aws);
    }
    let (logs, _guard) = builder.started();
    for i in 0..10 {
        logs.log(Record::new(format!("{group} {i}")));
    }
    logs.flush(Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("{group}: {e}"));
    logs.stats().delivered
}

fn aws(endpoint: &str) -> AwsSettings {
    AwsSettings::new()
        .endpoint_url(endpoint)
        .region("us-east-1")
        .credentials("testing", "testing-secret-key", None)
}

#[test]
fn proxies_and_private_cas_are_honoured() {
    let moto = shared_moto();
    let moto_addr: SocketAddr = format!("127.0.0.1:{}", moto.port()).parse().unwrap();
    let proxy = ForwardProxy::start(&[("moto.test", moto_addr)]);
    let front = TlsFront::start(moto_addr, &["moto.test"]);
    let http_endpoint = format!("http://moto.test:{}", moto.port());
    let https_endpoint = format!("https://moto.test:{}", front.port());

    // Plain HTTP, proxy from the environment: requests in absolute form.
    set_proxy_env(Some(&proxy.url()));
    assert_eq!(ship(&http_endpoint, "proxy-http", None), 10);
    assert_eq!(moto.all_events("proxy-http").len(), 10);
    assert!(!proxy.log().forwarded.is_empty(), "{:?}", proxy.log());

    // HTTPS through a CONNECT tunnel, the private CA given as an option.
    assert_eq!(
        ship(
            &https_endpoint,
            "proxy-https-option",
            Some(aws(&https_endpoint).ca_bundle(front.ca_file()))
        ),
        10
    );
    assert_eq!(moto.all_events("proxy-https-option").len(), 10);
    let tunnel = format!("moto.test:{}", front.port());
    assert!(proxy.log().tunnels.contains(&tunnel), "{:?}", proxy.log());

    // The same with AWS_CA_BUNDLE.
    std::env::set_var("AWS_CA_BUNDLE", front.ca_file());
    assert_eq!(ship(&https_endpoint, "proxy-https-env", None), 10);
    std::env::remove_var("AWS_CA_BUNDLE");

    // An explicit proxy option (with a password, never shown) instead of the environment.
    set_proxy_env(None);
    let user_proxy = proxy.url().replace("http://", "http://user:pw-secret@");
    assert_eq!(
        ship(
            &http_endpoint,
            "proxy-option",
            Some(aws(&http_endpoint).proxy(&user_proxy))
        ),
        10
    );

    // Without the CA, the TLS failure is reported at once, with its cause.
    set_proxy_env(Some(&proxy.url()));
    let (builder, warnings) = core_config(&https_endpoint, "proxy-untrusted");
    let (logs, _guard) = builder.started();
    logs.log(Record::new("never trusted"));
    let _ = logs.flush(Duration::ZERO);
    support::wait_for_warning(&warnings, WarningKind::Retrying);
    let text = warnings.messages().join("\n");
    assert!(
        text.to_lowercase().contains("certificate") || text.contains("UnknownIssuer"),
        "the TLS cause is named: {text}"
    );
    assert!(!text.contains("pw-secret"));
    let _ = logs.shutdown(Duration::from_millis(200));
    set_proxy_env(None);
}
