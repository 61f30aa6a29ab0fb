#!/usr/bin/env python3
"""Run moto's server in-process on 127.0.0.1 for tests.

Usage: python3 moto_runner.py [--port N]

Binds 127.0.0.1 on the given port (default 0: a free port chosen by the OS),
prints exactly one line ``PORT <n>`` to stdout once the socket accepts
connections, then blocks reading stdin and exits when stdin reaches EOF. So the
server dies with its parent process, even when the parent is killed.

Python tests can also ``import moto_runner`` and call ``start()``, which
returns ``(server, port)``; call ``server.shutdown()`` to stop it.

Requires ``pip install "moto[server]"`` (moto 5.x).
"""

import argparse
import logging
import os
import sys
import threading


def start(port=0, host="127.0.0.1"):
    """Start moto on host:port in a daemon thread; return (server, port)."""
    try:
        from moto.server import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server
    except ImportError as exc:  # pragma: no cover - depends on the environment
        sys.stderr.write(
            "moto_runner: cannot import moto's server (%s); install it with:\n"
            '    pip install "moto[server]"\n' % exc
        )
        sys.exit(3)

    # werkzeug logs every request at INFO on stderr: keep test output quiet.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = DomainDispatcherApplication(create_backend_app)
    # make_server binds and listens in its constructor: once it returns,
    # connections are accepted (queued until serve_forever picks them up).
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
    thread.start()
    return server, server.server_address[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    args = parser.parse_args()

    _server, port = start(args.port, args.host)
    sys.stdout.write("PORT %d\n" % port)
    sys.stdout.flush()

    # Block until the parent closes our stdin (or dies).
    try:
        while sys.stdin.buffer.read(65536):
            pass
    except KeyboardInterrupt:
        pass
    # Exit at once: don't wait for in-flight request threads.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
