//! The readers: one thread per input copies it through unchanged and cuts it into lines for
//! the shipper.

use std::io::{self, Read, Write};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::SyncSender;
use std::sync::Arc;
use std::thread;

use super::progress::Counters;
use super::{Input, Msg, MAX_LINE_BYTES, READ_CHUNK};
use crate::parse::now_millis;

/// Starts a thread running [`read_lines`].
pub(super) fn spawn_reader(
    input: impl Read + Send + 'static,
    echo: Option<Box<dyn Write + Send>>,
    which: Input,
    tx: SyncSender<Msg>,
    counters: Option<Arc<Counters>>,
) -> io::Result<()> {
    let name = match which {
        Input::Stdout => "watchtower-stdout",
        Input::Stderr => "watchtower-stderr",
    };
    thread::Builder::new()
        .name(name.into())
        .spawn(move || read_lines(input, echo, which, &tx, counters.as_deref()))
        .map(drop)
}

/// Copies `input` to `echo` chunk by chunk (so prompts without a newline show at once) and
/// sends each line to the main loop.
fn read_lines(
    mut input: impl Read,
    mut echo: Option<Box<dyn Write + Send>>,
    which: Input,
    tx: &SyncSender<Msg>,
    counters: Option<&Counters>,
) {
    let mut buf = vec![0u8; READ_CHUNK];
    let mut line: Vec<u8> = Vec::new();
    // The line being read already had a piece sent.
    let mut continued = false;
    let send = |line: &mut Vec<u8>, timestamp_ms: i64, continued: bool| {
        if let Some(c) = counters.filter(|_| !continued) {
            c.lines.fetch_add(1, Relaxed);
        }
        let text = decode(std::mem::take(line));
        tx.send(Msg::Line {
            input: which,
            text,
            timestamp_ms,
            continued,
        })
        .is_ok()
    };
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // A pseudo-terminal's controller side once every holder of the device side is gone.
            Err(e) if e.raw_os_error() == Some(libc::EIO) => break,
            Err(e) => {
                eprintln!(
                    "watchtower: warning: reading the input failed: {e}; treating it as ended"
                );
                break;
            }
        };
        let chunk = &buf[..n];
        if let Some(c) = counters {
            c.bytes.fetch_add(n as u64, Relaxed);
        }
        if let Some(w) = &mut echo {
            // Our own stdout closed (`| head`): keep shipping, stop echoing.
            if w.write_all(chunk).and_then(|()| w.flush()).is_err() {
                echo = None;
            }
        }
        let now = now_millis();
        for piece in chunk.split_inclusive(|b| *b == b'\n') {
            match piece.strip_suffix(b"\n") {
                Some(body) => {
                    line.extend_from_slice(body);
                    if !send(&mut line, now, std::mem::take(&mut continued)) {
                        return;
                    }
                }
                None => line.extend_from_slice(piece),
            }
        }
        while line.len() >= MAX_LINE_BYTES {
            let cut = utf8_floor(&line, MAX_LINE_BYTES);
            let mut head: Vec<u8> = line.drain(..cut).collect();
            if !send(&mut head, now, std::mem::replace(&mut continued, true)) {
                return;
            }
        }
    }
    if !line.is_empty() {
        let _ = send(&mut line, now_millis(), continued);
    }
    let _ = tx.send(Msg::Eof(which));
}

/// A line's text: without a trailing `\r`, invalid UTF-8 replaced.
fn decode(mut bytes: Vec<u8>) -> String {
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The largest cut `<= max` that does not split a UTF-8 sequence (or `max` if there is none).
pub(super) fn utf8_floor(bytes: &[u8], max: usize) -> usize {
    let mut cut = max.min(bytes.len());
    while cut > 0 && cut < bytes.len() && (bytes[cut] & 0xC0) == 0x80 {
        cut -= 1;
    }
    if cut == 0 {
        max.min(bytes.len())
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{mpsc, Arc, Mutex};

    fn read_all(input: &[u8]) -> (Vec<String>, Vec<u8>) {
        let (tx, rx) = mpsc::sync_channel(1024);
        let echoed = Arc::new(Mutex::new(Vec::new()));
        struct Shared(Arc<Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        read_lines(
            input,
            Some(Box::new(Shared(echoed.clone()))),
            Input::Stdout,
            &tx,
            None,
        );
        drop(tx);
        let mut lines = Vec::new();
        for m in rx {
            match m {
                Msg::Line { text, .. } => lines.push(text),
                Msg::Eof(_) => lines.push("<EOF>".into()),
                Msg::Signal | Msg::Exited => {}
            }
        }
        let echoed = echoed.lock().unwrap().clone();
        (lines, echoed)
    }

    #[test]
    fn lines_are_split_and_the_input_echoed_unchanged() {
        let input = b"a\r\nb\n\nlast without newline \xff";
        let (lines, echoed) = read_all(input);
        assert_eq!(echoed, input);
        assert_eq!(
            lines,
            ["a", "b", "", "last without newline \u{fffd}", "<EOF>"]
        );
    }

    #[test]
    fn cuts_respect_utf8() {
        let s = "aé€".as_bytes();
        assert_eq!(utf8_floor(s, 2), 1);
        assert_eq!(utf8_floor(s, 3), 3);
        assert_eq!(utf8_floor(s, 4), 3);
        assert_eq!(utf8_floor(s, 100), s.len());
    }
}
