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


@watchtower.lambda_handler
def lambda_function(event: dict[str, str], context: object) -> str:
    logging.getLogger(__name__).info("event %s", event)
    return event["name"]


@watchtower.flush_on_return(deadline_margin=1.0, timeout=5)
def another_function(event: dict[str, str], context: object) -> int:
    return len(event)


def in_a_block(context: object) -> bool:
    with watchtower.flush_on_return(context=context):
        logging.getLogger(__name__).info("inside")
    name: str = lambda_function({"name": "x"}, context)
    return bool(name) and another_function({}, context) == 0 and watchtower.flush_all(1.0)
