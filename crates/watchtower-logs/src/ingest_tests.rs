//! Unit tests of the hand-off's pacing: a burst captured by a front end waits captured while
//! sealing catches up, in the drains on a timer and in a flush's.
use std::sync::atomic::Ordering;
use std::time::Duration;

use tracing_subscriber::layer::SubscriberExt;

use crate::{AwsSettings, Config};

#[test]
fn a_burst_is_rendered_only_as_fast_as_it_is_sealed() {
    // Nothing answers: batches are sealed when dispatched, never delivered.
    let batch = 64 * 1024;
    let config = Config::builder()
        .log_group_name("pacing")
        .max_batch_size(batch)
        .max_message_size(4096)
        .max_queue_bytes(512 << 20)
        .send_interval(Duration::from_secs(60))
        .aws(
            AwsSettings::new()
                .endpoint_url("http://127.0.0.1:1")
                .region("us-east-1")
                .credentials("testing", "testing-secret", None),
        )
        .build()
        .unwrap();
    let (layer, guard) = crate::tracing::layer(config).unwrap();
    let handle = layer.handle().clone();
    let events: u64 = 40_000;
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        for i in 0..events {
            tracing::info!(user = "alice", "request handled id={i} path=/api/v1/items");
        }
    });
    // Everything logged is rendered by the flush's drain at the latest (the flush itself
    // times out: nothing is delivered).
    let _ = handle.flush(Duration::from_millis(200));
    let shared = handle.shared();
    let rendered = shared.counters.records.load(Ordering::Relaxed);
    assert_eq!(rendered, events, "every event was rendered and queued");
    // ~10 MB were rendered in all; at any moment at most ~4 batches' worth (the limit) and
    // what one block of 1,024 events adds were waiting unsealed.
    let most = shared.inflight.most_unsealed();
    assert!(most > 0, "the drain looked at what waits for sealing");
    assert!(
        most <= 8 * batch,
        "{most} bytes waited unsealed, limit {}",
        4 * batch
    );
    eprintln!("at most {most} bytes unsealed (limit {})", 4 * batch);
    // Nothing can be delivered: what is left is counted at once.
    let _ = handle.shutdown(Duration::from_millis(100));
    drop(guard);
}
