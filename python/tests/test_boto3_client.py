"""boto3_client: its region, endpoint URL and (refreshing) credentials are used; boto3 is
never imported when no client is passed."""

import threading
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.credentials import RefreshableCredentials
from conftest import all_messages, run_python

from watchtower import CloudWatchLogHandler


def test_client_region_and_endpoint(moto, group, logger, monkeypatch):
    """The endpoint comes from the client only (not the environment), and so does the region."""
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    client = boto3.client("logs", region_name="eu-central-1", endpoint_url=moto)
    handler = CloudWatchLogHandler(log_group_name=group, boto3_client=client)
    assert handler.cwl_client is client
    logger.addHandler(handler)
    logger.info("to eu-central-1")
    handler.close()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto)
    assert all_messages(group, region="eu-central-1") == ["to eu-central-1"]
    assert all_messages(group, region="ap-south-1") == []


def test_refreshing_credentials_are_refreshed(moto, group, logger):
    """An assumed-role style client: botocore refreshes its credentials inside
    get_frozen_credentials(), which the core calls (on its own thread) whenever its cached
    credentials are about to expire."""
    refreshes = []
    threads = set()

    def refresh():
        refreshes.append(1)
        threads.add(threading.current_thread().name)
        # 5 seconds left: inside both botocore's and the SDK's refresh windows, so every
        # request asks again.
        expiry = datetime.now(timezone.utc) + timedelta(seconds=5)
        return {
            "access_key": f"AKIDREFRESH{len(refreshes)}",
            "secret_key": "secret",
            "token": "session-token",
            "expiry_time": expiry.isoformat(),
        }

    client = boto3.client("logs")
    client._request_signer._credentials = RefreshableCredentials.create_from_metadata(
        metadata=refresh(), refresh_using=refresh, method="test-assume-role"
    )
    handler = CloudWatchLogHandler(log_group_name=group, boto3_client=client)
    # (The constructor creates the group through the client, in this thread, as 3.4 does.)
    refreshes.clear()
    threads.clear()
    logger.addHandler(handler)
    for i in range(3):
        logger.info("batch %d", i)
        handler.flush()
    assert all_messages(group) == ["batch 0", "batch 1", "batch 2"]
    assert len(refreshes) >= 3
    assert threads == {"watchtower-credentials"}  # the handler's credentials thread
    handler.close()


def test_client_without_credentials(moto, group, logger, capfd):
    """No credentials: the batch is dropped after a few attempts (not retried for minutes),
    counted, and reported on stderr without the secret."""
    client = boto3.client("logs")
    client._request_signer._credentials = None
    handler = CloudWatchLogHandler(
        log_group_name=group, boto3_client=client, create_log_group=False
    )
    logger.addHandler(handler)
    logger.info("no credentials")
    handler.flush()
    assert handler.stats()["dropped"]["credentials"] == 1
    err = capfd.readouterr().err
    assert "the boto3 client has no credentials" in err
    handler.close()


@pytest.mark.parametrize("use_queues", [True, False])
def test_boto3_is_not_imported(moto, group, tmp_path, use_queues):
    proc = run_python(
        f"""
        import logging, sys, watchtower
        h = watchtower.CloudWatchLogHandler(log_group_name={group!r}, use_queues={use_queues})
        logging.getLogger("nob").addHandler(h)
        logging.getLogger("nob").warning("without boto3")
        h.flush()
        print("IMPORTED", sorted(m for m in sys.modules if m.split(".")[0] in
                                 ("boto3", "botocore", "s3transfer")))
        """,
        cwd=tmp_path,
    )
    assert "IMPORTED []" in proc.stdout
    assert all_messages(group) == ["without boto3"]
