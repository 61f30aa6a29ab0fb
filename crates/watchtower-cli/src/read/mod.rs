//! Reading back: `get`, `tail`, `groups` and `streams`, with the AWS SDK's paginators.
//!
//! `get` and `tail` read one or more log groups, each with its own paginated reader, and
//! merge them by time, printing as pages arrive ([`fetch`]); `tail --follow` follows a Live
//! Tail session ([`live`], [`follow_live`]) or polls from the newest event seen on ([`follow`]).

mod emit;
mod event;
mod fetch;
mod follow;
mod follow_live;
mod get;
mod list;
mod live;
mod query;

pub use get::get;
pub use list::{groups, streams};
pub use query::query;

use crate::cli::{ColorChoice, ReadArgs, TailArgs};
use crate::exit_codes::{CliError, ExitCode};

/// `watchtower tail`.
pub fn tail(args: TailArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    if args.follow {
        follow::follow(&args, color)
    } else {
        get::tail_once(&args, color)
    }
}

/// The groups to read: at least one.
fn groups_of(read: &ReadArgs) -> Result<Vec<String>, CliError> {
    let groups = read.all_groups();
    if groups.is_empty() {
        return Err(CliError::new(
            ExitCode::Usage,
            "name a log group to read: `watchtower get GROUP...`, --group or \
             WATCHTOWER_LOG_GROUP (list them with `watchtower groups`)",
        ));
    }
    Ok(groups)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
