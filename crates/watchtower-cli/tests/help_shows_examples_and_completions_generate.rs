//! `--help` carries examples, environment variables and the exit codes; `completions SHELL`
//! prints a script for each shell clap_complete supports.

mod common;

use common::{bare, run};

#[test]
fn help_lists_examples_and_completions_are_generated() {
    let done = run(bare().arg("--help"), b"");
    assert_eq!(done.code, Some(0));
    assert!(done.stdout.contains("Examples:") && done.stdout.contains("Exit status:"));
    for sub in ["run", "ship", "get", "tail"] {
        let done = run(bare().args([sub, "--help"]), b"");
        assert_eq!(done.code, Some(0), "{sub}");
        assert!(done.stdout.contains("Examples:"), "{sub}: {}", done.stdout);
    }
    let done = run(bare().args(["ship", "--help"]), b"");
    for env in [
        "WATCHTOWER_LOG_GROUP",
        "WATCHTOWER_SEND_INTERVAL",
        "WATCHTOWER_RETRY_MAX_ELAPSED",
    ] {
        assert!(done.stdout.contains(env), "{env} in ship --help");
    }
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let done = run(bare().args(["completions", shell]), b"");
        assert_eq!(done.code, Some(0), "{shell}: {}", done.stderr);
        assert!(
            done.stdout.contains("watchtower") && done.stdout.contains("multiline-start"),
            "{shell}"
        );
    }
}
