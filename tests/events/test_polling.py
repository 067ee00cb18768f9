"""Aggregated polling: partners collect signed notifications, then acknowledge or reject them."""

from __future__ import annotations

from collections.abc import Callable

import jwt
from fastapi.testclient import TestClient
from sqlalchemy import select

from wendu.db import Database
from wendu.events import Subject, publish
from wendu.events.models import EventDelivery
from wendu.events.service import dispatch_pending
from wendu.identity.keys import KeyRing

from .conftest import ApiPartner, Spec

URL = "/open-banking/v4.0/events"


def _publish(db: Database, partner: ApiPartner, n: int) -> list[str]:
    with db.session() as session:
        ids = [
            publish(
                session,
                event_type="ticket.resolved",
                partner_id=partner.id,
                subject=Subject(f"tkt_{i}", "ticket"),
                payload={"resolution": "refunded"},
            ).id
            for i in range(n)
        ]
    with db.session() as session:
        while dispatch_pending(session, limit=100):
            pass
    return ids


def _poll(client: TestClient, partner: ApiPartner, spec: Spec, body: dict[str, object]) -> dict:  # type: ignore[type-arg]
    spec.validate("OBEventPolling1", body)
    response = client.post(URL, json=body, headers=partner.headers)
    assert response.status_code == 201, response.text
    spec.validate("OBEventPollingResponse1", response.json())
    return response.json()  # type: ignore[no-any-return]


def test_poll_ack_and_reject(
    client: TestClient,
    db: Database,
    make_partner: Callable[..., ApiPartner],
    spec: Spec,
) -> None:
    partner, other = make_partner(), make_partner()
    ids = _publish(db, partner, 3)
    _publish(db, other, 1)

    first = _poll(client, partner, spec, {"maxEvents": 2, "returnImmediately": True})
    assert list(first["sets"]) == ids[:2]
    assert first["moreAvailable"] is True
    with db.session(write=False) as session:
        jwks = KeyRing().jwks(session)
    for jti, token in first["sets"].items():
        kid = jwt.get_unverified_header(token)["kid"]
        key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid)).key
        claims = jwt.decode(token, key, algorithms=["ES256"], audience=partner.client_id)
        assert claims["jti"] == jti
        event = claims["events"]["ticket.resolved"]
        assert event["resolution"] == "refunded"
        assert event["subject"]["http://openbanking.org.uk/rty"] == "ticket"

    # Nothing acknowledged yet: the same notifications come back.
    again = _poll(client, partner, spec, {"maxEvents": 2, "returnImmediately": True})
    assert list(again["sets"]) == ids[:2]

    # Ack one, reject one (and an unknown jti and another partner's are ignored).
    foreign = _publish(db, other, 1)[0]
    rest = _poll(
        client,
        partner,
        spec,
        {
            "ack": [ids[0], "evt_unknown", foreign],
            "setErrs": {ids[1]: {"err": "jwtIss", "description": "Issuer not recognised"}},
            "returnImmediately": True,
        },
    )
    assert list(rest["sets"]) == [ids[2]]
    assert rest["moreAvailable"] is False

    ack_only = _poll(client, partner, spec, {"ack": [ids[2]], "maxEvents": 0})
    assert ack_only == {"moreAvailable": False, "sets": {}}

    with db.session(write=False) as session:
        rows = {
            d.event_id: d
            for d in session.execute(
                select(EventDelivery).where(EventDelivery.event_id.in_([*ids, foreign]))
            ).scalars()
        }
    assert [rows[i].status for i in ids] == ["acked", "rejected", "acked"]
    assert rows[ids[1]].last_error == "jwtIss: Issuer not recognised"
    assert rows[foreign].status == "pending"  # another partner cannot acknowledge it
    other_sets = _poll(client, other, spec, {"returnImmediately": True})["sets"]
    assert foreign in other_sets and not set(ids) & set(other_sets)


def test_max_events_zero_reports_without_returning(
    client: TestClient, db: Database, make_partner: Callable[..., ApiPartner], spec: Spec
) -> None:
    partner = make_partner()
    _publish(db, partner, 1)
    assert _poll(client, partner, spec, {"maxEvents": 0}) == {"moreAvailable": True, "sets": {}}


def test_bad_polling_requests(
    client: TestClient, make_partner: Callable[..., ApiPartner], spec: Spec
) -> None:
    partner = make_partner()
    for body in (
        {"maxEvents": -1},
        {"ack": [""]},
        {"setErrs": {"evt_1": {"err": "x"}}},
        {"unknown": True},
    ):
        response = client.post(URL, json=body, headers=partner.headers)
        assert response.status_code == 400, body
        spec.validate("OBErrorResponse1", response.json())
    assert client.post(URL, json={}).status_code == 401
