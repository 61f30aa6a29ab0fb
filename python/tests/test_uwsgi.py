"""Under uWSGI (pyuwsgi, from scripts/requirements-test.txt), with and without
--enable-threads (watchtower 3.4 #189: its sending thread never ran without it, so nothing
arrived): every record of every request arrives once, after SIGTERM (--die-on-term) stops the
server. The app (and the handler) is loaded in the master and the workers are forked from C
without Python's fork hooks: the handler hooks uWSGI's post-fork hook to start a fresh core in
each worker (without it a worker keeps the master's core, and the records are lost)."""

import os
import shutil
import signal
import subprocess
import sys

import pytest
from conftest import all_messages
from test_servers import APP, _free_port, _get

pytest.importorskip("pyuwsgi")


@pytest.mark.parametrize("threads", [False, True], ids=["no-threads", "enable-threads"])
def test_uwsgi_sigterm_delivers_every_request(moto, group, tmp_path, threads):
    (tmp_path / "wsgi_app.py").write_text(APP)
    port = _free_port()
    uwsgi = shutil.which("uwsgi", path=os.path.dirname(sys.executable)) or "uwsgi"
    args = [uwsgi, "--http-socket", f"127.0.0.1:{port}", "--wsgi-file", "wsgi_app.py"]
    args += ["--callable", "app", "--master", "--processes", "2", "--die-on-term"]
    args.append("--disable-logging")
    if threads:
        args.append("--enable-threads")
    env = dict(os.environ, WT_GROUP=group)
    server = subprocess.Popen(
        args, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        for n in range(40):
            _get(server, f"http://127.0.0.1:{port}/{n}")
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=45)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)  # the master and its workers
            server.wait()
    assert "Traceback" not in err, err
    records = sorted(int(m.split()[1]) for m in all_messages(group))
    assert records == list(range(40)), err[-3000:]
