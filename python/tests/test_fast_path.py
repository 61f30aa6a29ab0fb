"""The per-record fast path (`_watchtower.FastPath.handle`): a default handler's records are
formatted and queued in one call into the compiled module, with no Python frame of the
handler, the formatter or the record's getMessage; and whatever the handler does, it does
exactly what the Python path does (same events, streams, return values, warnings, errors)."""

import logging
import sys
import threading
import uuid
import warnings
from unittest import mock

import pytest
from conftest import events_by_stream

import watchtower
from watchtower import CloudWatchLogFormatter, CloudWatchLogHandler

PYTHON_PATH_ONLY = staticmethod(lambda handler, record: None)


def python_frames_of(fn):
    """The names of the Python functions `fn()` runs, outside this file."""
    names = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code.co_filename != __file__:
            names.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return names


def make_records():
    def rec(msg, args=()):
        return logging.LogRecord("fast.test", logging.INFO, __file__, 1, msg, args, None)

    return [
        rec("request handled id=%d user=%s", (7, "alice")),
        rec("a plain message"),
        rec({"event": "request", "id": 7, "tags": ["a", "b"], "ok": True}),
    ]


def test_a_default_handler_runs_no_python_frame_per_record(make_handler):
    handler = make_handler()
    records = make_records()
    handler.handle(records[0])  # not the first call of anything
    frames = python_frames_of(lambda: [handler.handle(r) for r in records])
    assert frames == ["handle"] * len(records), frames
    assert records[0].message == "request handled id=7 user=alice"
    assert records[1].message == "a plain message"
    handler.flush()
    assert handler.stats()["delivered"] == len(records) + 1


def test_the_settings_are_checked_once_per_change_not_per_record(make_handler):
    handler = make_handler()
    warm_up(handler)
    verdict = handler.__dict__["_fast_verdict"]
    warm_up(handler)
    assert handler.__dict__["_fast_verdict"] is verdict  # kept between records
    handler.setFormatter(CloudWatchLogFormatter())
    warm_up(handler)
    assert handler.__dict__["_fast_verdict"] is not verdict  # made again after a change
    handler.flush()
    assert handler.stats()["delivered"] == 3


def test_the_python_path_runs_when_the_fast_path_is_off(make_handler, monkeypatch):
    # What the test above rules out (and why it fails without the fast path).
    monkeypatch.setattr(watchtower, "_handle_fast", PYTHON_PATH_ONLY)
    handler = make_handler()
    frames = python_frames_of(lambda: handler.handle(make_records()[0]))
    assert "emit" in frames and "getMessage" in frames


class FormatSubclass(CloudWatchLogHandler):
    def format(self, record):
        return "sub:" + super().format(record)


class EmitSubclass(CloudWatchLogHandler):
    def emit(self, record):
        record.msg = "via emit: " + str(record.msg)
        super().emit(record)


class ShoutingRecord(logging.LogRecord):
    def getMessage(self):
        return super().getMessage().upper()


class Unprintable:
    def __str__(self):
        raise RuntimeError("no text")


def log_all(handler, logger):
    """Logs one of every kind of record; returns what handle() returned for each."""
    returned = []
    original = handler.handle

    def spy(record):
        rv = original(record)
        returned.append(rv is record if rv not in (True, False) else rv)
        return rv

    handler.handle = spy
    logger.addHandler(handler)
    try:
        logger.info("id=%d user=%s", 7, "alice")
        logger.info("plain")
        logger.info("%(a)s and %(b)s", {"a": 1, "b": "two"})
        logger.info({"event": "x", "n": [1, 2.5, None], "nested": {"k": "v"}})
        logger.info({"with": "%s args"}, "some")
        logger.info("")
        logger.info("%s", "")
        logger.info("%d", "not a number")  # handleError, nothing sent
        logger.info("lone \ud800 surrogate")  # handleError (not UTF-8), nothing sent
        logger.info("%s", Unprintable())
        logger.info(12345)
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed %s", "here")
        logger.info({"event": "err"}, exc_info=(ValueError, ValueError("x"), None))
        logger.info("stack", stack_info=True)
        for name in ("botocore.x", "urllib3.y", "botocorex"):
            handler.handle(logging.LogRecord(name, logging.INFO, __file__, 1, name, (), None))
            handler.handle(logging.LogRecord(name, logging.DEBUG, __file__, 1, name, (), None))
        factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(ShoutingRecord)
        try:
            logger.info("shouted %s", "text")
        finally:
            logging.setLogRecordFactory(factory)
        t = threading.Thread(target=logger.info, args=("from %s", "a thread"), name="worker-7")
        t.start()
        t.join()
        handler.flush()  # adds the filter that drops every botocore record
        for name in ("botocore.x", "urllib3.y", "other"):
            handler.handle(logging.LogRecord(name, logging.INFO, __file__, 1, name, (), None))
    finally:
        logger.removeHandler(handler)
        del handler.handle
    handler.flush()
    return returned


def configure_formatter(handler):
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))


def add_attrs_later(handler):
    handler.formatter.add_log_record_attrs = ["levelname"]


def other_style(handler):
    handler.formatter._style = logging.StrFormatStyle("{message}")


def extra_filter(handler):
    handler.addFilter(lambda r: r.msg != "plain")


def no_formatter(handler):
    handler.formatter = None


def warm_up(handler, text="warm-up"):
    """One record through the handler (the fast path keeps its verdict on the settings)."""
    handler.handle(logging.LogRecord("fast.test", logging.INFO, __file__, 1, text, (), None))


def attrs_list_grows(handler):
    handler.formatter.add_log_record_attrs = []
    warm_up(handler, "between")
    handler.formatter.add_log_record_attrs.append("levelname")


def extra_fields_later(handler):
    handler.formatter.add_extra_fields = True


def style_format_changed_in_place(handler):
    handler.formatter._style._fmt = "%(levelname)s %(message)s"


def filters_list_grows(handler):
    handler.filters.append(lambda r: r.msg != "plain")


def filters_list_replaced(handler):
    handler.filters = [lambda r: r.msg != "plain"]


def queues_off_later(handler):
    handler.use_queues = False


class QueuesOffInTheClass(CloudWatchLogHandler):
    use_queues = False  # hidden by the instance's own value (True) until that is deleted


def queues_attribute_deleted(handler):
    del handler.use_queues


SETUPS = {
    "default": (dict(), None),
    "logger and thread in the stream name": (
        dict(log_stream_name="{logger_name}/{thread_name}/{process_id}"),
        None,
    ),
    "python stream names": (dict(log_stream_name="{logger_name}:{strftime:%Y}"), None),
    "use_queues=False": (dict(use_queues=False), None),
    "json_extra_fields": (dict(json_extra_fields=True), None),
    "another formatter": (dict(), configure_formatter),
    "no formatter": (dict(), no_formatter),
    "add_log_record_attrs set later": (dict(), add_attrs_later),
    "another format style": (dict(), other_style),
    "a filter of the user": (dict(), extra_filter),
    "subclass with format": (dict(cls=FormatSubclass), None),
    "subclass with emit": (dict(cls=EmitSubclass), None),
    "add_log_record_attrs list grows in place": (dict(), attrs_list_grows),
    "add_extra_fields set later": (dict(), extra_fields_later),
    "style format changed in place": (dict(), style_format_changed_in_place),
    "filters list grows in place": (dict(), filters_list_grows),
    "filters list replaced": (dict(), filters_list_replaced),
    "use_queues set to False later": (dict(), queues_off_later),
    "an attribute deleted": (dict(cls=QueuesOffInTheClass), queues_attribute_deleted),
}
# Changed after records went through the handler (the fast path checks its settings once
# per change, not per record): the change must be seen from the next record on.
LATER = [name for name, (_, configure) in SETUPS.items() if configure is not None]


def run_setup(make_handler, logger, name, group, later=False):
    kwargs, configure = SETUPS[name]
    kwargs = dict(kwargs, log_group_name=group)
    handler = make_handler(**kwargs)
    if later:
        warm_up(handler)
        warm_up(handler)
    if configure:
        configure(handler)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with mock.patch("sys.stderr") as stderr:
            returned = log_all(handler, logger)
    errors = "".join(c.args[0] for c in stderr.write.call_args_list if c.args)
    # Tracebacks of handleError, without their line numbers and paths.
    error_lines = sorted(
        line.strip()
        for line in errors.splitlines()
        if line.strip().startswith(("ValueError", "TypeError", "RuntimeError", "Unicode"))
    )
    return (
        returned,
        sorted((str(w.category.__name__), str(w.message)) for w in caught),
        error_lines,
        # (A stack's frames differ between the two runs: cut it.)
        {
            stream: [m.split("Stack (most recent call last)")[0] for m in messages]
            for stream, messages in events_by_stream(group).items()
        },
    )


@pytest.mark.parametrize(
    "name,later", [(name, False) for name in SETUPS] + [(name, True) for name in LATER]
)
def test_the_fast_path_does_what_the_python_path_does(
    make_handler, logger, monkeypatch, name, later
):
    fast = run_setup(make_handler, logger, name, f"fast-{uuid.uuid4().hex[:10]}", later)
    monkeypatch.setattr(watchtower, "_handle_fast", PYTHON_PATH_ONLY)
    slow = run_setup(make_handler, logger, name, f"slow-{uuid.uuid4().hex[:10]}", later)
    assert fast[0] == slow[0], "handle() returned something else"
    assert fast[1] == slow[1], "other warnings"
    assert fast[2] == slow[2], "other handleError output"
    assert fast[3] == slow[3], f"other events: {fast[3]} != {slow[3]}"
    assert sum(len(m) for m in fast[3].values()) >= 10


@pytest.mark.parametrize(
    "patched", ["emit", "format", "filter", "_submit_batch", "_get_stream_name"]
)
def test_a_patched_class_method_is_called(make_handler, logger, patched):
    handler = make_handler()
    original = getattr(CloudWatchLogHandler, patched)
    calls = []

    def spy(self, *args, **kwargs):
        calls.append(args)
        return original(self, *args, **kwargs)

    logger.addHandler(handler)
    with mock.patch.object(CloudWatchLogHandler, patched, spy):
        logger.info("id=%d", 1)
        handler.flush()
    assert calls, f"{patched} was not called"


def test_the_formatter_class_must_be_ours(make_handler, logger, group):
    class Sub(CloudWatchLogFormatter):
        def format(self, record):
            return "custom " + super().format(record)

    handler = make_handler(log_group_name=group)
    handler.setFormatter(Sub())
    logger.addHandler(handler)
    logger.info("id=%d", 1)
    handler.flush()
    assert [m for ms in events_by_stream(group).values() for m in ms] == ["custom id=1"]
