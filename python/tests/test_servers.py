"""Under real servers (installed from scripts/requirements-test.txt): gunicorn's sync,
gthread and gevent workers, with and without --preload, --max-requests and a SIGHUP reload,
uvicorn, and Django's runserver, stopped with SIGTERM. Every record of every request arrives,
once."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import all_messages, events_by_stream

pytest.importorskip("gunicorn")

APP = """
import logging, os
import watchtower

logger = logging.getLogger("app")
logger.setLevel(logging.INFO)
logger.propagate = False
logger.addHandler(watchtower.CloudWatchLogHandler(log_group_name=os.environ["WT_GROUP"],
                                                  log_stream_name="{process_id}"))


def app(environ, start_response):
    n = environ["PATH_INFO"].strip("/")
    logger.info("request %s", n)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(server, url):
    """GETs url, retrying while the server is not listening yet."""
    for _ in range(400):
        try:
            return urllib.request.urlopen(url, timeout=10).read()
        except OSError:  # not listening yet
            if server.poll() is not None:
                raise
            time.sleep(0.05)  # polling for the port to open: nothing to wait on
    raise AssertionError(f"{url} did not answer")


@pytest.mark.parametrize("preload", [False, True], ids=["no-preload", "preload"])
@pytest.mark.parametrize("worker", ["sync", "gthread", "gevent"])
def test_gunicorn_sigterm_delivers_every_request(moto, group, tmp_path, worker, preload):
    if worker == "gevent":
        pytest.importorskip("gevent")  # monkey-patched threads; the core's worker is an OS thread
    (tmp_path / "wsgi_app.py").write_text(APP)
    port = _free_port()
    args = [sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", worker]
    args += ["--bind", f"127.0.0.1:{port}", "--graceful-timeout", "20", "--log-level", "warning"]
    if worker == "gthread":
        args += ["--threads", "4"]
    if preload:
        args.append("--preload")
    env = dict(os.environ, WT_GROUP=group)
    server = subprocess.Popen(
        [*args, "wsgi_app:app"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        for n in range(40):
            _get(server, f"http://127.0.0.1:{port}/{n}")
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
    assert "Traceback" not in err, err
    records = sorted(int(m.split()[1]) for m in all_messages(group))
    assert records == list(range(40))


ASGI_APP = """
import logging

logger = logging.getLogger("app")


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    logger.info("request %s", scope["path"].strip("/"))
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
"""


def test_gunicorn_max_requests_and_sighup_reload_deliver_every_request(moto, group, tmp_path):
    """Workers recycled by --max-requests and replaced by a SIGHUP reload exit gracefully:
    each delivers its records before it goes."""
    (tmp_path / "wsgi_app.py").write_text(APP)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--max-requests", "7"]
        + ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi_app:app"],
        cwd=tmp_path,
        env=dict(os.environ, WT_GROUP=group),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for n in range(20):
            _get(server, f"http://127.0.0.1:{port}/{n}")
        server.send_signal(signal.SIGHUP)
        for n in range(20, 40):
            _get(server, f"http://127.0.0.1:{port}/{n}")
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
    assert "Traceback" not in err, err
    records = sorted(int(m.split()[1]) for m in all_messages(group))
    assert records == list(range(40))
    assert len(events_by_stream(group)) > 2  # recycled and reloaded workers had streams too


def _uvicorn_30_requests_then_sigterm(tmp_path, group, args):
    """Runs uvicorn with `args` in `tmp_path`, makes 30 requests, sends SIGTERM and waits;
    returns (returncode, stderr)."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--port", str(port), "--log-level", "warning", *args],
        cwd=tmp_path,
        env=dict(os.environ, WT_GROUP=group),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for n in range(30):
            _get(server, f"http://127.0.0.1:{port}/{n}")
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
    return server.returncode, err


def test_uvicorn_sigterm_delivers_every_request(moto, group, tmp_path):
    """uvicorn re-raises SIGTERM after its graceful shutdown, so atexit never runs (3.4 loses
    everything). With the handler configured by --log-config (before uvicorn takes the
    signals), uvicorn restores the handler's SIGTERM hook and re-raises into it: every record
    arrives, and the process still ends by SIGTERM."""
    pytest.importorskip("uvicorn")
    (tmp_path / "asgi_app.py").write_text(ASGI_APP)
    (tmp_path / "log.json").write_text(
        json.dumps(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "handlers": {
                    "cw": {
                        "class": "watchtower.CloudWatchLogHandler",
                        "log_group_name": group,
                        "log_stream_name": "uvicorn",
                    }
                },
                "loggers": {"app": {"handlers": ["cw"], "level": "INFO", "propagate": False}},
            }
        )
    )
    returncode, err = _uvicorn_30_requests_then_sigterm(
        tmp_path, group, ["--log-config", "log.json", "asgi_app:app"]
    )
    assert returncode == -signal.SIGTERM, err
    assert "Traceback" not in err, err
    records = sorted(int(m.split()[1]) for m in all_messages(group))
    assert records == list(range(30))


ASGI_APP_WITH_HANDLER = (
    ASGI_APP
    + """
import os
import watchtower

logger.setLevel(logging.INFO)
logger.propagate = False
group = os.environ["WT_GROUP"]
logger.addHandler(watchtower.CloudWatchLogHandler(log_group_name=group, log_stream_name="uvicorn"))
"""
)


def test_uvicorn_workers_with_the_handler_made_at_import_deliver_every_request(
    moto, group, tmp_path
):
    """`uvicorn --workers 2 module:app`, the handler made while each worker imports the app:
    the worker's server already holds SIGTERM then, and after its graceful shutdown it restores
    the default action and re-raises SIGTERM (atexit never runs). The re-raise flushes first:
    every record arrives."""
    pytest.importorskip("uvicorn")
    (tmp_path / "asgi_app.py").write_text(ASGI_APP_WITH_HANDLER)
    returncode, err = _uvicorn_30_requests_then_sigterm(
        tmp_path, group, ["--workers", "2", "asgi_app:app"]
    )
    # The supervisor exits 0 once its workers are gone (uvicorn's own behaviour); each worker
    # ended through the re-raised SIGTERM.
    assert returncode == 0, err
    assert "Traceback" not in err, err
    records = sorted(int(m.split()[1]) for m in all_messages(group))
    assert records == list(range(30))


DJANGO_PROJECT = """
import os

SECRET_KEY = "test"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "urls"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "DEBUG", "handlers": ["watchtower"]},
    "handlers": {
        "watchtower": {
            "class": "watchtower.CloudWatchLogHandler",
            "log_group_name": os.environ["WT_GROUP"],
            "log_stream_name": "{logger_name}",
            "level": "DEBUG",
        }
    },
    # The django loggers propagate to root (3.4's documentation warns that this deadlocks
    # under runserver).
    "loggers": {"django": {"level": "DEBUG", "propagate": True}},
}
"""

DJANGO_URLS = """
import logging
from django.http import HttpResponse
from django.urls import path


def index(request, n):
    logging.getLogger("app").info("request %d", n)
    return HttpResponse("ok")


urlpatterns = [path("<int:n>", index)]
"""


def test_django_runserver_with_django_loggers_propagating(moto, group, tmp_path):
    """`manage.py runserver` (threaded, no autoreload) with the django loggers propagating to
    the root's watchtower handler: no deadlock, and every request's records arrive after
    SIGTERM (the app's own and django.server's access log)."""
    pytest.importorskip("django")
    (tmp_path / "settings.py").write_text(DJANGO_PROJECT)
    (tmp_path / "urls.py").write_text(DJANGO_URLS)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        env=dict(os.environ, WT_GROUP=group, DJANGO_SETTINGS_MODULE="settings", PYTHONPATH="."),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for n in range(20):
            _get(server, f"http://127.0.0.1:{port}/{n}")
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
    assert "Traceback" not in err, err
    by_stream = events_by_stream(group)
    assert sorted(int(m.split()[1]) for m in by_stream["app"]) == list(range(20))
    access = [m for m in by_stream["django.server"] if '"GET /' in m]
    assert len(access) == 20
