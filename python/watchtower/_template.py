"""The stream name template, checked when the handler is made.

The core renders the templates it can parse (``{logger_name}``, ``{strftime:%Y-%m-%d}``...);
a template it cannot parse is 3.4's ``str.format`` call, run in Python for every record
(``{process_id:05d}``). Such a template must still be one that works: an unknown placeholder
or a bad format spec would raise in every record (3.4 sent each to ``handleError``, and lost
it), and a bad strftime format would name streams after the format itself. Those are
configuration errors, raised by the constructor as ``WatchtowerError``. (A literal ``:`` or
``*``, which the service rejects, becomes ``-`` in the name, as any ``:`` or ``*`` does.)
"""

import os
import platform
import re
import string
import threading
from datetime import datetime, timezone
from typing import Optional

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
            unknown = _unknown_directive(spec)
            if unknown is not None:
                fail(f"invalid strftime format {spec!r}: {unknown!r} is not a directive")
    try:
        template.format(
            machine_name=platform.node(),
            program_name="program",
            process_id=os.getpid(),
            thread_name=threading.current_thread().name,
            logger_name="root",
            strftime=datetime.now(timezone.utc),
        )
    except IndexError:
        pass  # {logger_name[5]} fails only for short names: the record's, as in 3.4
    except (KeyError, ValueError, AttributeError, TypeError) as e:
        fail(f"{type(e).__name__}: {e}")


def _unknown_directive(spec: str) -> Optional[str]:
    """The first directive of a strftime format that this platform's strftime does not know
    (it raises, or passes it through unchanged as glibc does with ``%Q``), else None. Python's
    strftime decides, as 3.4 rendered it: ``%-d`` or ``%#d`` are fine where the C library
    takes them."""
    now = datetime.now(timezone.utc)
    for directive in re.findall(r"%[^A-Za-z%]*[EO]?[A-Za-z%]?", spec):
        try:
            rendered = now.strftime(directive)
        except ValueError:
            return directive
        if directive != "%%" and rendered == directive:
            return directive
    return None
