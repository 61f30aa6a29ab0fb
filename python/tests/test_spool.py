"""The durable spool (``spool_dir``): a process that SIGKILLs itself loses nothing it logged
before the crash window; a new process with the same directory delivers every record, none
twice. Also from dictConfig, and an unusable directory falls back to memory with one warning.
Each case runs in fresh interpreters."""

import os
import signal
import subprocess
import sys
import textwrap

from conftest import all_messages, events_by_stream, run_python

N = 5000


def _crash(code, tmp_path):
    """Runs `code`, which must end by SIGKILLing itself."""
    script = tmp_path / "crash.py"
    script.write_text(textwrap.dedent(code))
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL, (
        f"exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    )


def test_records_of_a_killed_process_are_delivered_by_the_next_one_once(moto, group, tmp_path):
    spool = tmp_path / "spool"
    _crash(
        f"""
        import logging, os, signal, time, watchtower
        handler = watchtower.CloudWatchLogHandler(
            log_group_name={group!r}, log_stream_name="{{logger_name}}", spool_dir={str(spool)!r}
        )
        logger = logging.getLogger("app")
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        for i in range({N}):
            logger.info("record %04d", i)
        time.sleep(1.5)
        os.kill(os.getpid(), signal.SIGKILL)
        """,
        tmp_path,
    )
    # send_interval is 60 s: nothing was sent; the records are in the spool.
    assert all_messages(group) == []
    assert list(spool.glob("*.wal"))
    out = run_python(
        f"""
        import watchtower
        handler = watchtower.CloudWatchLogHandler(
            log_group_name={group!r}, log_stream_name="{{logger_name}}", spool_dir={str(spool)!r}
        )
        handler.close()
        stats = handler.stats()
        print("REPLAYED", stats["replayed"], "DELIVERED", stats["delivered"])
        """,
        cwd=tmp_path,
    )
    assert f"REPLAYED {N} DELIVERED {N}" in out.stdout
    by_stream = events_by_stream(group)
    assert list(by_stream) == ["app"]
    # Every record, once, in logging order.
    assert by_stream["app"] == [f"record {i:04d}" for i in range(N)]
    assert not list(spool.glob("*.wal")), "delivered segments are deleted"


def test_spool_dir_from_dictconfig(moto, group, tmp_path):
    spool = tmp_path / "from-dictconfig"
    run_python(
        f"""
        import logging, logging.config
        logging.config.dictConfig({{
            "version": 1,
            "handlers": {{"cw": {{
                "class": "watchtower.CloudWatchLogHandler",
                "log_group_name": {group!r},
                "log_stream_name": "s",
                "spool_dir": {str(spool)!r},
            }}}},
            "root": {{"level": "INFO", "handlers": ["cw"]}},
        }})
        handler = logging.getLogger().handlers[0]
        assert handler.spool_dir == {str(spool)!r}
        for i in range(20):
            logging.info("m %d", i)
        handler.flush()
        """,
        cwd=tmp_path,
    )
    assert spool.is_dir()
    assert events_by_stream(group)["s"] == [f"m {i}" for i in range(20)]
    assert not list(spool.glob("*.wal")), "everything was delivered at exit"


def test_an_unusable_spool_dir_falls_back_to_memory_and_warns_once(moto, group, tmp_path):
    not_a_dir = tmp_path / "a-file"
    not_a_dir.write_text("not a directory")
    out = run_python(
        f"""
        import logging, watchtower
        handler = watchtower.CloudWatchLogHandler(
            log_group_name={group!r}, log_stream_name="s", spool_dir={str(not_a_dir / "spool")!r}
        )
        logger = logging.getLogger("app")
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        for i in range(100):
            logger.info("m %d", i)
        handler.close()
        print("FALLBACK", handler.stats()["spool_fallback"])
        """,
        cwd=tmp_path,
    )
    assert "FALLBACK 100" in out.stdout
    assert out.stderr.count("cannot be used") == 1, out.stderr
    assert events_by_stream(group)["s"] == [f"m {i}" for i in range(100)]


def test_a_forked_child_does_not_hold_back_the_replay_of_its_dead_parent(moto, group, tmp_path):
    """A process with a spool forks (a pre-forking server's worker) and dies: its segments are
    replayed by the next process while the child still runs (the child shared the segments'
    locks, and used to keep them until it exited)."""
    spool = tmp_path / "spool"
    child_pid = tmp_path / "child.pid"
    try:
        _crash(
            f"""
            import logging, os, signal, time, watchtower
            handler = watchtower.CloudWatchLogHandler(
                log_group_name={group!r}, log_stream_name="app", spool_dir={str(spool)!r}
            )
            logger = logging.getLogger("app")
            logger.setLevel(logging.INFO)
            logger.addHandler(handler)
            for i in range(100):
                logger.info("record %04d", i)
            time.sleep(1.5)
            pid = os.fork()
            if pid == 0:
                # Off the test's pipes, or it would wait for this child's end.
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                time.sleep(120)
                os._exit(0)
            with open({str(child_pid)!r}, "w") as f:
                f.write(str(pid))
            os.kill(os.getpid(), signal.SIGKILL)
            """,
            tmp_path,
        )
        pid = int(child_pid.read_text())
        os.kill(pid, 0)  # the child runs
        out = run_python(
            f"""
            import watchtower
            handler = watchtower.CloudWatchLogHandler(
                log_group_name={group!r}, log_stream_name="app", spool_dir={str(spool)!r}
            )
            handler.close()
            print("REPLAYED", handler.stats()["replayed"])
            """,
            cwd=tmp_path,
        )
        os.kill(pid, 0)  # and ran all along
        assert "REPLAYED 100" in out.stdout, out.stdout + out.stderr
        assert all_messages(group) == [f"record {i:04d}" for i in range(100)]
    finally:
        if child_pid.exists():
            try:
                os.kill(int(child_pid.read_text()), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
