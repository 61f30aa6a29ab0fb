//! `boto3_profile_name=`: the named profile's credentials, as boto3 uses them.
//!
//! boto3's `Session(profile_name=...)` raises `ProfileNotFound` for a profile that is in
//! neither shared file, and signs with that profile's credentials even when `AWS_ACCESS_KEY_ID`
//! is set (an explicit profile skips the environment's keys). The SDK's default chain with a
//! profile name still tries the environment first, so the handler gives the SDK the profile's
//! own credentials provider (static keys, `role_arn` + `source_profile`, SSO, process, ...).
//! Region and endpoint URL come from the same profile through the core's loader.

use aws_config::profile::{ProfileFileCredentialsProvider, ProfileSet};
use aws_config::provider_config::ProviderConfig;
use aws_config::Region;
use aws_types::os_shim_internal::{Env, Fs};
use watchtower_logs::sdk::{https_client, SharedCredentialsProvider};

/// Reads the shared config and credentials files (`AWS_CONFIG_FILE`,
/// `AWS_SHARED_CREDENTIALS_FILE`, `~/.aws/...`), as the SDK does.
fn load() -> Result<ProfileSet, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    runtime
        .block_on(aws_config::profile::load(
            &Fs::real(),
            &Env::real(),
            &Default::default(),
            None,
        ))
        .map_err(|e| format!("could not read the AWS config files: {e}"))
}

/// The profile's credentials provider; an error naming the profile when it does not exist.
/// `region` (the handler's, else the environment's, else the profile's) is where STS is
/// called for an assumed role.
pub(crate) fn credentials(
    name: &str,
    region: Option<&str>,
) -> Result<SharedCredentialsProvider, String> {
    let profiles = load()?;
    let Some(profile) = profiles.get_profile(name) else {
        return Err(format!("The config profile ({name}) could not be found"));
    };
    let region = region
        .map(str::to_owned)
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .or_else(|| profile.get("region").map(str::to_owned));
    let provider_config = ProviderConfig::without_region()
        .with_http_client(https_client())
        .with_region(region.map(Region::new));
    Ok(SharedCredentialsProvider::new(
        ProfileFileCredentialsProvider::builder()
            .configure(&provider_config)
            .profile_name(name)
            .build(),
    ))
}
