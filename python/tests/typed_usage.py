"""The documented usage, checked with `mypy --strict` by scripts/check-stubs (not a test
module: nothing here runs under pytest)."""

import logging

import watchtower
from watchtower._watchtower import Stats


def configure() -> Stats:
    handler = watchtower.CloudWatchLogHandler(log_group_name="typed", send_interval=5)
    handler.formatter.add_log_record_attrs = ["levelname", "filename", "process", "thread"]
    logging.getLogger(__name__).addHandler(handler)
    stats = handler.stats()
    delivered: int = stats["delivered"]
    by_reason: dict[str, int] = stats["dropped"]
    assert delivered >= 0 and all(n >= 0 for n in by_reason.values())
    return stats
