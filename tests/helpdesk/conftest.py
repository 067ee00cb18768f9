"""Helpdesk API fixtures: real staff users with real tokens, a fresh team per test."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient

from wendu.db import Database
from wendu.helpdesk.classify import ComplaintSuggester, load_default_classifier
from wendu.helpdesk.models import AgentState, Team, TeamMember
from wendu.identity.staff import create_staff

API = "/helpdesk/v1"
PASSWORD = "long enough pw"


@pytest.fixture(scope="session")
def classifier() -> ComplaintSuggester:
    """Train the complaint classifier once per test session (it takes a few seconds)."""
    return load_default_classifier()


@dataclass
class Member:
    """A staff user of a test desk and their bearer-token headers."""

    id: str
    username: str
    role: str
    headers: dict[str, str]


@dataclass
class Desk:
    """A fresh team with its staff, and helpers to call the API as one of them."""

    client: TestClient
    db: Database
    team_id: str
    members: dict[str, Member] = field(default_factory=dict)

    def staff(
        self,
        name: str,
        role: str = "agent",
        *,
        team_id: str | None = "",
        presence: str = "online",
        capacity: int = 3,
        languages: tuple[str, ...] = ("zh", "en"),
    ) -> Member:
        """Create a staff user (in this desk's team unless ``team_id`` is None) and log in."""
        username = f"{name}_{secrets.token_hex(4)}"
        team = self.team_id if team_id == "" else team_id
        with self.db.session() as s:
            user = create_staff(
                s, username=username, password=PASSWORD, role=role, display_name=name
            )
            if team is not None:
                s.add(TeamMember(team_id=team, staff_id=user.id))
                s.add(
                    AgentState(
                        staff_id=user.id,
                        presence=presence,
                        capacity=capacity,
                        languages=list(languages),
                    )
                )
            staff_id = user.id
        r = self.client.post(f"{API}/auth/token", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        member = Member(
            staff_id,
            username,
            role,
            {"Authorization": f"Bearer {r.json()['access_token']}"},
        )
        self.members[name] = member
        return member

    def call(self, who: str, method: str, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        """Call the API as member ``who``."""
        headers = self.members[who].headers
        return self.client.request(method, f"{API}{path}", headers=headers, **kwargs)  # type: ignore[arg-type]

    def ok(self, who: str, method: str, path: str, status: int = 200, **kwargs: object):  # type: ignore[no-untyped-def]
        """Call the API and assert the status; return the JSON body."""
        r = self.call(who, method, path, **kwargs)
        assert r.status_code == status, r.text
        return r.json() if r.headers.get("content-type", "").startswith("application/json") else r


def new_team(db: Database, languages: tuple[str, ...] = ("zh", "en")) -> str:
    """Create a team with a unique id."""
    team_id = f"t_{secrets.token_hex(5)}"
    with db.session() as s:
        s.add(
            Team(
                id=team_id,
                name=f"Team {team_id}",
                name_zh="团队",
                languages=list(languages),
                product_areas=[],
            )
        )
    return team_id


@pytest.fixture()
def desk(client: TestClient, db: Database) -> Desk:
    """Return a fresh team with a supervisor, an auditor and an admin already signed in."""
    d = Desk(client=client, db=db, team_id=new_team(db))
    d.staff("sup", "supervisor", team_id=None)
    d.staff("aud", "auditor", team_id=None)
    d.staff("adm", "admin", team_id=None)
    return d


MakeDesk = Callable[[], Desk]


@pytest.fixture()
def make_desk(client: TestClient, db: Database) -> MakeDesk:
    """Return a factory of extra desks (another team's staff)."""

    def make() -> Desk:
        return Desk(client=client, db=db, team_id=new_team(db))

    return make
