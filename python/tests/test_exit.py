"""How a process ends with handlers that still hold records: a normal exit, SIGTERM and SIGHUP,
with the service reachable (everything delivered) and unreachable (one FLUSH_TIMEOUT for the
whole exit, however many handlers, then a summary of what was lost). Each case runs in a
fresh interpreter."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from conftest import EXAMPLES, all_messages

# Two handlers, FLUSH_TIMEOUT seconds each: before, logging.shutdown waited that long in each
# handler's flush() and again in its close(), four times in all.
FLUSH_TIMEOUT = 3
PROGRAM = """
import logging, os, signal, sys, time, watchtower

class Handler(watchtower.CloudWatchLogHandler):
    FLUSH_TIMEOUT = {timeout}

log = logging.getLogger("exit")
log.setLevel(logging.INFO)
for group in {groups!r}:
    log.addHandler(Handler(log_group_name=group, create_log_group={create}))
for i in range(100):
    log.info("record %d", i)
how = sys.argv[1]
if how == "logging.shutdown":
    logging.shutdown()
    print("SHUT DOWN", flush=True)
elif how != "exit":
    os.kill(os.getpid(), getattr(signal, how))
    time.sleep(60)
"""


@pytest.fixture
def refused_endpoint(moto, monkeypatch):
    """Credentials as for moto, but a loopback port nothing listens on: every connection is
    refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")


def run(tmp_path, groups, how, create):
    script = tmp_path / "program.py"
    script.write_text(PROGRAM.format(timeout=FLUSH_TIMEOUT, groups=groups, create=create))
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(script), how],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(EXAMPLES)},
    )
    return proc, time.monotonic() - started


@pytest.mark.parametrize("how", ["exit", "SIGTERM", "SIGHUP", "logging.shutdown"])
def test_unreachable_service_one_timeout_for_the_whole_exit(refused_endpoint, tmp_path, how):
    proc, elapsed = run(tmp_path, ["exit-a", "exit-b"], how, create=False)
    expected = {"SIGTERM": -signal.SIGTERM, "SIGHUP": -signal.SIGHUP}.get(how, 0)
    assert proc.returncode == expected, proc.stderr
    # At exit every handler's flush and close share one window: the exit takes one
    # FLUSH_TIMEOUT (and the interpreter's start), not one per handler and call. An explicit
    # logging.shutdown() takes one per handler: a close() behind a flush() that timed out
    # does not wait again.
    windows = 2 if how == "logging.shutdown" else 1
    assert windows * FLUSH_TIMEOUT <= elapsed < (windows + 1) * FLUSH_TIMEOUT, (
        elapsed,
        proc.stderr,
    )
    summaries = [
        line
        for line in proc.stderr.splitlines()
        if line.startswith("[watchtower] 100 events were not delivered")
    ]
    assert len(summaries) == 2 and all("shutdown_timeout=100" in s for s in summaries), proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP"])
def test_signal_with_default_action_delivers_then_ends_by_it(moto, group, tmp_path, how):
    proc, _ = run(tmp_path, [group, group + "-b"], how, create=True)
    assert proc.returncode == -getattr(signal, how), proc.stderr
    for g in (group, group + "-b"):
        assert sorted(all_messages(g), key=lambda m: int(m.split()[1])) == [
            f"record {i}" for i in range(100)
        ]
    assert "not delivered" not in proc.stderr


def test_use_queues_false_on_sigterm_says_what_was_lost(refused_endpoint, tmp_path):
    """use_queues=False: close() leaves the core running (3.4 sends records after close); a
    signal that ends the process still delivers what queued behind a timed-out call, and
    says what was lost."""
    script = tmp_path / "sync.py"
    script.write_text(
        f"""
import logging, os, signal, time, watchtower

class Handler(watchtower.CloudWatchLogHandler):
    FLUSH_TIMEOUT = {FLUSH_TIMEOUT}

log = logging.getLogger("sync")
log.addHandler(Handler(log_group_name="sync", create_log_group=False, use_queues=False))
for i in range(10):
    log.warning("record %d", i)  # the first waits FLUSH_TIMEOUT; the rest queue behind it
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(60)
"""
    )
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == -signal.SIGTERM, proc.stderr
    assert "[watchtower] 10 events were not delivered" in proc.stderr, proc.stderr
    assert "shutdown_timeout=10" in proc.stderr, proc.stderr


def test_sigterm_delivers_while_the_main_thread_is_busy_in_c(moto, group, tmp_path):
    """A Python-level signal handler runs only when the main thread next executes bytecode: a
    main thread busy in C (here a sum over a huge range, holding the GIL; in the field a Pool
    worker blocked on its queue's lock when Pool.terminate() sends SIGTERM) would never run it,
    and the process would never end. The signal is handled by the core's own thread: the
    records arrive and the process ends by SIGTERM while the main thread is still busy."""
    script = tmp_path / "busy.py"
    script.write_text(
        f"""
import logging, sys, watchtower
log = logging.getLogger("busy")
log.setLevel(logging.INFO)
log.addHandler(watchtower.CloudWatchLogHandler(log_group_name={group!r}))
for i in range(100):
    log.info("record %d", i)
print("BUSY", flush=True)
sum(range(10**15))  # hours of C, the GIL held, no signal checks
print("DONE", flush=True)
"""
    )
    with subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(EXAMPLES)},
    ) as proc:
        try:
            assert proc.stdout.readline() == "BUSY\n"
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
    assert proc.returncode == -signal.SIGTERM, err
    assert "DONE" not in out
    assert sorted(all_messages(group), key=lambda m: int(m.split()[1])) == [
        f"record {i}" for i in range(100)
    ]


TWENTY_THEN_SIGTERM = """
import logging, os, signal, time, watchtower
{setup}
log = logging.getLogger("twenty")
log.setLevel(logging.INFO)
log.addHandler({handler}(log_group_name={group!r}))
{after}
for i in range(20):
    log.info("record %d", i)
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(60)
"""


def twenty_records_then_sigterm(tmp_path, group, handler, setup="", after=""):
    """Runs a program that logs 20 records through `handler` and sends itself SIGTERM; checks
    that it ends by the signal and that the 20 records arrived. Returns the process."""
    script = tmp_path / "twenty.py"
    script.write_text(
        TWENTY_THEN_SIGTERM.format(setup=setup, handler=handler, group=group, after=after)
    )
    proc = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(EXAMPLES)},
    )
    assert proc.returncode == -signal.SIGTERM, proc.stderr
    assert sorted(all_messages(group), key=lambda m: int(m.split()[1])) == [
        f"record {i}" for i in range(20)
    ]
    return proc


def test_a_saved_and_restored_sigterm_handler_still_delivers(moto, group, tmp_path):
    """A program that replaces the SIGTERM handler for a while and then restores the one it
    saved (asyncio's add/remove_signal_handler, a context manager) gets the delivery back:
    Python sees the package's handler, so that is what it saves."""
    twenty_records_then_sigterm(
        tmp_path,
        group,
        "watchtower.CloudWatchLogHandler",
        after="saved = signal.signal(signal.SIGTERM, lambda *a: None)\n"
        "signal.signal(signal.SIGTERM, saved)",
    )


def test_sigterm_delivers_records_held_in_python(moto, group, tmp_path):
    """A subclass that overrides _submit_batch (3.4's extension point) has its records batched
    in Python, which only Python code can hand over: on SIGTERM they go through the Python
    handler on the main thread, and arrive."""
    proc = twenty_records_then_sigterm(
        tmp_path,
        group,
        "Counting",
        setup="""
class Counting(watchtower.CloudWatchLogHandler):
    def _submit_batch(self, batch, log_stream_name, max_retries=5):
        print("BATCH", len(batch), flush=True)
        super()._submit_batch(batch, log_stream_name, max_retries)
""",
    )
    assert "BATCH 20" in proc.stdout, proc.stdout
