//! AWS settings and the SDK client they make.
//!
//! By default the standard aws-config chain applies: region and credentials from the
//! environment, the shared config files and profiles, SSO, web identity, the container and
//! instance metadata; `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS` as usual.
//! Each can be overridden here, or a ready [`SdkConfig`] or client passed in.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::SharedHttpClient;

use crate::error::{ConfigError, StartError};
use crate::retry::{RetryPolicy, ThrottlesToTheLimiter};

/// The SDK behaviour version this crate is written and tested against (pinned, so that an SDK
/// upgrade never changes retry or timeout defaults under our users).
pub(crate) fn behavior_version() -> BehaviorVersion {
    BehaviorVersion::v2026_01_12()
}

/// Where the SDK client comes from, and what overrides apply.
///
/// ```
/// use watchtower_logs::{AwsSettings, Config};
/// let aws = AwsSettings::new()
///     .region("eu-west-1")
///     .profile_name("logging")
///     .proxy("http://user:secret@proxy.internal:3128");
/// assert!(!format!("{aws:?}").contains("secret"));
/// let config = Config::builder().aws(aws).build()?;
/// # Ok::<(), watchtower_logs::ConfigError>(())
/// ```
#[derive(Clone, Default)]
pub struct AwsSettings {
    pub(crate) region: Option<String>,
    pub(crate) profile_name: Option<String>,
    pub(crate) endpoint_url: Option<String>,
    pub(crate) credentials: Option<SharedCredentialsProvider>,
    pub(crate) sdk_config: Option<SdkConfig>,
    pub(crate) client: Option<Client>,
    pub(crate) proxy_url: Option<String>,
    pub(crate) no_proxy: Option<String>,
    pub(crate) ca_bundle: Option<PathBuf>,
}

impl fmt::Debug for AwsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print credentials: only say whether they are set.
        f.debug_struct("AwsSettings")
            .field("region", &self.region)
            .field("profile_name", &self.profile_name)
            .field(
                "endpoint_url",
                &self.endpoint_url.as_deref().map(redact_url),
            )
            .field("proxy_url", &self.proxy_url.as_deref().map(redact_url))
            .field("no_proxy", &self.no_proxy)
            .field("ca_bundle", &self.ca_bundle)
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

    /// HTTP(S) proxy for every request, e.g. `http://proxy.internal:3128` (user and password
    /// in the URL are used, never printed). Default: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`
    /// and `NO_PROXY` (or their lower-case forms) from the environment, as every AWS SDK and
    /// CLI does.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy_url = Some(url.into());
        self
    }

    /// Hosts that bypass [`proxy`](Self::proxy), comma-separated (`localhost,.internal`).
    /// Default: `NO_PROXY` from the environment.
    pub fn no_proxy(mut self, hosts: impl Into<String>) -> Self {
        self.no_proxy = Some(hosts.into());
        self
    }

    /// A PEM file of CA certificates trusted in addition to the system's (a TLS-inspecting
    /// proxy, a private endpoint). Default: `AWS_CA_BUNDLE` from the environment, if set.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_bundle = Some(path.into());
        self
    }

    /// Checks the overrides that can be checked before start: URLs and the CA bundle.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.endpoint_url {
            check_url(url).map_err(|reason| ConfigError::InvalidOption {
                option: "endpoint_url",
                reason,
            })?;
        }
        if let Some(url) = &self.proxy_url {
            check_url(url).map_err(|reason| ConfigError::InvalidOption {
                option: "proxy",
                reason,
            })?;
        }
        if let Some(path) = &self.ca_bundle {
            read_ca_bundle(path).map_err(|reason| ConfigError::InvalidOption {
                option: "ca_bundle",
                reason,
            })?;
        }
        Ok(())
    }

    /// The settings the environment adds, checked: `AWS_ENDPOINT_URL*` (the SDK would accept
    /// a URL without a scheme and then fail every request) and `AWS_CA_BUNDLE`.
    fn check_environment(&self) -> Result<Option<Vec<u8>>, StartError> {
        if self.endpoint_url.is_none() && self.client.is_none() {
            for var in ["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL"] {
                if let Some(url) = std::env::var(var).ok().filter(|u| !u.is_empty()) {
                    check_url(&url).map_err(|reason| StartError::InvalidEnvironment {
                        variable: var,
                        reason,
                    })?;
                    break;
                }
            }
        }
        let bundle = match &self.ca_bundle {
            Some(path) => Some(path.clone()),
            None => std::env::var_os("AWS_CA_BUNDLE")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from),
        };
        match bundle {
            None => Ok(None),
            Some(path) => {
                read_ca_bundle(&path)
                    .map(Some)
                    .map_err(|reason| StartError::InvalidEnvironment {
                        variable: "AWS_CA_BUNDLE",
                        reason,
                    })
            }
        }
    }

    /// The HTTPS client these settings ask for: proxy from the settings or the environment,
    /// extra CA certificates.
    fn http_client(&self, ca_pem: Option<Vec<u8>>) -> Result<SharedHttpClient, StartError> {
        let proxy = match &self.proxy_url {
            Some(url) => {
                let config =
                    ProxyConfig::all(url.as_str()).map_err(|e| StartError::InvalidEnvironment {
                        variable: "proxy",
                        reason: format!("{}: {e}", redact_url(url)),
                    })?;
                match &self.no_proxy {
                    Some(hosts) => config.no_proxy(hosts),
                    None => config,
                }
            }
            None => ProxyConfig::from_env(),
        };
        let mut trust = TrustStore::default();
        if let Some(pem) = ca_pem {
            trust = trust.with_pem_certificate(pem);
        }
        let tls = TlsContext::builder()
            .with_trust_store(trust)
            .build()
            .map_err(|e| StartError::InvalidEnvironment {
                variable: "ca_bundle",
                reason: e.to_string(),
            })?;
        Ok(https_client_with(proxy, tls))
    }

    /// Builds the client. Runs on the worker's runtime. (PutLogEvents bodies, gzipped or not,
    /// are encoded by `encode.rs`, for a ready client too.)
    pub(crate) async fn build_client(&self, retry: &RetryPolicy) -> Result<Client, StartError> {
        if let Some(client) = &self.client {
            return Ok(client.clone());
        }
        let ca_pem = self.check_environment()?;
        let http = self.http_client(ca_pem)?;
        let base = match &self.sdk_config {
            Some(config) => config.clone(),
            None => {
                let mut loader = aws_config::defaults(behavior_version()).http_client(http.clone());
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
            .behavior_version(behavior_version())
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
        if base.http_client().is_none() || self.sdk_config.is_none() {
            builder = builder.http_client(http);
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
        builder = builder.retry_classifier(ThrottlesToTheLimiter);
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
///
/// It honours `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY` (the SDK's own default
/// client ignores them) and trusts the system's CA certificates.
pub fn https_client() -> SharedHttpClient {
    https_client_with(ProxyConfig::from_env(), TlsContext::default())
}

fn https_client_with(proxy: ProxyConfig, tls: TlsContext) -> SharedHttpClient {
    aws_smithy_http_client::Builder::new().build_with_connector_fn(move |settings, components| {
        let mut builder = Connector::builder().proxy_config(proxy.clone());
        builder.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            builder.set_sleep_impl(components.sleep_impl());
        }
        builder
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .tls_context(tls.clone())
            .build()
    })
}

/// Checks that `url` is an absolute http(s) URL with a host: the SDK takes `127.0.0.1:5123`
/// or `not a url` and then fails every request with a timeout that does not say why.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    let shown = redact_url(url);
    let uri: http::Uri = url
        .parse()
        .map_err(|e| format!("{shown:?} is not a URL ({e})"))?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        Some(other) => {
            return Err(format!(
                "{shown:?} has scheme {other:?}: use http:// or https://"
            ))
        }
        None => {
            return Err(format!(
                "{shown:?} has no scheme: write it as https://{shown} (or http:// for a local \
                 emulator)"
            ))
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(format!("{shown:?} has no host"));
    }
    Ok(())
}

/// `url` with any `user:password@` replaced by `***@`, for messages and `Debug`.
pub(crate) fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return match url.rfind('@') {
            Some(at) => format!("***@{}", &url[at + 1..]),
            None => url.to_owned(),
        };
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***@{}", &url[..scheme_end], &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// Reads a PEM bundle and checks that it holds at least one certificate.
fn read_ca_bundle(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !pem
        .windows(b"-----BEGIN CERTIFICATE-----".len())
        .any(|w| w == b"-----BEGIN CERTIFICATE-----")
    {
        return Err(format!(
            "{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        ));
    }
    Ok(pem)
}

#[cfg(test)]
#[path = "aws_tests.rs"]
mod tests;
