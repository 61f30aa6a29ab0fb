//! Unit tests of `aws.rs`.
use super::*;

#[test]
fn endpoint_urls_need_a_scheme_and_a_host() {
    assert!(check_url("http://127.0.0.1:5123").is_ok());
    assert!(check_url("https://logs.eu-west-1.amazonaws.com").is_ok());
    for bad in [
        "127.0.0.1:5123",
        "not a url",
        "",
        "ftp://host",
        "http://",
        "localhost",
    ] {
        assert!(check_url(bad).is_err(), "{bad:?} must be refused");
    }
    let e = check_url("127.0.0.1:5123").unwrap_err();
    assert!(e.contains("no scheme") || e.contains("scheme"), "{e}");
}

#[test]
fn passwords_in_urls_are_never_shown() {
    assert_eq!(
        redact_url("http://user:s3cret@proxy:3128/x"),
        "http://***@proxy:3128/x"
    );
    assert_eq!(redact_url("http://proxy:3128"), "http://proxy:3128");
    assert_eq!(redact_url("user:s3cret@proxy:3128"), "***@proxy:3128");
    let e = check_url("ftp://user:s3cret@host").unwrap_err();
    assert!(!e.contains("s3cret"), "{e}");
    let settings = AwsSettings::new()
        .endpoint_url("http://user:s3cret@127.0.0.1:1")
        .proxy("http://u:pw123@proxy:3128");
    let shown = format!("{settings:?}");
    assert!(
        !shown.contains("s3cret") && !shown.contains("pw123"),
        "{shown}"
    );
}
