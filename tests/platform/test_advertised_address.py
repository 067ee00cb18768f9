"""``wendu serve --port P`` and ``wendu demo --port P`` advertise their own address.

Discovery, the token issuer, resource and survey links are built from ``public_url``; a
server on port 9000 used to send partners to port 8000 unless WENDU_PUBLIC_URL was set.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient

from wendu.app import create_app
from wendu.config import Settings, advertise_address, get_settings, local_public_url
from wendu.db import Database
from wendu.migrate import upgrade


@pytest.fixture()
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Unset WENDU_PUBLIC_URL for the test and restore the environment afterwards."""
    monkeypatch.setenv("WENDU_PUBLIC_URL", "placeholder")  # recorded, so restored at the end
    monkeypatch.delenv("WENDU_PUBLIC_URL")
    monkeypatch.chdir(Path(__file__).parent)  # no .env file here
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 9000, "http://127.0.0.1:9000"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),
        ("::", 8123, "http://127.0.0.1:8123"),
        ("::1", 8123, "http://[::1]:8123"),
        ("bank.internal", 80, "http://bank.internal:80"),
    ],
)
def test_the_advertised_address_follows_host_and_port(host: str, port: int, url: str) -> None:
    assert local_public_url(host, port) == url


def test_settings_follow_the_port_unless_public_url_is_set(
    clean_env: pytest.MonkeyPatch,
) -> None:
    assert advertise_address("0.0.0.0", 9000).public_url == "http://127.0.0.1:9000"
    assert os.environ["WENDU_PUBLIC_URL"] == "http://127.0.0.1:9000"  # for server workers
    clean_env.setenv("WENDU_PUBLIC_URL", "https://bank.example")
    get_settings.cache_clear()
    assert advertise_address("127.0.0.1", 9001).public_url == "https://bank.example"


def test_discovery_and_tokens_name_the_advertised_address(
    clean_env: pytest.MonkeyPatch, settings: Settings, db: Database
) -> None:
    clean_env.setenv("WENDU_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    served = advertise_address("0.0.0.0", 9000)
    app = create_app(served.model_copy(update={"run_worker_in_process": False}), database=db)
    with TestClient(app, base_url="http://127.0.0.1:9000") as client:
        meta = client.get("/.well-known/openid-configuration").json()
        assert meta["issuer"] == "http://127.0.0.1:9000"
        assert meta["token_endpoint"] == "http://127.0.0.1:9000/oauth2/token"
        assert client.get("/.well-known/oauth-authorization-server").json()["issuer"] == (
            "http://127.0.0.1:9000"
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_wendu_serve_with_a_port_advertises_that_port(tmp_path: Path) -> None:
    """The real command: its discovery document and its tokens name the port it serves."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(url)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "WENDU_PUBLIC_URL"}
    env.update(WENDU_DATABASE_URL=url, WENDU_ENV="development", WENDU_RUN_WORKER_IN_PROCESS="0")
    server = subprocess.Popen(
        [sys.executable, "-m", "wendu.cli", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=5) as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if http.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "wendu serve did not start"
                time.sleep(0.2)
            meta = http.get("/.well-known/openid-configuration").json()
            assert meta["issuer"] == base and meta["jwks_uri"] == f"{base}/oauth2/jwks"
            registered = http.post(
                "/register",
                json={"client_name": "Port check", "redirect_uris": ["https://app.example/cb"]},
            ).json()
            token = http.post(
                "/oauth2/token",
                data={"grant_type": "client_credentials", "scope": "accounts"},
                auth=(registered["client_id"], registered["client_secret"]),
            ).json()["access_token"]
            claims = jwt.decode(token, options={"verify_signature": False})
            assert claims["iss"] == base and claims["aud"] == base
    finally:
        server.terminate()
        server.wait(timeout=30)
