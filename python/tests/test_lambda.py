"""AWS Lambda: ``watchtower.flush_on_return`` / ``@watchtower.lambda_handler`` deliver every
record of an invocation before it returns, because the process may be frozen right after and
never resumed. Simulated with a child process that is frozen (SIGSTOP) between invocations
and killed (SIGKILL) while frozen."""

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import warnings

import pytest
from conftest import all_messages

import watchtower

RECORDS = 50

# The child: each line on stdin is one invocation; the decorated handler logs RECORDS records
# and returns; then the child says so and waits for the next line. send_interval is an hour,
# so nothing is sent unless the decorator flushes.
CHILD = """
import logging, sys, watchtower

handler = watchtower.CloudWatchLogHandler(log_group_name=sys.argv[1], send_interval=3600)
logger = logging.getLogger("fn")
logger.setLevel(logging.INFO)
logger.addHandler(handler)
records = int(sys.argv[3])

class Context:
    def get_remaining_time_in_millis(self):
        return 30_000

def plain(event, context):
    for i in range(records):
        logger.info("invocation %s record %d", event, i)
    return event

def in_with(event, context):
    with watchtower.flush_on_return(context=context):
        return plain(event, context)

decorated = {
    "lambda_handler": lambda: watchtower.lambda_handler(plain),
    "flush_on_return": lambda: watchtower.flush_on_return(deadline_margin=1.0)(plain),
    "with": lambda: in_with,
    "none": lambda: plain,
}[sys.argv[2]]()

for line in sys.stdin:
    result = decorated(line.strip(), Context())
    print("done", result, flush=True)
"""


def _frozen_invocations(tmp_path, group, mode, invocations=3):
    script = tmp_path / "fn.py"
    script.write_text(textwrap.dedent(CHILD))
    proc = subprocess.Popen(
        [sys.executable, str(script), group, mode, str(RECORDS)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for n in range(invocations):
            os.kill(proc.pid, signal.SIGCONT)
            proc.stdin.write(f"inv{n}\n")
            proc.stdin.flush()
            assert proc.stdout.readline().strip() == f"done inv{n}"
            # Frozen between invocations, as Lambda does once the handler returned.
            os.kill(proc.pid, signal.SIGSTOP)
        # Killed while frozen: nothing it still held can be sent any more.
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    expected = sorted(
        f"invocation inv{n} record {i}" for n in range(invocations) for i in range(RECORDS)
    )
    return sorted(all_messages(group)), expected


@pytest.mark.parametrize("mode", ["lambda_handler", "flush_on_return", "with"])
def test_every_record_of_an_invocation_arrives_although_frozen_then_killed(
    moto, group, tmp_path, mode
):
    got, expected = _frozen_invocations(tmp_path, group, mode)
    assert got == expected, f"{len(got)} of {len(expected)} records, or duplicates"


def test_without_the_decorator_a_frozen_then_killed_process_loses_records(moto, group, tmp_path):
    # What the decorator is for: the same child without it loses what it held.
    got, expected = _frozen_invocations(tmp_path, group, "none", invocations=1)
    assert len(got) < len(expected)


class _Context:
    def __init__(self, remaining_ms):
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self):
        return self.remaining_ms


class _Unreachable:
    """A handler whose every send fails and is retried (a closed port), so that a flush waits
    for its whole deadline; closed quietly at the end."""

    def __init__(self, group, logger):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.handler = watchtower.CloudWatchLogHandler(
            log_group_name=group,
            endpoint_url=f"http://127.0.0.1:{port}",
            create_log_group=False,
            send_interval=3600,
            max_retry_time=120,
        )
        self.handler.FLUSH_TIMEOUT = 60
        self.logger = logger
        logger.addHandler(self.handler)

    def __enter__(self):
        return self.handler

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)
        self.handler.FLUSH_TIMEOUT = 0.1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Timed out while delivering logs": expected
            self.handler.close()


def test_the_flush_ends_before_lambdas_deadline(moto, group, logger):
    with _Unreachable(group, logger) as handler:

        @watchtower.lambda_handler(deadline_margin=3.5)
        def fn(event, context):
            logger.info("undeliverable")
            return "ok"

        started = time.monotonic()
        with pytest.warns(watchtower.WatchtowerWarning, match="1 events not delivered"):
            assert fn({}, _Context(4_000)) == "ok"
        elapsed = time.monotonic() - started
        # 4 s remaining, 3.5 s kept free: the flush gives up after 0.5 s (not after 4 s, nor
        # after the handler's FLUSH_TIMEOUT of 60 s).
        assert 0.4 <= elapsed < 3.0, elapsed
        assert handler.stats()["queued_events"] == 1  # still queued; the worker keeps trying


def test_without_a_context_the_timeout_bounds_the_flush(moto, group, logger):
    with _Unreachable(group, logger) as handler:
        started = time.monotonic()
        with pytest.warns(watchtower.WatchtowerWarning, match="1 events not delivered"):
            with watchtower.flush_on_return(timeout=0.5):
                logger.info("undeliverable")
        elapsed = time.monotonic() - started
        assert 0.4 <= elapsed < 3.0, elapsed
        assert handler.stats()["queued_events"] == 1


def test_the_flush_runs_when_the_function_raises(make_handler, logger, group):
    logger.addHandler(make_handler(send_interval=3600))

    @watchtower.flush_on_return
    def fn(event, context):
        logger.info("before the error")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fn({}, _Context(10_000))
    # Delivered when the call ended (send_interval is an hour).
    assert all_messages(group) == ["before the error"]
