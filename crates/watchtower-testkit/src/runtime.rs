//! The testkit's own tokio runtime, shared by the proxy servers and the sync helpers.

use std::future::Future;
use std::sync::{mpsc, OnceLock};

use tokio::runtime::Runtime;

/// The internal multi-thread runtime (2 workers), created on first use and never dropped.
pub(crate) fn rt() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("watchtower-testkit")
            .enable_all()
            .build()
            .expect("watchtower-testkit: cannot build its tokio runtime")
    })
}

/// Runs `fut` on the internal runtime and waits for it on the calling thread.
///
/// Works from any thread, also one that is inside another tokio runtime (the future is
/// spawned, not `block_on`-ed on the caller's thread; the caller only waits on a channel).
pub(crate) fn block_on<F>(fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (tx, rx) = mpsc::sync_channel(1);
    rt().spawn(async move {
        let out = fut.await;
        let _ = tx.send(out);
    });
    rx.recv()
        .expect("watchtower-testkit: a helper task ended without an answer (it panicked)")
}
