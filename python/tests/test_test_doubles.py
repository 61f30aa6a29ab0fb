"""A boto3_client that is a test double gets the calls itself (3.4's path), so that users'
own test suites run offline: botocore's Stubber, unittest.mock.MagicMock, and moto's
in-process mock_aws. Nothing reaches the (moto server) endpoint of the environment."""

from unittest.mock import ANY, MagicMock

import boto3
from botocore.stub import Stubber
from conftest import all_messages

from watchtower import CloudWatchLogHandler


def test_botocore_stubber_receives_the_calls(moto, group, logger):
    client = boto3.client("logs")
    stubber = Stubber(client)
    stubber.add_response("create_log_group", {}, {"logGroupName": group})
    stubber.add_response(
        "put_log_events",
        {},
        {
            "logGroupName": group,
            "logStreamName": ANY,
            "logEvents": [
                {"timestamp": ANY, "message": "stubbed 1"},
                {"timestamp": ANY, "message": "stubbed 2"},
            ],
        },
    )
    with stubber:
        handler = CloudWatchLogHandler(log_group_name=group, boto3_client=client)
        logger.addHandler(handler)
        logger.info("stubbed 1")
        logger.info("stubbed 2")
        handler.flush()
        stubber.assert_no_pending_responses()
        handler.close()
    assert all_messages(group) == []


def test_magicmock_receives_the_calls(moto, group, logger):
    client = MagicMock()
    handler = CloudWatchLogHandler(log_group_name=group, boto3_client=client)
    client.create_log_group.assert_called_once_with(logGroupName=group)
    logger.addHandler(handler)
    logger.info("mocked %d", 1)
    logger.info({"mocked": 2})
    handler.flush()
    (call,) = client.put_log_events.call_args_list
    assert call.kwargs["logGroupName"] == group
    assert [e["message"] for e in call.kwargs["logEvents"]] == ["mocked 1", '{"mocked": 2}']
    handler.close()
    assert all_messages(group) == []


def test_moto_mock_aws_in_process_receives_the_calls(moto, group, logger, monkeypatch):
    from moto import mock_aws

    monkeypatch.delenv("AWS_ENDPOINT_URL")  # moto's in-process mock only sees AWS hosts
    with mock_aws():
        client = boto3.client("logs", region_name="us-east-1")
        handler = CloudWatchLogHandler(log_group_name=group, boto3_client=client)
        logger.addHandler(handler)
        logger.info("in process")
        handler.flush()
        events = client.filter_log_events(logGroupName=group)["events"]
        assert [e["message"] for e in events] == ["in process"]
        handler.close()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto)
    assert all_messages(group) == []


def test_a_real_client_is_not_a_double(moto, group, logger):
    """The ordinary case still sends from Rust (the client is not called to send)."""
    client = boto3.client("logs")
    calls = []
    client.meta.events.register("before-call.logs.PutLogEvents", lambda **kw: calls.append(1))
    handler = CloudWatchLogHandler(log_group_name=group, boto3_client=client)
    logger.addHandler(handler)
    logger.info("from rust")
    handler.flush()
    assert all_messages(group) == ["from rust"]
    assert calls == []
