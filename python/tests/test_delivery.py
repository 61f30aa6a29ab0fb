"""What reaches CloudWatch (moto): stream names, unicode, oversize messages, batching limits,
send_interval, use_queues=False, creation options, many threads, and 100,000 records logged
right after the handler starts."""

import logging
import os
import platform
import sys
import threading
from datetime import datetime, timedelta, timezone

import pytest
from conftest import all_messages, events_by_stream, stream_events, streams, wait_for

from watchtower import CloudWatchLogHandler, WatchtowerError, WatchtowerWarning

# --- stream names -------------------------------------------------------------------------


def test_default_stream_name(make_handler, logger, group):
    handler = make_handler()
    logger.addHandler(handler)
    logger.info("x")
    handler.flush()
    program = sys.argv[0].replace(":", "")
    assert streams(group) == [f"{platform.node()}/{program}/{logger.name}/{os.getpid()}"]


def test_program_name_loses_its_colons(make_handler, logger, group, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["C:\\apps\\main:run.py"])
    handler = make_handler(log_stream_name="{program_name}")
    logger.addHandler(handler)
    logger.info("x")
    handler.flush()
    assert streams(group) == ["C\\apps\\mainrun.py"]


def test_per_record_placeholders(make_handler, group):
    handler = make_handler(log_stream_name="{logger_name}.{thread_name}.{strftime:%Y-%m-%d}")
    one, two = logging.getLogger("svc.one"), logging.getLogger("svc.two")
    for lg in (one, two):
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    day_before = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    one.info("main thread")
    thread = threading.Thread(target=two.info, args=("worker thread",), name="worker-7")
    thread.start()
    thread.join()
    handler.flush()
    day_after = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    got = {s.rsplit(".", 1)[0]: m for s, m in events_by_stream(group).items()}
    assert got == {"svc.one.MainThread": ["main thread"], "svc.two.worker-7": ["worker thread"]}
    assert {s.rsplit(".", 1)[1] for s in streams(group)} <= {day_before, day_after}


def test_strftime_uses_the_record_time_in_utc(make_handler, logger, group):
    handler = make_handler(log_stream_name="day-{strftime:%Y%m%d}-{process_id}")
    logger.addHandler(handler)
    old = datetime.now(timezone.utc) - timedelta(days=3)
    rec = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "three days ago", (), None)
    rec.created = old.timestamp()
    logger.handle(rec)
    handler.flush()
    assert streams(group) == [f"day-{old:%Y%m%d}-{os.getpid()}"]


def test_colons_become_dashes(make_handler, logger, group):
    """A bare {strftime} has colons, which CloudWatch rejects (moto does not); they become -."""
    handler = make_handler(log_stream_name="{strftime}")
    logger.addHandler(handler)
    logger.info("x")
    handler.flush()
    (stream,) = streams(group)
    assert ":" not in stream and stream.endswith("+00-00")


def test_strftime_directives_of_the_c_library_are_rendered_by_python(make_handler, logger, group):
    """A directive the core's strftime does not know but the platform's does (glibc's %Ey,
    the era's year) is rendered by Python's strftime, as in 3.4."""
    handler = make_handler(log_stream_name="y{strftime:%Ey}")
    logger.addHandler(handler)
    logger.info("x")
    handler.flush()
    assert streams(group) == ["y" + datetime.now(timezone.utc).strftime("%Ey")]


def test_python_format_specs_are_rendered_by_str_format(make_handler, logger, group):
    handler = make_handler(log_stream_name="pid-{process_id:08d}:{logger_name!r}")
    logger.addHandler(handler)
    logger.info("x")
    handler.flush()
    assert streams(group) == [f"pid-{os.getpid():08d}-'{logger.name}'"]


@pytest.mark.parametrize(
    "template, reason",
    [
        ("{no_such_field}", "unknown placeholder {no_such_field}"),
        ("{process_id:05d}/{nope}", "unknown placeholder {nope}"),
        ("{strftime:%Q}", "invalid strftime format '%Q': '%Q' is not a directive"),
        ("{process_id:05d}/{strftime:%Y-%Q}", "invalid strftime format '%Y-%Q'"),
        ("{process_id:q}", "Unknown format code 'q'"),
        ("{logger_name", "expected '}'"),
    ],
)
def test_a_template_that_cannot_work_is_a_configuration_error(moto, group, template, reason):
    """3.4 raised KeyError in every record (sent to handleError: every record lost) and named
    streams after a bad strftime format; here the constructor says what is wrong."""
    with pytest.raises(WatchtowerError) as info:
        CloudWatchLogHandler(log_group_name=group, log_stream_name=template)
    assert reason in str(info.value) and repr(template) in str(info.value)


def test_overridden_get_stream_name(make_handler, logger, group):
    class PerLevel(CloudWatchLogHandler):
        def _get_stream_name(self, message):
            return f"level-{message.levelname.lower()}"

    handler = make_handler(cls=PerLevel)
    logger.addHandler(handler)
    logger.info("i")
    logger.error("e")
    handler.flush()
    assert events_by_stream(group) == {"level-info": ["i"], "level-error": ["e"]}


# --- messages -----------------------------------------------------------------------------


def test_unicode_round_trips(make_handler, logger, group):
    handler = make_handler()
    logger.addHandler(handler)
    texts = ["héllo wörld", "€ 日本語 😀 𝄞", "tab\tnew\nline", "\u200b zero width"]
    for text in texts:
        logger.info(text)
    logger.info({"euro": "€"})
    handler.flush()
    assert all_messages(group) == [*texts, '{"euro": "\\u20ac"}']


def test_oversize_messages_are_truncated_on_character_boundaries(make_handler, logger, group):
    """3.4's unicode test: five 396 KB messages. Each is cut to 262,118 bytes (max 262,144
    less 26) without splitting a character: 87,372 euro signs. Four fit in one batch."""
    handler = make_handler()
    logger.addHandler(handler)
    with pytest.warns(WatchtowerWarning) as record:
        for _ in range(5):
            logger.info("€" * 132096)
    assert [str(w.message) for w in record] == [
        "Log message size exceeds CWL max payload size, truncated"
    ] * 5
    handler.flush()
    messages = all_messages(group)
    assert messages == ["€" * 87372] * 5
    stats = handler.stats()
    assert stats["truncated"] == 5 and stats["batches"] == 2 and stats["delivered"] == 5


def test_messages_at_the_limit_are_not_truncated(make_handler, logger, group):
    """3.4 warned (and did nothing) for 262,093-262,118-byte messages; here exactly
    max_message_size - 26 bytes passes untouched and silently."""
    handler = make_handler()
    logger.addHandler(handler)
    logger.info("a" * (262144 - 26))
    handler.flush()
    assert all_messages(group) == ["a" * 262118]
    assert handler.stats()["truncated"] == 0


# --- batching and timing ------------------------------------------------------------------


def test_max_batch_count(make_handler, logger):
    handler = make_handler(max_batch_count=10)
    logger.addHandler(handler)
    for i in range(25):
        logger.info("n%d", i)
    handler.flush()
    assert handler.stats()["batches"] == 3


def test_max_batch_size(make_handler, logger, group):
    handler = make_handler(max_batch_size=1000)
    logger.addHandler(handler)
    for i in range(20):
        logger.info(f"{i:03d}" + "x" * 97)  # 100 bytes + 26: seven per batch
    handler.flush()
    assert handler.stats()["batches"] == 3
    assert len(all_messages(group)) == 20


@pytest.mark.parametrize("interval", [1, 0.3, timedelta(milliseconds=300)])
def test_send_interval_delivers_without_flush(make_handler, logger, group, interval):
    handler = make_handler(send_interval=interval)
    logger.addHandler(handler)
    logger.info("on time")
    wait_for(lambda: all_messages(group) == ["on time"], timeout=15, message="delivery")
    assert handler.stats()["delivered"] == 1


def test_use_queues_false_sends_before_emit_returns(make_handler, logger, group):
    handler = make_handler(use_queues=False, log_stream_name="sync")
    logger.addHandler(handler)
    for i in range(3):
        logger.info("sync %d", i)
        assert [e["message"] for e in stream_events(group, "sync")][-1] == f"sync {i}"
    handler.close()
    logger.info("after close")  # 3.4: use_queues=False keeps sending after close
    assert all_messages(group)[-1] == "after close"


def test_events_are_sorted_by_timestamp(make_handler, logger, group):
    handler = make_handler(log_stream_name="sorted")
    logger.addHandler(handler)
    now = datetime.now(timezone.utc).timestamp()
    for offset in (5, 1, 3, 2, 4):
        rec = logger.makeRecord(logger.name, logging.INFO, __file__, 1, f"t{offset}", (), None)
        rec.created = now - 10 + offset
        logger.handle(rec)
    handler.flush()
    events = stream_events(group, "sorted")
    assert [e["message"] for e in events] == ["t1", "t2", "t3", "t4", "t5"]
    assert events[0]["timestamp"] == int((now - 9) * 1000)


# --- creation options ---------------------------------------------------------------------


def test_missing_stream_is_created_and_recreated(make_handler, logger, group, logs):
    handler = make_handler(log_stream_name="recreated")
    logger.addHandler(handler)
    logger.info("first")
    handler.flush()
    logs.delete_log_stream(logGroupName=group, logStreamName="recreated")
    logger.info("second")
    handler.flush()
    assert all_messages(group) == ["second"]


def test_create_log_stream_false(make_handler, logger, group, logs, capfd):
    handler = make_handler(log_stream_name="exists", create_log_stream=False)
    logger.addHandler(handler)
    logs.create_log_stream(logGroupName=group, logStreamName="exists")
    logger.info("to an existing stream")
    handler.flush()
    assert all_messages(group) == ["to an existing stream"]

    other = make_handler(log_stream_name="missing", create_log_stream=False)
    logger.removeHandler(handler)
    logger.addHandler(other)
    logger.info("to a missing stream")
    other.flush()
    assert streams(group) == ["exists"]
    assert other.stats()["dropped"]["resource_not_found"] == 1
    assert "[watchtower]" in capfd.readouterr().err  # reported from Rust, on stderr


def test_create_log_group_false_and_missing_group(make_handler, logger, group, capfd):
    handler = make_handler(create_log_group=False)
    logger.addHandler(handler)
    logger.info("nowhere to go")
    handler.flush()
    stats = handler.stats()
    assert stats["delivered"] == 0 and stats["dropped"]["resource_not_found"] == 1
    assert "does not exist" in capfd.readouterr().err


def test_invalid_tags_warn_like_3_4(make_handler, group, logs):
    with pytest.warns(WatchtowerWarning) as record:
        make_handler(log_group_tags={"bad;key": "v"})
    (warning,) = record
    assert str(warning.message).startswith(f"Failed to tag log group {group}: ")
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]  # still created


# --- volume -------------------------------------------------------------------------------


def test_many_threads_lose_nothing(make_handler, logger, group):
    handler = make_handler(log_stream_name="{thread_name}")
    logger.addHandler(handler)
    threads, per_thread = 8, 2000

    def work(t):
        for i in range(per_thread):
            logger.info("t%d-%d", t, i)

    workers = [threading.Thread(target=work, args=(t,), name=f"w{t}") for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    handler.flush()
    assert handler.stats()["delivered"] == threads * per_thread
    by_stream = events_by_stream(group)
    assert sorted(by_stream) == sorted(f"w{t}" for t in range(threads))
    for t in range(threads):
        assert by_stream[f"w{t}"] == [f"t{t}-{i}" for i in range(per_thread)]


def test_100k_records_right_after_start_are_all_delivered(make_handler, logger, group):
    """3.4 drops every record logged while it creates the stream (2-5% of 100,000 here)."""
    handler = make_handler(log_stream_name="bulk")
    logger.addHandler(handler)
    n = 100_000
    for i in range(n):
        logger.info("record %d", i)
    handler.flush()
    stats = handler.stats()
    assert stats["records"] == n and stats["delivered"] == n and stats["dropped_total"] == 0
    messages = [e["message"] for e in stream_events(group, "bulk")]
    assert len(messages) == n
    # Every record once. (Not in logging order: records logged in the same millisecond can
    # straddle two batches, and the service orders equal timestamps by arrival.)
    assert sorted(messages) == sorted(f"record {i}" for i in range(n))


# --- request compression (watchtower-rs) ----------------------------------------------------


@pytest.mark.parametrize("compress", [True, False])
def test_records_arrive_with_and_without_compression(make_handler, logger, group, compress):
    handler = make_handler(log_stream_name="s", compress=compress)
    assert handler.compress is compress
    assert handler._core_options()["compress"] is compress
    logger.addHandler(handler)
    lines = [f'{{"level": "INFO", "msg": "request handled", "id": {i}}}' for i in range(500)]
    for line in lines:
        logger.info(line)
    handler.flush()
    assert all_messages(group) == lines
