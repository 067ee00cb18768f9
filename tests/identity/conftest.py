"""Identity test fixtures: a partner, a customer who can log in, a browser that drives pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from identity.flow import Flow, World, new_browser
from wendu.db import Database


@pytest.fixture()
def browser(app: FastAPI) -> Iterator[TestClient]:
    """Return a client with its own cookie jar, like a fresh browser."""
    client = new_browser(app)
    yield client
    client.close()


@pytest.fixture()
def flow(db: Database, browser: TestClient) -> Flow:
    """Return the helpers bound to the test database and a fresh browser."""
    return Flow(db, browser)


@pytest.fixture()
def world(flow: Flow) -> World:
    """Return a fresh partner and customer."""
    return flow.make_world()
