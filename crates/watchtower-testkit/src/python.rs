//! Finding the python interpreter and the moto runner script.

use std::path::PathBuf;

/// The workspace root: `CARGO_MANIFEST_DIR/../..` of this crate (`<root>/crates/watchtower-testkit`).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or(manifest)
}

/// The python interpreter used to run moto.
///
/// In order: the environment variable `WATCHTOWER_TEST_PYTHON` if set (and not empty), else
/// `<workspace root>/.venv/bin/python` if it exists, else `python3` (looked up on `PATH`).
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("WATCHTOWER_TEST_PYTHON") {
        if !p.is_empty() {
            return PathBuf::from(p);
        }
    }
    let venv = workspace_root().join(".venv").join("bin").join("python");
    if venv.exists() {
        return venv;
    }
    PathBuf::from("python3")
}

/// The path of `moto_runner.py`, the script that runs moto's server on 127.0.0.1.
///
/// Protocol: `python moto_runner.py [--port N]` prints one line `PORT <n>` on stdout once the
/// server accepts connections, and exits when its stdin reaches EOF.
pub fn moto_runner_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("moto_runner.py")
}
