"""Settings as a Python team uses them in the field: use_queues=False with an unreachable
service, a small max_batch_size, constructor arguments for region / endpoint / retries (so a
YAML dictConfig needs no code), and extra= fields as JSON keys."""

import json
import logging
import logging.config
import socket
import time
import warnings

from conftest import all_messages

from watchtower import CloudWatchLogHandler


def _closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


class _Quick(CloudWatchLogHandler):
    FLUSH_TIMEOUT = 1.5


def test_use_queues_false_unreachable_does_not_block_every_call(moto, group, logger):
    """The first record waits up to FLUSH_TIMEOUT; later ones queue behind the worker's
    retries instead of each waiting anew (3.4 / before: every call blocked)."""
    handler = _Quick(
        log_group_name=group,
        use_queues=False,
        create_log_group=False,
        endpoint_url=_closed_port_url(),
        request_timeout=1,
        max_retry_time=60,
    )
    logger.addHandler(handler)
    times = []
    for i in range(6):
        start = time.monotonic()
        logger.info("unreachable %d", i)
        times.append(time.monotonic() - start)
    assert times[0] >= 1.0  # the first one did wait for delivery
    assert sum(times[1:]) < 1.0, times
    assert handler.stats()["queued_events"] == 6
    logger.removeHandler(handler)
    handler.FLUSH_TIMEOUT = 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Timed out while delivering logs": expected here
        handler.close()


def test_use_queues_false_still_delivers_each_record_before_returning(moto, group, logger):
    handler = CloudWatchLogHandler(log_group_name=group, use_queues=False)
    logger.addHandler(handler)
    logger.info("sync 1")
    assert handler.stats()["delivered"] == 1
    logger.info("sync 2")
    assert all_messages(group) == ["sync 1", "sync 2"]


def test_a_message_larger_than_max_batch_size_is_sent_whole(moto, group, logger, recwarn):
    """max_batch_size bounds batches, not messages: a 5,000-byte message with a 1,024-byte
    batch bound goes alone, whole, without a truncation warning (as in 3.4)."""
    handler = CloudWatchLogHandler(log_group_name=group, max_batch_size=1024)
    logger.addHandler(handler)
    large = "x" * 5000
    logger.info("small 1")
    logger.info(large)
    logger.info("small 2")
    handler.flush()
    # (Three batches, logged in the same millisecond or two: the service's order of events
    # with equal timestamps is not the logging order.)
    assert sorted(all_messages(group)) == sorted(["small 1", large, "small 2"])
    stats = handler.stats()
    assert stats["truncated"] == 0 and stats["batches"] >= 2
    assert not [w for w in recwarn if "truncated" in str(w.message)]


def test_region_and_endpoint_url_arguments(moto, group, logger, monkeypatch):
    """region_name and endpoint_url as plain arguments, without any environment."""
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    handler = CloudWatchLogHandler(
        log_group_name=group, region_name="eu-north-1", endpoint_url=moto
    )
    logger.addHandler(handler)
    logger.info("to eu-north-1")
    handler.close()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto)
    assert all_messages(group, region="eu-north-1") == ["to eu-north-1"]


def test_max_retry_time_bounds_the_retries(moto, group, logger):
    """An unreachable endpoint with max_retry_time=1 and request_timeout=1: the record is
    given up (counted as retries_exhausted) within seconds, not after 10 minutes."""
    handler = CloudWatchLogHandler(
        log_group_name=group,
        create_log_group=False,
        endpoint_url=_closed_port_url(),
        max_retry_time=1,
        request_timeout=1,
    )
    logger.addHandler(handler)
    logger.info("given up")
    start = time.monotonic()
    handler.flush()
    assert time.monotonic() - start < 20
    assert handler.stats()["dropped"]["retries_exhausted"] == 1


def test_dictconfig_with_plain_arguments(moto, group, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {
                "cw": {
                    "class": "watchtower.CloudWatchLogHandler",
                    "log_group_name": group,
                    "region_name": "ap-southeast-2",
                    "endpoint_url": moto,
                    "max_retry_time": 30,
                    "request_timeout": 5,
                }
            },
            "loggers": {"yaml.app": {"handlers": ["cw"], "level": "INFO", "propagate": False}},
        }
    )
    logging.getLogger("yaml.app").info("configured in YAML")
    (handler,) = logging.getLogger("yaml.app").handlers
    handler.close()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto)
    assert all_messages(group, region="ap-southeast-2") == ["configured in YAML"]


def test_extra_fields_as_json_keys_when_asked(moto, group, logger):
    handler = CloudWatchLogHandler(log_group_name=group, json_extra_fields=True)
    handler.formatter.add_log_record_attrs = ["levelname"]
    logger.addHandler(handler)
    logger.info("user %s logged in", "ann", extra={"user_id": 42, "ip": "10.0.0.1"})
    logger.info({"event": "dict"}, extra={"request_id": "r1"})
    logger.info("no extra")
    handler.flush()
    got = [json.loads(m) for m in all_messages(group)]
    assert got == [
        {"msg": "user ann logged in", "levelname": "INFO", "user_id": 42, "ip": "10.0.0.1"},
        {"event": "dict", "levelname": "INFO", "request_id": "r1"},
        {"msg": "no extra", "levelname": "INFO"},
    ]


def test_extra_fields_are_not_added_by_default(moto, group, logger):
    handler = CloudWatchLogHandler(log_group_name=group)
    logger.addHandler(handler)
    logger.info("plain", extra={"user_id": 42})
    handler.flush()
    assert all_messages(group) == ["plain"]
