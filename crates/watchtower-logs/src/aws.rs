//! AWS settings and the SDK client they make.
//!
//! By default the standard aws-config chain applies: region and credentials from the
//! environment, the shared config files and profiles, SSO, web identity, the container and
//! instance metadata; `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS` as usual.
//! Each can be overridden here, or a ready [`SdkConfig`] or client passed in.

use std::fmt;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_http_client::tls;

use crate::error::StartError;
use crate::retry::RetryPolicy;

/// Where the SDK client comes from, and what overrides apply.
#[derive(Clone, Default)]
pub struct AwsSettings {
    pub(crate) region: Option<String>,
    pub(crate) profile_name: Option<String>,
    pub(crate) endpoint_url: Option<String>,
    pub(crate) credentials: Option<SharedCredentialsProvider>,
    pub(crate) sdk_config: Option<SdkConfig>,
    pub(crate) client: Option<Client>,
}

impl fmt::Debug for AwsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print credentials: only say whether they are set.
        f.debug_struct("AwsSettings")
            .field("region", &self.region)
            .field("profile_name", &self.profile_name)
            .field("endpoint_url", &self.endpoint_url)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "** set **"),
            )
            .field("sdk_config", &self.sdk_config.as_ref().map(|_| "** set **"))
            .field("client", &self.client.as_ref().map(|_| "** set **"))
            .finish()
    }
}

impl AwsSettings {
    /// The standard chain, no overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Region override.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Profile from the shared AWS config and credentials files.
    pub fn profile_name(mut self, profile: impl Into<String>) -> Self {
        self.profile_name = Some(profile.into());
        self
    }

    /// Endpoint URL override (an emulator, a VPC endpoint).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Static credentials. They are never printed (`Debug` shows only that they are set).
    pub fn credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Self {
        let creds = Credentials::new(
            access_key_id,
            secret_access_key,
            session_token,
            None,
            "watchtower-static",
        );
        self.credentials = Some(SharedCredentialsProvider::new(creds));
        self
    }

    /// Any credentials provider (refreshing ones included).
    pub fn credentials_provider(mut self, provider: SharedCredentialsProvider) -> Self {
        self.credentials = Some(provider);
        self
    }

    /// A loaded SDK configuration; the overrides above still apply on top of it.
    pub fn sdk_config(mut self, config: SdkConfig) -> Self {
        self.sdk_config = Some(config);
        self
    }

    /// A ready client, used as is (its retry and timeout settings included).
    pub fn client(mut self, client: Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Builds the client. Runs on the worker's runtime.
    pub(crate) async fn build_client(&self, retry: &RetryPolicy) -> Result<Client, StartError> {
        if let Some(client) = &self.client {
            return Ok(client.clone());
        }
        let base = match &self.sdk_config {
            Some(config) => config.clone(),
            None => {
                let mut loader =
                    aws_config::defaults(BehaviorVersion::latest()).http_client(https_client());
                if let Some(profile) = &self.profile_name {
                    loader = loader.profile_name(profile);
                }
                if let Some(region) = &self.region {
                    loader = loader.region(Region::new(region.clone()));
                }
                loader.load().await
            }
        };
        let mut builder = aws_sdk_cloudwatchlogs::config::Builder::from(&base)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(retry.sdk_max_attempts)
                    .with_initial_backoff(retry.initial_backoff)
                    .with_max_backoff(retry.max_backoff),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(retry.attempt_timeout)
                    .build(),
            );
        if base.http_client().is_none() {
            builder = builder.http_client(https_client());
        }
        if let Some(region) = &self.region {
            builder = builder.region(Region::new(region.clone()));
        }
        if let Some(url) = &self.endpoint_url {
            builder = builder.endpoint_url(url);
        }
        if let Some(creds) = &self.credentials {
            builder = builder.credentials_provider(creds.clone());
        }
        let config = builder.build();
        if config.region().is_none() {
            return Err(StartError::NoRegion);
        }
        Ok(Client::from_conf(config))
    }
}

/// The HTTPS client the core uses: hyper 1 + rustls with ring, one TLS stack for the whole
/// build (see cloudwatch-facts.md, "Build footprint"). Front ends that build their own SDK
/// clients (the CLI's read commands) use it too.
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}
