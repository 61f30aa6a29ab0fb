"""watchtower-rs: a drop-in for watchtower 3.4, the Python logging handler for CloudWatch Logs.

``CloudWatchLogHandler`` is a real :class:`logging.Handler` with watchtower 3.4's constructor,
attributes, warnings and errors. It formats each record in Python (``CloudWatchLogFormatter``:
dict messages become JSON exactly as in 3.4) and hands the text to the Rust core
(``watchtower._watchtower``), which routes, queues, batches, signs, sends and retries on its own
worker thread without holding the GIL.

Differences from 3.4, all in the direction of not losing or mangling logs:

- nothing is dropped while a log stream is being created;
- ``send_interval`` may be a :class:`datetime.timedelta`;
- batches are split so that none spans 24 hours; failed batches are retried with backoff for up
  to 10 minutes (3.4: five immediate attempts), and every event not delivered is counted
  (``handler.stats()``) and reported on stderr;
- one bounded queue (``MAX_QUEUE_BYTES``) and one worker thread per handler, not one unbounded
  queue and thread per stream; no sequence tokens;
- truncation happens only above ``max_message_size`` (3.4 counted the 26 bytes twice), and the
  ``{strftime}`` and ``{thread_name}`` values are made valid stream names (``:`` becomes ``-``);
- tracebacks of dict messages are kept (``"exc_info"`` / ``"stack_info"`` keys);
- several handlers deliver at exit, and a forked child logs through a fresh worker.
"""

import functools
import json
import logging
import operator
import os
import platform
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from operator import itemgetter
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    List,
    Optional,
    Sequence,
    TypeVar,
    Union,
    cast,
    overload,
)

from . import _exit, _template, _watchtower
from ._exit import handlers as _handlers
from ._watchtower import WatchtowerError, WatchtowerWarning, __version__

if TYPE_CHECKING:
    from ._watchtower import Stats

__all__ = [
    "DEFAULT_LOG_STREAM_NAME",
    "CloudWatchLogFormatter",
    "CloudWatchLogHandler",
    "WatchtowerError",
    "WatchtowerWarning",
    "__version__",
    "flush_all",
    "flush_on_return",
    "lambda_handler",
]

DEFAULT_LOG_STREAM_NAME = "{machine_name}/{program_name}/{logger_name}/{process_id}"

_EMPTY_MESSAGE = "Received empty message. Empty messages cannot be sent to CloudWatch Logs"
_AFTER_SHUTDOWN = "Received message after logging system shutdown"
_TRUNCATED = "Log message size exceeds CWL max payload size, truncated"
_TIMED_OUT = "Timed out while delivering logs"
# Seconds within which a close() counts as right behind a flush() that timed out.
_RIGHT_BEHIND = 1.0
_WORKER_FAILED = "The watchtower worker failed, records were lost"

# PutLogEvents limits: bytes (message + 26 per event) and events per request.
_MAX_BATCH_BYTES = 1_048_576
_MAX_BATCH_EVENTS = 10_000

_OUTCOME_WARNINGS = {
    _watchtower.TRUNCATED: _TRUNCATED,
    _watchtower.EMPTY: _EMPTY_MESSAGE,
    _watchtower.AFTER_SHUTDOWN: _AFTER_SHUTDOWN,
}
_is_worker_thread = _watchtower.is_worker_thread
_dumps_fast = _watchtower.dumps_fast
_PercentStyle = logging.PercentStyle
# The attributes every LogRecord has (what is not one of these came from ``extra=``).
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}
_HANDLER_FORMAT = logging.Handler.format


def _json_serialize_default(o):
    """
    A standard 'default' json serializer function.

    - Serializes datetime objects using their .isoformat() method.

    - Serializes all other objects using repr().
    """
    if isinstance(o, (date, datetime)):
        return o.isoformat()
    return repr(o)


def _boto_debug_filter(record):
    # Drops DEBUG records of botocore and urllib3 (as in watchtower 3.4).
    if record.name.startswith("botocore") and record.levelname == "DEBUG":
        return False
    if record.name.startswith("urllib3") and record.levelname == "DEBUG":
        return False
    return True


def _boto_filter(record):
    # Drops every botocore and urllib3 record; added by flush() and close() (as in 3.4).
    if record.name.startswith("botocore"):
        return False
    if record.name.startswith("urllib3"):
        return False
    return True


def _seconds(value: Union[int, float, timedelta]) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def _check_numbers(handler: Any) -> None:
    """Raises ``WatchtowerError`` for a size, count or interval the handler cannot work with
    (3.4 took them and failed later, or sent nothing)."""
    for name in ("max_batch_size", "max_batch_count", "max_message_size"):
        value = getattr(handler, name)
        try:
            valid = not isinstance(value, bool) and operator.index(value) >= 1
        except TypeError:  # not an integer
            valid = False
        if not valid:
            raise WatchtowerError(f"{name} must be a positive integer, got {value!r}")
    interval = handler.send_interval
    try:
        seconds = _seconds(interval)
    except (TypeError, ValueError):
        seconds = float("nan")
    if isinstance(interval, bool) or not 0 <= seconds <= 86400:
        raise WatchtowerError(
            "send_interval must be a number of seconds (or a timedelta) from 0 to a day, "
            f"got {interval!r}"
        )


def _boto3_credentials(client: Any):
    """The client's current credentials, for the Rust core (called on the handler's
    ``watchtower-credentials`` thread, see _CredentialsThread).

    botocore refreshes refreshable credentials (assumed roles, SSO, ...) inside
    get_frozen_credentials(); the expiry lets the core cache them no longer than they last.
    """
    credentials = getattr(getattr(client, "_request_signer", None), "_credentials", None)
    if credentials is None:
        return None
    frozen = credentials.get_frozen_credentials()
    expiry = getattr(credentials, "_expiry_time", None)
    return (
        frozen.access_key,
        frozen.secret_key,
        frozen.token,
        expiry.timestamp() if expiry is not None else None,
    )


def _is_test_double(client: Any) -> bool:
    """Whether ``client`` is one the Rust core cannot stand in for: not a botocore client (a
    ``unittest.mock.MagicMock``, a fake), a client with an active botocore ``Stubber``, or
    any client while moto's in-process ``mock_aws`` is active. Such a client gets the calls
    itself, through 3.4's Python path, so that test suites run offline as with 3.4."""
    try:
        from botocore.client import BaseClient
    except ImportError:
        return True
    if not issubclass(type(client), BaseClient):
        return True
    events = getattr(client.meta, "events", None)
    emitter = getattr(events, "_emitter", events)
    if any(
        str(unique_id).startswith("boto_stubber")
        for unique_id in getattr(emitter, "_unique_id_handlers", {})
    ):
        return True
    moto = sys.modules.get("moto.core.models")
    return bool(getattr(getattr(moto, "botocore_stubber", None), "enabled", False))


def _holds_logging_lock() -> bool:
    """Whether this thread holds the logging module's lock (dictConfig holds it while it closes
    the old handlers and builds the new ones)."""
    is_owned = getattr(getattr(logging, "_lock", None), "_is_owned", None)
    try:
        return bool(is_owned()) if is_owned is not None else False
    except Exception:
        return False


class _CredentialsThread:
    """Answers the core's credential requests for a ``boto3_client`` on a Python daemon thread.

    The Rust worker never calls into Python: it queues a request in a CredentialsBroker and
    writes a byte to a pipe; this thread (made by CPython, so CPython stops it cleanly at exit,
    whatever the callback is doing) reads it, asks the client and answers. The worker waits for
    the answer without the GIL and without any Python lock, so botocore's own log calls (which
    need the logging module lock that dictConfig holds while it builds the handler) can only
    delay sending, never deadlock the constructor or abort the interpreter at exit.
    """

    def __init__(self, client: Any):
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)
        self.broker = _watchtower.CredentialsBroker(write_fd)  # owns write_fd
        self._read_fd = read_fd
        self._client = client
        thread = threading.Thread(target=self._serve, name="watchtower-credentials", daemon=True)
        thread.start()

    def _serve(self):
        _watchtower.mark_worker_thread()
        broker = self.broker
        try:
            while os.read(self._read_fd, 512):  # b"": the broker closed the pipe
                while True:
                    request = broker.next_request()
                    if request is None:
                        break
                    try:
                        answer = _boto3_credentials(self._client)
                    except Exception as e:  # botocore's errors carry no secrets
                        request.fail(f"{type(e).__name__}: {e}")
                    else:
                        request.answer(answer)
        finally:
            os.close(self._read_fd)

    def close(self):
        self.broker.close()


class _ReportsChanges:
    """Every attribute write or delete tells the compiled fast path that the configuration
    changed: it checks a handler's settings and formatter once per change, not per record."""

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        _config_changed()

    def __delattr__(self, name):
        super().__delattr__(name)
        _config_changed()


class CloudWatchLogFormatter(_ReportsChanges, logging.Formatter):
    """
    Log formatter for CloudWatch messages. Transforms logged message into a message compatible
    with the CloudWatch API. This is the default formatter for CloudWatchLogHandler.

    Dict (Mapping) messages are serialized as JSON with ``json.dumps(msg,
    default=json_serialize_default)``, byte for byte as watchtower 3.4 does; other messages are
    formatted by :class:`logging.Formatter`. Unlike 3.4, a dict message logged with
    ``exc_info`` or ``stack_info`` keeps its traceback, under the ``"exc_info"`` and
    ``"stack_info"`` keys.

    If ``add_log_record_attrs`` is set, those LogRecord attributes are added to the message
    (a non-dict message becomes ``{"msg": message}``); as in 3.4 this updates ``record.msg``.

    :param json_serialize_default:
        The 'default' function for ``json.dumps``. By default datetime and date objects are
        serialized with ``isoformat()`` and everything else with ``repr()``.
    :param add_log_record_attrs:
        LogRecord attribute names to forward with each message.
    :param add_extra_fields:
        Also forward every attribute the record got from ``extra=`` (watchtower-rs).
    """

    add_extra_fields: bool = False

    add_log_record_attrs: Sequence[str] = tuple()

    def __init__(
        self,
        *args,
        json_serialize_default: Optional[Callable] = None,
        add_log_record_attrs: Optional[Sequence[str]] = None,
        add_extra_fields: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.add_extra_fields = add_extra_fields
        self.json_serialize_default = _json_serialize_default
        if json_serialize_default is not None:
            self.json_serialize_default = json_serialize_default
        if add_log_record_attrs is not None:
            self.add_log_record_attrs = add_log_record_attrs
        self._message_only = type(self).formatMessage is logging.Formatter.formatMessage

    def format(self, message):
        attrs = self.add_log_record_attrs
        if self.add_extra_fields:
            extra = [k for k in vars(message) if k not in _RECORD_ATTRS and k not in attrs]
            attrs = [*attrs, *extra]
        if attrs:
            msg = message.msg if isinstance(message.msg, Mapping) else {"msg": message.getMessage()}
            for field in attrs:
                if field != "msg":
                    msg[field] = getattr(message, field)
            message.msg = msg
        msg = message.msg
        if type(msg) is str:
            if self._formats_message_as_is() and not (
                message.exc_info or message.exc_text or message.stack_info
            ):
                # What logging.Formatter.format returns for "%(message)s" without a traceback,
                # without its overhead (this runs for every record).
                text = message.message = message.getMessage()
                return text
        elif type(msg) is dict or isinstance(msg, Mapping):  # the ABC check costs ~65 ns
            if message.exc_info or message.stack_info:
                msg = self._with_traceback(message, msg)
            # json.dumps's output, written by the compiled module for the common exact types
            # (it never needs `default`, whatever it is); None for anything else.
            text = _dumps_fast(msg)
            if text is None:
                text = json.dumps(msg, default=self.json_serialize_default)
            return text
        return super().format(message)

    def _formats_message_as_is(self):
        # Whether format() of a str message without a traceback returns the message itself:
        # the default "%(message)s" format, formatMessage() not overridden.
        style = self._style
        return self._message_only and type(style) is _PercentStyle and style._fmt == "%(message)s"

    def _with_traceback(self, record, msg):
        # 3.4 dropped these silently; keep them as extra keys (the user's dict is not changed).
        msg = dict(msg)
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = self.formatException(record.exc_info)
            msg.setdefault("exc_info", record.exc_text)
        if record.stack_info:
            msg.setdefault("stack_info", self.formatStack(record.stack_info))
        return msg


def _after_fork_in_child():
    for handler in list(_handlers):
        handler._reset_after_fork()


_uwsgi_hooked = False


def _hook_uwsgi_fork():
    """uWSGI forks its workers from C without PyOS_AfterFork_Child (unless
    ``--py-call-osafterfork``), so ``os.register_at_fork`` hooks never run there and a worker
    would keep the master's core, whose worker thread is not in that process. Its own post-fork
    hook runs in every worker: chain ``_after_fork_in_child`` to it (idempotent if both run)."""
    global _uwsgi_hooked
    uwsgi = sys.modules.get("uwsgi")
    if _uwsgi_hooked or uwsgi is None:
        return
    _uwsgi_hooked = True
    try:
        import importlib

        # Its import replaces uwsgi.post_fork_hook with its chain. (importlib: no stubs.)
        importlib.import_module("uwsgidecorators").postfork_chain.append(_after_fork_in_child)
        return
    except Exception:
        pass
    previous = getattr(uwsgi, "post_fork_hook", None)

    def hook():
        _after_fork_in_child()
        if callable(previous):
            previous()

    uwsgi.post_fork_hook = hook


class CloudWatchLogHandler(_ReportsChanges, logging.Handler):
    """
    Create a new CloudWatch log handler object. This is the main entry point to the
    functionality of the module. See the `CloudWatch Logs developer guide
    <http://docs.aws.amazon.com/AmazonCloudWatch/latest/DeveloperGuide/WhatIsCloudWatchLogs.html>`_
    and the `Python logging module documentation <https://docs.python.org/3/library/logging.html>`_
    for more information.

    :param log_group_name:
        Name of the CloudWatch log group to write logs to. By default, the name of this module
        is used.
    :param log_stream_name:
        Name of the CloudWatch log stream to write logs to. Accepts the format string
        parameters {machine_name}, {program_name}, {logger_name}, {process_id}, {thread_name}
        and {strftime:%m-%d-%y} (UTC, at the record's time). Colons in the values become ``-``.
    :param use_queues:
        If True (the default), logs are queued and sent in batches by the Rust worker. If
        False, each record is sent before ``emit`` returns (the GIL is released meanwhile).
    :param send_interval:
        Maximum time (in seconds, or a timedelta) to hold messages in queue before sending.
    :param max_batch_size:
        Maximum size (in bytes, counting 26 per event) of one batch; at most 1,048,576.
    :param max_batch_count:
        Maximum number of messages in one batch; at most 10,000.
    :param boto3_client:
        A boto3 CloudWatch Logs client: its region, endpoint URL and credentials (refreshing
        ones included) are used. boto3 itself is never imported unless a client is passed.
    :param boto3_profile_name:
        Name of the AWS configuration profile to use.
    :param create_log_group:
        Create the log group if it does not exist (in the constructor, as in 3.4). True by
        default.
    :param log_group_tags:
        Tags set on the log group when this handler creates it. ``{}`` by default.
    :param json_serialize_default:
        The 'default' function to use when serializing dictionaries as JSON.
    :param log_group_retention_days:
        Sets the retention policy of the log group in days. None by default.
    :param create_log_stream:
        Create log streams when they do not exist. True by default.
    :param max_message_size:
        Maximum size (in bytes, counting 26 bytes of overhead) of a single message; longer
        messages are truncated with a warning. A message larger than ``max_batch_size`` is
        sent in a batch of its own.

    Keyword-only, beyond 3.4 (so that a YAML or dict configuration needs no code):

    :param region_name: AWS region (overrides the client's, the profile's, the environment's).
    :param endpoint_url: CloudWatch Logs endpoint URL (an emulator, a VPC endpoint).
    :param max_retry_time: How long (seconds or timedelta) a batch is retried before it is
        dropped and counted. Default 600.
    :param request_timeout: Timeout (seconds or timedelta) of one HTTP attempt. Default 30.
    :param json_extra_fields: Add the record's ``extra=`` fields to the message as JSON keys
        (a non-dict message becomes ``{"msg": message, ...}``, as with
        ``add_log_record_attrs``). Default False.
    :param proxy_url: HTTP(S) proxy for every request (``http://user:password@proxy:3128``;
        the password is never shown). Default: ``HTTPS_PROXY`` / ``HTTP_PROXY``.
    :param no_proxy: Hosts that bypass the proxy, comma-separated. Default: ``NO_PROXY``.
    :param ca_bundle: A PEM file of CA certificates trusted in addition to the system's.
        Default: ``AWS_CA_BUNDLE``.
    :param spool_dir: A directory (created if missing) where every record is also kept until
        it is delivered, so that records survive a crash of the process (SIGKILL, an OOM kill,
        ``os._exit``): the next process with the same ``spool_dir`` delivers what a dead one
        left, each record once. A crash loses at most the last 200 ms. Several processes may
        share the directory. An unwritable directory or a full disk falls back to memory with
        one warning (``stats()["spool_fallback"]``). Default None: memory only.
    :param compress: gzip PutLogEvents request bodies (``Content-Encoding: gzip``, as the
        CloudWatch agent does): JSON logs cost about a ninth of their bytes on the wire.
        Default True.
    """

    #: The default formatter is a CloudWatchLogFormatter (so that the documented
    #: ``handler.formatter.add_log_record_attrs = [...]`` type-checks).
    formatter: "CloudWatchLogFormatter"  # type: ignore[assignment]

    END = 1
    _via_client = False
    _sync_behind = False
    FLUSH = 2
    FLUSH_TIMEOUT = 30

    # extra size of meta information with each messages
    EXTRA_MSG_PAYLOAD_SIZE = 26

    #: Bound on the bytes held by queued and in-flight events (watchtower-rs; 3.4 had none).
    MAX_QUEUE_BYTES = 64 * 1024 * 1024
    #: How long a logging call waits (GIL released, everything queued being sent) for room in
    #: a full queue before the record is dropped, counted and reported on stderr; after such a
    #: timeout, records that find the queue full are dropped at once for 10 s, so that an
    #: unreachable service cannot slow the program down (watchtower-rs).
    QUEUE_FULL_TIMEOUT = 1.0
    #: Deliver what is queued when the process gets SIGTERM or SIGHUP while the signal has its
    #: default action (the process then still ends by it); see watchtower._exit (watchtower-rs).
    FLUSH_ON_SIGTERM = True
    #: How long the constructor waits for the log group to be created (watchtower-rs).
    SETUP_TIMEOUT = 60

    #: The fast path's checks of this handler's configuration (``_watchtower.FastPath``).
    _fast_verdict = None

    def __init__(
        self,
        log_group_name: str = "watchtower",
        log_stream_name: str = DEFAULT_LOG_STREAM_NAME,
        use_queues: bool = True,
        send_interval: Union[int, float, timedelta] = 60,
        max_batch_size: int = 1024 * 1024,
        max_batch_count: int = 10000,
        boto3_client: Any = None,
        boto3_profile_name: Optional[str] = None,
        create_log_group: bool = True,
        log_group_tags: Dict[str, str] = {},
        json_serialize_default: Optional[Callable] = None,
        log_group_retention_days: Optional[int] = None,
        create_log_stream: bool = True,
        max_message_size: int = 256 * 1024,
        log_group=None,
        stream_name=None,
        *args,
        region_name: Optional[str] = None,
        endpoint_url: Optional[str] = None,
        max_retry_time: Optional[float] = None,
        request_timeout: Optional[float] = None,
        json_extra_fields: bool = False,
        proxy_url: Optional[str] = None,
        no_proxy: Optional[str] = None,
        ca_bundle: Optional[str] = None,
        spool_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
        compress: bool = True,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.spool_dir = None if spool_dir is None else os.fspath(spool_dir)
        self.compress = bool(compress)
        self.proxy_url = proxy_url
        self.no_proxy = no_proxy
        self.ca_bundle = None if ca_bundle is None else os.fspath(ca_bundle)
        self.region_name = region_name
        self.endpoint_url = endpoint_url
        self.max_retry_time = max_retry_time
        self.request_timeout = request_timeout
        self._core = None
        self._streams_in_python = False
        self._start_lock = threading.Lock()
        self.log_group_name = log_group_name
        self.log_stream_name = log_stream_name
        self.use_queues = use_queues
        self.send_interval = send_interval
        self.json_serialize_default = json_serialize_default or _json_serialize_default
        self.max_batch_size = max_batch_size
        self.max_batch_count = max_batch_count
        self.max_message_size = max_message_size
        self.create_log_stream = create_log_stream
        self.log_group_retention_days = log_group_retention_days
        self._create_log_group = create_log_group
        self._log_group_tags = dict(log_group_tags)
        self._boto3_client = boto3_client
        self._boto3_profile_name = boto3_profile_name
        self._cwl_client = boto3_client
        _check_numbers(self)
        self._init_state()

        if log_group is not None:
            if log_group_name != "watchtower":
                raise WatchtowerError(
                    "Both log_group_name and deprecated log_group parameter specified"
                )
            warnings.warn(
                "Please use log_group_name instead of log_group", DeprecationWarning, stacklevel=1
            )
            self.log_group_name = log_group
        if stream_name is not None:
            if log_stream_name != DEFAULT_LOG_STREAM_NAME:
                raise WatchtowerError(
                    "Both log_stream_name and deprecated stream_name parameter specified"
                )
            warnings.warn(
                "Please use log_stream_name instead of stream_name",
                DeprecationWarning,
                stacklevel=1,
            )
            self.log_stream_name = stream_name

        self.setFormatter(
            CloudWatchLogFormatter(
                json_serialize_default=json_serialize_default, add_extra_fields=json_extra_fields
            )
        )
        self.addFilter(_boto_debug_filter)

        if boto3_client is not None and boto3_profile_name is not None:
            raise WatchtowerError(
                "Either boto3_client or boto3_profile_name can be specified, but not both"
            )
        if type(self)._get_stream_name is _GET_STREAM_NAME:
            _template.check(self.log_stream_name)
        self._origin_pid = os.getpid()
        # A test double gets every call itself (3.4's Python path); no Rust worker.
        self._via_client = boto3_client is not None and _is_test_double(boto3_client)
        if self._via_client:
            if self._create_log_group:
                self._idempotent_call("create_log_group", logGroupName=self.log_group_name)
            if self.log_group_retention_days:
                self._idempotent_call(
                    "put_retention_policy",
                    logGroupName=self.log_group_name,
                    retentionInDays=self.log_group_retention_days,
                )
        else:
            self._core = self._start_core(setup=True)
        _handlers.add(self)
        if self._via_client or type(self)._submit_batch is not _SUBMIT_BATCH:
            # Records held in Python until a batch is submitted: only Python code delivers
            # them, so signals run _on_signal on the main thread (see _exit).
            _exit.deliver_in_python()

    # --- state --------------------------------------------------------------------------

    def _init_state(self):
        # The 3.4 attributes, kept for code that reads them; queueing lives in the Rust core.
        self.queues, self.sequence_tokens = {}, {}
        self.threads = []
        self.creating_log_stream, self.shutting_down = False, False
        # Records for an overridden _submit_batch (see _emit_via_submit_batch).
        self._pending = {}
        self._pending_lock = threading.RLock()  # reentrant: a signal may close the handler

    def createLock(self):
        super().createLock()
        self._init_state()

    def _at_fork_reinit(self):
        super()._at_fork_reinit()
        self._reset_after_fork()

    def _reset_after_fork(self):
        # In a forked child: abandon the parent's core (its worker thread does not exist here;
        # the Rust side leaks it without touching it) and start a fresh one on first use, with
        # this process's {process_id}. The parent delivers what it had queued.
        if self.__dict__.get("_core_pid", os.getpid()) == os.getpid():
            return
        self._core = None
        self._credentials = None  # the parent's credentials thread is not in this process
        self._core_pid = os.getpid()
        self._start_lock = threading.Lock()
        self._init_state()

    def _core_options(self) -> Dict[str, Any]:
        argv = getattr(sys, "argv", None) or [""]
        options: Dict[str, Any] = dict(
            log_group_name=self.log_group_name,
            log_stream_name=self.log_stream_name,
            send_interval=_seconds(self.send_interval),
            # 3.4 passed these to AWS unchecked; values above the service's limits would only
            # make requests fail, so they are capped (an event also has to fit in a batch).
            max_batch_size=min(self.max_batch_size, _MAX_BATCH_BYTES),
            max_batch_count=min(self.max_batch_count, _MAX_BATCH_EVENTS),
            # A message larger than max_batch_size is sent alone, as in 3.4.
            max_message_size=min(self.max_message_size, _MAX_BATCH_BYTES),
            create_log_group=bool(self._create_log_group),
            create_log_stream=bool(self.create_log_stream),
            retention_days=int(self.log_group_retention_days)
            if self.log_group_retention_days
            else None,
            log_group_tags={str(k): str(v) for k, v in self._log_group_tags.items()},
            program_name=str(argv[0]),
            machine_name=platform.node(),
            max_queue_bytes=self.MAX_QUEUE_BYTES,
            queue_full_timeout=self.QUEUE_FULL_TIMEOUT,
            shutdown_timeout=self.FLUSH_TIMEOUT,
        )
        client = self._boto3_client
        if client is not None:
            options["region"] = client.meta.region_name
            options["endpoint_url"] = client.meta.endpoint_url
        elif self._boto3_profile_name is not None:
            options["profile_name"] = self._boto3_profile_name
        if self.region_name is not None:
            options["region"] = self.region_name
        if self.endpoint_url is not None:
            options["endpoint_url"] = self.endpoint_url
        if self.max_retry_time is not None:
            options["max_retry_time"] = _seconds(self.max_retry_time)
        if self.request_timeout is not None:
            options["request_timeout"] = _seconds(self.request_timeout)
        for name in ("proxy_url", "no_proxy", "ca_bundle", "spool_dir"):
            if getattr(self, name) is not None:
                options[name] = getattr(self, name)
        options["compress"] = self.compress
        return options

    def _start_core(self, setup: bool):
        options = self._core_options()
        credentials = None
        if self._boto3_client is not None:
            credentials = _CredentialsThread(self._boto3_client)
            options["credentials"] = credentials.broker
        try:
            core = _watchtower.Core(**options)
        except BaseException:
            if credentials is not None:
                credentials.close()
            raise
        self._credentials = credentials
        try:
            if setup:
                if core.tag_error:
                    warnings.warn(
                        f"Failed to tag log group {self.log_group_name}: {core.tag_error}",
                        WatchtowerWarning,
                        stacklevel=1,
                    )
                if self._create_log_group or self.log_group_retention_days:
                    if credentials is not None:
                        # Through the client, in this thread, as 3.4 does: waiting for the
                        # worker here could wait for this very thread (see _CredentialsThread).
                        self._setup_log_group_with_client(core.tag_error is None)
                    else:
                        core.setup_log_group(self.SETUP_TIMEOUT)
        except BaseException:
            core.shutdown(0)
            if credentials is not None:
                credentials.close()
            raise
        self._streams_in_python = core.stream_names_in_python
        self._core_pid = os.getpid()
        self._flush_at_multiprocessing_exit()
        if self.FLUSH_ON_SIGTERM:
            _exit.install_signal_delivery()
        _hook_uwsgi_fork()
        return core

    def _setup_log_group_with_client(self, tags_valid: bool):
        # 3.4's constructor calls, through the user's client (its exceptions are raised).
        if self._create_log_group:
            kwargs: Dict[str, Any] = {"logGroupName": self.log_group_name}
            if self._log_group_tags and tags_valid:
                kwargs["tags"] = {str(k): str(v) for k, v in self._log_group_tags.items()}
            self._idempotent_call("create_log_group", **kwargs)
        if self.log_group_retention_days:
            self._idempotent_call(
                "put_retention_policy",
                logGroupName=self.log_group_name,
                retentionInDays=int(self.log_group_retention_days),
            )

    def _ensure_core(self):
        with self._start_lock:
            core = self._core
            if core is None:
                core = self._core = self._start_core(setup=False)
            return core

    def _flush_at_multiprocessing_exit(self):
        # multiprocessing's fork and forkserver children leave through os._exit() without
        # running atexit (so logging.shutdown never runs there), but they do run
        # multiprocessing's finalizers: whether the handler was inherited through fork or
        # made in the child (a Pool initializer, a Process target), it flushes there.
        mp = sys.modules.get("multiprocessing")
        mp_util = sys.modules.get("multiprocessing.util")
        if mp_util is not None and mp is not None and mp.parent_process() is not None:
            ref = weakref.ref(self)
            mp_util.Finalize(None, _flush_ref, args=(ref,), exitpriority=-100)

    # --- logging.Handler ----------------------------------------------------------------

    def handle(self, record):
        # The default handler and formatter, in one call into the compiled module (see
        # _watchtower.FastPath): None when anything is customised, then the code below.
        rv = _handle_fast(self, record)
        if rv is not None:
            if rv.__class__ is int:  # handled; an outcome to warn about
                self._warn_outcome(rv)
                return record if _FILTER_RETURNS_RECORD else True
            return rv
        # Records logged on the core's own threads (botocore, while the boto3 credentials
        # callback runs) are not shipped, and must not wait for the handler lock: the thread
        # holding it may be waiting for that very worker (flush, close, use_queues=False).
        if _is_worker_thread():
            return False
        # logging.Handler.handle, inlined: this runs for every record.
        rv = self.filter(record)
        if isinstance(rv, logging.LogRecord):  # Python 3.12+: a filter may return a record
            record = rv
        if rv:
            if type(self).emit is _EMIT:
                # This emit needs no handler lock: the core's queues have their own, and the
                # Python-side state it may create has its own locks. Skipping it keeps
                # threads from queueing behind each other on every record.
                self.emit(record)
            else:
                # A subclass's emit gets the usual logging.Handler guarantee.
                with self.lock:
                    self.emit(record)
        return rv

    def emit(self, message):
        try:
            # Inside the try: bad %-arguments (getMessage() raising) go to handleError, as in
            # the standard library's handlers, not into the application.
            text = self._plain_text(message)
            if text is None:
                # A dict message without arguments is never empty: no need to turn it into a
                # str just to compare it with "" (that costs more than the JSON encoding).
                msg = message.msg
                empty = (
                    bool(message.args or not (type(msg) is dict or isinstance(msg, Mapping)))
                    and message.getMessage() == ""
                )
                if not empty:
                    text = self.format(message)
            else:
                empty = not text
            if empty:
                outcome = _watchtower.EMPTY
            else:
                outcome = self._emit_text(message, text)
        except Exception:
            self.handleError(message)
            return
        if outcome:
            self._warn_outcome(outcome)

    def _emit_text(self, message, text):
        cls = type(self)
        if cls._submit_batch is not _SUBMIT_BATCH or self._via_client:
            self._emit_via_submit_batch(message, text)
            return _watchtower.QUEUED
        core = self._core
        if core is None:
            core = self._ensure_core()
        if self._streams_in_python or cls._get_stream_name is not _GET_STREAM_NAME:
            stream = self._get_stream_name(message)
            outcome = core.emit_to_stream(stream, text, int(message.created * 1000))
        else:
            outcome = core.emit(text, message.created, message.name, message.threadName)
        if not self.use_queues:
            self._flush_sync(core)
        return outcome

    def _flush_sync(self, core):
        # use_queues=False: each record is delivered before emit returns. After a flush that
        # timed out (the service unreachable), later records queue behind the worker's retries
        # instead of each waiting FLUSH_TIMEOUT anew; waiting resumes once the queue drained.
        if self._sync_behind:
            if core.stats()["queued_events"]:
                return
            self._sync_behind = False
        if not core.flush(self.FLUSH_TIMEOUT):
            self._sync_behind = True

    def _plain_text(self, record):
        """The formatted message when the default formatter would return it unchanged, else None.

        The common cases need neither getMessage() nor format(): a str message without
        arguments, with the default format, is itself; a dict message is its JSON (what
        CloudWatchLogFormatter.format returns for it). Both without a traceback and with the
        default formatter and format() (not subclassed, no add_log_record_attrs). This runs
        for every record."""
        formatter = self.formatter
        if (
            type(formatter) is not CloudWatchLogFormatter
            or type(self).format is not _HANDLER_FORMAT
            or formatter.add_log_record_attrs
            or formatter.add_extra_fields
            or record.args
            or record.exc_info
            or record.exc_text
            or record.stack_info
        ):
            return None
        msg = record.msg
        if type(msg) is str:
            if formatter._formats_message_as_is():
                record.message = msg
                return msg
            return None
        if type(msg) is dict:
            # None for what the compiled encoder does not take: format() then does it.
            return _dumps_fast(msg)
        return None

    def _warn_outcome(self, outcome: int):
        # stacklevel=1 throughout, as in 3.4: the warnings are attributed to this module.
        text = _OUTCOME_WARNINGS.get(outcome)
        if text is not None:
            warnings.warn(text, WatchtowerWarning, stacklevel=1)

    def flush(self):
        """
        Send any queued messages to CloudWatch and wait (up to FLUSH_TIMEOUT seconds, GIL
        released) until they are delivered.
        """
        self._flush_within(self.FLUSH_TIMEOUT)

    def _flush_within(self, timeout: float) -> bool:
        # flush() waiting up to `timeout` seconds; whether everything queued was delivered.
        self.addFilter(_boto_filter)
        if self.shutting_down:
            return True
        self._submit_pending()
        core = self._core
        if core is None:
            return True
        # Waiting for the worker while holding the logging lock could wait for the
        # credentials thread, which may need that lock for botocore's log calls: then only
        # send now, without waiting.
        if self._must_not_wait():
            timeout = 0.0
        else:
            timeout = _exit.wait_budget(max(0.0, timeout))
        delivered = bool(core.flush(timeout))
        _exit.waited(delivered)
        # (Through __dict__: not a configuration change for the fast path.)
        if delivered:
            self.__dict__.pop("_stalled", None)
        else:
            if timeout >= self.FLUSH_TIMEOUT:
                # Waited all it may and still undelivered: remembered so that a close() right
                # behind it does not wait again (see _close_wait).
                self.__dict__["_stalled"] = (time.monotonic(), core.stats()["delivered"])
            self._warn_worker_failure(core)
        return delivered

    def _send_now(self):
        # Hands what is queued to the worker without waiting for the delivery.
        core = self._core
        if core is not None and not self.shutting_down:
            core.flush(0)

    def _close_at_exit(self):
        # The process ends next (a signal): deliver within the exit's window, then say what
        # was lost. With use_queues=False close() leaves the core running (3.4: records are
        # still sent after close), so it is shut down here.
        self.close()
        core = self._core
        if core is not None and not self.use_queues and not core.is_shut_down:
            self._shutdown_core(core)

    def _warn_worker_failure(self, core) -> bool:
        # The core's worker failed (a bug): say why and what was lost, once per handler.
        failure = core.worker_failure()
        if failure is None:
            return False
        if not self.__dict__.get("_worker_failure_warned"):
            self._worker_failure_warned = True
            warnings.warn(f"{_WORKER_FAILED}: {failure}", WatchtowerWarning, stacklevel=1)
        return True

    def _must_not_wait(self):
        return self.__dict__.get("_credentials") is not None and _holds_logging_lock()

    def close(self):
        """
        Send any queued messages to CloudWatch and prevent further processing of messages.
        Calling it again does nothing. With ``use_queues=False`` records are still sent after
        close, as in 3.4.
        """
        self.addFilter(_boto_filter)
        if self.shutting_down:
            return
        self.shutting_down = True
        self._submit_pending()
        core = self._core
        if core is not None and self.use_queues:
            if self._must_not_wait():
                # Closed under the logging lock (dictConfig reconfiguring): deliver from a
                # thread of its own, which the interpreter waits for at exit (see flush()).
                threading.Thread(
                    target=self._shutdown_core, args=(core,), name="watchtower-close"
                ).start()
            else:
                self._shutdown_core(core)
        super().close()

    def _close_wait(self, core) -> float:
        # A close() behind a flush() that timed out, with nothing delivered since (the service
        # still unreachable: logging.shutdown calls both), does not wait a second time.
        stalled = self.__dict__.pop("_stalled", None)
        if stalled is not None:
            at, delivered = stalled
            if time.monotonic() - at < _RIGHT_BEHIND and core.stats()["delivered"] == delivered:
                return 0.0
        return _exit.wait_budget(float(self.FLUSH_TIMEOUT))

    def _shutdown_core(self, core):
        timeout = self._close_wait(core)
        delivered = bool(core.shutdown(timeout))
        _exit.waited(delivered)
        if not delivered and not self._warn_worker_failure(core):
            warnings.warn(_TIMED_OUT, WatchtowerWarning, stacklevel=1)
        credentials = self.__dict__.get("_credentials")
        if credentials is not None:
            credentials.close()

    def stats(self) -> "Stats":
        """The core's counters: ``records`` logged, ``events`` queued, ``delivered``,
        ``batches``, ``bytes``, ``retries``, ``truncated``, ``queued_events``,
        ``queued_bytes``, ``dropped`` (by reason) and ``dropped_total``."""
        core = self._core
        if core is None:
            return _watchtower.empty_stats()
        return core.stats()

    def __repr__(self):
        name = self.__class__.__name__
        return (
            f"{name}(log_group_name='{self.log_group_name}', "
            f"log_stream_name='{self.log_stream_name}')"
        )

    # --- watchtower 3.4's helpers, kept overridable -------------------------------------

    @property
    def cwl_client(self):
        """The boto3 CloudWatch Logs client: the one passed in, else one made on first access
        (this imports boto3; the handler itself never needs it)."""
        client = self._cwl_client
        if client is None:
            import boto3

            if self._boto3_profile_name is not None:
                session = boto3.session.Session(profile_name=self._boto3_profile_name)
                client = session.client("logs")
            else:
                client = boto3.client("logs")
            self._cwl_client = client
        return client

    @cwl_client.setter
    def cwl_client(self, client):
        self._cwl_client = client

    def _idempotent_call(self, method, *args, **kwargs):
        method_callable = getattr(self.cwl_client, method)
        try:
            method_callable(*args, **kwargs)
        except (
            self.cwl_client.exceptions.OperationAbortedException,
            self.cwl_client.exceptions.ResourceAlreadyExistsException,
        ):
            pass

    def _get_log_group_arn(self):
        arn = self.__dict__.get("_log_group_arn")
        if arn is None:
            import boto3

            account = boto3.client("sts").get_caller_identity()["Account"]
            region = self.cwl_client.meta.region_name
            arn = f"arn:aws:logs:{region}:{account}:log-group:{self.log_group_name}"
            self._log_group_arn = arn
        return arn

    def _get_machine_name(self):
        return platform.node()

    def _get_stream_name(self, message):
        # Used when overridden, and for templates the core does not render (format specs such
        # as {process_id:05d}): exactly 3.4's str.format call; the core then makes the result
        # a valid stream name.
        return self.log_stream_name.format(
            machine_name=self._get_machine_name(),
            program_name=sys.argv[0].replace(":", ""),
            process_id=os.getpid(),
            thread_name=threading.current_thread().name,
            logger_name=message.name,
            strftime=datetime.now(timezone.utc),
        )

    def _size(self, msg):
        # Calculate the byte size of a message - accounting for unicode, and extra payload size
        return (
            len(msg["message"].encode("utf-8")) if isinstance(msg, dict) else 1
        ) + CloudWatchLogHandler.EXTRA_MSG_PAYLOAD_SIZE

    def _truncate(self, msg, max_size):
        # Truncate oversized messages by bytes, and not string length
        warnings.warn(_TRUNCATED, WatchtowerWarning, stacklevel=1)
        msg["message"] = msg["message"].encode("utf-8")[:max_size].decode("utf-8", "ignore")
        return msg

    def _submit_batch(self, batch: List[Dict[str, Any]], log_stream_name: str, max_retries=5):
        """Sends ``batch`` (3.4 events: dicts with "timestamp" and "message") to
        ``log_stream_name`` through the core and waits for delivery. Not used by ``emit``
        unless a subclass or a test overrides this method: then ``emit`` batches records in
        Python, as 3.4 did, and calls the override."""
        if len(batch) < 1:
            return
        if self._via_client:
            self._put_log_events_via_client(batch, log_stream_name, max_retries)
            return
        core = self._core
        if core is None:
            core = self._ensure_core()
        for event in sorted(batch, key=itemgetter("timestamp")):
            outcome = core.emit_to_stream(log_stream_name, event["message"], event["timestamp"])
            if outcome:
                self._warn_outcome(outcome)
        core.flush(self.FLUSH_TIMEOUT)

    def _put_log_events_via_client(self, batch, log_stream_name, max_retries):
        # watchtower 3.4's _submit_batch, for a test double (see _is_test_double): PutLogEvents
        # through the client, creating the stream when the service says it is missing.
        from botocore.exceptions import ClientError

        kwargs = dict(
            logGroupName=self.log_group_name,
            logStreamName=log_stream_name,
            logEvents=sorted(batch, key=itemgetter("timestamp")),
        )
        for _ in range(max_retries):
            try:
                self.cwl_client.put_log_events(**kwargs)
                return
            except ClientError as e:
                code = e.response.get("Error", {}).get("Code")
                if code == "ResourceNotFoundException" and self.create_log_stream:
                    self._idempotent_call(
                        "create_log_stream",
                        logGroupName=self.log_group_name,
                        logStreamName=log_stream_name,
                    )
                    continue
                warnings.warn(f"Failed to deliver logs: {e}", WatchtowerWarning, stacklevel=1)
                return
            except Exception as e:
                warnings.warn(f"Failed to deliver logs: {e}", WatchtowerWarning, stacklevel=1)
                return
        warnings.warn("Failed to deliver logs: retries exhausted", WatchtowerWarning, stacklevel=1)

    def _emit_via_submit_batch(self, message, text):
        # The 3.4 pipeline, in Python, for an overridden _submit_batch: per-stream batches cut
        # by max_batch_size / max_batch_count / send_interval, handed over on flush and close.
        stream = self._get_stream_name(message)
        event = {"timestamp": int(message.created * 1000), "message": text}
        if self._size(event) > self.max_message_size:
            event = self._truncate(event, self.max_message_size - self.EXTRA_MSG_PAYLOAD_SIZE)
        if not self.use_queues:
            self._submit_batch([event], stream)
            return
        if self.shutting_down:
            warnings.warn(_AFTER_SHUTDOWN, WatchtowerWarning, stacklevel=1)
            return
        size = self._size(event)
        due = None
        now = time.monotonic()
        with self._pending_lock:
            pending = self._pending.get(stream)
            if pending is None:
                pending = self._pending[stream] = [[], 0, now]
            events = pending[0]
            if events and (
                pending[1] + size > self.max_batch_size
                or len(events) >= self.max_batch_count
                or now - pending[2] >= _seconds(self.send_interval)
            ):
                due = events
                pending[0], pending[1], pending[2] = [], 0, now
            pending[0].append(event)
            pending[1] += size
        if due:
            self._submit_batch(due, stream)

    def _submit_pending(self):
        with self._pending_lock:
            pending, self._pending = self._pending, {}
        for stream, (events, _size, _started) in pending.items():
            self._submit_batch(events, stream)


_SUBMIT_BATCH = CloudWatchLogHandler._submit_batch
_GET_STREAM_NAME = CloudWatchLogHandler._get_stream_name
_EMIT = CloudWatchLogHandler.emit
_handle_fast = _watchtower.FastPath(
    emit=_EMIT,
    format=_HANDLER_FORMAT,
    filter=logging.Filterer.filter,
    submit_batch=_SUBMIT_BATCH,
    get_stream_name=_GET_STREAM_NAME,
    formatter_type=CloudWatchLogFormatter,
    percent_style=_PercentStyle,
    debug_filter=_boto_debug_filter,
    boto_filter=_boto_filter,
    get_message=logging.LogRecord.getMessage,
    setattr_hook=_ReportsChanges.__setattr__,
    delattr_hook=_ReportsChanges.__delattr__,
).handle
_config_changed = _watchtower.FastPath.changed
# Python 3.12+: Filterer.filter, so Handler.handle, returns the record instead of True.
_FILTER_RETURNS_RECORD = sys.version_info >= (3, 12)


#: Seconds flush_on_return keeps free before Lambda's deadline (for the return itself).
DEFAULT_DEADLINE_MARGIN = 0.5


def flush_all(timeout: Optional[float] = None) -> bool:
    """Delivers what every ``CloudWatchLogHandler`` of this process holds, waiting (GIL
    released) at most ``timeout`` seconds for all of them together (default: ``FLUSH_TIMEOUT``).
    Returns whether everything was delivered; if not, warns (``WatchtowerWarning``) with the
    number of events still queued, which the worker keeps sending afterwards."""
    if timeout is None:
        timeout = CloudWatchLogHandler.FLUSH_TIMEOUT
    deadline = time.monotonic() + max(0.0, float(timeout))
    delivered = True
    _exit.send_all_now()  # all of them at once: none waits for another's turn
    for handler in list(_handlers):
        try:
            ok = handler._flush_within(deadline - time.monotonic())
        except Exception:
            ok = False
        delivered = delivered and ok
    if not delivered:
        queued = sum(h.stats()["queued_events"] for h in list(_handlers))
        warnings.warn(
            f"{_TIMED_OUT}: {queued} events not delivered within {float(timeout):.3g} s",
            WatchtowerWarning,
            stacklevel=1,
        )
    return delivered


def _remaining_seconds(context: Any) -> Optional[float]:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return None
    try:
        return float(remaining()) / 1000.0
    except Exception:
        return None


_F = TypeVar("_F", bound=Callable[..., Any])


class _FlushOnReturn:
    # What flush_on_return(...) returns without a function: a decorator and a context manager.
    def __init__(self, deadline_margin: float, timeout: Optional[float], context: Any):
        self.deadline_margin = float(deadline_margin)
        self.timeout = timeout
        self.context = context

    def _timeout(self, context: Any) -> float:
        remaining = _remaining_seconds(context if context is not None else self.context)
        default = (
            CloudWatchLogHandler.FLUSH_TIMEOUT if self.timeout is None else float(self.timeout)
        )
        if remaining is None:
            return default
        return max(0.0, min(default, remaining - self.deadline_margin))

    def flush(self, context: Any = None) -> bool:
        return flush_all(self._timeout(context))

    def __enter__(self) -> "_FlushOnReturn":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.flush()

    def __call__(self, func: _F) -> _F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            context = kwargs.get("context")
            if context is None:
                context = next((a for a in args if _remaining_seconds(a) is not None), None)
            try:
                return func(*args, **kwargs)
            finally:
                self.flush(context)

        return cast(_F, wrapper)


@overload
def flush_on_return(
    func: _F,
    *,
    deadline_margin: float = ...,
    timeout: Optional[float] = ...,
    context: Any = ...,
) -> _F: ...


@overload
def flush_on_return(
    func: None = None,
    *,
    deadline_margin: float = ...,
    timeout: Optional[float] = ...,
    context: Any = ...,
) -> _FlushOnReturn: ...


def flush_on_return(
    func: Optional[Callable[..., Any]] = None,
    *,
    deadline_margin: float = DEFAULT_DEADLINE_MARGIN,
    timeout: Optional[float] = None,
    context: Any = None,
) -> Any:
    """Delivers every record of a call before it returns (AWS Lambda: the process may be
    frozen, and never resumed, as soon as the handler returns).

    As a decorator (``@flush_on_return`` or ``@flush_on_return(deadline_margin=1.0)``): after
    the function returns or raises, every ``CloudWatchLogHandler`` of the process is flushed.
    The wait is bounded by the Lambda context's remaining time minus ``deadline_margin``
    seconds (the context is the argument with ``get_remaining_time_in_millis``, or the
    ``context`` keyword) and by ``timeout`` (default ``FLUSH_TIMEOUT``); without a context,
    by ``timeout``. As a context manager (``with flush_on_return(context=context):``), the same
    when the block ends. If not everything was delivered in time, a ``WatchtowerWarning``
    says how many events are still queued."""
    wrapper = _FlushOnReturn(deadline_margin, timeout, context)
    if func is not None:
        return wrapper(func)
    return wrapper


#: ``@watchtower.lambda_handler``: :func:`flush_on_return` for a Lambda handler.
lambda_handler = flush_on_return


def _flush_ref(ref):
    handler = ref()
    if handler is not None:
        handler.flush()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
