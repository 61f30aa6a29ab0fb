//! Unit tests of the flags-to-Config step: defaults, flags reaching the core, and errors
//! naming the flag to fix.
use super::*;
use crate::cli::{Cli, Command};
use clap::Parser;

fn plan(args: &[&str]) -> Result<ShipPlan, CliError> {
    let mut argv = vec!["watchtower", "ship"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).unwrap();
    let Command::Ship(s) = cli.command else {
        unreachable!()
    };
    ship_plan(&s.ship, None, Source::Ship)
}

#[test]
fn no_flags_means_the_core_defaults() {
    let p = plan(&[]).unwrap();
    let core = Config::builder().build().unwrap();
    assert_eq!(p.main.log_group_name(), core.log_group_name());
    assert_eq!(p.main.log_stream_name(), core.log_stream_name());
    assert_eq!(p.main.send_interval(), core.send_interval());
    assert_eq!(p.main.max_batch_size(), core.max_batch_size());
    assert_eq!(p.main.max_batch_count(), core.max_batch_count());
    assert_eq!(p.main.max_message_size(), core.max_message_size());
    assert_eq!(p.main.max_queue_bytes(), core.max_queue_bytes());
    assert_eq!(p.main.shutdown_timeout(), core.shutdown_timeout());
    assert_eq!(p.logger_name, "ship");
    assert!(p.passthrough && !p.quiet && p.stderr.is_none());
}

#[test]
fn flags_reach_the_core() {
    let p = plan(&[
        "-g",
        "app",
        "-s",
        "{logger_name}/x",
        "--send-interval",
        "250ms",
        "--max-batch-size",
        "512KiB",
        "--max-batch-count",
        "100",
        "--max-message-size",
        "1000",
        "--max-queue-bytes",
        "1MiB",
        "--shutdown-timeout",
        "3s",
        "--logger-name",
        "job",
    ])
    .unwrap();
    assert_eq!(p.main.log_group_name(), "app");
    assert_eq!(p.group, "app");
    assert_eq!(p.main.log_stream_name(), "{logger_name}/x");
    assert_eq!(p.main.send_interval(), Duration::from_millis(250));
    assert_eq!(p.main.max_batch_size(), 512 * 1024);
    assert_eq!(p.main.max_batch_count(), 100);
    assert_eq!(p.main.max_message_size(), 1000);
    assert_eq!(p.main.max_queue_bytes(), 1 << 20);
    assert_eq!(p.main.shutdown_timeout(), Duration::from_secs(3));
    assert_eq!(p.logger_name, "job");
}

#[test]
fn spool_flags_reach_the_core_and_mistakes_name_them() {
    assert!(plan(&[]).unwrap().main.spool_dir().is_none());
    let p = plan(&["--spool", "/var/spool/app"]).unwrap();
    assert_eq!(
        p.main.spool_dir(),
        Some(std::path::Path::new("/var/spool/app"))
    );
    let err = plan(&["--spool", "/x", "--spool-sync-interval", "20s"]).unwrap_err();
    assert!(
        err.message.contains("--spool-sync-interval"),
        "{}",
        err.message
    );
    let err = plan(&["--spool", "/x", "--spool-max-bytes", "1KiB"]).unwrap_err();
    assert!(err.message.contains("--spool-max-bytes"), "{}", err.message);
}

#[test]
fn mistakes_name_the_flag() {
    let msg = |args: &[&str]| plan(args).unwrap_err().message;
    assert!(msg(&["-g", "bad name"]).contains("--group"));
    assert!(msg(&["-s", "{nope}"]).contains("--stream"));
    assert!(msg(&["--retention-days", "2"]).contains("--retention-days"));
    assert!(msg(&["--max-batch-count", "10001"]).contains("--max-batch-count"));
    assert!(msg(&["--tag", "aws:x=1"]).contains("--tag"));
    // `ship` blocks by default, so --block-timeout alone is fine there; not for `run`.
    assert!(plan(&["--block-timeout", "1s"]).is_ok());
    let cli = Cli::try_parse_from(["watchtower", "run", "--block-timeout", "1s", "true"]).unwrap();
    let Command::Run(r) = cli.command else {
        unreachable!()
    };
    let run_plan = ship_plan(&r.ship, None, Source::Run { program: "true" });
    assert!(run_plan.unwrap_err().message.contains("--overflow block"));
    assert!(msg(&["--retry-initial-backoff", "1h"]).contains("--retry-initial-backoff"));
    assert_eq!(plan(&["-g", "bad name"]).unwrap_err().code, ExitCode::Usage);
}
