//! The guards returned with the layer and the logger flush on drop also when dropped inside a
//! tokio runtime, multi-thread and current-thread, including events logged from spawned
//! tasks: right after the drop, moto holds every event (no waiting, no deadlock).
#![cfg(all(feature = "tracing", feature = "log"))]

mod support;

use tracing::instrument::WithSubscriber;
use tracing_subscriber::prelude::*;
use watchtower_logs::log::CloudWatchLogger;

use support::config;
use watchtower_testkit::shared_moto;

const PER_TASK: usize = 50;
const TASKS: usize = 4;

fn indices(moto: &watchtower_testkit::MotoLease, group: &str) -> Vec<usize> {
    let mut got: Vec<usize> = moto
        .all_events(group)
        .iter()
        .map(|(_, e)| {
            let v: serde_json::Value = serde_json::from_str(&e.message).unwrap();
            v["fields"]["n"].as_u64().unwrap() as usize
        })
        .collect();
    got.sort_unstable();
    got
}

async fn log_from_tasks_with_tracing() {
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            tokio::spawn(
                async move {
                    for i in 0..PER_TASK {
                        tracing::info!(target: "async", n = t * PER_TASK + i, "from a task");
                        tokio::task::yield_now().await;
                    }
                }
                .with_current_subscriber(),
            )
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_guard_dropped_in_a_multi_thread_runtime_delivers_everything() {
    let moto = shared_moto();
    let group = "guard-tracing-multi";
    let (layer, guard) =
        watchtower_logs::tracing::layer(config(&moto, group).build().unwrap()).unwrap();
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    log_from_tasks_with_tracing().await;
    drop(guard);
    assert_eq!(
        indices(&moto, group),
        (0..TASKS * PER_TASK).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn tracing_guard_dropped_in_a_current_thread_runtime_delivers_everything() {
    let moto = shared_moto();
    let group = "guard-tracing-current";
    let (layer, guard) =
        watchtower_logs::tracing::layer(config(&moto, group).build().unwrap()).unwrap();
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    log_from_tasks_with_tracing().await;
    drop(guard);
    assert_eq!(
        indices(&moto, group),
        (0..TASKS * PER_TASK).collect::<Vec<_>>()
    );
}

/// Logs through the `log` front end from several tasks, drops the guard inside the runtime,
/// and checks that every record reached moto.
async fn log_from_tasks_then_drop_guard(group: &str) {
    let moto = shared_moto();
    log::set_max_level(log::LevelFilter::Trace);
    let (logger, guard) = CloudWatchLogger::start(config(&moto, group).build().unwrap()).unwrap();
    let logger = std::sync::Arc::new(logger);
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let logger = logger.clone();
            tokio::spawn(async move {
                for i in 0..PER_TASK {
                    log::info!(logger: &*logger, target: "async", n = t * PER_TASK + i; "from a task");
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    drop(guard);
    assert_eq!(
        indices(&moto, group),
        (0..TASKS * PER_TASK).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn log_guard_dropped_in_a_current_thread_runtime_delivers_everything() {
    log_from_tasks_then_drop_guard("guard-log-current").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_guard_dropped_in_a_multi_thread_runtime_delivers_everything() {
    log_from_tasks_then_drop_guard("guard-log-multi").await;
}
