"""Proxy and CA bundle as constructor arguments (``proxy_url``, ``no_proxy``, ``ca_bundle``), and
the environment's ``HTTP_PROXY``, through a small forward proxy written here. The endpoint is
``http://moto.test:PORT``, a host name only the proxy resolves: a request that bypasses the
proxy cannot reach moto. A password in a proxy URL never shows."""

import http.client
import logging
import logging.config
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from conftest import all_messages, run_python

import watchtower

SECRET = "s3cretProxyPassw0rd"


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _forward(self):
        url = urlsplit(self.path)
        self.server.seen.append((self.command, url.hostname))
        self.server.authorized.append("Proxy-Authorization" in self.headers)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if url.scheme != "http" or url.hostname not in ("moto.test", "127.0.0.1"):
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        # moto.test exists only here.
        upstream = http.client.HTTPConnection("127.0.0.1", url.port, timeout=30)
        skip = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        target = url.path + (f"?{url.query}" if url.query else "")
        upstream.request(self.command, target or "/", body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        upstream.close()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Forward)
    server.daemon_threads = True
    server.seen, server.authorized = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _moto_test(moto):
    return "http://moto.test:" + moto.rsplit(":", 1)[1]


def _proxy_url(server, secret=True):
    auth = f"user:{SECRET}@" if secret else ""
    return f"http://{auth}127.0.0.1:{server.server_address[1]}"


def test_proxy_url_carries_every_request(moto, group, proxy, logger, capfd):
    handler = watchtower.CloudWatchLogHandler(
        log_group_name=group, endpoint_url=_moto_test(moto), proxy_url=_proxy_url(proxy)
    )
    logger.addHandler(handler)
    for i in range(5):
        logger.info("through the proxy %d", i)
    handler.close()
    assert sorted(all_messages(group)) == [f"through the proxy {i}" for i in range(5)]
    assert proxy.seen and all(host == "moto.test" for _, host in proxy.seen), proxy.seen
    assert all(proxy.authorized), "the proxy's credentials were not sent"
    assert SECRET not in repr(handler)
    out, err = capfd.readouterr()
    assert SECRET not in out + err


def test_no_proxy_bypasses_the_proxy(moto, group, proxy, logger):
    handler = watchtower.CloudWatchLogHandler(
        log_group_name=group,
        endpoint_url=moto,  # 127.0.0.1: reachable without the proxy
        proxy_url=_proxy_url(proxy, secret=False),
        no_proxy="127.0.0.1,localhost",
    )
    logger.addHandler(handler)
    logger.info("direct")
    handler.close()
    assert all_messages(group) == ["direct"]
    assert proxy.seen == []


def test_proxy_and_ca_bundle_in_dict_config(moto, group, proxy, tmp_path):
    # A YAML/dict configuration needs no code.
    logging.config.dictConfig(
        {
            "version": 1,
            "handlers": {
                "cw": {
                    "class": "watchtower.CloudWatchLogHandler",
                    "log_group_name": group,
                    "endpoint_url": _moto_test(moto),
                    "proxy_url": _proxy_url(proxy),
                    "no_proxy": "example.invalid",
                }
            },
            "loggers": {"dc": {"handlers": ["cw"], "level": "INFO", "propagate": False}},
        }
    )
    logging.getLogger("dc").info("from dictConfig")
    handler = logging.getLogger("dc").handlers[0]
    handler.close()
    assert all_messages(group) == ["from dictConfig"]
    assert proxy.seen


def test_bad_values_raise_at_construction_without_showing_the_password(moto, group, tmp_path):
    with pytest.raises(watchtower.WatchtowerError) as bad_proxy:
        watchtower.CloudWatchLogHandler(
            log_group_name=group, proxy_url=f"ftp://user:{SECRET}@proxy.internal:21"
        )
    assert "proxy" in str(bad_proxy.value)
    assert SECRET not in str(bad_proxy.value)
    with pytest.raises(watchtower.WatchtowerError, match="ca_bundle"):
        watchtower.CloudWatchLogHandler(
            log_group_name=group, ca_bundle=str(tmp_path / "missing.pem")
        )
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("not a certificate\n")
    with pytest.raises(watchtower.WatchtowerError, match="ca_bundle"):
        watchtower.CloudWatchLogHandler(log_group_name=group, ca_bundle=not_pem)


def test_http_proxy_from_the_environment(moto, group, proxy, tmp_path):
    proc = run_python(
        """
        import logging, sys, watchtower
        handler = watchtower.CloudWatchLogHandler(log_group_name=sys.argv[1])
        logger = logging.getLogger("env")
        logger.addHandler(handler)
        logger.warning("via HTTP_PROXY")
        """,
        cwd=tmp_path,
        args=(group,),
        env={
            "HTTP_PROXY": _proxy_url(proxy),
            "HTTPS_PROXY": None,
            "NO_PROXY": None,
            "http_proxy": None,
            "https_proxy": None,
            "no_proxy": None,
            "AWS_ENDPOINT_URL": _moto_test(moto),
        },
    )
    assert all_messages(group) == ["via HTTP_PROXY"]
    assert proxy.seen and all(host == "moto.test" for _, host in proxy.seen)
    assert SECRET not in proc.stdout + proc.stderr
