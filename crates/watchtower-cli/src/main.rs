//! `watchtower`: ship a command's output or stdin to AWS CloudWatch Logs, and read logs back.
//!
//! `main` only runs [`run`] and prints an error once, as one line
//! (`watchtower: error: ...`, no backtrace), exiting with the code it carries
//! ([`exit_codes::ExitCode`]).

#[cfg(not(unix))]
compile_error!(
    "watchtower-cli supports Unix only: `run` forwards signals and waits with waitid(2)"
);

mod aws;
mod cli;
mod config;
mod exit_codes;
mod multiline;
mod parse;
mod read;
mod ship;
mod style;
mod timestamp;

use std::io;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

use crate::cli::{Cli, ColorChoice, Command};
use crate::exit_codes::{code_of, CliError};
use crate::style::{codes, Style};

/// `--color`, once parsed, for the error line.
static COLOR: OnceLock<ColorChoice> = OnceLock::new();

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        // Our stdout was closed early (`watchtower get ... | head`): not an error.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let style = Style::stderr(COLOR.get().copied().unwrap_or(ColorChoice::Auto));
            eprintln!(
                "watchtower: {} {}",
                style.paint(codes::ERROR, "error:"),
                aws::one_line(&format!("{err:#}"))
            );
            code_of(&err).into()
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let color = *COLOR.get_or_init(|| cli.color);
    match cli.command {
        Command::Run(args) => ship::run(args),
        Command::Ship(args) => ship::ship(args),
        Command::Get(args) => read::get(args, color).map(Into::into),
        Command::Tail(args) => read::tail(args, color).map(Into::into),
        Command::Groups(args) => read::groups(args, color).map(Into::into),
        Command::Streams(args) => read::streams(args, color).map(Into::into),
        Command::Query(args) => read::query(args, color).map(Into::into),
        Command::Completions(args) => {
            clap_complete::generate(
                args.shell,
                &mut Cli::command(),
                "watchtower",
                &mut io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Help and version go out as clap prints them; a usage error becomes one line naming the
/// flag and where to read more.
fn usage_error(e: clap::Error) -> anyhow::Result<ExitCode> {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.print()?;
        return Ok(ExitCode::from(e.exit_code().clamp(0, 255) as u8));
    }
    let rendered = e.render().to_string();
    let body = rendered
        .split("\n\nUsage:")
        .next()
        .unwrap_or(&rendered)
        .split("\n\nFor more information")
        .next()
        .unwrap_or(&rendered);
    let body = body
        .trim()
        .trim_start_matches("error:")
        .split("\n\n")
        .map(aws::one_line)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let help = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .filter(|a| Cli::command().find_subcommand(a).is_some())
        .map_or("watchtower --help".to_owned(), |sub| {
            format!("watchtower {sub} --help")
        });
    Err(CliError::new(
        exit_codes::ExitCode::Usage,
        format!("{body} (see `{help}`)"),
    )
    .into())
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
