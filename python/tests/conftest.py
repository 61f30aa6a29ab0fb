"""Shared fixtures: one moto server for the session (crates/watchtower-testkit/moto_runner.py),
the AWS environment pointing at it, read-back helpers, and clean logging between tests."""

import logging
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
import uuid
from pathlib import Path

import hung
import pytest

# `python -m pytest` run from python/ puts python/ first on sys.path, where watchtower/ is the
# source tree without the compiled module: drop it, so that the tests use the installed package
# (scripts/install-python-package: `pip install ./python`).
_SOURCE_DIR = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != _SOURCE_DIR]
import watchtower  # noqa: E402

assert Path(watchtower.__file__).resolve().parent != _SOURCE_DIR / "watchtower", (
    "the tests must import the installed package; run scripts/install-python-package"
)

ROOT = Path(__file__).resolve().parents[2]
MOTO_RUNNER = ROOT / "crates" / "watchtower-testkit" / "moto_runner.py"
EXAMPLES = Path(__file__).resolve().parent / "examples"
REGION = "us-east-1"


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    """Starts moto on a free port and points every AWS client (ours, boto3, subprocesses) at
    it with dummy credentials. Yields the endpoint URL."""
    proc = subprocess.Popen(
        [sys.executable, str(MOTO_RUNNER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    assert line.startswith("PORT "), f"moto_runner said {line!r}"
    endpoint = f"http://127.0.0.1:{int(line.split()[1])}"
    empty = tmp_path_factory.mktemp("aws")
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=str(empty / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(empty / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    try:
        yield endpoint
    finally:
        os.environ.clear()
        os.environ.update(saved)
        proc.stdin.close()
        proc.wait(timeout=10)


def reset_moto(endpoint):
    """Forgets every log group in moto (for tests that use fixed names such as "watchtower")."""
    req = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST", data=b"")
    urllib.request.urlopen(req, timeout=10).read()


@pytest.fixture
def fresh_moto(moto):
    reset_moto(moto)
    return moto


def logs_client(region=REGION):
    import boto3

    return boto3.client("logs", region_name=region)


@pytest.fixture
def logs(moto):
    return logs_client()


@pytest.fixture
def group(moto):
    """A log group name no other test uses."""
    return f"test-{uuid.uuid4().hex[:12]}"


def streams(group, region=REGION):
    client = logs_client(region)
    names = []
    for page in client.get_paginator("describe_log_streams").paginate(logGroupName=group):
        names.extend(s["logStreamName"] for s in page["logStreams"])
    return names


def stream_events(group, stream, region=REGION):
    """Every event of one stream, in order, as returned by GetLogEvents."""
    client = logs_client(region)
    events, token = [], None
    while True:
        kwargs = dict(logGroupName=group, logStreamName=stream, startFromHead=True, limit=10000)
        if token:
            kwargs["nextToken"] = token
        page = client.get_log_events(**kwargs)
        events.extend(page["events"])
        if not page["events"] or page["nextForwardToken"] == token:
            return events
        token = page["nextForwardToken"]


def events_by_stream(group, region=REGION):
    """{stream name: [message, ...]} for the whole group ({} if it does not exist)."""
    client = logs_client(region)
    try:
        names = streams(group, region)
    except client.exceptions.ResourceNotFoundException:
        return {}
    return {name: [e["message"] for e in stream_events(group, name, region)] for name in names}


def all_messages(group, region=REGION):
    return [m for msgs in events_by_stream(group, region).values() for m in msgs]


def wait_for(predicate, timeout=30.0, interval=0.05, message="condition"):
    """Polls `predicate` until it returns a truthy value (returned) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def run_python(code, cwd=None, env=None, timeout=120, args=()):
    """Runs `code` in a fresh interpreter (this venv) and returns the CompletedProcess; fails
    the test with its output if it exits non-zero."""
    script = Path(cwd or ".") / f"script_{uuid.uuid4().hex[:8]}.py"
    script.write_text(textwrap.dedent(code))
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(EXAMPLES)
    if env:
        for key, value in env.items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
    # Python stacks on SIGABRT, and a session of its own: a hang is reported with the stacks
    # of every process it forked (tests/hung.py).
    full_env.setdefault("PYTHONFAULTHANDLER", "1")
    with subprocess.Popen(
        [sys.executable, str(script), *args],
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as popen:
        try:
            stdout, stderr = popen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stacks = hung.report(popen)
            stdout, stderr = popen.communicate()
            pytest.fail(
                f"still running after {timeout} s\n--- stdout\n{stdout}\n--- stderr "
                f"(Python stacks)\n{stderr[-hung.MAX_REPORT :]}\n--- native stacks\n{stacks}"
            )
    proc = subprocess.CompletedProcess(popen.args, popen.returncode, stdout, stderr)
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    )
    return proc


@pytest.fixture(autouse=True)
def clean_logging():
    """Closes and detaches every handler a test added, and restores logger levels."""
    manager = logging.Logger.manager
    before = {
        name: (list(lg.handlers), lg.level, lg.propagate, lg.disabled)
        for name, lg in manager.loggerDict.items()
        if isinstance(lg, logging.Logger)
    }
    root_before = (list(logging.root.handlers), logging.root.level)
    yield
    loggers = [lg for lg in manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    for lg in [logging.root, *loggers]:
        if lg is logging.root:
            handlers, level = root_before
            propagate, disabled = True, False
        else:
            default = ([], logging.NOTSET, True, False)
            handlers, level, propagate, disabled = before.get(lg.name, default)
        for h in list(lg.handlers):
            if h not in handlers:
                lg.removeHandler(h)
                h.close()
        lg.setLevel(level)
        lg.propagate = propagate
        lg.disabled = disabled


@pytest.fixture
def make_handler(moto, group):
    """Makes CloudWatchLogHandlers (log_group_name defaults to the test's group) and closes
    them after the test."""
    import watchtower

    made = []

    def make(*args, cls=None, **kwargs):
        if not args:
            kwargs.setdefault("log_group_name", group)
        handler = (cls or watchtower.CloudWatchLogHandler)(*args, **kwargs)
        made.append(handler)
        return handler

    yield make
    for handler in made:
        handler.close()


@pytest.fixture
def logger(request):
    """A logger of its own (level DEBUG, not propagating) for the test."""
    lg = logging.getLogger(f"t.{request.node.name}")
    lg.setLevel(logging.DEBUG)
    lg.propagate = False
    return lg
