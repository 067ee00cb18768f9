"""The bank a story run talks to: a fresh demo bank in a temporary SQLite file, the real
app, and per story a clean customer state and a consent obtained through the sandbox flow.

The run is pinned in time: the demo bank's activity ends on ``STORY_END`` and the
assistant's clock (``app.state.assistant_clock``) stands at ``STORY_NOW`` the next morning in
the bank's zone (``settings.timezone``), so "昨天", "last month" or "11月份" always mean the
same days and every expected figure is the same on every run. What a relative date means is
computed by :mod:`wendu.assistant.stories.oracle` from the same ``today``. (Code without a
pinnable clock runs on the real date instead, with the bank ending yesterday.) Before each
story the customer's cards get back the status they were seeded with
and every connected app is revoked; the story's own apps are then connected afresh, so
freezing or revoking in one story never leaks into another.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from wendu.app import create_app
from wendu.config import Settings
from wendu.db import Database, utcnow

ALL_READ = (
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadTransactionsDetail",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
)
DEMO_CUSTOMERS = 60
DEMO_SEED = 42
# The last day of seeded activity and the local time the assistant's clock is pinned to.
STORY_END = date(2026, 11, 28)
STORY_NOW = time(10, 30)


@dataclass
class OpenChat:
    """A chat a story drives: the customer's token (also read by the checks) and the ids."""

    token: str
    session_id: str
    conversation_id: str
    consent_id: str
    customer_id: str

    @property
    def headers(self) -> dict[str, str]:
        """Return the Authorization header of the customer's token."""
        return {"Authorization": f"Bearer {self.token}"}


class StoryBank:
    """A demo bank with the real app, built once per run; ``close()`` removes it."""

    def __init__(self, *, customers: int = DEMO_CUSTOMERS, seed: int = DEMO_SEED) -> None:
        from wendu.demo.helpdesk import ensure_helpdesk_showcase
        from wendu.demo.seed import seed_bank
        from wendu.demo.showcase import ensure_demo_access, ensure_help_articles
        from wendu.migrate import upgrade

        self._folder = Path(tempfile.mkdtemp(prefix="wendu-stories-"))
        url = f"sqlite:///{self._folder / 'bank.db'}"
        self.settings = Settings(
            env="development",
            database_url=url,
            public_url="http://testserver",
            run_worker_in_process=False,
            rate_limit_per_minute=1_000_000,
            rate_limit_burst=1_000_000,
        )
        self.zone = ZoneInfo(self.settings.timezone)
        self.pinned = _clock_is_pinnable()
        end = STORY_END if self.pinned else datetime.now(self.zone).date() - timedelta(days=1)
        self.today = end + timedelta(days=1)
        upgrade(url)
        self.db = Database(url)
        seed_bank(self.db, customers=customers, seed=seed, end=end)
        ensure_demo_access(self.db, "http://testserver")
        ensure_help_articles(self.db)
        ensure_helpdesk_showcase(self.db, self.settings)
        self.app = create_app(self.settings, database=self.db)
        if self.pinned:
            self.app.state.assistant_clock = _pinned_clock(self.zone, self.now())
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.client.__enter__()
        self._partners: dict[str, str] = {}
        self._seeded_cards = self._card_statuses()

    def now(self) -> datetime:
        """Return the moment the assistant believes it is (aware UTC)."""
        if not self.pinned:
            return utcnow()
        return datetime.combine(self.today, STORY_NOW, self.zone).astimezone(UTC)

    def close(self) -> None:
        """Stop the app and delete the temporary bank."""
        try:
            self.client.__exit__(None, None, None)
        finally:
            self.db.dispose()
            shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> StoryBank:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- customers ------------------------------------------------------------------------

    def customer_id(self, username: str) -> str:
        """Return the id of the demo customer who signs in as ``username``."""
        from wendu.identity.models import CustomerLogin

        with self.db.session(write=False) as session:
            found = session.scalars(
                select(CustomerLogin.customer_id).where(CustomerLogin.username == username)
            ).first()
        if found is None:
            raise LookupError(f"no demo customer signs in as {username!r}")
        return str(found)

    def _card_statuses(self) -> dict[str, str]:
        from wendu.ledger.models import Card

        with self.db.session(write=False) as session:
            return {c.id: c.status for c in session.scalars(select(Card))}

    def reset(self, customer_id: str) -> None:
        """Give the customer's cards their seeded status back and revoke every app."""
        from wendu.identity.connected_apps import list_connected_apps, revoke_connected_app
        from wendu.ledger.cards import unfreeze_card
        from wendu.ledger.models import Account, Card

        with self.db.session() as session:
            cards = session.scalars(
                select(Card)
                .join(Account, Account.id == Card.account_id)
                .where(Account.customer_id == customer_id)
            ).all()
            for card in cards:
                if card.status == "frozen" and self._seeded_cards.get(card.id) == "active":
                    unfreeze_card(session, card.id, "story reset")
            for app in list_connected_apps(session, customer_id):
                revoke_connected_app(session, customer_id, app.consent_id)

    def _partner(self, name: str) -> str:
        """Return the client id of a partner app called ``name`` (registered once)."""
        from wendu.identity.partners import register_partner

        if name not in self._partners:
            with self.db.session() as session:
                registered = register_partner(session, name=name, signing=False)
                self._partners[name] = registered.partner.client_id
        return self._partners[name]

    def _consent(
        self, client_id: str, customer_id: str, permissions: tuple[str, ...]
    ) -> tuple[str, str]:
        from wendu.identity.sandbox import sandbox_account_consent

        with self.db.session() as session:
            made = sandbox_account_consent(
                session,
                self.app.state.keyring,
                self.settings,
                client_id=client_id,
                customer_id=customer_id,
                permissions=list(permissions),
            )
            return made.access_token, made.consent_id

    def connect_app(self, name: str, customer_id: str) -> str:
        """Connect the partner app ``name`` to the customer's accounts; return the consent."""
        return self._consent(self._partner(name), customer_id, ALL_READ)[1]

    def open_chat(
        self, customer_id: str, language: str, permissions: tuple[str, ...] = ()
    ) -> OpenChat:
        """Open a chat in the bank's own app with a consent obtained through the sandbox."""
        from wendu.assistant.channels.widget import first_party

        with self.db.session() as session:
            client_id = first_party(session).client_id
        token, consent_id = self._consent(client_id, customer_id, permissions or ALL_READ)
        response = self.client.post(
            "/chat/v1/sessions",
            json={"channel": "app", "language": language},
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code != 201:
            raise RuntimeError(f"opening a chat failed: {response.status_code} {response.text}")
        body = response.json()
        return OpenChat(token, body["session_id"], body["conversation_id"], consent_id, customer_id)

    def say(self, chat: OpenChat, text: str) -> dict[str, Any]:
        """Send the customer's message; return the API's JSON answer (status code included)."""
        response = self.client.post(
            f"/chat/v1/sessions/{chat.session_id}/messages",
            json={"text": text},
            headers=chat.headers,
        )
        body: dict[str, Any] = {}
        try:
            body = response.json()
        except ValueError:
            body = {"raw": response.text[:500]}
        body["http_status"] = response.status_code
        return body

    def get(self, chat: OpenChat, path: str, **params: Any) -> Any:
        """GET an API path with the customer's token; return the JSON (raising on errors)."""
        response = self.client.get(path, params=params, headers=chat.headers)
        if response.status_code >= 400:
            raise RuntimeError(f"GET {path} answered {response.status_code}: {response.text}")
        return response.json()


def _clock_is_pinnable() -> bool:
    """Return True when the assistant takes its clock from ``app.state.assistant_clock``."""
    try:
        import wendu.assistant.flows.clock  # noqa: F401
    except ImportError:
        return False
    return True


def _pinned_clock(zone: ZoneInfo, moment: datetime) -> Any:
    """Return a bank clock that always says ``moment``."""
    from wendu.assistant.flows.clock import BankClock

    return BankClock(zone, lambda: moment)
