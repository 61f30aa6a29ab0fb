"""CloudWatchLogFormatter: dict messages are json.dumps output with 3.4's default serializer,
byte for byte; add_log_record_attrs; other messages go through logging.Formatter."""

import datetime
import decimal
import json
import logging
import sys
import uuid
from collections import OrderedDict
from types import MappingProxyType

import pytest
from conftest import all_messages

from watchtower import CloudWatchLogFormatter, _json_serialize_default


def reference_default(o):
    """watchtower 3.4's _json_serialize_default, restated."""
    if isinstance(o, (datetime.date, datetime.datetime)):
        return o.isoformat()
    return repr(o)


def reference_format(msg, default=reference_default):
    return json.dumps(msg, default=default)


def record(msg, *args, **extra):
    rec = logging.LogRecord("fmt.test", logging.INFO, __file__, 42, msg, args, None)
    rec.__dict__.update(extra)
    return rec


class Opaque:
    def __repr__(self):
        return "<Opaque 'quoted' \"double\">"


CASES = {
    "flat": {"foo": "bar", "details": {}},
    "datetime": {"at": datetime.datetime(2021, 11, 14, 5, 34, 9, 692000)},
    "aware datetime": {"at": datetime.datetime(2021, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)},
    "date": {"day": datetime.date(1999, 12, 31)},
    "time is repr'd": {"t": datetime.time(12, 30)},
    "bytes": {"raw": b"abc", "bin": b"\x00\xff"},
    "nested": {"a": {"b": {"c": [1, 2, {"d": (3, 4)}]}}, "e": [[], {}]},
    "numbers": {"i": 10**30, "f": 1.5, "neg": -0.0, "nan": float("nan"), "inf": float("inf")},
    "literals": {"t": True, "f": False, "n": None},
    "unicode": {"euro": "€", "cjk": "日本語", "emoji": "😀", "ctl": 'a\nb\t"c\\'},
    "non-str keys": {1: "one", 2.5: "x", False: "f", None: "n"},
    "objects": {"set": {1}, "decimal": decimal.Decimal("1.10"), "uuid": uuid.UUID(int=1)},
    "custom repr": {"obj": Opaque(), "cls": Opaque},
    "ordered": OrderedDict([("z", 1), ("a", 2)]),
    "empty": {},
}


@pytest.mark.parametrize("name", list(CASES))
def test_dict_messages_match_json_dumps(name):
    msg = CASES[name]
    formatted = CloudWatchLogFormatter().format(record(msg))
    assert formatted == reference_format(msg)


def test_default_serializer_is_3_4s():
    for value in (datetime.datetime(2020, 1, 1), datetime.date(2020, 1, 1), b"x", {1}, Opaque()):
        assert _json_serialize_default(value) == reference_default(value)


def test_custom_and_missing_serializers():
    msg = {"at": datetime.datetime(2020, 1, 2, 3, 4, 5), "raw": b"abc"}
    assert CloudWatchLogFormatter(json_serialize_default=str).format(record(msg)) == (
        reference_format(msg, default=str)
    )
    formatter = CloudWatchLogFormatter()
    formatter.json_serialize_default = None  # as in 3.4, json.dumps then fails
    with pytest.raises(TypeError):
        formatter.format(record(msg))


def test_non_dict_mappings_follow_json_dumps():
    proxy = MappingProxyType({"a": 1})  # a Mapping json cannot encode: default's repr is used
    assert CloudWatchLogFormatter().format(record(proxy)) == reference_format(proxy)


def test_add_log_record_attrs():
    formatter = CloudWatchLogFormatter(add_log_record_attrs=["levelname"])
    rec = logging.LogRecord("x", logging.CRITICAL, __file__, 1, "hello", None, None)
    assert formatter.format(rec) == '{"msg": "hello", "levelname": "CRITICAL"}'
    # 3.4 mutates the record (and the user's dict)
    assert rec.msg == {"msg": "hello", "levelname": "CRITICAL"}

    user_dict = {"request": "hello", "metadata": {"size": 9000}, "raw": b"abc"}
    rec = logging.LogRecord("x", logging.CRITICAL, "/path/to/app.py", 1, user_dict, None, None)
    attrs = ["levelname", "filename", "process", "thread", "msg"]
    formatted = CloudWatchLogFormatter(add_log_record_attrs=attrs).format(rec)
    assert formatted == reference_format(
        {
            "request": "hello",
            "metadata": {"size": 9000},
            "raw": b"abc",
            "levelname": "CRITICAL",
            "filename": "app.py",
            "process": rec.process,
            "thread": rec.thread,
        }
    )
    assert "levelname" in user_dict


def test_add_log_record_attrs_as_attribute_and_with_args():
    formatter = CloudWatchLogFormatter()
    formatter.add_log_record_attrs = ("name", "lineno")
    assert formatter.format(record("n=%d", 5)) == '{"msg": "n=5", "name": "fmt.test", "lineno": 42}'


def test_missing_attribute_raises():
    formatter = CloudWatchLogFormatter(add_log_record_attrs=["no_such_attribute"])
    with pytest.raises(AttributeError):
        formatter.format(record("x"))


def test_extra_fields_only_when_listed():
    rec = record({"a": 1}, request_id="r-1")
    assert CloudWatchLogFormatter().format(rec) == '{"a": 1}'
    formatter = CloudWatchLogFormatter(add_log_record_attrs=["request_id"])
    assert formatter.format(record({"a": 1}, request_id="r-1")) == '{"a": 1, "request_id": "r-1"}'


def test_string_messages_use_logging_formatter():
    formatter = CloudWatchLogFormatter("%(levelname)s:%(name)s:%(message)s")
    assert formatter.format(record("a %s", "b")) == "INFO:fmt.test:a b"
    assert CloudWatchLogFormatter().format(record("plain")) == "plain"
    try:
        raise ValueError("boom")
    except ValueError:
        rec = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    text = CloudWatchLogFormatter().format(rec)
    assert text.startswith("failed\nTraceback") and "ValueError: boom" in text


def test_dict_messages_keep_their_traceback():
    """3.4 dropped exc_info for dict messages; here it is kept under "exc_info" (the output is
    unchanged when there is no traceback)."""
    user_dict = {"event": "failed"}
    try:
        raise ValueError("boom")
    except ValueError:
        rec = logging.LogRecord("x", logging.ERROR, __file__, 1, user_dict, None, sys.exc_info())
    out = json.loads(CloudWatchLogFormatter().format(rec))
    assert out["event"] == "failed"
    assert out["exc_info"].startswith("Traceback") and "ValueError: boom" in out["exc_info"]
    assert user_dict == {"event": "failed"}
    rec = logging.LogRecord("x", logging.INFO, __file__, 1, {"a": 1}, None, None, sinfo="Stack")
    assert json.loads(CloudWatchLogFormatter().format(rec)) == {"a": 1, "stack_info": "Stack"}


def test_end_to_end_with_record_attrs(make_handler, logger, group):
    handler = make_handler()
    handler.formatter.add_log_record_attrs = ["levelname", "name"]
    logger.addHandler(handler)
    logger.critical(
        {"request": "hello", "metadata": {"size": 9000}, "at": datetime.date(2021, 11, 14)}
    )
    logger.warning("plain %s", "text")
    handler.flush()
    assert all_messages(group) == [
        '{"request": "hello", "metadata": {"size": 9000}, "at": "2021-11-14", '
        f'"levelname": "CRITICAL", "name": "{logger.name}"}}',
        f'{{"msg": "plain text", "levelname": "WARNING", "name": "{logger.name}"}}',
    ]
