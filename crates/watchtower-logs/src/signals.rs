//! Delivery on termination signals. Without it, SIGTERM (a container stop, systemd, a
//! deploy) and SIGINT (Ctrl-C) end the process at once with their default action, and every
//! event younger than `send_interval` is lost: no destructor runs, the guard never flushes.
//!
//! [`deliver_on_signals`] installs, once per process, a watcher for SIGTERM, SIGINT, SIGHUP and
//! SIGQUIT. When one arrives, every running shipper of the process is shut down under one
//! deadline (the longest configured `shutdown_timeout`), then the signal's default action is
//! carried out: the process ends exactly as it would have, killed by that signal, only later.
//!
//! Call it only if the application does not handle these signals itself. One that does (a
//! tokio service awaiting `ctrl_c()` for a graceful shutdown, say) should drop the guard at the
//! end of that shutdown instead: this watcher would end the process before its own handler ran.
//!
//! ```no_run
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let config = watchtower_logs::Config::builder().log_group_name("my-service").build()?;
//!     let (logs, _guard) = config.start()?;
//!     watchtower_logs::deliver_on_signals()?; // SIGTERM now delivers before the process ends
//!     logs.log(watchtower_logs::Record::new("serving"));
//!     # Ok(())
//! }
//! ```

use std::io;
use std::sync::OnceLock;

use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::Signals;

/// The signals whose default action ends the process and that [`deliver_on_signals`] watches.
pub const TERMINATION_SIGNALS: [i32; 4] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT];

static INSTALLED: OnceLock<()> = OnceLock::new();

/// On SIGTERM, SIGINT, SIGHUP or SIGQUIT: deliver what every shipper of the process holds
/// (within the longest configured `shutdown_timeout`), then end the process with that signal's
/// default action. Installs the watcher once; later calls do nothing. See the
/// [module docs](self) for when not to use it.
pub fn deliver_on_signals() -> io::Result<()> {
    if INSTALLED.get().is_some() {
        return Ok(());
    }
    let mut signals = Signals::new(TERMINATION_SIGNALS)?;
    if INSTALLED.set(()).is_err() {
        return Ok(());
    }
    crate::thread::spawn("watchtower-signals", move || {
        if let Some(signal) = signals.forever().next() {
            deliver_then_default(signal);
        }
    })?;
    Ok(())
}

/// What the watcher does when a termination signal came: shuts every shipper of the process
/// down under one deadline (the longest configured `shutdown_timeout`), then carries out the
/// signal's default action (the process ends by it). For front ends that watch the signals
/// themselves (the Python package does, per process).
///
/// ```no_run
/// // In a thread that learnt that SIGTERM arrived:
/// watchtower_logs::signals::deliver_then_default(signal_hook::consts::SIGTERM);
/// ```
pub fn deliver_then_default(signal: i32) {
    let timeout = crate::handle::longest_shutdown_timeout();
    crate::shutdown_all(timeout);
    // What the signal would have done had we not been here.
    let _ = signal_hook::low_level::emulate_default_handler(signal);
}
