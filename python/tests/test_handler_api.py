"""The public surface of watchtower 3.4: signature, defaults, aliases, errors, attributes,
repr, filters, flush/close semantics, logging.Handler behaviour and dictConfig."""

import inspect
import logging
import logging.config
import pickle
import re
from datetime import timedelta

import pytest
from conftest import all_messages, logs_client

import watchtower
from watchtower import (
    DEFAULT_LOG_STREAM_NAME,
    CloudWatchLogFormatter,
    CloudWatchLogHandler,
    WatchtowerError,
    WatchtowerWarning,
)

# (name, default) in 3.4's positional order, then *args, **kwargs.
SIGNATURE_3_4 = [
    ("log_group_name", "watchtower"),
    ("log_stream_name", "{machine_name}/{program_name}/{logger_name}/{process_id}"),
    ("use_queues", True),
    ("send_interval", 60),
    ("max_batch_size", 1048576),
    ("max_batch_count", 10000),
    ("boto3_client", None),
    ("boto3_profile_name", None),
    ("create_log_group", True),
    ("log_group_tags", {}),
    ("json_serialize_default", None),
    ("log_group_retention_days", None),
    ("create_log_stream", True),
    ("max_message_size", 262144),
    ("log_group", None),
    ("stream_name", None),
]


# watchtower-rs's additions: keyword-only, between *args and **kwargs.
KEYWORD_ONLY = [
    ("region_name", None),
    ("endpoint_url", None),
    ("max_retry_time", None),
    ("request_timeout", None),
    ("json_extra_fields", False),
    ("proxy_url", None),
    ("no_proxy", None),
    ("ca_bundle", None),
    ("spool_dir", None),
    ("compress", True),
]


def test_constructor_signature_is_3_4s():
    params = list(inspect.signature(CloudWatchLogHandler.__init__).parameters.values())[1:]
    positional = [p for p in params if p.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert [(p.name, p.default) for p in positional] == SIGNATURE_3_4
    rest = params[len(positional) :]
    assert (rest[0].name, rest[0].kind) == ("args", inspect.Parameter.VAR_POSITIONAL)
    assert (rest[-1].name, rest[-1].kind) == ("kwargs", inspect.Parameter.VAR_KEYWORD)
    assert [(p.name, p.default) for p in rest[1:-1]] == KEYWORD_ONLY
    assert all(p.kind == inspect.Parameter.KEYWORD_ONLY for p in rest[1:-1])
    assert DEFAULT_LOG_STREAM_NAME == SIGNATURE_3_4[1][1]


def test_formatter_signature_is_3_4s():
    params = inspect.signature(CloudWatchLogFormatter.__init__).parameters
    assert [(p.name, p.kind, p.default) for p in params.values()][1:] == [
        ("args", inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.empty),
        ("json_serialize_default", inspect.Parameter.KEYWORD_ONLY, None),
        ("add_log_record_attrs", inspect.Parameter.KEYWORD_ONLY, None),
        # watchtower-rs: extra= fields as JSON keys (json_extra_fields of the handler)
        ("add_extra_fields", inspect.Parameter.KEYWORD_ONLY, False),
        ("kwargs", inspect.Parameter.VAR_KEYWORD, inspect.Parameter.empty),
    ]
    assert CloudWatchLogFormatter.add_log_record_attrs == ()


def test_module_surface():
    assert set(watchtower.__all__) >= {
        "CloudWatchLogHandler",
        "CloudWatchLogFormatter",
        "WatchtowerError",
        "WatchtowerWarning",
    }
    assert issubclass(WatchtowerWarning, UserWarning)
    assert issubclass(WatchtowerError, Exception)
    assert WatchtowerError.__module__ == WatchtowerWarning.__module__ == "watchtower"
    assert WatchtowerError.__doc__ == "Default exception class for the watchtower module."
    err = pickle.loads(pickle.dumps(WatchtowerError("boom")))
    assert type(err) is WatchtowerError and err.args == ("boom",)
    for name in ("_json_serialize_default", "_boto_debug_filter", "_boto_filter"):
        assert callable(getattr(watchtower, name))
    assert issubclass(CloudWatchLogHandler, logging.Handler)
    assert issubclass(CloudWatchLogFormatter, logging.Formatter)
    assert isinstance(watchtower.__version__, str)


def test_class_attributes():
    assert CloudWatchLogHandler.END == 1
    assert CloudWatchLogHandler.FLUSH == 2
    assert CloudWatchLogHandler.FLUSH_TIMEOUT == 30
    assert CloudWatchLogHandler.EXTRA_MSG_PAYLOAD_SIZE == 26


def test_all_arguments_positionally(make_handler, group, logs):
    """All 16 of 3.4's parameters by position, plus `level` through *args."""
    handler = make_handler(
        group,
        "fixed-stream",
        True,
        5,
        500_000,
        100,
        None,
        None,
        True,
        {"team": "logs"},
        str,
        7,
        True,
        1000,
        None,
        None,
        logging.WARNING,
    )
    assert handler.level == logging.WARNING
    assert handler.log_group_name == group
    assert handler.log_stream_name == "fixed-stream"
    assert handler.use_queues is True
    assert handler.send_interval == 5
    assert handler.max_batch_size == 500_000
    assert handler.max_batch_count == 100
    assert handler.json_serialize_default is str
    assert handler.formatter.json_serialize_default is str
    assert handler.log_group_retention_days == 7
    assert handler.create_log_stream is True
    assert handler.max_message_size == 1000
    (described,) = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert described["retentionInDays"] == 7
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"team": "logs"}


def test_attributes_3_4_code_reads(make_handler, group):
    handler = make_handler()
    assert handler.queues == {} and handler.sequence_tokens == {} and handler.threads == []
    assert handler.creating_log_stream is False and handler.shutting_down is False
    assert handler.json_serialize_default is watchtower._json_serialize_default
    assert isinstance(handler.formatter, CloudWatchLogFormatter)
    assert handler.filters == [watchtower._boto_debug_filter]
    # cwl_client: made on first access, like 3.4's boto3.client("logs")
    assert handler.cwl_client.meta.service_model.service_name == "logs"
    assert handler.cwl_client is handler.cwl_client
    handler.close()
    assert handler.shutting_down is True


def test_unknown_keyword_is_a_type_error(moto):
    with pytest.raises(TypeError) as info:
        CloudWatchLogHandler(boto3_session=object())
    assert str(info.value) == (
        "Handler.__init__() got an unexpected keyword argument 'boto3_session'"
    )


def test_deprecated_aliases(make_handler, group):
    with pytest.warns(DeprecationWarning) as record:
        handler = make_handler(log_group_name="watchtower", log_group=group)
    assert [str(w.message) for w in record] == ["Please use log_group_name instead of log_group"]
    assert handler.log_group_name == group
    with pytest.warns(DeprecationWarning) as record:
        handler = make_handler(stream_name="aliased")
    assert [str(w.message) for w in record] == ["Please use log_stream_name instead of stream_name"]
    assert handler.log_stream_name == "aliased"


@pytest.mark.parametrize(
    "kwargs, text",
    [
        (
            dict(log_group_name="a", log_group="b"),
            "Both log_group_name and deprecated log_group parameter specified",
        ),
        (
            dict(log_stream_name="a", stream_name="b"),
            "Both log_stream_name and deprecated stream_name parameter specified",
        ),
        (
            dict(boto3_client=object(), boto3_profile_name="p"),
            "Either boto3_client or boto3_profile_name can be specified, but not both",
        ),
    ],
)
def test_conflicting_arguments_raise_3_4_errors(moto, kwargs, text):
    with pytest.raises(WatchtowerError) as info:
        CloudWatchLogHandler(**kwargs)
    assert str(info.value) == text


@pytest.mark.parametrize(
    "kwargs, text",
    [
        (dict(max_batch_count=-1), "max_batch_count must be a positive integer, got -1"),
        (dict(max_batch_size=0), "max_batch_size must be a positive integer, got 0"),
        (dict(max_message_size=1.5), "max_message_size must be a positive integer, got 1.5"),
        (dict(send_interval=-5), "send_interval must be a number of seconds"),
        (dict(send_interval=float("nan")), "send_interval must be a number of seconds"),
        (dict(send_interval=timedelta(days=2)), "from 0 to a day"),
        (dict(send_interval="soon"), "got 'soon'"),
    ],
)
def test_impossible_numbers_raise_at_construction(moto, group, kwargs, text):
    """3.4 took them and failed in its worker thread (or sent everything at once)."""
    with pytest.raises(WatchtowerError, match=re.escape(text)):
        CloudWatchLogHandler(log_group_name=group, **kwargs)


def test_repr(make_handler, group):
    handler = make_handler(log_stream_name="S")
    assert repr(handler) == f"CloudWatchLogHandler(log_group_name='{group}', log_stream_name='S')"


def test_create_log_group_false_leaves_groups_alone(make_handler, group, logs):
    make_handler(create_log_group=False)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []


def test_constructor_errors_propagate(moto, group):
    """As in 3.4, a failing setup call (here: retention on a group that does not exist, with
    creation disabled) raises out of the constructor."""
    with pytest.raises(WatchtowerError, match="ResourceNotFoundException"):
        CloudWatchLogHandler(
            log_group_name=group, create_log_group=False, log_group_retention_days=30
        )


def test_boto_filters(make_handler, logger, group):
    handler = make_handler(log_stream_name="filters")
    logger.addHandler(handler)
    botocore = logging.getLogger("botocore.endpoint")
    urllib3 = logging.getLogger("urllib3.connectionpool")
    for lg in (botocore, urllib3):
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    botocore.debug("botocore debug")
    urllib3.debug("urllib3 debug")
    botocore.info("botocore info")
    logging.getLogger("boto3.resources").info("boto3 info")  # not covered by the filters
    handler.flush()
    assert handler.filters == [watchtower._boto_debug_filter, watchtower._boto_filter]
    botocore.warning("botocore after flush")
    logger.info("app after flush")
    handler.flush()
    assert handler.filters == [watchtower._boto_debug_filter, watchtower._boto_filter]
    assert sorted(all_messages(group)) == ["app after flush", "botocore info"]
    for lg in (botocore, urllib3):
        lg.removeHandler(handler)


def test_close_twice_and_log_after_close(make_handler, logger, group):
    handler = make_handler(log_stream_name="closing")
    logger.addHandler(handler)
    logger.info("before close")
    handler.close()
    handler.close()  # harmless
    with pytest.warns(WatchtowerWarning) as record:
        logger.error("after close")
    assert [str(w.message) for w in record] == ["Received message after logging system shutdown"]
    assert all_messages(group) == ["before close"]
    handler.flush()  # does nothing after close
    assert handler.stats()["dropped"]["after_shutdown"] == 1


def test_flush_delivers_and_waits(make_handler, logger, group):
    handler = make_handler(send_interval=3600)
    logger.addHandler(handler)
    for i in range(10):
        logger.info("message %d", i)
    assert handler.stats()["queued_events"] == 10
    handler.flush()
    assert handler.stats()["delivered"] == 10
    assert all_messages(group) == [f"message {i}" for i in range(10)]


def test_levels_filters_and_set_formatter(make_handler, logger, group):
    handler = make_handler(level=logging.WARNING)
    handler.addFilter(lambda record: "secret" not in record.getMessage())
    handler.setFormatter(logging.Formatter("%(levelname)s|%(name)s|%(message)s"))
    logger.addHandler(handler)
    logger.info("too low")
    logger.warning("a secret")
    logger.error("kept")
    logger.critical({"dict": "becomes str() with a plain Formatter"})
    handler.flush()
    assert all_messages(group) == [
        f"ERROR|{logger.name}|kept",
        f"CRITICAL|{logger.name}|{{'dict': 'becomes str() with a plain Formatter'}}",
    ]


def test_bad_format_arguments_go_to_handle_error(make_handler, logger, capsys):
    """3.4 raised TypeError into the application; a handler reports it through handleError,
    as the standard library's handlers do, and goes on."""
    handler = make_handler()
    logger.addHandler(handler)
    logger.error("%d", "x")
    err = capsys.readouterr().err
    assert "--- Logging error ---" in err and "TypeError" in err
    logger.error("%d", 1)
    handler.flush()
    assert handler.stats()["delivered"] == 1


def test_other_emit_errors_go_to_handle_error(make_handler, logger, monkeypatch, capsys):
    handler = make_handler()
    logger.addHandler(handler)

    def broken(self, message):
        raise RuntimeError("stream name failure")

    monkeypatch.setattr(CloudWatchLogHandler, "_get_stream_name", broken)
    logger.info("goes to handleError")
    err = capsys.readouterr().err
    assert "--- Logging error ---" in err and "stream name failure" in err


def cw_handlers(lg):
    # (pytest's log capture may add its own handlers to the logger)
    return [h for h in lg.handlers if isinstance(h, CloudWatchLogHandler)]


def test_dictconfig_class_form(moto, group):
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {
                "cw": {
                    "class": "watchtower.CloudWatchLogHandler",
                    "level": "INFO",
                    "log_group_name": group,
                    "log_stream_name": "dictconfig-class",
                    "send_interval": 1.5,
                    "log_group_retention_days": 14,
                }
            },
            "loggers": {"dc.class": {"handlers": ["cw"], "level": "DEBUG", "propagate": False}},
        }
    )
    lg = logging.getLogger("dc.class")
    (handler,) = cw_handlers(lg)
    assert isinstance(handler, CloudWatchLogHandler) and handler.level == logging.INFO
    lg.debug("filtered by the handler level")
    lg.info({"configured": "by class"})
    handler.flush()
    assert all_messages(group) == ['{"configured": "by class"}']
    (described,) = logs_client().describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert described["retentionInDays"] == 14


def test_dictconfig_factory_form(moto, group):
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"f": {"format": "%(levelname)s %(message)s"}},
            "handlers": {
                "cw": {
                    "()": CloudWatchLogHandler,
                    "formatter": "f",
                    "log_group_name": group,
                    "log_stream_name": "{logger_name}",
                }
            },
            "loggers": {"dc.factory": {"handlers": ["cw"], "level": "INFO", "propagate": False}},
        }
    )
    lg = logging.getLogger("dc.factory")
    lg.warning("made by ()")
    cw_handlers(lg)[0].flush()
    assert all_messages(group) == ["WARNING made by ()"]


def test_repeated_dictconfig_closes_old_handlers(moto, group):
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"cw": {"class": "watchtower.CloudWatchLogHandler", "log_group_name": group}},
        "loggers": {"dc.again": {"handlers": ["cw"], "level": "INFO", "propagate": False}},
    }
    logging.config.dictConfig(config)
    first = cw_handlers(logging.getLogger("dc.again"))[0]
    logging.getLogger("dc.again").info("first config")
    logging.config.dictConfig(config)
    second = cw_handlers(logging.getLogger("dc.again"))[0]
    assert first is not second and first.shutting_down
    logging.getLogger("dc.again").info("second config")
    second.flush()
    assert sorted(all_messages(group)) == ["first config", "second config"]


def test_stats(make_handler, logger):
    handler = make_handler()
    logger.addHandler(handler)
    logger.info("counted")
    handler.flush()
    stats = handler.stats()
    assert stats["records"] == stats["events"] == stats["delivered"] == 1
    assert stats["batches"] == 1 and stats["bytes"] == len("counted") + 26
    assert stats["dropped_total"] == 0 and set(stats["dropped"]) >= {"queue_full", "empty"}


def test_warning_texts_are_exact(make_handler, logger):
    logger.addHandler(make_handler(max_message_size=100))
    expected = {
        "": "Received empty message. Empty messages cannot be sent to CloudWatch Logs",
        "x" * 200: "Log message size exceeds CWL max payload size, truncated",
    }
    for msg, text in expected.items():
        with pytest.warns(WatchtowerWarning) as record:
            logger.info(msg)
        assert [str(w.message) for w in record] == [text]
    with pytest.warns(WatchtowerWarning, match=re.escape(expected[""])):
        logger.info("%s", "")
