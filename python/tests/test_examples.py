"""The documentation's examples (tests/examples/, verbatim), run in fresh interpreters against
moto; each test reads the events back and compares them with what the example logged."""

import json
import os
import platform
import shutil
from datetime import datetime, timezone

from conftest import EXAMPLES, all_messages, events_by_stream, logs_client, run_python

# Runs an example as __main__ with flask.Flask.run replaced by a bounded stand-in: it serves
# the app with werkzeug's own server and request handler (as app.run does, so werkzeug logs
# each request), makes one request, logs through app.logger, and returns.
SERVE_AND_RUN = """
import runpy
import sys
import threading
import urllib.request

import flask
import werkzeug.serving


def run(self, *args, **kwargs):
    server = werkzeug.serving.make_server("127.0.0.1", 0, self)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = "http://127.0.0.1:%d/" % server.server_port
    print("BODY", urllib.request.urlopen(url, timeout=30).read().decode())
    self.logger.warning("served %s", url)
    server.shutdown()


flask.Flask.run = run
runpy.run_path(sys.argv[1], run_name="__main__")
"""


def _node():
    return platform.node()


def test_synopsis(fresh_moto, tmp_path):
    """The synopsis as written: default group "watchtower", default stream name, a string and a
    dict message, delivered at interpreter exit (logging.shutdown) without any flush."""
    script = tmp_path / "synopsis.py"
    shutil.copy(EXAMPLES / "synopsis.py", script)
    proc = run_python(
        f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')", cwd=tmp_path
    )
    assert proc.stderr.count("INFO:__main__:") == 2  # basicConfig's console handler still works
    by_stream = events_by_stream("watchtower")
    assert len(by_stream) == 1
    ((stream, messages),) = by_stream.items()
    machine, *program, logger_name, pid = stream.split("/")
    assert machine == _node()
    assert logger_name == "__main__" and pid.isdigit()
    assert messages == ["Hi", '{"foo": "bar", "details": {}}']


def test_flask_example(fresh_moto, tmp_path):
    """The Flask example as written; app.run() serves one request through werkzeug's server.
    werkzeug's access log and the app's own log reach their streams in group "loggable"."""
    shutil.copy(EXAMPLES / "flask_app.py", tmp_path / "flask_app.py")
    proc = run_python(SERVE_AND_RUN, cwd=tmp_path, args=[str(tmp_path / "flask_app.py")])
    assert "BODY Hello World!" in proc.stdout
    by_logger = {}
    for stream, messages in events_by_stream("loggable").items():
        by_logger.setdefault(stream.split("/")[-2], []).extend(messages)
    assert set(by_logger) == {"werkzeug", "loggable"}
    (access,) = by_logger["werkzeug"]
    assert '"GET / HTTP/1.1" 200' in access
    (served,) = by_logger["loggable"]
    assert served.startswith("served http://127.0.0.1:")


def test_django_settings_with_boto3_client(fresh_moto, tmp_path):
    """The Django LOGGING dict (with its boto3_client in us-west-2) through dictConfig: the
    client's region is honoured, root's records are shipped, botocore DEBUG is filtered, the
    'django' logger (console only) is not shipped."""
    proc = run_python(
        """
        import logging, logging.config
        import django_settings
        logging.config.dictConfig(django_settings.LOGGING)
        logging.getLogger("myproject.views").info("view rendered")
        logging.getLogger("myproject.views").debug({"user": 42, "ok": True})
        logging.getLogger("django.request").error("django internal")
        logging.getLogger("botocore.hooks").debug("botocore noise")
        """,
        cwd=tmp_path,
    )
    assert "django internal" in proc.stderr  # the console handler
    messages = all_messages("YOUR_DJANGO_PROJECT_NAME", region="us-west-2")
    assert "view rendered" in messages
    assert '{"user": 42, "ok": true}' in messages
    assert "django internal" not in messages
    assert "botocore noise" not in messages
    assert events_by_stream("YOUR_DJANGO_PROJECT_NAME", region="us-east-1") == {}


def _yaml_app_run(tmp_path, yaml_name, env=None):
    shutil.copy(EXAMPLES / yaml_name, tmp_path / "logging.yml")
    shutil.copy(EXAMPLES / "yaml_app.py", tmp_path / "yaml_app.py")
    before = datetime.now(timezone.utc)
    proc = run_python(SERVE_AND_RUN, cwd=tmp_path, args=[str(tmp_path / "yaml_app.py")], env=env)
    after = datetime.now(timezone.utc)
    assert "BODY Hello World!" in proc.stdout
    days = {before.strftime("%y-%m-%d"), after.strftime("%y-%m-%d")}
    return proc, days


def _check_yaml_events(region, days, tmp_path):
    by_stream = events_by_stream("watchtower", region=region)
    prefixes = {s.rsplit("-", 3)[0] for s in by_stream}
    assert {"werkzeug", "loggable"} <= prefixes
    assert all(s.split("-", 1)[1] in days for s in by_stream), by_stream.keys()
    access = [m for s, ms in by_stream.items() if s.startswith("werkzeug-") for m in ms]
    assert len(access) == 1 and '"GET / HTTP/1.1" 200' in access[0]
    # formatter "json" of the YAML (a plain format string) replaced the handler's formatter
    assert access[0].startswith("[") and f"] {os.getpid()}" not in access[0]
    assert " INFO werkzeug:_log:" in access[0]
    served = [m for s, ms in by_stream.items() if s.startswith("loggable-") for m in ms]
    assert len(served) == 1 and " WARNING loggable:run:" in served[0]
    # botocore and urllib3 are at INFO in the YAML; their DEBUG records never reach CloudWatch
    assert not any(s.startswith(("botocore", "urllib3")) for s in by_stream)
    # the other handlers of the file work too
    assert "GET / HTTP/1.1" in (tmp_path / "watchtower.log").read_text()


def test_yaml_dictconfig_default(fresh_moto, tmp_path):
    """logging.yml (default AWS config, create_log_group: False, send_interval: 10, stream
    "{logger_name}-{strftime:%y-%m-%d}") loaded by the docs' app: events land in the existing
    group "watchtower", one stream per logger and UTC day, formatted by the YAML formatter."""
    logs_client().create_log_group(logGroupName="watchtower")
    proc, days = _yaml_app_run(tmp_path, "logging.yml")
    _check_yaml_events("us-east-1", days, tmp_path)


def test_yaml_dictconfig_profile(fresh_moto, tmp_path):
    """logging_profile.yml adds boto3_profile_name: watchtowerlogger. With no region and no
    credentials in the environment, the profile's (in a temporary AWS config file) are used:
    the events land in the profile's region."""
    config = tmp_path / "aws_config"
    config.write_text(
        "[profile watchtowerlogger]\n"
        "region = eu-west-1\n"
        "aws_access_key_id = AKIDPROFILE\n"
        "aws_secret_access_key = profile-secret\n"
    )
    logs_client("eu-west-1").create_log_group(logGroupName="watchtower")
    env = {
        "AWS_CONFIG_FILE": str(config),
        "AWS_DEFAULT_REGION": None,
        "AWS_ACCESS_KEY_ID": None,
        "AWS_SECRET_ACCESS_KEY": None,
    }
    proc, days = _yaml_app_run(tmp_path, "logging_profile.yml", env=env)
    _check_yaml_events("eu-west-1", days, tmp_path)
    assert events_by_stream("watchtower", region="us-east-1") == {}


def test_dict_message_json_matches_json_dumps(fresh_moto, tmp_path):
    """End to end: what CloudWatch stores for a dict message is json.dumps's output with 3.4's
    default serializer (ensure_ascii, ", " / ": " separators, isoformat, repr)."""
    run_python(
        """
        import logging, datetime, watchtower
        logger = logging.getLogger("jsoncheck")
        logger.setLevel(logging.INFO)
        logger.addHandler(watchtower.CloudWatchLogHandler(log_group_name="json-e2e"))
        logger.info({"when": datetime.datetime(2024, 5, 6, 7, 8, 9, 123456),
                     "day": datetime.date(2024, 5, 6), "raw": b"abc", "euro": "\\u20ac",
                     "nested": {"list": [1, 2.5, None, True], "set": {3}}, "nan": float("nan")})
        """,
        cwd=tmp_path,
    )
    (message,) = all_messages("json-e2e")
    assert message == (
        '{"when": "2024-05-06T07:08:09.123456", "day": "2024-05-06", "raw": "b\'abc\'", '
        '"euro": "\\u20ac", "nested": {"list": [1, 2.5, null, true], "set": "{3}"}, '
        '"nan": NaN}'
    )
    assert json.loads(message)["euro"] == "\u20ac"
