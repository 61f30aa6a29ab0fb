"""The queue bound (MAX_QUEUE_BYTES, a watchtower-rs class attribute; 3.4's queues were
unbounded): a burst larger than the bound waits for room with the GIL released and loses
nothing; when the service is unreachable, logging calls stop waiting and records are dropped,
counted and reported on stderr."""

import time

import pytest
from conftest import stream_events
from test_warnings_and_failures import silent_endpoint  # noqa: F401 (fixture)

from watchtower import CloudWatchLogHandler, WatchtowerWarning


class SmallQueue(CloudWatchLogHandler):
    MAX_QUEUE_BYTES = 300_000
    QUEUE_FULL_TIMEOUT = 0.5
    FLUSH_TIMEOUT = 2


def test_a_burst_over_the_bound_waits_and_loses_nothing(moto, group, logger):
    handler = SmallQueue(log_group_name=group, log_stream_name="burst", send_interval=3600)
    logger.addHandler(handler)
    payload = "x" * 974  # 1,000 bytes per event with the 26 of overhead
    for i in range(3000):  # 3 MB through a 300 KB queue
        logger.info("%05d %s", i, payload)
    handler.flush()
    stats = handler.stats()
    assert stats["dropped_total"] == 0 and stats["delivered"] == 3000
    assert [e["message"][:5] for e in stream_events(group, "burst")] == [
        f"{i:05d}" for i in range(3000)
    ]
    handler.close()


def test_unreachable_service_drops_without_stalling(silent_endpoint, group, logger, capfd):  # noqa: F811
    handler = SmallQueue(log_group_name=group, create_log_group=False)
    logger.addHandler(handler)
    started = time.monotonic()
    for i in range(1000):
        logger.info("%05d %s", i, "y" * 974)
    elapsed = time.monotonic() - started
    # Only the first record that finds the queue full waits (QUEUE_FULL_TIMEOUT); the rest
    # are dropped at once for a while.
    assert elapsed < 5, elapsed
    stats = handler.stats()
    assert stats["dropped"]["queue_full"] >= 600
    assert stats["records"] == 1000
    err = capfd.readouterr().err
    # The warning names what a Python user can change (not the Rust builder's options).
    assert "queue is full" in err and "CloudWatchLogHandler.MAX_QUEUE_BYTES" in err, err
    with pytest.warns(WatchtowerWarning, match="Timed out while delivering logs"):
        handler.close()
    assert handler.stats()["dropped"]["shutdown_timeout"] == 1000 - stats["dropped"]["queue_full"]
