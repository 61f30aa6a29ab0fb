"""The compiled core of watchtower-rs (Rust, PyO3): one worker per handler that queues, batches,
signs, sends and retries CloudWatch Logs events without holding the GIL.

Not a public API: use ``watchtower.CloudWatchLogHandler``.
"""

from typing import Dict, Optional, Tuple, TypedDict

from typing_extensions import Self, final

__version__: str

#: ``Core.emit`` outcomes.
QUEUED: int
TRUNCATED: int
EMPTY: int
AFTER_SHUTDOWN: int
DROPPED: int
IGNORED: int

class WatchtowerError(Exception):
    """Default exception class for the watchtower module."""

class WatchtowerWarning(UserWarning):
    """Default warning class for the watchtower module."""

_Credentials = Tuple[str, str, Optional[str], Optional[float]]

class Stats(TypedDict):
    """``CloudWatchLogHandler.stats()``: the core's counters."""

    records: int
    events: int
    delivered: int
    batches: int
    bytes: int
    retries: int
    truncated: int
    split: int
    queued_events: int
    queued_bytes: int
    evicted: int
    #: Events replayed from the spool (left there by a process that died).
    replayed: int
    #: Events kept in memory only because the spool directory could not be written.
    spool_fallback: int
    #: Dropped events by reason (queue_full, oversize, empty, too_old, ...).
    dropped: Dict[str, int]
    dropped_total: int

def is_worker_thread() -> bool:
    """Whether the calling thread belongs to a watchtower worker (or answers its credential
    requests)."""

def mark_worker_thread() -> None:
    """Marks the calling thread as a watchtower thread (its records are not shipped)."""

def dumps_fast(obj: object) -> Optional[str]:
    """``json.dumps(obj)``, byte for byte, for dicts with ``str`` keys, lists, tuples, ``str``,
    ``int``, ``float``, ``bool`` and ``None`` (exact types, nested at most 64 deep); ``None`` for
    anything else (then use ``json.dumps``)."""

def deliver_on_signals(signals: list[int]) -> None:
    """Handles ``signals`` in C and Rust: deliver, then the default action."""

def deliver_in_python() -> None:
    """From now on signals go to Python's handler (records are held in Python)."""

def signal_action(signal: int) -> str:
    """``"default"``, ``"ours"`` or ``"other"``: the signal's C-level action."""

def empty_stats() -> Stats:
    """The counters of a handler whose worker has not started (all zero)."""

def stream_template_error(template: str) -> Optional[str]:
    """Why the core cannot render the stream name template itself, or ``None`` if it can."""

@final
class CredentialsRequest:
    """One request of the worker for a ``boto3_client``'s credentials."""

    def answer(self, credentials: Optional[_Credentials]) -> None:
        """Answers with ``(access_key, secret_key, token, expiry)``, or None (no credentials)."""
    def fail(self, reason: str) -> None:
        """Answers with an error (printed on stderr: no secrets)."""

@final
class CredentialsBroker:
    """The queue of the worker's credential requests; the Python thread reading the pipe whose
    write end it owns answers them."""

    def __new__(cls, wake_fd: int) -> Self: ...
    def next_request(self) -> Optional[CredentialsRequest]:
        """The next waiting request, or None (never blocks)."""
    def close(self) -> None:
        """Closes the pipe (the reading thread sees EOF); waiting requests fail."""

@final
class FastPath:
    """``CloudWatchLogHandler.handle`` for a handler and formatter that are not customised, in
    one call; the objects given say what "not customised" is."""

    def __new__(
        cls,
        *,
        emit: object,
        format: object,
        filter: object,
        submit_batch: object,
        get_stream_name: object,
        formatter_type: type,
        percent_style: type,
        debug_filter: object,
        boto_filter: object,
        get_message: object,
        setattr_hook: object,
        delattr_hook: object,
    ) -> Self: ...
    @staticmethod
    def changed() -> None:
        """Called after every attribute write or delete of a handler or formatter: the next
        record of every handler checks its configuration again."""
    def handle(self, handler: object, record: object) -> object:
        """What ``handle`` returns (True, the record on 3.12+, False when filtered out), an
        ``int`` outcome to warn about (handled), or None: nothing done, take the Python path."""

@final
class Core:
    """The Rust half of one ``CloudWatchLogHandler``: a ``watchtower-logs`` handle and worker.

    The constructor checks the options (raising ``WatchtowerError``), builds the AWS client and
    starts the worker, with the GIL released.
    """

    #: The template is rendered in Python (``_get_stream_name``), not by the core.
    stream_names_in_python: bool
    #: Why the log group tags were not used, if they break the service's rules.
    tag_error: Optional[str]
    #: Whether ``shutdown`` was called.
    is_shut_down: bool

    def __new__(
        cls,
        *,
        log_group_name: str,
        log_stream_name: str,
        send_interval: float,
        max_batch_size: int,
        max_batch_count: int,
        max_message_size: int,
        create_log_group: bool,
        create_log_stream: bool,
        retention_days: Optional[int],
        log_group_tags: Dict[str, str],
        program_name: str,
        machine_name: str,
        region: Optional[str] = None,
        endpoint_url: Optional[str] = None,
        profile_name: Optional[str] = None,
        credentials: Optional[CredentialsBroker] = None,
        max_queue_bytes: int = ...,
        queue_full_timeout: float = 1.0,
        shutdown_timeout: float = 30.0,
        max_retry_time: Optional[float] = None,
        request_timeout: Optional[float] = None,
        proxy_url: Optional[str] = None,
        no_proxy: Optional[str] = None,
        ca_bundle: Optional[str] = None,
        spool_dir: Optional[str] = None,
        compress: bool = True,
    ) -> Self: ...
    def setup_log_group(self, timeout: float) -> None:
        """Creates the log group (if configured) and sets its retention now (GIL released);
        raises ``WatchtowerError`` with the service's error."""
    def emit(
        self, message: str, created: float, logger_name: str, thread_name: Optional[str] = None
    ) -> int:
        """Queues a formatted record (stream name from the template); returns an outcome."""
    def emit_to_stream(self, stream: str, message: str, timestamp_ms: int) -> int:
        """Queues a formatted message to the named stream; returns an outcome."""
    def flush(self, timeout: float) -> bool:
        """Sends everything queued and waits for it (GIL released); False on timeout."""
    def shutdown(self, timeout: float) -> bool:
        """Flushes and stops the worker (GIL released); False if events were left."""
    def worker_failure(self) -> Optional[str]:
        """Why the worker failed and how many events were lost, if it failed."""
    def stats(self) -> Stats:
        """The counters."""
