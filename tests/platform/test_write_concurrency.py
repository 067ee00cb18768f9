"""Many concurrent write requests neither deadlock nor fail (more than the thread pool holds)."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from wendu.config import Settings
from wendu.db import Database
from wendu.identity.models import Consent
from wendu.identity.partners import register_partner
from wendu.identity.tokens import issue_access_token

CONCURRENT = 90  # more than the 40 worker threads Starlette runs sync code on


def test_concurrent_writes_all_commit(app: FastAPI, db: Database, settings: Settings) -> None:
    with db.session() as session:
        partner = register_partner(session, name="Busy TPP", signing=False).partner
        token = issue_access_token(
            session,
            app.state.keyring,
            settings,
            partner=partner,
            scope="accounts",
            grant_type="client_credentials",
        ).access_token
        partner_id = partner.id
    body = {"Data": {"Permissions": ["ReadAccountsBasic", "ReadBalances"]}, "Risk": {}}

    async def run() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            calls = [
                http.post(
                    "/open-banking/v4.0/aisp/account-access-consents",
                    json=body,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60,
                )
                for _ in range(CONCURRENT)
            ]
            responses = await asyncio.wait_for(asyncio.gather(*calls), timeout=120)
        return [r.status_code for r in responses]

    statuses = asyncio.run(run())
    assert statuses == [201] * CONCURRENT
    with db.session(write=False) as session:
        created = session.execute(
            select(func.count()).select_from(Consent).where(Consent.partner_id == partner_id)
        ).scalar_one()
    assert created == CONCURRENT
