//! `ship` of a file shows progress (lines, bytes, delivered, rate) when stderr is a terminal,
//! and nothing of the kind when it is not.

mod common;

use std::fs::File;
use std::io::Read;
use std::process::Stdio;

use common::{pty, run, wait_bounded, watchtower, TIMEOUT};
use watchtower_testkit::shared_moto;

fn input_file(lines: usize) -> File {
    let path = std::env::temp_dir().join(format!("watchtower-progress-{}.log", std::process::id()));
    let text: String = (0..lines).map(|i| format!("progress line {i}\n")).collect();
    std::fs::write(&path, text).unwrap();
    let f = File::open(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    f
}

#[test]
fn progress_shows_on_a_terminal_only() {
    let moto = shared_moto();
    let (mut controller, device) = pty();
    let mut child = watchtower(&moto.endpoint())
        .args(["ship", "-g", "progress", "--no-passthrough"])
        // indicatif draws nothing where TERM is unset or dumb.
        .env("TERM", "xterm")
        .stdin(Stdio::from(input_file(50_000)))
        .stdout(Stdio::null())
        .stderr(Stdio::from(device))
        .spawn()
        .unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        // EIO once the last holder of the device side has exited.
        while let Ok(n) = controller.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&out).into_owned()
    });
    let status = wait_bounded(&mut child, TIMEOUT).expect("ship finishes");
    assert_eq!(status.code(), Some(0));
    let screen = reader.join().unwrap();
    assert!(
        screen.contains("lines/s") && screen.contains("delivered") && screen.contains('%'),
        "progress on the terminal: {screen:?}"
    );
    assert!(
        screen.contains("50000 events to log group \"progress\": 50000 delivered"),
        "{screen:?}"
    );

    // Not a terminal: the summary only.
    let done = run(
        watchtower(&moto.endpoint())
            .args(["ship", "-g", "progress", "--no-passthrough"])
            .env("TERM", "xterm"),
        b"a\nb\n",
    );
    assert_eq!(done.code, Some(0));
    assert_eq!(done.stderr_lines().len(), 1, "{}", done.stderr);
    assert!(!done.stderr.contains("lines/s"), "{}", done.stderr);
}
