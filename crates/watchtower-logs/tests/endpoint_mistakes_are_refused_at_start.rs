//! An endpoint URL without a scheme (`127.0.0.1:5123`, `not a url`), given in code or in
//! `AWS_ENDPOINT_URL`, is refused when the configuration is built or the shipper starts, with
//! an error naming it; it never becomes "every event lost to a timeout". A password in such a
//! URL is never shown. (This binary sets environment variables: its own process.)

use watchtower_logs::{AwsSettings, Config, ConfigError, StartError};

fn aws() -> AwsSettings {
    AwsSettings::new()
        .region("us-east-1")
        .credentials("testing", "testing-secret-key", None)
}

/// Starting with the environment as it is fails, naming `variable`.
fn refused_at_start(variable: &str) {
    let err = Config::builder()
        .aws(aws())
        .build()
        .unwrap()
        .start()
        .unwrap_err();
    assert!(
        matches!(&err, StartError::InvalidEnvironment { variable: v, .. } if *v == variable),
        "{err}"
    );
    assert!(err.to_string().contains(variable), "{err}");
}

#[test]
fn endpoint_mistakes_are_refused() {
    for bad in ["127.0.0.1:5123", "not a url", "ftp://host:21", "http://"] {
        let err = Config::builder()
            .aws(aws().endpoint_url(bad))
            .build()
            .unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::InvalidOption {
                    option: "endpoint_url",
                    ..
                }
            ),
            "{bad:?}: {err}"
        );
    }
    let err = Config::builder()
        .aws(aws().endpoint_url("user:hunter22@127.0.0.1:5123"))
        .build()
        .unwrap_err()
        .to_string();
    assert!(!err.contains("hunter22"), "{err}");
    assert!(err.contains("no scheme"), "{err}");

    let err = Config::builder()
        .aws(aws().proxy("proxy.internal:3128"))
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::InvalidOption {
                option: "proxy",
                ..
            }
        ),
        "{err}"
    );
    let missing = std::env::temp_dir().join("watchtower-no-such-ca.pem");
    let err = Config::builder()
        .aws(aws().ca_bundle(&missing))
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::InvalidOption {
                option: "ca_bundle",
                ..
            }
        ),
        "{err}"
    );

    // The same mistakes in the environment are caught when the shipper starts.
    std::env::set_var("AWS_ENDPOINT_URL", "127.0.0.1:5123");
    refused_at_start("AWS_ENDPOINT_URL");
    std::env::set_var("AWS_ENDPOINT_URL", "http://127.0.0.1:1");
    std::env::set_var("AWS_CA_BUNDLE", &missing);
    refused_at_start("AWS_CA_BUNDLE");
    std::env::remove_var("AWS_CA_BUNDLE");
    std::env::remove_var("AWS_ENDPOINT_URL");
}
