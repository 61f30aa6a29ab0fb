"""When the core reports that its worker failed (a bug: ``FlushError::WorkerFailed``), flush()
and close() raise a WatchtowerWarning with the cause and the number of events lost, and
stats() counts them under ``dropped["worker_failed"]``.

The worker cannot be made to fail from Python (the core's failure injection is compiled into
its own unit tests only), so the warning path is driven through a stand-in for the handler's
core that answers as a failed one does; python/src/sink.rs unit-tests that the core's warning
is kept for it."""

import warnings

import pytest

import watchtower

FAILURE = (
    "the watchtower worker failed (injected); 3 queued events were lost, and records logged "
    "from now on are dropped. Please report this bug."
)


class _FailedCore:
    """Answers as the core of a handler whose worker failed."""

    def __init__(self, real):
        self.real = real

    def flush(self, timeout):
        return False

    def shutdown(self, timeout):
        return False

    def worker_failure(self):
        return FAILURE

    def stats(self):
        return self.real.stats()


def test_the_worker_failed_count_is_in_stats(make_handler):
    assert watchtower._watchtower.empty_stats()["dropped"]["worker_failed"] == 0
    handler = make_handler()
    assert handler.stats()["dropped"]["worker_failed"] == 0


def test_a_live_core_reports_no_failure(make_handler):
    handler = make_handler()
    assert handler._core.worker_failure() is None
    handler.flush()  # no warning (warnings from watchtower fail the test)


def test_flush_and_close_warn_with_the_cause_and_the_count(make_handler, logger):
    handler = make_handler()
    real = handler._core
    handler._core = _FailedCore(real)
    with pytest.warns(watchtower.WatchtowerWarning, match=r"failed \(injected\); 3 queued"):
        handler.flush()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        handler.flush()  # said once per handler
        handler.close()  # neither again nor "Timed out while delivering logs"
    real.shutdown(1)


def test_close_warns_when_flush_did_not(make_handler):
    handler = make_handler()
    real = handler._core
    handler._core = _FailedCore(real)
    with pytest.warns(watchtower.WatchtowerWarning, match="3 queued events were lost") as seen:
        handler.close()
    assert not any("Timed out" in str(w.message) for w in seen)
    real.shutdown(1)
