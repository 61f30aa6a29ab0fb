"""Process life: delivery at interpreter exit (logging.shutdown), several handlers at exit,
os.fork() and multiprocessing children. Each case runs in a fresh interpreter."""

import signal
import socket

import pytest
from conftest import all_messages, events_by_stream, run_python


def test_exit_delivers_everything(moto, group, tmp_path):
    """A program that logs and exits normally (no flush, no close): every event is in
    CloudWatch, delivered by logging.shutdown at exit."""
    run_python(
        f"""
        import logging, watchtower
        handler = watchtower.CloudWatchLogHandler(log_group_name={group!r})
        for name in ("app.a", "app.b"):
            lg = logging.getLogger(name)
            lg.setLevel(logging.INFO)
            lg.addHandler(handler)
        for i in range(2500):
            logging.getLogger("app.a").info("a %d", i)
            logging.getLogger("app.b").info("b %d", i)
        """,
        cwd=tmp_path,
        timeout=60,
    )
    by_logger = {s.split("/")[-2]: m for s, m in events_by_stream(group).items()}
    assert by_logger == {
        "app.a": [f"a {i}" for i in range(2500)],
        "app.b": [f"b {i}" for i in range(2500)],
    }


def test_several_handlers_deliver_at_exit(moto, group, tmp_path):
    """3.4 crashes at exit with several handlers; here each delivers its own events."""
    groups = [f"{group}-{i}" for i in range(3)]
    run_python(
        f"""
        import logging, watchtower
        logger = logging.getLogger("multi")
        logger.setLevel(logging.INFO)
        for g in {groups!r}:
            logger.addHandler(watchtower.CloudWatchLogHandler(log_group_name=g,
                                                              log_stream_name="s"))
        shared = watchtower.CloudWatchLogHandler(log_group_name={groups[0]!r},
                                                 log_stream_name="shared", use_queues=False)
        logging.getLogger("other").addHandler(shared)
        for i in range(300):
            logger.info("m %d", i)
        logging.getLogger("other").warning("sync")
        """,
        cwd=tmp_path,
    )
    for g in groups:
        assert events_by_stream(g)["s"] == [f"m {i}" for i in range(300)]
    assert events_by_stream(groups[0])["shared"] == ["sync"]


def test_use_queues_false_at_exit(moto, group, tmp_path):
    run_python(
        f"""
        import logging, watchtower
        logger = logging.getLogger("sync")
        logger.addHandler(watchtower.CloudWatchLogHandler(log_group_name={group!r},
                                                          use_queues=False))
        logger.warning("one")
        logger.warning("two")
        """,
        cwd=tmp_path,
    )
    assert all_messages(group) == ["one", "two"]


FORK_SCRIPT = """
import logging, os, sys, watchtower

handler = watchtower.CloudWatchLogHandler(log_group_name=GROUP, send_interval=3600,
                                          log_stream_name="{process_id}")
logger = logging.getLogger("forked")
logger.setLevel(logging.INFO)
logger.addHandler(handler)
for i in range(100):
    logger.info("before fork %d", i)   # still queued in the parent when it forks
assert handler.stats()["queued_events"] == 100

pid = os.fork()
if pid == 0:
    # The child starts with nothing queued and a fresh worker on first use.
    assert handler.stats()["records"] == 0
    for i in range(50):
        logger.info("child %d", i)
    sys.exit(0)   # atexit: logging.shutdown delivers the child's events

_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0
logger.info("parent after fork")
print("PIDS", os.getpid(), pid)
"""


def test_fork_parent_and_child_both_deliver_without_duplicates(moto, group, tmp_path):
    proc = run_python(FORK_SCRIPT.replace("GROUP", repr(group)), cwd=tmp_path)
    parent, child = proc.stdout.split("PIDS ")[1].split()
    by_stream = events_by_stream(group)
    assert set(by_stream) == {parent, child}
    assert by_stream[parent] == [f"before fork {i}" for i in range(100)] + ["parent after fork"]
    assert by_stream[child] == [f"child {i}" for i in range(50)]


def test_library_threads_never_take_the_process_signals(moto, group, tmp_path):
    """A signal sent to the process is handled by a thread that does not block it. Were it
    one of ours, CPython would only set a flag there for the main thread, which, waiting on a
    lock (a Pool worker in its queue's lock when Pool.terminate() sends SIGTERM), would never
    run the handler: the process would never end. Every thread the Rust core starts (tokio's
    included) blocks them; the application's threads do not."""
    proc = run_python(
        f"""
        import boto3, logging, os, threading, watchtower

        client = boto3.client("logs")
        handlers = [
            watchtower.CloudWatchLogHandler(log_group_name={group!r}),
            watchtower.CloudWatchLogHandler(log_group_name={group!r}, boto3_client=client),
        ]
        logger = logging.getLogger("masks")
        for h in handlers:
            logger.addHandler(h)
        logger.warning("started")
        for h in handlers:
            h.flush()
        mine = threading.Thread(target=threading.Event().wait, args=(60,), name="app", daemon=True)
        mine.start()
        # Python's threads by their names (CPython < 3.14 leaves the OS name "python").
        python_names = {{t.native_id: t.name for t in threading.enumerate()}}
        for task in sorted(os.listdir("/proc/self/task")):
            with open(f"/proc/self/task/{{task}}/comm") as f:
                name = python_names.get(int(task), f.read().strip())
            with open(f"/proc/self/task/{{task}}/status") as f:
                blocked = [int(line.split()[1], 16) for line in f if line.startswith("SigBlk:")][0]
            print("THREAD", name, blocked)
        """,
        cwd=tmp_path,
    )
    threads = [line.split()[1:] for line in proc.stdout.splitlines() if line.startswith("THREAD")]
    # The Rust core's threads block them. The credentials thread (Python's) does not: the
    # credential_process helpers botocore starts from it would inherit the mask through exec.
    ours = [(name, int(mask)) for name, mask in threads if name.startswith("watchtower-work")]
    assert ours, threads
    assert [int(m) for n, m in threads if n == "watchtower-credentials"] == [0], threads
    for name, mask in ours:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
            assert mask & (1 << (signum - 1)), (name, signum, threads)
        assert not mask & (1 << (signal.SIGSEGV - 1)), (name, threads)
    theirs = [int(mask) for name, mask in threads if name in ("MainThread", "app")]
    assert len(theirs) == 2 and not any(m & (1 << (signal.SIGTERM - 1)) for m in theirs), threads


def test_forked_child_writes_its_own_background_warnings(moto, tmp_path, monkeypatch):
    """The core's background warnings go to stderr through a writer thread, started by the
    first one. A child forked after that has a copy of its queue but not the thread: its
    warnings must still reach its stderr (written at once), not the dead thread's queue."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens: every connection is refused
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    child_err = tmp_path / "child-stderr.txt"
    proc = run_python(
        f"""
        import logging, os, watchtower

        class Handler(watchtower.CloudWatchLogHandler):
            FLUSH_TIMEOUT = 1

        handler = Handler(log_group_name="g", create_log_group=False)
        logger = logging.getLogger("w")
        logger.addHandler(handler)
        logger.warning("parent")
        handler.flush()  # the parent's worker warns (connection refused): the writer starts
        pid = os.fork()
        if pid == 0:
            fd = os.open({str(child_err)!r}, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 2)
            logger.warning("child")
            handler.flush()
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        """,
        cwd=tmp_path,
        timeout=60,
    )
    assert "[watchtower]" in proc.stderr and "refused" in proc.stderr, proc.stderr
    child = child_err.read_text()
    assert "[watchtower]" in child and "refused" in child, child


@pytest.mark.parametrize("how", ["process", "pool"])
def test_multiprocessing_fork_children_deliver(moto, group, tmp_path, how):
    """multiprocessing's forked workers leave through os._exit (no atexit, so no
    logging.shutdown); their events are still delivered (3.4 issue #31)."""
    run_python(
        f"""
        import logging, multiprocessing as mp, os, watchtower

        logger = logging.getLogger("mp")
        logger.setLevel(logging.INFO)
        handler = watchtower.CloudWatchLogHandler(log_group_name={group!r},
                                                  log_stream_name="{{process_id}}")
        logger.addHandler(handler)

        def work(n):
            logger.info("task %d in %d", n, os.getpid())
            return os.getpid()

        if __name__ == "__main__":
            logger.info("parent")
            ctx = mp.get_context("fork")
            if {how!r} == "process":
                procs = [ctx.Process(target=work, args=(n,)) for n in range(3)]
                for p in procs:
                    p.start()
                for p in procs:
                    p.join()
                    assert p.exitcode == 0
            else:
                pool = ctx.Pool(2)
                pool.map(work, range(6))
                pool.close()
                pool.join()
        """,
        cwd=tmp_path,
    )
    messages = all_messages(group)
    assert messages.count("parent") == 1
    tasks = sorted(m.split(" in ")[0] for m in messages if m.startswith("task"))
    assert tasks == sorted(f"task {n}" for n in range(3 if how == "process" else 6))


CHILD_HANDLER_SCRIPT = """
import logging, multiprocessing as mp, os, sys
import watchtower

GROUP = os.environ["WT_GROUP"]


def init():
    # The handler is created in the child (a Pool initializer, a Process target).
    logger = logging.getLogger("child")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(
        watchtower.CloudWatchLogHandler(log_group_name=GROUP, log_stream_name="{process_id}")
    )


def task(n):
    logging.getLogger("child").info("record %d", n)
    return os.getpid()


def target(numbers):
    init()
    for n in numbers:
        task(n)


if __name__ == "__main__":
    method, kind = sys.argv[1], sys.argv[2]
    ctx = mp.get_context(method)
    if kind == "pool":
        pool = ctx.Pool(2, initializer=init)
        pids = set(pool.map(task, range(200), chunksize=10))
        pool.close()
        pool.join()
    else:
        procs = [ctx.Process(target=target, args=(range(i, 200, 4),)) for i in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
            assert p.exitcode == 0, p.exitcode
        pids = {p.pid for p in procs}
    print("PIDS", *sorted(pids))
"""


@pytest.mark.parametrize("kind", ["pool", "process"])
@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_handler_created_in_a_multiprocessing_child_delivers(moto, group, tmp_path, method, kind):
    """Every start method, the handler made in the child: all 200 records arrive, once each,
    in the children's own {process_id} streams (fork and forkserver children leave through
    os._exit: only multiprocessing's finalizers run there)."""
    proc = run_python(
        CHILD_HANDLER_SCRIPT, cwd=tmp_path, args=[method, kind], env={"WT_GROUP": group}
    )
    pids = set(proc.stdout.split("PIDS")[1].split())
    by_stream = events_by_stream(group)
    assert set(by_stream) <= pids
    records = sorted(int(m.split()[1]) for msgs in by_stream.values() for m in msgs)
    assert records == list(range(200))


def test_dictconfig_applied_twice_new_handler_delivers(moto, group, tmp_path):
    """Reconfiguration closes the old handler; the new one delivers, and no "Received message
    after logging system shutdown" is raised for the live handler (3.4 issue #171)."""
    proc = run_python(
        f"""
        import logging, logging.config, warnings
        warnings.simplefilter("error")

        def config(stream):
            return {{
                "version": 1,
                "disable_existing_loggers": False,
                "handlers": {{"cw": {{"class": "watchtower.CloudWatchLogHandler",
                                      "log_group_name": {group!r},
                                      "log_stream_name": stream}}}},
                "root": {{"handlers": ["cw"], "level": "INFO"}},
            }}

        logging.config.dictConfig(config("first"))
        logging.getLogger("app").info("one")
        old = logging.getLogger().handlers[0]
        logging.config.dictConfig(config("second"))
        assert old.shutting_down
        logging.getLogger("app").info("two")
        print("STATS", logging.getLogger().handlers[0].stats()["dropped_total"])
        """,
        cwd=tmp_path,
    )
    assert "Received message after logging system shutdown" not in proc.stderr
    assert events_by_stream(group) == {"first": ["one"], "second": ["two"]}


@pytest.mark.parametrize("where", ["parent", "initializer"])
def test_pool_context_manager_terminate_delivers(moto, group, tmp_path, where):
    """Leaving `with Pool()` terminates the workers with SIGTERM (no atexit, no finalizers):
    the records their tasks logged arrive, and the workers still end by SIGTERM."""
    proc = run_python(
        f"""
        import logging, multiprocessing as mp, os, signal, time
        import watchtower

        def init():
            if {where!r} == "initializer":
                logging.getLogger("pool").addHandler(
                    watchtower.CloudWatchLogHandler(log_group_name={group!r})
                )

        def task(n):
            logging.getLogger("pool").info("task %d", n)
            return n

        def sleeper():
            os.write(started_w, b"s")
            time.sleep(60)

        started_r, started_w = os.pipe()  # inherited by the forked workers

        if __name__ == "__main__":
            logging.getLogger("pool").setLevel(logging.INFO)
            logging.getLogger("pool").propagate = False
            if {where!r} == "parent":
                logging.getLogger("pool").addHandler(
                    watchtower.CloudWatchLogHandler(log_group_name={group!r})
                )
            with mp.get_context("fork").Pool(2, initializer=init) as pool:
                assert pool.map(task, range(100), chunksize=5) == list(range(100))
                # A task still running when the pool is left: that worker gets SIGTERM.
                pool.apply_async(sleeper)
                assert os.read(started_r, 1) == b"s"
                workers = list(pool._pool)
            for w in workers:
                w.join(10)
            print("EXITCODES", sorted({{w.exitcode for w in workers}}))
        """,
        cwd=tmp_path,
    )
    # The worker still in its task is terminated and ends by SIGTERM (-15); the other may have
    # left its loop already (its queue's sentinel) and exit normally.
    codes = proc.stdout.split("EXITCODES")[1].strip().strip("[]").split(", ")
    assert "-15" in codes and set(codes) <= {"-15", "0"}, proc.stdout
    tasks = sorted(int(m.split()[1]) for m in all_messages(group) if m.startswith("task"))
    assert tasks == list(range(100))


def test_sigterm_with_an_application_handler_is_left_alone(moto, group, tmp_path):
    """An application that handles SIGTERM itself keeps its handler."""
    proc = run_python(
        f"""
        import logging, os, signal
        import watchtower
        signal.signal(signal.SIGTERM, lambda *a: print("APP HANDLER", flush=True))
        logging.getLogger("t").addHandler(watchtower.CloudWatchLogHandler(log_group_name={group!r}))
        os.kill(os.getpid(), signal.SIGTERM)
        print("STILL RUNNING")
        """,
        cwd=tmp_path,
    )
    assert "APP HANDLER" in proc.stdout and "STILL RUNNING" in proc.stdout
