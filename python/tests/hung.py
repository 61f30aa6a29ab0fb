"""What a test subprocess that did not end in time was doing: every process of its session
(forked children included), with the native stacks of all threads from gdb when the machine
has it, and the Python stacks from faulthandler (SIGABRT; the child runs with
PYTHONFAULTHANDLER=1). Used by run_python, so that a hang found by CI says where it is."""

import os
import shutil
import signal
import subprocess

#: At most this much of the report goes into the failure message.
MAX_REPORT = 60_000


def session_pids(sid: int) -> list:
    """The processes of session `sid`, the leader first."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # stat field 6: the session id
            pids.append(int(entry))
    return sorted(pids, key=lambda p: (p != sid, p))


def report(proc: subprocess.Popen) -> str:
    """Native stacks of every process of `proc`'s session, then SIGABRT to each (Python
    stacks on its stderr), then SIGKILL. Returns the native part (the caller reads stderr)."""
    pids = session_pids(proc.pid) or [proc.pid]
    parts = []
    gdb = shutil.which("gdb")
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            cmd = "?"
        parts.append(f"--- process {pid}: {cmd}")
        if gdb is None:
            continue
        try:
            out = subprocess.run(
                [gdb, "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt 30"],
                capture_output=True,
                text=True,
                timeout=60,
            ).stdout
        except subprocess.TimeoutExpired:
            out = "(gdb timed out)"
        parts.append(
            "\n".join(line for line in out.splitlines() if line.startswith(("#", "Thread")))
        )
    for pid in pids:
        try:
            os.kill(pid, signal.SIGABRT)
        except OSError:
            pass
    try:
        proc.wait(10)  # faulthandler writes, then the default action ends the process
    except subprocess.TimeoutExpired:
        pass
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return "\n".join(parts)[-MAX_REPORT:]
