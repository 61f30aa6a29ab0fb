//! The AWS settings of a `Core`: region, endpoint, proxy, CA bundle and credentials (a named
//! profile's chain, resolved in Rust, or botocore's credentials lent through the broker).

use std::path::PathBuf;

use pyo3::prelude::*;
use watchtower_logs::sdk::SharedCredentialsProvider;
use watchtower_logs::AwsSettings;

use crate::credentials::{CredentialsBroker, PythonCredentials};
use crate::WatchtowerError;

/// Where and how a handler connects, as its options give it.
pub(super) struct Connection {
    pub(super) region: Option<String>,
    pub(super) endpoint_url: Option<String>,
    pub(super) profile_name: Option<String>,
    pub(super) proxy_url: Option<String>,
    pub(super) no_proxy: Option<String>,
    pub(super) ca_bundle: Option<PathBuf>,
}

impl Connection {
    /// The settings; with `credentials`, botocore's (they win over a profile's). A profile's
    /// chain is built with the GIL released; a profile that cannot be read raises
    /// `WatchtowerError`.
    pub(super) fn aws_settings(
        self,
        py: Python<'_>,
        credentials: Option<&CredentialsBroker>,
    ) -> PyResult<AwsSettings> {
        let Connection {
            region,
            endpoint_url,
            profile_name,
            proxy_url,
            no_proxy,
            ca_bundle,
        } = self;
        let mut aws = AwsSettings::new();
        if let Some(profile) = profile_name {
            let provider = py
                .detach(|| crate::profile::credentials(&profile, region.as_deref()))
                .map_err(WatchtowerError::new_err)?;
            aws = aws.profile_name(profile).credentials_provider(provider);
        }
        if let Some(region) = region {
            aws = aws.region(region);
        }
        if let Some(url) = endpoint_url {
            aws = aws.endpoint_url(url);
        }
        if let Some(url) = proxy_url {
            aws = aws.proxy(url);
        }
        if let Some(hosts) = no_proxy {
            aws = aws.no_proxy(hosts);
        }
        if let Some(path) = ca_bundle {
            aws = aws.ca_bundle(path);
        }
        if let Some(broker) = credentials {
            aws = aws.credentials_provider(SharedCredentialsProvider::new(PythonCredentials::new(
                broker,
            )));
        }
        Ok(aws)
    }
}
