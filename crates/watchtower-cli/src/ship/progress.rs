//! Progress on a terminal while `ship` reads: lines, bytes (of the file's size when stdin is a
//! file), events delivered and the rate, redrawn by a thread a few times a second. Only when
//! stderr is a terminal; everything the CLI prints on stderr meanwhile goes through
//! [`eprint_line`] so that the bar is redrawn below it.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use watchtower_logs::Handle;

/// The bar being shown, if any, for [`eprint_line`].
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(200);

/// Prints a line on stderr, above the progress bar when one is shown.
pub fn eprint_line(line: &str) {
    let shown = SHOWN.lock().unwrap_or_else(|e| e.into_inner());
    match shown.as_ref() {
        Some(bar) => bar.println(line),
        None => eprintln!("{line}"),
    }
}

/// What the shipper counts as it reads, shared with the drawing thread.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) lines: AtomicU64,
    pub(super) bytes: AtomicU64,
}

/// A progress bar and the thread redrawing it; cleared when finished or dropped.
pub(super) struct Progress {
    pub(super) counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
    bar: ProgressBar,
}

impl Progress {
    /// A bar for `ship` reading stdin, if stderr is a terminal and `wanted`; `total` is the
    /// input's size when it is a regular file.
    pub(super) fn start(wanted: bool, total: Option<u64>, outputs: Vec<Handle>) -> Option<Self> {
        if !wanted || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = match total {
            Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr())
                .with_style(
                    ProgressStyle::with_template("{bar:12} {percent:>3}% {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        *SHOWN.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar.clone());
        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (bar, counters, stop) = (bar.clone(), counters.clone(), stop.clone());
            thread::Builder::new()
                .name("watchtower-progress".into())
                .spawn(move || draw(&bar, &counters, &stop, &outputs))
                .ok()
        };
        Some(Progress {
            counters,
            stop,
            thread,
            bar,
        })
    }
}

fn draw(bar: &ProgressBar, counters: &Counters, stop: &AtomicBool, outputs: &[Handle]) {
    let started = Instant::now();
    while !stop.load(Relaxed) {
        let lines = counters.lines.load(Relaxed);
        let bytes = counters.bytes.load(Relaxed);
        let delivered: u64 = outputs.iter().map(|h| h.stats().delivered).sum();
        let secs = started.elapsed().as_secs_f64().max(0.001);
        bar.set_position(bytes);
        bar.set_message(status(lines, bytes, delivered, secs));
        bar.tick();
        thread::park_timeout(TICK);
    }
}

/// `1200 lines, 1.2 MiB read, 1000 delivered, 4000 lines/s`.
fn status(lines: u64, bytes: u64, delivered: u64, secs: f64) -> String {
    format!(
        "{lines} lines, {} read, {delivered} delivered, {:.0} lines/s",
        HumanBytes(bytes),
        lines as f64 / secs
    )
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
        *SHOWN.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_says_lines_bytes_delivered_and_rate() {
        assert_eq!(
            status(1200, 3 * 1024 * 1024, 1000, 2.0),
            "1200 lines, 3.00 MiB read, 1000 delivered, 600 lines/s"
        );
    }
}
