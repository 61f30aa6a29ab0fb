"""Credentials exactly as boto3 would use them: a boto3_client whose credentials botocore
fetches lazily (an assumed role via STS, served by moto) under dictConfig neither blocks nor
deadlocks; the interpreter exits cleanly whatever the credentials callback is doing; and
boto3_profile_name signs with that profile's keys, region and endpoint."""

import time

import boto3
import pytest
from conftest import REGION, all_messages, run_python

import watchtower

ROLE_ACCOUNT = "111111111111"


def _assumed_role_config(tmp_path, endpoint):
    """An AWS config file with a base profile (static keys) and an assumed-role profile."""
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile base]\n"
        "aws_access_key_id = AKIDBASE00000000\n"
        "aws_secret_access_key = base-secret\n"
        f"region = {REGION}\n"
        "[profile role]\n"
        f"role_arn = arn:aws:iam::{ROLE_ACCOUNT}:role/logger\n"
        "source_profile = base\n"
        f"region = {REGION}\n"
    )
    return config


def _account_messages(group, access_key, secret, token=None, region=REGION):
    client = boto3.client(
        "logs",
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )
    events = client.filter_log_events(logGroupName=group)["events"]
    return [e["message"] for e in events]


def _role_client():
    """A logs client in the role's account (moto keeps one backend per account)."""
    sts = boto3.client("sts")
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{ROLE_ACCOUNT}:role/reader", RoleSessionName="reader"
    )["Credentials"]
    return boto3.client(
        "logs",
        region_name=REGION,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def _role_messages(group, prefix=""):
    """The group's messages in the role's account that start with prefix."""
    events = _role_client().filter_log_events(logGroupName=group)["events"]
    return [e["message"] for e in events if e["message"].startswith(prefix)]


def test_assumed_role_client_under_dictconfig_does_not_block(moto, group, tmp_path):
    """The Django pattern (boto3_client in LOGGING) with an assumed-role profile whose
    credentials botocore fetches lazily from STS, logging its own DEBUG records meanwhile:
    dictConfig holds the logging module lock while it builds the handler. It must configure
    at once, deliver to the role's account, and exit cleanly."""
    config = _assumed_role_config(tmp_path, moto)
    proc = run_python(
        f"""
        import logging, logging.config, time
        import boto3

        session = boto3.session.Session(profile_name="role")
        client = session.client("logs")
        LOGGING = {{
            "version": 1,
            "disable_existing_loggers": False,
            "root": {{"level": "DEBUG", "handlers": ["watchtower"]}},
            "handlers": {{
                "watchtower": {{
                    "class": "watchtower.CloudWatchLogHandler",
                    "boto3_client": client,
                    "log_group_name": {group!r},
                    "level": "DEBUG",
                }}
            }},
        }}
        start = time.monotonic()
        logging.config.dictConfig(LOGGING)
        print("CONFIGURED_IN", time.monotonic() - start)
        for i in range(5):
            logging.getLogger("app").info("assumed %d", i)
        (handler,) = logging.getLogger().handlers
        handler.flush()
        print("STATS", handler.stats()["delivered"], handler.stats()["dropped_total"])
        """,
        cwd=tmp_path,
        env={
            "AWS_CONFIG_FILE": str(config),
            "AWS_ACCESS_KEY_ID": None,
            "AWS_SECRET_ACCESS_KEY": None,
        },
        timeout=60,
    )
    configured_in = float(proc.stdout.split("CONFIGURED_IN")[1].split()[0])
    assert configured_in < 10, proc.stdout
    assert "STATS 5 0" in proc.stdout, proc.stdout + proc.stderr
    assert "Fatal Python error" not in proc.stderr
    assert _role_messages(group) == [f"assumed {i}" for i in range(5)]
    # Nothing in the default account: the role's credentials were used.
    assert all_messages(group) == []


SLOW_CREDENTIALS = """
import logging, sys, threading, time
from datetime import datetime, timedelta, timezone
import boto3
from botocore.credentials import RefreshableCredentials
import watchtower

def refresh():
    logging.getLogger("botocore.credentials").debug("refreshing")
    if threading.current_thread().name == "watchtower-credentials":
        print("SLOW_REFRESH_STARTED", flush=True)
        time.sleep(3)
    return {
        "access_key": "AKIDSLOW",
        "secret_key": "slow-secret",
        "token": None,
        "expiry_time": (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(),
    }

client = boto3.client("logs")
client._request_signer._credentials = RefreshableCredentials.create_from_metadata(
    metadata=refresh(), refresh_using=refresh, method="slow"
)
watchtower.CloudWatchLogHandler.FLUSH_TIMEOUT = float(sys.argv[2])
handler = watchtower.CloudWatchLogHandler(log_group_name=sys.argv[1], boto3_client=client)
# Expired now: the worker's first request refreshes, slowly, on the credentials thread.
client._request_signer._credentials._expiry_time = datetime.now(timezone.utc)
logging.getLogger().addHandler(handler)
logging.getLogger().setLevel(logging.DEBUG)
logging.getLogger("app").info("exiting")
if sys.argv[3] == "sys.exit":
    sys.exit(0)
"""


@pytest.mark.parametrize("exit_kind", ["return", "sys.exit"])
def test_exit_waits_for_a_slow_credentials_callback(moto, group, tmp_path, exit_kind):
    """A credentials refresh that takes 3 s (and logs, as botocore does) while the program
    exits: the handler's close at exit waits for it and the record is delivered."""
    proc = run_python(SLOW_CREDENTIALS, cwd=tmp_path, args=[group, "30", exit_kind], timeout=90)
    assert "SLOW_REFRESH_STARTED" in proc.stdout
    assert "Fatal Python error" not in proc.stderr
    assert all_messages(group) == ["exiting"]


def test_exit_during_a_slow_credentials_callback_is_clean(moto, group, tmp_path):
    """The same with FLUSH_TIMEOUT 0.5 s: the interpreter finalises while the callback is
    still running (3 s). It exits with status 0, without "Fatal Python error:
    PyGILState_Release" (the callback runs on a CPython daemon thread, never on ours)."""
    proc = run_python(SLOW_CREDENTIALS, cwd=tmp_path, args=[group, "0.5", "return"], timeout=90)
    assert "SLOW_REFRESH_STARTED" in proc.stdout
    assert "Fatal Python error" not in proc.stderr
    assert "Timed out while delivering logs" in proc.stderr


def test_exit_while_the_credentials_callback_never_returns(moto, group, tmp_path):
    """A callback stuck for good: exit is bounded by the handler's FLUSH_TIMEOUT and clean."""
    start = time.monotonic()
    proc = run_python(
        f"""
        import logging, threading
        import boto3
        import watchtower

        class Stuck:
            def get_frozen_credentials(self):
                threading.Event().wait()

        client = boto3.client("logs")
        client._request_signer._credentials = Stuck()
        watchtower.CloudWatchLogHandler.FLUSH_TIMEOUT = 2
        handler = watchtower.CloudWatchLogHandler(
            log_group_name={group!r}, boto3_client=client, create_log_group=False
        )
        logging.getLogger("app").addHandler(handler)
        logging.getLogger("app").warning("never delivered")
        """,
        cwd=tmp_path,
        timeout=60,
    )
    assert "Fatal Python error" not in proc.stderr
    assert time.monotonic() - start < 30


def _profile_files(tmp_path, endpoint, keys):
    config = tmp_path / "config"
    config.write_text(
        f"[profile p1]\nregion = eu-west-3\nendpoint_url = {endpoint}\n"
        "[profile other]\nregion = us-east-1\n"
    )
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[p1]\n"
        f"aws_access_key_id = {keys['AccessKeyId']}\n"
        f"aws_secret_access_key = {keys['SecretAccessKey']}\n"
        f"aws_session_token = {keys['SessionToken']}\n"
    )
    return config, credentials


def test_profile_name_signs_with_the_profiles_keys_region_and_endpoint(
    moto, group, logger, tmp_path, monkeypatch
):
    """boto3_profile_name="p1": p1's keys (here: keys of another account, which moto stores
    apart), p1's region and p1's endpoint_url, although the environment has other keys."""
    sts = boto3.client("sts")
    keys = sts.assume_role(RoleArn=f"arn:aws:iam::{ROLE_ACCOUNT}:role/p1", RoleSessionName="p1")[
        "Credentials"
    ]
    config, credentials = _profile_files(tmp_path, moto, keys)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    handler = watchtower.CloudWatchLogHandler(log_group_name=group, boto3_profile_name="p1")
    logger.addHandler(handler)
    logger.info("as p1")
    handler.close()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto)
    assert handler.stats()["delivered"] == 1
    got = _account_messages(
        group, keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"], "eu-west-3"
    )
    assert got == ["as p1"]
    assert all_messages(group, region="eu-west-3") == []  # not with the environment's keys


def test_unknown_profile_raises_at_construction(moto, group, tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[profile p1]\nregion = eu-west-3\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    with pytest.raises(watchtower.WatchtowerError, match="nope"):
        watchtower.CloudWatchLogHandler(log_group_name=group, boto3_profile_name="nope")


def test_assumed_role_client_reconfigured_by_dictconfig_does_not_block(moto, group, tmp_path):
    """dictConfig applied again closes the old handler while it holds the logging module lock;
    the old handler's first send (credentials fetched lazily through STS, botocore logging
    meanwhile) must not stall the reconfiguration, and its records still arrive."""
    config = _assumed_role_config(tmp_path, moto)
    _role_client().create_log_group(logGroupName=group)
    proc = run_python(
        f"""
        import logging, logging.config, time
        import boto3

        def config(stream):
            client = boto3.session.Session(profile_name="role").client("logs")
            return {{
                "version": 1,
                "disable_existing_loggers": False,
                "root": {{"level": "DEBUG", "handlers": ["watchtower"]}},
                "handlers": {{
                    "watchtower": {{
                        "class": "watchtower.CloudWatchLogHandler",
                        "boto3_client": client,
                        "log_group_name": {group!r},
                        "log_stream_name": stream,
                        "create_log_group": False,
                        "level": "DEBUG",
                    }}
                }},
            }}

        logging.config.dictConfig(config("first"))
        # The group exists: the constructor made no call, so the worker's first send is the
        # first use of the client's credentials (fetched from STS, botocore logging).
        for i in range(5):
            logging.getLogger("app").info("first %d", i)
        start = time.monotonic()
        logging.config.dictConfig(config("second"))
        print("RECONFIGURED_IN", time.monotonic() - start)
        logging.getLogger("app").info("second")
        """,
        cwd=tmp_path,
        env={
            "AWS_CONFIG_FILE": str(config),
            "AWS_ACCESS_KEY_ID": None,
            "AWS_SECRET_ACCESS_KEY": None,
        },
        timeout=90,
    )
    reconfigured_in = float(proc.stdout.split("RECONFIGURED_IN")[1].split()[0])
    assert reconfigured_in < 10, proc.stdout + proc.stderr
    assert "Fatal Python error" not in proc.stderr
    got = sorted(_role_messages(group, "first") + _role_messages(group, "second"))
    assert got == sorted([f"first {i}" for i in range(5)] + ["second"])
