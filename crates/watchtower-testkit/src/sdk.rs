//! AWS SDK configuration pointing at a local endpoint (moto or a [`crate::Proxy`]).

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

/// The region every testkit config uses.
pub const TEST_REGION: &str = "us-east-1";

/// An `SdkConfig` for `endpoint` (e.g. `http://127.0.0.1:PORT`): region `us-east-1`, static
/// dummy credentials `testing`/`testing`, the endpoint URL, the rustls + ring HTTP client
/// (the workspace's one HTTP/TLS stack) and the SDK's default (standard) retry config.
///
/// Built directly, without reading the environment or profile files, so a developer's
/// `AWS_*` variables cannot leak into tests.
pub fn sdk_config(endpoint: &str) -> SdkConfig {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(TEST_REGION))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "watchtower-testkit",
        )))
        .endpoint_url(endpoint)
        .http_client(http_client)
        .build()
}

/// A CloudWatch Logs client for `endpoint`, built from [`sdk_config`] (standard retries).
pub fn client(endpoint: &str) -> Client {
    Client::new(&sdk_config(endpoint))
}

/// A CloudWatch Logs client for `endpoint` with retries disabled (`RetryConfig::disabled()`),
/// so that every injected fault reaches the caller as an error.
pub fn client_no_retries(endpoint: &str) -> Client {
    let conf = aws_sdk_cloudwatchlogs::config::Builder::from(&sdk_config(endpoint))
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}
