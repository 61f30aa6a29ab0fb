"""How the handlers of a process deliver when it ends.

At a normal exit ``logging.shutdown`` flushes then closes every handler, one after the other:
each call waiting ``FLUSH_TIMEOUT`` anew would make an unreachable endpoint hold the exit for
twice that per handler. Instead the first handler to wait during the exit sets every handler
sending at once and opens one window of ``FLUSH_TIMEOUT`` that every later wait of the exit
shares. SIGTERM and SIGHUP, where they still have their default action (the process dies),
are handled by the compiled module's own thread: every handler delivers within one window of
the longest ``FLUSH_TIMEOUT`` and prints its summary (what was not delivered, and why), then
the process ends by the signal, as before.

This module holds the registry of live handlers; nothing here imports the handler module.
"""

import atexit
import functools
import logging  # noqa: F401  (its atexit hook is registered first, so ours runs before it)
import os
import threading
import time
import weakref
from typing import Any, Optional

#: Handlers alive in this process (for the fork hook, ``flush_all`` and the exit).
handlers: "weakref.WeakSet[Any]" = weakref.WeakSet()

# Reentrant: a signal handler (close_all) may run while the main thread holds it.
_lock = threading.RLock()
_exiting = False
_window_opened: Optional[float] = None  # monotonic time the exit's current window opened


def begin_exit() -> None:
    """From now on the process is ending: waits share one window (see ``wait_budget``)."""
    global _exiting
    _exiting = True


def wait_budget(full: float) -> float:
    """Seconds a flush or close may wait now: ``full``, except while the process ends, when
    every wait shares one window of ``full`` seconds opened by the first one (which also sets
    every handler sending at once, so that none waits for another's turn). A wait that
    delivered everything closes the window (``waited``): only time spent on a service that
    does not answer counts, so that records logged late in the exit still get their wait."""
    if not _exiting:
        return full
    return max(0.0, _open_window() + full - time.monotonic())


def _open_window() -> float:
    """When the exit's window opened; opens it now if none is open, setting every handler
    sending."""
    global _window_opened
    with _lock:
        opened = _window_opened
        if opened is not None:
            return opened
        opened = _window_opened = time.monotonic()
    send_all_now()
    return opened


def waited(delivered: bool) -> None:
    """Reports how a wait of the exit ended: one that delivered everything closes the window."""
    global _window_opened
    if delivered and _exiting:
        with _lock:
            _window_opened = None


def send_all_now() -> None:
    """Every handler hands what it holds to its worker, without waiting for the delivery."""
    for handler in list(handlers):
        try:
            handler._send_now()
        except Exception:
            pass


def close_all() -> None:
    """The process dies next: every handler delivers within the exit window, then closes
    (printing what it could not deliver)."""
    begin_exit()
    _open_window()
    for handler in list(handlers):
        try:
            handler._close_at_exit()
        except Exception:
            pass


# --- signals ------------------------------------------------------------------------------

#: The signals whose default action ends the process and that are delivered on.
_SIGNALS = ("SIGTERM", "SIGHUP")
_installed_pid: Optional[int] = None
_raise_signal_wrapped = False


def install_signal_delivery() -> None:
    """Where SIGTERM or SIGHUP still has its default action (the process dies), from the main
    thread: the compiled module's C handler, whose own thread delivers what every handler holds
    (within the longest ``FLUSH_TIMEOUT``), then ends the process by the signal, as before,
    whatever the main thread is doing (a Python-level handler waits for the main thread to
    run bytecode again, which one blocked in C never does). Python sees ``_on_signal`` as the
    handler, so that a program that saves it and restores it later still delivers. A program
    (or server) that installs its own handler keeps it; servers that restore the default and
    re-raise with ``signal.raise_signal`` (uvicorn) get the delivery too. Once per process; a
    forked child that starts a handler installs its own."""
    global _installed_pid
    if _installed_pid == os.getpid():
        return
    # Python's handler can only be set from the main thread; a forked child (which inherited
    # it) takes the signals over from any thread.
    main = threading.current_thread() is threading.main_thread()
    import signal

    from . import _watchtower

    # A server may take the signals after us (uvicorn with --log-config) or before us, then
    # put the default action back and re-raise with signal.raise_signal: deliver then too.
    _wrap_raise_signal()
    deliver = getattr(_watchtower, "deliver_on_signals", None)
    if deliver is None:  # a platform without POSIX signals
        return
    ours = []
    for name in _SIGNALS:
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        try:
            python_view = signal.getsignal(signum)
            c_view = _watchtower.signal_action(signum)
            if python_view is signal.SIG_DFL and c_view == "default" and main:
                signal.signal(signum, _on_signal)
            elif not (python_view is _on_signal and c_view == "ours"):  # ours: a forked child
                continue  # someone else's handler (in Python, or in C: uWSGI's workers)
            ours.append(int(signum))
        except (ValueError, OSError):  # not the main interpreter, or no such signal here
            return
    if ours:
        try:
            deliver(ours)
        except OSError:  # no thread or socket to be had: Python's handler stays in charge
            pass
    if main or ours:
        _installed_pid = os.getpid()


def deliver_in_python() -> None:
    """A handler keeps records in Python (an overridden ``_submit_batch``, a test double
    client): from now on the signals go to ``_on_signal`` on the main thread, which delivers
    them, instead of the compiled module's thread, which cannot."""
    from . import _watchtower

    hand_over = getattr(_watchtower, "deliver_in_python", None)
    if hand_over is not None:
        hand_over()


def _on_signal(signum: int, frame: Any) -> None:
    """Python's handler for the signals the compiled module handles: it runs where a program
    put it back after replacing the module's C handler (a save and restore), or where a
    handler keeps records in Python (``deliver_in_python``). Closes every handler, then ends
    the process by the signal."""
    import signal

    signal.signal(signum, signal.SIG_DFL)  # a second signal ends the process at once
    close_all()
    signal.raise_signal(signum)


def _wrap_raise_signal() -> None:
    """Servers such as uvicorn take SIGTERM before they import the application, shut down
    gracefully, then restore the default action and re-raise the signal with
    ``signal.raise_signal``: the process dies by the default action and atexit never runs.
    ``signal.raise_signal`` is wrapped so that re-raising one of ``_SIGNALS`` while its action
    is the default first closes every handler; anything else is passed on untouched."""
    global _raise_signal_wrapped
    import signal

    if _raise_signal_wrapped:
        return
    original = signal.raise_signal
    ours = {getattr(signal, name) for name in _SIGNALS if hasattr(signal, name)}

    @functools.wraps(original)
    def raise_signal(signum: int) -> None:
        try:
            if signum in ours and signal.getsignal(signum) is signal.SIG_DFL:
                close_all()
        except Exception:
            pass
        return original(signum)

    signal.raise_signal = raise_signal
    _raise_signal_wrapped = True


# Registered after logging's own hook (this module imports after logging), so it runs first:
# logging.shutdown's flushes and closes then share the exit window.
atexit.register(begin_exit)
