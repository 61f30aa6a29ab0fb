#!/usr/bin/env python3
"""watchtower 3.4.0 (PyPI) against ours (watchtower-rs, `pip install ./python`), side by side.

    python3 bench/python_compare.py --sink-bin target/release/bench-sink [--out results.json]
        [--short N] [--json-events N] [--gil-events N] [--moto-events N] [--no-setup]

(a size of 0 skips those scenarios).

Both packages are imported as `watchtower`, so each lives in its own venv at the repository
root: `.venv-bench-34` (watchtower==3.4.0 and boto3 from PyPI) and `.venv-bench-rs` (ours,
built in release from ./python, and boto3). The script creates or updates both unless
`--no-setup`; if ours cannot be installed (the package is not there yet, or does not build),
the 3.4 side still runs and ours is reported as missing.

Every measurement runs in its own subprocess (this file with `--child`), with the same
configuration for both: log group `bench-py`, the default stream name template,
send_interval=5, and a `boto3_client` pointed at the endpoint (static test credentials,
us-east-1); AWS_ENDPOINT_URL and the credentials are also in the environment.

The endpoint is the bench sink (crates/watchtower-bench, `bench-sink`): a loopback
CloudWatch Logs that answers like the service and counts events and bytes, so that the
clients, not an emulator, are measured. One more, smaller run goes to moto for realism.

What is measured, per implementation:
  (a) calling-thread cost of `logger.info`: time of N calls with the CloudWatch handler,
      minus the same N calls with a NullHandler (same interpreter, same message); wall time
      (what the caller waits, GIL waits included) and the thread's own CPU time;
  (b) end-to-end events/s: from the first log call until flush() has returned AND the sink
      has counted every event (3.4's flush gives up after 30 s per stream, silently, so the
      sink's count is what ends the clock; bounded wait), for 1 M short messages and 100 k
      messages that are 1 KB JSON dicts;
  (c) CPU seconds of the process (resource.getrusage: user + sys of all its threads, the
      Rust worker's included) over that window, and peak RSS (ru_maxrss, which includes the
      interpreter and boto3); the same for a handler that only formats (`--handler format`:
      a `logging.Handler` whose emit is `self.format(record)`), the floor of any handler;
  (d) GIL: a CPU-bound Python thread's work rate while 1 M events are logged and shipped,
      against its rate alone; the same with a NullHandler shows what the logging calls
      themselves take from it.
"""

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_34 = ROOT / ".venv-bench-34"
VENV_RS = ROOT / ".venv-bench-rs"
MOTO_RUNNER = ROOT / "crates" / "watchtower-testkit" / "moto_runner.py"
GROUP = "bench-py"
SEND_INTERVAL = 5
CHILD_TIMEOUT = 1200
IMPLS = {"3.4": VENV_34, "ours": VENV_RS}


# ---------------------------------------------------------------------------------------------
# helpers shared by parent and child (standard library only)


def http(method, url, timeout=30.0):
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with opener.open(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode())


def sink_stats(endpoint):
    return http("GET", endpoint + "/stats")


def sink_wait(endpoint, events, timeout_s):
    url = f"{endpoint}/wait?events={events}&timeout_ms={int(timeout_s * 1000)}"
    return http("GET", url, timeout=timeout_s + 10)


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def aws_env(endpoint):
    env = dict(os.environ)
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        NO_PROXY="127.0.0.1,localhost",
    )
    for k in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
    ):
        env.pop(k, None)
    return env


# ---------------------------------------------------------------------------------------------
# the child: one measurement in a fresh interpreter

SHORT_FMT = "request handled id=%d user=%s path=%s status=%d"


def json_payload_len():
    # A dict whose json.dumps is 1,024 bytes for a 6-digit id.
    probe = {
        "event": "request",
        "id": 100000,
        "user": "alice",
        "path": "/api/v1/items",
        "status": 200,
        "payload": "",
    }
    return 1024 - len(json.dumps(probe))


class FormatOnlyHandler(logging.Handler):
    """Formats every record (the default `%(message)s` formatter) and keeps nothing: the
    least any handler that ships the formatted text must do on the calling thread."""

    def emit(self, record):
        self.format(record)


def make_logger(kind, endpoint):
    logger = logging.getLogger("bench")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if kind == "null":
        logger.addHandler(logging.NullHandler())
        return logger, None
    if kind == "format":
        logger.addHandler(FormatOnlyHandler())
        return logger, None
    import boto3
    import watchtower

    client = boto3.client(
        "logs",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    handler = watchtower.CloudWatchLogHandler(
        log_group_name=GROUP, send_interval=SEND_INTERVAL, boto3_client=client
    )
    logger.addHandler(handler)
    return logger, handler


def log_loop(logger, message_kind, n):
    info = logger.info
    if message_kind == "short":
        for i in range(n):
            info(SHORT_FMT, i, "alice", "/api/v1/items", 200)
    else:
        payload = "x" * json_payload_len()
        for i in range(n):
            info(
                {
                    "event": "request",
                    "id": 100000 + i,
                    "user": "alice",
                    "path": "/api/v1/items",
                    "status": 200,
                    "payload": payload,
                }
            )


def implementation_name():
    try:
        from importlib import metadata

        metadata.distribution("watchtower-rs")
        return "ours"
    except Exception:
        import watchtower  # noqa: F401

        return "3.4"


def read_back_moto(endpoint):
    """Counts the events of GROUP in moto (all streams)."""
    import boto3

    client = boto3.client(
        "logs",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    total = 0
    streams = []
    kwargs = {"logGroupName": GROUP}
    while True:
        page = client.describe_log_streams(**kwargs)
        streams += [s["logStreamName"] for s in page.get("logStreams", [])]
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    for stream in streams:
        token = None
        while True:
            kw = {
                "logGroupName": GROUP,
                "logStreamName": stream,
                "startFromHead": True,
                "limit": 10000,
            }
            if token:
                kw["nextToken"] = token
            page = client.get_log_events(**kw)
            total += len(page["events"])
            if not page["events"] or page.get("nextForwardToken") == token:
                break
            token = page.get("nextForwardToken")
    return total


def child_ship(args):
    """(a) calling-thread time, (b) end to end, (c) CPU and peak RSS."""
    import gc

    endpoint, n = args.endpoint, args.n
    moto = args.target == "moto"
    logger, handler = make_logger(args.handler, endpoint)
    base = 0 if moto or handler is None else sink_stats(endpoint)["events"]
    gc.collect()
    cpu0 = cpu_seconds()
    tc0 = time.thread_time()
    t0 = time.perf_counter()
    log_loop(logger, args.message, n)
    t_logged = time.perf_counter()
    thread_cpu = time.thread_time() - tc0
    out = {
        "impl": implementation_name() if handler else args.handler,
        "handler": args.handler,
        "message": args.message,
        "target": args.target,
        "events": n,
        "log_secs": t_logged - t0,
        "us_per_call": (t_logged - t0) / n * 1e6,
        "thread_cpu_us_per_call": thread_cpu / n * 1e6,
    }
    if handler is None:
        out.update(cpu_secs=cpu_seconds() - cpu0, peak_rss_bytes=peak_rss_bytes())
        out["cpu_us_per_event"] = out["cpu_secs"] / n * 1e6
        return out
    handler.flush()
    t_flushed = time.perf_counter()
    out["flush_secs"] = t_flushed - t_logged
    if moto:
        out["e2e_secs"] = t_flushed - t0
        out["cpu_secs"] = cpu_seconds() - cpu0
        out["peak_rss_bytes"] = peak_rss_bytes()
        out["delivered"] = read_back_moto(endpoint)
    else:
        waited = sink_wait(endpoint, base + n, 120)
        t_end = time.perf_counter()
        out["cpu_secs"] = cpu_seconds() - cpu0
        out["peak_rss_bytes"] = peak_rss_bytes()
        delivered = waited["events"] - base
        out["delivered"] = delivered
        out["e2e_secs"] = t_end - t0
        out["sink_bytes"] = waited["bytes"]
        out["put_requests"] = waited["put_requests"]
        out["sink_rejected_requests"] = waited["rejected_requests"]
        out["bytes_per_event"] = waited["bytes"] / max(1, waited["events"])
    out["cpu_us_per_event"] = out["cpu_secs"] / n * 1e6
    out["all_delivered"] = out["delivered"] == n
    out["e2e_events_per_sec"] = out["delivered"] / out["e2e_secs"]
    stats = getattr(handler, "stats", None)
    if callable(stats):
        try:
            s = stats()
            out["handler_stats"] = s if isinstance(s, dict) else repr(s)
        except Exception as e:  # pragma: no cover - depends on the package
            out["handler_stats"] = f"error: {e}"
    handler.close()
    return out


def cpu_chunk():
    x = 0
    for k in range(2000):
        x += k * k
    return x


def child_gil(args):
    """(d) a CPU-bound thread's rate alone, then while N events are logged and shipped."""
    endpoint, n = args.endpoint, args.n
    logger, handler = make_logger(args.handler, endpoint)
    base = 0 if handler is None else sink_stats(endpoint)["events"]
    count = [0]
    stop = threading.Event()

    def worker():
        while not stop.is_set():
            cpu_chunk()
            count[0] += 1

    # Alone: the main thread only waits (it holds no GIL while it sleeps).
    th = threading.Thread(target=worker, daemon=True)
    th.start()
    time.sleep(0.3)
    c0, t0 = count[0], time.perf_counter()
    time.sleep(2.0)
    alone = (count[0] - c0) / (time.perf_counter() - t0)

    # While logging and shipping.
    c0, t0 = count[0], time.perf_counter()
    log_loop(logger, "short", n)
    c1, t1 = count[0], time.perf_counter()
    if handler is not None:
        handler.flush()
        sink_wait(endpoint, base + n, 120)
    c2, t2 = count[0], time.perf_counter()
    stop.set()
    th.join()
    out = {
        "impl": implementation_name() if handler else "null",
        "handler": args.handler,
        "events": n,
        "alone_rate": alone,
        "logging_rate": (c1 - c0) / (t1 - t0),
        "window_rate": (c2 - c0) / (t2 - t0),
        "logging_secs": t1 - t0,
        "window_secs": t2 - t0,
    }
    if t2 - t1 > 0.05:
        out["shipping_rate"] = (c2 - c1) / (t2 - t1)
        out["shipping_secs"] = t2 - t1
    # Seconds of the CPU-bound thread's work lost over the window (what it would have done
    # alone, minus what it did).
    out["lost_secs"] = (t2 - t0) - (c2 - c0) / alone
    out["window_slowdown"] = 1 - out["window_rate"] / alone
    out["logging_slowdown"] = 1 - out["logging_rate"] / alone
    if "shipping_rate" in out:
        out["shipping_slowdown"] = 1 - out["shipping_rate"] / alone
    if handler is not None:
        handler.close()
    return out


INTERLEAVE_CHUNK = 5_000


def child_interleave(args):
    """(a) in steady state: the calling thread's cost per call with NullHandler, the format-only
    handler and ours, in one process, in alternating chunks of INTERLEAVE_CHUNK records (each
    handler `n` records in all); the median chunk of each. Runs of several seconds in separate
    processes differ by more than the ~1 µs compared here on a shared machine; alternating
    chunks see the same machine, and ours ships meanwhile."""
    import statistics

    endpoint, n = args.endpoint, args.n
    logger, handler = make_logger("cloudwatch", endpoint)
    base = sink_stats(endpoint)["events"]
    loggers = {"ship": logger}
    for kind, h in (("null", logging.NullHandler()), ("format", FormatOnlyHandler())):
        other = logging.getLogger(f"bench.{kind}")
        other.setLevel(logging.INFO)
        other.propagate = False
        other.addHandler(h)
        loggers[kind] = other
    cpu = {k: [] for k in loggers}
    wall = {k: [] for k in loggers}
    for _ in range(max(1, n // INTERLEAVE_CHUNK)):
        for kind, lg in loggers.items():
            tc0, t0 = time.thread_time(), time.perf_counter()
            log_loop(lg, "short", INTERLEAVE_CHUNK)
            wall[kind].append((time.perf_counter() - t0) / INTERLEAVE_CHUNK * 1e6)
            cpu[kind].append((time.thread_time() - tc0) / INTERLEAVE_CHUNK * 1e6)
    handler.flush()
    shipped = len(wall["ship"]) * INTERLEAVE_CHUNK
    delivered = sink_wait(endpoint, base + shipped, 120)["events"] - base
    handler.close()
    out = {"impl": implementation_name(), "events": shipped, "delivered": delivered}
    for kind in loggers:
        out[f"{kind}_us_per_call"] = statistics.median(wall[kind])
        out[f"{kind}_thread_cpu_us_per_call"] = statistics.median(cpu[kind])
    return out


def child_main(args):
    children = {"gil": child_gil, "ship": child_ship, "interleave": child_interleave}
    try:
        result = children[args.child](args)
    except Exception as e:
        import traceback

        traceback.print_exc()
        result = {"error": f"{type(e).__name__}: {e}"}
    result.setdefault("scenario", args.label)
    print("RESULT " + json.dumps(result), flush=True)


# ---------------------------------------------------------------------------------------------
# the parent


def run(cmd, **kw):
    print("+ " + " ".join(str(c) for c in cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, **kw)


def venv_python(venv):
    return venv / "bin" / "python"


def setup_venvs():
    """Creates/updates the two venvs; returns {impl: problem or None}."""
    problems = {}
    for venv in IMPLS.values():
        if not venv_python(venv).exists():
            run([sys.executable, "-m", "venv", str(venv)], check=True)
    py34 = venv_python(VENV_34)
    stamp = VENV_34 / ".bench-installed"
    if not stamp.exists():
        r = run([str(py34), "-m", "pip", "install", "--quiet", "watchtower==3.4.0", "boto3"])
        if r.returncode == 0:
            stamp.write_text("watchtower==3.4.0 boto3\n")
        else:
            problems["3.4"] = "pip install watchtower==3.4.0 failed"
    pyrs = venv_python(VENV_RS)
    if not (ROOT / "python" / "pyproject.toml").exists():
        problems["ours"] = "python/pyproject.toml is missing: the package is not there yet"
        return problems
    r = run([str(pyrs), "-m", "pip", "install", "--quiet", "maturin>=1.5,<2", "boto3"])
    if r.returncode != 0:
        problems["ours"] = "pip install maturin boto3 failed"
        return problems
    env = dict(os.environ)
    env["PATH"] = f"{VENV_RS / 'bin'}:{env['PATH']}"
    env["MATURIN_PEP517_ARGS"] = "--profile release"
    r = run(
        [
            str(pyrs),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-build-isolation",
            "--no-deps",
            "--force-reinstall",
            str(ROOT / "python"),
        ],
        env=env,
    )
    if r.returncode != 0:
        problems["ours"] = "pip install ./python failed (see the output above)"
    return problems


def check_impl(impl):
    py = venv_python(IMPLS[impl])
    if not py.exists():
        return f"{IMPLS[impl].name} does not exist"
    code = (
        "import sys, importlib.metadata as m\n"
        "import watchtower, boto3\n"
        "try:\n    m.distribution('watchtower-rs'); print('ours')\n"
        "except Exception:\n    print(m.version('watchtower'))\n"
    )
    r = subprocess.run([str(py), "-c", code], capture_output=True, text=True)
    if r.returncode != 0:
        return "cannot import watchtower/boto3: " + (r.stderr.strip().splitlines() or ["?"])[-1]
    got = r.stdout.strip()
    want = "ours" if impl == "ours" else "3.4.0"
    if got != want:
        return f"the venv holds {got!r}, not {want!r}"
    return None


def start_server(cmd):
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit(f"{cmd[0]} did not start: {line!r}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}"


def stop_server(proc):
    try:
        proc.stdin.close()
        proc.wait(timeout=10)
    except Exception:
        proc.kill()


def child(impl_or_null_venv, label, kind, handler, message, n, endpoint, target="sink"):
    py = venv_python(impl_or_null_venv)
    cmd = [
        str(py),
        str(Path(__file__).resolve()),
        "--child",
        kind,
        "--label",
        label,
        "--handler",
        handler,
        "--message",
        message,
        "--n",
        str(n),
        "--endpoint",
        endpoint,
        "--target",
        target,
    ]
    print(f"python_compare: {label}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        r = subprocess.run(
            cmd, capture_output=True, text=True, timeout=CHILD_TIMEOUT, env=aws_env(endpoint)
        )
    except subprocess.TimeoutExpired:
        return {"scenario": label, "error": f"timed out after {CHILD_TIMEOUT} s"}
    result = None
    for line in r.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
    if result is None:
        tail = "\n".join(r.stderr.strip().splitlines()[-5:])
        result = {"scenario": label, "error": f"no result (exit {r.returncode}): {tail}"}
    elif r.stderr.strip():
        # Warnings the handler printed (e.g. 3.4's "Failed to deliver logs"): keep a sample.
        lines = r.stderr.strip().splitlines()
        result["stderr_lines"] = len(lines)
        result["stderr_sample"] = lines[:3]
    result["wall_secs"] = time.perf_counter() - started
    print(f"python_compare: {json.dumps(result)[:400]}", file=sys.stderr, flush=True)
    return result


# (measurement, handler): NullHandler, the handler that only formats, the shipping handler.
TRIO = (("null", "null"), ("format", "format"), ("ship", "cloudwatch"))

MEDIAN_FIELDS = (
    "us_per_call",
    "thread_cpu_us_per_call",
    "cpu_secs",
    "cpu_us_per_event",
    "e2e_secs",
    "e2e_events_per_sec",
    "peak_rss_bytes",
)


def median_run(runs, label):
    """The runs under `label` as one: the run with the median calling-thread cost (wall),
    with each of MEDIAN_FIELDS the median of the runs', and every run's cost and CPU beside
    them; the first run when none measured anything."""
    measured = sorted(
        (r for r in runs if "us_per_call" in r and "error" not in r),
        key=lambda r: r["us_per_call"],
    )
    chosen = dict(measured[len(measured) // 2] if measured else runs[0])
    chosen["scenario"] = label
    if len(measured) > 1:
        for key in MEDIAN_FIELDS:
            values = sorted(r[key] for r in measured if r.get(key) is not None)
            if values:
                chosen[key] = values[len(values) // 2]
    if len(runs) > 1:
        chosen["rounds_us_per_call"] = [r.get("us_per_call") for r in runs]
        chosen["rounds_thread_cpu_us_per_call"] = [r.get("thread_cpu_us_per_call") for r in runs]
        chosen["rounds_cpu_secs"] = [r.get("cpu_secs") for r in runs]
    return chosen


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", choices=["ship", "gil", "interleave"])
    ap.add_argument("--label", default="")
    ap.add_argument("--handler", choices=["cloudwatch", "null", "format"], default="cloudwatch")
    ap.add_argument("--message", choices=["short", "json"], default="short")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--endpoint", default="")
    ap.add_argument("--target", choices=["sink", "moto"], default="sink")
    ap.add_argument("--sink-bin", default=str(ROOT / "target" / "release" / "bench-sink"))
    ap.add_argument("--moto-python", default=str(ROOT / ".venv" / "bin" / "python"))
    ap.add_argument("--short", type=int, default=1_000_000)
    ap.add_argument("--json-events", type=int, default=100_000)
    ap.add_argument("--gil-events", type=int, default=1_000_000)
    ap.add_argument("--moto-events", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--interleave-events", type=int, default=300_000)
    ap.add_argument("--no-setup", action="store_true")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        return child_main(args)

    problems = {} if args.no_setup else setup_venvs()
    available = {}
    for impl in IMPLS:
        problem = problems.get(impl) or check_impl(impl)
        available[impl] = problem
        print(f"python_compare: {impl}: {problem or 'ready'}", file=sys.stderr, flush=True)
    impls = [i for i in IMPLS if available[i] is None]
    results = []
    sink, endpoint = start_server([args.sink_bin])
    try:
        sizes = {"short": args.short, "json": args.json_events}
        # The short messages' trio (NullHandler, the format-only handler, the shipping
        # handler) runs `--rounds` times for every package, round after round, so that a
        # shared machine's drift falls on both alike; each figure is the median of the rounds.
        # (Ours' calling thread is compared with the format-only handler's, a difference of
        # ~1 µs between runs of several seconds.)
        rounds = max(1, args.rounds)
        runs = {(impl, kind): [] for impl in impls for kind, _ in TRIO}
        for k in range(rounds if sizes["short"] else 0):
            for impl in impls:
                for kind, handler in TRIO:
                    label = f"{impl}/{kind}/short"
                    label += f" (round {k + 1} of {rounds})" if rounds > 1 else ""
                    runs[impl, kind].append(
                        child(
                            IMPLS[impl], label, "ship", handler, "short", sizes["short"], endpoint
                        )
                    )
        for (impl, kind), done in runs.items():
            if done:
                results.append(median_run(done, f"{impl}/{kind}/short"))
        for impl in impls:
            venv = IMPLS[impl]
            if sizes["json"]:
                for kind, handler in TRIO:
                    label = f"{impl}/{kind}/json"
                    results.append(
                        child(venv, label, "ship", handler, "json", sizes["json"], endpoint)
                    )
            if impl == "ours" and sizes["short"] and args.interleave_events:
                label = "ours/interleaved/short"
                n_int = args.interleave_events
                results.append(
                    child(venv, label, "interleave", "cloudwatch", "short", n_int, endpoint)
                )
            if not args.gil_events:
                continue
            results.append(
                child(venv, f"{impl}/gil/null", "gil", "null", "short", args.gil_events, endpoint)
            )
            results.append(
                child(
                    venv,
                    f"{impl}/gil/cloudwatch",
                    "gil",
                    "cloudwatch",
                    "short",
                    args.gil_events,
                    endpoint,
                )
            )
    finally:
        stop_server(sink)
    moto_note = None
    if args.moto_events and impls:
        if Path(args.moto_python).exists():
            for impl in impls:
                moto, moto_endpoint = start_server([args.moto_python, str(MOTO_RUNNER)])
                try:
                    results.append(
                        child(
                            IMPLS[impl],
                            f"{impl}/moto/short",
                            "ship",
                            "cloudwatch",
                            "short",
                            args.moto_events,
                            moto_endpoint,
                            "moto",
                        )
                    )
                finally:
                    stop_server(moto)
        else:
            moto_note = f"{args.moto_python} missing (run scripts/setup-venv): moto run skipped"
    report = {
        "python": sys.version.split()[0],
        "sizes": {
            "short": args.short,
            "json": args.json_events,
            "gil": args.gil_events,
            "moto": args.moto_events,
        },
        "send_interval": SEND_INTERVAL,
        "available": available,
        "moto_note": moto_note,
        "results": results,
    }
    text = json.dumps(report, indent=2)
    if args.out:
        Path(args.out).write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
