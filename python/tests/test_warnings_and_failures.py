"""Warnings raised in the logging thread with 3.4's texts, and failures found later by the
worker: reported on stderr from Rust (not through the interpreter) and counted."""

import socket
import threading
import time

import pytest
from conftest import run_python

from watchtower import CloudWatchLogHandler, WatchtowerWarning


@pytest.fixture
def silent_endpoint(monkeypatch):
    """An HTTP endpoint that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    conns = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    yield url
    stop.set()
    thread.join()
    for c in conns:
        c.close()
    server.close()


class QuickHandler(CloudWatchLogHandler):
    FLUSH_TIMEOUT = 1


def test_close_timeout_warns_like_3_4(silent_endpoint, group, logger):
    handler = QuickHandler(log_group_name=group, create_log_group=False)
    logger.addHandler(handler)
    logger.info("never answered")
    # Flush from another thread while this one keeps running Python code: if the flush held
    # the GIL while it waits, this loop would stall for the whole second.
    flusher = threading.Thread(target=handler.flush)  # 3.4: no warning on a flush timeout
    started = time.monotonic()
    flusher.start()
    longest_gap, last = 0.0, time.monotonic()
    while flusher.is_alive():
        now = time.monotonic()
        longest_gap, last = max(longest_gap, now - last), now
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 5
    assert longest_gap < 0.5, longest_gap
    with pytest.warns(WatchtowerWarning) as record:
        handler.close()
    assert [str(w.message) for w in record] == ["Timed out while delivering logs"]
    stats = handler.stats()
    assert stats["dropped"]["shutdown_timeout"] == 1 and stats["delivered"] == 0
    handler.close()  # the second close does nothing, and does not warn again


def test_constructor_setup_timeout_raises(silent_endpoint, group):
    class QuickSetup(CloudWatchLogHandler):
        SETUP_TIMEOUT = 1

    with pytest.raises(Exception, match="timed out"):
        QuickSetup(log_group_name=group)


def test_background_failures_go_to_stderr_and_are_counted(moto, group, tmp_path):
    """The worker finds the missing group long after emit returned: nothing is raised in the
    program, the failure is printed (once, rate-limited) by Rust on stderr and counted."""
    proc = run_python(
        f"""
        import logging, watchtower
        h = watchtower.CloudWatchLogHandler(log_group_name={group!r}, create_log_group=False,
                                            create_log_stream=False)
        lg = logging.getLogger("bg")
        lg.addHandler(h)
        for i in range(3):
            lg.warning("lost %d", i)
            h.flush()
        print("DROPPED", h.stats()["dropped"]["resource_not_found"])
        """,
        cwd=tmp_path,
    )
    assert "DROPPED 3" in proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.startswith("[watchtower]")]
    # Once (rate-limited), then the exit summary: what was lost, and why.
    assert len(lines) == 2 and "does not exist" in lines[0], lines
    assert "3 events were not delivered" in lines[1] and "resource_not_found=3" in lines[1]
    assert "Traceback" not in proc.stderr


def test_call_site_warnings_are_not_duplicated_on_stderr(moto, group, tmp_path):
    proc = run_python(
        f"""
        import logging, warnings, watchtower
        warnings.simplefilter("always")
        h = watchtower.CloudWatchLogHandler(log_group_name={group!r}, max_message_size=100)
        lg = logging.getLogger("dup")
        lg.addHandler(h)
        lg.warning("")
        lg.warning("x" * 500)
        h.close()
        lg.warning("late")
        """,
        cwd=tmp_path,
    )
    err = proc.stderr
    assert err.count("WatchtowerWarning: Received empty message.") == 1
    assert err.count("WatchtowerWarning: Log message size exceeds CWL max payload size") == 1
    assert err.count("WatchtowerWarning: Received message after logging system shutdown") == 1
    assert "[watchtower]" not in err
