//! Exit codes, and the error type that carries one up to `main`.

use std::fmt;

/// watchtower's own exit codes. `run` otherwise exits with its command's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything worked.
    Success,
    /// AWS refused a request, or anything not covered below.
    Failure,
    /// Bad flags or option values (clap's usage errors use this code too).
    Usage,
    /// Shipping finished but some events were not delivered; the summary says why.
    EventsLost,
    /// The log group or stream does not exist.
    NotFound,
    /// The endpoint could not be reached, or did not answer in time.
    Unreachable,
    /// No AWS region, no or rejected credentials, or permission denied.
    AwsSetup,
    /// `get`/`tail --fail-if-empty`: no event was printed.
    NothingMatched,
    /// `run`: the command exists but cannot be executed (like a shell's 126).
    CannotExecute,
    /// `run`: the command was not found (like a shell's 127).
    CommandNotFound,
}

impl ExitCode {
    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::Failure => 1,
            ExitCode::Usage => 2,
            ExitCode::EventsLost => 3,
            ExitCode::NotFound => 4,
            ExitCode::Unreachable => 5,
            ExitCode::AwsSetup => 6,
            ExitCode::NothingMatched => 7,
            ExitCode::CannotExecute => 126,
            ExitCode::CommandNotFound => 127,
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

/// An error with the exit code it should end the process with. The message is one line and
/// names the fix; `main` prints it after `watchtower: error: `.
#[derive(Debug)]
pub struct CliError {
    /// How the process exits.
    pub code: ExitCode,
    /// What went wrong and what to do about it.
    pub message: String,
}

impl CliError {
    /// An error ending the process with `code`.
    pub fn new(code: ExitCode, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The exit code for an error: the first [`CliError`] in its chain, else [`ExitCode::Failure`].
pub fn code_of(err: &anyhow::Error) -> ExitCode {
    err.chain()
        .find_map(|e| e.downcast_ref::<CliError>())
        .map_or(ExitCode::Failure, |e| e.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct() {
        let all = [
            ExitCode::Success,
            ExitCode::Failure,
            ExitCode::Usage,
            ExitCode::EventsLost,
            ExitCode::NotFound,
            ExitCode::Unreachable,
            ExitCode::AwsSetup,
            ExitCode::CannotExecute,
            ExitCode::CommandNotFound,
        ];
        let mut codes: Vec<u8> = all.iter().map(|c| c.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }

    #[test]
    fn the_code_is_found_through_context() {
        let e =
            anyhow::Error::new(CliError::new(ExitCode::NotFound, "gone")).context("while reading");
        assert_eq!(code_of(&e), ExitCode::NotFound);
        assert_eq!(code_of(&anyhow::anyhow!("plain")), ExitCode::Failure);
    }
}
