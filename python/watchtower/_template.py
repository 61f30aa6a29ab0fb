"""The stream name template, checked when the handler is made.

The core renders the templates it can parse (``{logger_name}``, ``{strftime:%Y-%m-%d}``...);
a template it cannot parse is 3.4's ``str.format`` call, run in Python for every record
(``{process_id:05d}``). Such a template must still be one that works: an unknown placeholder
or a bad format spec would raise in every record (3.4 sent each to ``handleError``, and lost
it), and a bad strftime format would name streams after the format itself. Those are
configuration errors, raised by the constructor as ``WatchtowerError``. (A literal ``:`` or
``*``, which the service rejects, becomes ``-`` in the name, as any ``:`` or ``*`` does.)
"""

import re
import string
from datetime import datetime, timezone

from . import _watchtower
from ._watchtower import WatchtowerError

#: The placeholders ``log_stream_name`` may use.
PLACEHOLDERS = (
    "machine_name",
    "program_name",
    "process_id",
    "thread_name",
    "logger_name",
    "strftime",
)


def check(template: str) -> None:
    """Raises ``WatchtowerError`` naming what is wrong with ``template``, if anything."""
    if _watchtower.stream_template_error(template) is None:
        return  # the core renders it, and has checked it

    def fail(reason: str) -> None:
        raise WatchtowerError(f"invalid log_stream_name {template!r}: {reason}")

    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:
        fail(str(e))
        return
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        name = re.split(r"[.\[]", field, maxsplit=1)[0]
        if name not in PLACEHOLDERS:
            fail(
                f"unknown placeholder {{{name}}}; use "
                + ", ".join("{" + p + "}" for p in PLACEHOLDERS[:-1])
                + " or {strftime:FORMAT}"
            )
        if field == "strftime" and spec and conversion is None:
            reason = _watchtower.stream_template_error("{strftime:" + spec + "}")
            if reason is not None:
                fail(reason)
    try:
        template.format(
            machine_name="m",
            program_name="p",
            process_id=1,
            thread_name="t",
            logger_name="l",
            strftime=datetime.now(timezone.utc),
        )
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as e:
        fail(f"{type(e).__name__}: {e}")
