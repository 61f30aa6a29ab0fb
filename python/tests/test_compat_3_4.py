"""Code written against watchtower 3.4's private helpers keeps working: the upstream tests
patch _submit_batch, _idempotent_call and _get_stream_name on the class, and subclasses
override them. (These helpers are not part of the contract; this keeps such code running.)"""

import datetime
import logging
from unittest import mock

import pytest
from conftest import all_messages, events_by_stream

from watchtower import CloudWatchLogHandler, WatchtowerWarning


def submitted_messages(submit):
    return [event["message"] for call in submit.call_args_list for event in call.args[0]]


def test_patched_submit_batch_receives_3_4_batches(make_handler, logger):
    """Upstream's formatter test: patch _submit_batch, log, flush, read args[0][0]."""
    handler = make_handler()
    logger.addHandler(handler)
    when = datetime.datetime(2021, 1, 2, 3, 4, 5)
    with mock.patch.object(CloudWatchLogHandler, "_submit_batch") as submit:
        logger.critical({"msg": "hello", "time": when})
        handler.flush()
        (call,) = submit.call_args_list
        batch, stream = call.args
        assert batch[0]["message"] == '{"msg": "hello", "time": "2021-01-02T03:04:05"}'
        assert isinstance(batch[0]["timestamp"], int)
        assert stream == handler._get_stream_name(logging.makeLogRecord({"name": logger.name}))

        submit.reset_mock()
        handler.formatter.json_serialize_default = str
        logger.critical({"time": when})
        handler.flush()
        assert submitted_messages(submit) == ['{"time": "2021-01-02 03:04:05"}']

        submit.reset_mock()
        handler.formatter.json_serialize_default = None
        logger.critical({"time": when})  # json.dumps fails: handleError, nothing submitted
        handler.flush()
        assert submit.call_count == 0

        handler.formatter.json_serialize_default = repr
        handler.formatter.add_log_record_attrs = ["levelname"]
        logger.critical("hello")
        logger.critical({"raw": b"abc"})
        handler.flush()
        assert submitted_messages(submit) == [
            '{"msg": "hello", "levelname": "CRITICAL"}',
            '{"raw": "b\'abc\'", "levelname": "CRITICAL"}',
        ]


def test_patched_submit_batch_batches_like_3_4(make_handler, logger):
    """Upstream's unicode test: five 396 KB messages, then flush: exactly two batches."""
    handler = make_handler()
    logger.addHandler(handler)
    with mock.patch.object(CloudWatchLogHandler, "_submit_batch") as submit:
        with pytest.warns(WatchtowerWarning, match="truncated"):
            for _ in range(5):
                logger.info("€" * 132096)
        handler.flush()
    assert submit.call_count == 2
    assert [len(c.args[0]) for c in submit.call_args_list] == [4, 1]


def test_subclass_overriding_submit_batch_can_call_super(make_handler, logger, group):
    seen = []

    class Auditing(CloudWatchLogHandler):
        def _submit_batch(self, batch, log_stream_name, max_retries=5):
            seen.append((log_stream_name, len(batch)))
            super()._submit_batch(batch, log_stream_name, max_retries)

    handler = make_handler(cls=Auditing, log_stream_name="audited", max_batch_count=3)
    logger.addHandler(handler)
    for i in range(7):
        logger.info("a%d", i)
    handler.flush()
    assert seen == [("audited", 3), ("audited", 3), ("audited", 1)]
    assert events_by_stream(group) == {"audited": [f"a{i}" for i in range(7)]}


def test_patched_get_stream_name(make_handler, logger, group):
    handler = make_handler()
    logger.addHandler(handler)
    with mock.patch.object(CloudWatchLogHandler, "_get_stream_name", return_value="patched"):
        logger.info("to the patched stream")
        handler.flush()
    assert events_by_stream(group) == {"patched": ["to the patched stream"]}


def test_use_queues_false_does_not_call_idempotent_call_per_emit(make_handler, logger, group):
    """Upstream's create_log_stream_on_emit: the first emit creates the stream, later emits do
    not try to again, and a stream deleted meanwhile is recreated."""
    handler = make_handler(use_queues=False, log_stream_name="on-emit")
    logger.addHandler(handler)
    logger.info("first")
    assert all_messages(group) == ["first"]
    with mock.patch.object(CloudWatchLogHandler, "_idempotent_call") as idempotent:
        logger.info("second")
        assert idempotent.call_count == 0
    handler.cwl_client.delete_log_stream(logGroupName=group, logStreamName="on-emit")
    logger.info("third")
    assert all_messages(group) == ["third"]


def test_unbound_idempotent_call(moto, group, make_handler, logger):
    """Upstream's existing_log_stream test calls the unbound method with any object that has a
    cwl_client; "already exists" is swallowed."""
    import boto3

    holder = mock.Mock(cwl_client=boto3.client("logs"))
    holder.cwl_client.create_log_group(logGroupName=group)
    for _ in range(2):
        CloudWatchLogHandler._idempotent_call(
            holder, "create_log_stream", logGroupName=group, logStreamName="pre-made"
        )
    handler = make_handler(log_stream_name="pre-made", create_log_stream=False)
    logger.addHandler(handler)
    logger.info("into the pre-made stream")
    handler.flush()
    assert events_by_stream(group) == {"pre-made": ["into the pre-made stream"]}


def test_get_log_group_arn(make_handler):
    handler = make_handler()
    arn = handler._get_log_group_arn()
    assert arn == f"arn:aws:logs:us-east-1:123456789012:log-group:{handler.log_group_name}"
    assert handler.cwl_client.list_tags_for_resource(resourceArn=arn)["tags"] == {}


def test_size_and_truncate_helpers(make_handler):
    handler = make_handler()
    assert handler._size({"message": "€"}) == 3 + 26
    assert handler._size(None) == 1 + 26
    with pytest.warns(WatchtowerWarning, match="truncated"):
        event = handler._truncate({"message": "a€€"}, 5)
    assert event == {"message": "a€"}
