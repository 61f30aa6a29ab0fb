#!/usr/bin/env python3
"""Logs N short records through one handler, for counting instructions with callgrind
(repeatable where CPU time on a loaded 2-core machine is not). Per event = (run with N minus
run with 0) / N, per thread (--separate-threads=yes: thread 1 is the caller, the last one the
Rust worker or 3.4's sender).

    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file=cg.%p \\
        .venv-bench-rs/bin/python bench/python_callgrind.py {null,format,cloudwatch} N

AWS_ENDPOINT_URL (the bench sink) and test credentials must be in the environment; run it with
`.venv-bench-34/bin/python` for watchtower 3.4.0.
"""

import logging
import os
import sys

from python_compare import SHORT_FMT, FormatOnlyHandler


def main():
    kind, n = sys.argv[1], int(sys.argv[2])
    logger = logging.getLogger("bench")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = None
    if kind == "null":
        logger.addHandler(logging.NullHandler())
    elif kind == "format":
        logger.addHandler(FormatOnlyHandler())
    else:
        import boto3
        import watchtower

        client = boto3.client("logs", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
        handler = watchtower.CloudWatchLogHandler(
            log_group_name="bench-py", send_interval=5, boto3_client=client
        )
        logger.addHandler(handler)
    info = logger.info
    for i in range(n):
        info(SHORT_FMT, i, "alice", "/api/v1/items", 200)
    if handler is not None:
        handler.flush()
        handler.close()


if __name__ == "__main__":
    main()
