"""How long a logging call takes in the calling thread: logger.info() with a
CloudWatchLogHandler, against the same call with a NullHandler (the floor: the logging module
itself). Not a test; prints microseconds per call.

    python bench/emit_cost.py [--records 200000] [--endpoint URL]

By default the handler delivers, while it is measured, to a stand-in CloudWatch endpoint in
another process that answers every request with "{}" (cheap, so that the 2 cores here are not
taken by the emulator); --moto uses moto instead (moto_runner.py of
crates/watchtower-testkit), --endpoint any endpoint. Install the package with
MATURIN_PEP517_ARGS="--profile release" (or plain `pip install ./python`, which builds
optimised) for meaningful numbers. To compare with another implementation of the same API
(watchtower 3.4), put it first on PYTHONPATH.
"""

import argparse
import gc
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

RUNNER = Path(__file__).resolve().parents[2] / "crates" / "watchtower-testkit" / "moto_runner.py"


NULL_SERVER = r"""
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
"""


def start_null_server():
    proc = subprocess.Popen(
        [sys.executable, "-c", NULL_SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    port = int(proc.stdout.readline().split()[1])
    return proc, f"http://127.0.0.1:{port}"


def start_moto():
    proc = subprocess.Popen(
        [sys.executable, str(RUNNER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    port = int(proc.stdout.readline().split()[1])
    return proc, f"http://127.0.0.1:{port}"


def per_call_us(logger, n, repeat):
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        start = time.perf_counter()
        for i in range(n):
            logger.info("request %d served in %.1f ms", i, 12.5)
        elapsed = time.perf_counter() - start
        gc.enable()
        best = min(best, elapsed)
    return best / n * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--endpoint")
    parser.add_argument("--moto", action="store_true")
    args = parser.parse_args()

    server = None
    if not args.endpoint:
        server, args.endpoint = start_moto() if args.moto else start_null_server()
    os.environ["AWS_ENDPOINT_URL"] = args.endpoint
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    import watchtower

    null_logger = logging.getLogger("bench.null")
    null_logger.addHandler(logging.NullHandler())
    null_logger.propagate = False
    null_logger.setLevel(logging.INFO)

    handler = watchtower.CloudWatchLogHandler(log_group_name="bench", log_stream_name="emit")
    cw_logger = logging.getLogger("bench.cw")
    cw_logger.addHandler(handler)
    cw_logger.propagate = False
    cw_logger.setLevel(logging.INFO)

    n = args.records
    per_call_us(null_logger, 1000, 1)  # warm up
    per_call_us(cw_logger, 1000, 1)
    null_us = per_call_us(null_logger, n, args.repeat)
    cw_us = per_call_us(cw_logger, n, args.repeat)
    start = time.perf_counter()
    handler.flush()
    flush_s = time.perf_counter() - start
    stats = handler.stats() if hasattr(handler, "stats") else None
    handler.close()

    print(
        f"python {sys.version.split()[0]}, watchtower from {os.path.dirname(watchtower.__file__)}"
    )
    print(f"{n} records x {args.repeat} runs (best run)")
    print(f"  logger.info + NullHandler:           {null_us:6.2f} us/call")
    print(f"  logger.info + CloudWatchLogHandler:  {cw_us:6.2f} us/call")
    print(f"  handler's share (format + emit):     {cw_us - null_us:6.2f} us/call")
    print(f"  final flush: {flush_s * 1000:.0f} ms")
    if stats is not None:
        print(
            f"  delivered {stats['delivered']} events in {stats['batches']} batches, "
            f"dropped {stats['dropped_total']}"
        )
    if server is not None:
        server.kill()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
