"""Event subscriptions over HTTP: CRUD, OB envelopes and errors, callback URL rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from wendu.db import Database
from wendu.errors import WenduError
from wendu.events.callbacks import CallbackRefused, check_url, notification_url
from wendu.events.service import SubscriptionInput, create_subscription

from .conftest import ApiPartner, Spec

URL = "/open-banking/v4.0/event-subscriptions"
TYPES = ["urn:uk:org:openbanking:events:resource-update", "ticket.resolved"]


def _create(client: TestClient, partner: ApiPartner, **data: object) -> dict[str, object]:
    body = {"Data": {"Version": "4.0", **data}}
    response = client.post(URL, json=body, headers=partner.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_subscription_lifecycle_matches_the_spec(
    client: TestClient, make_partner: Callable[..., ApiPartner], spec: Spec
) -> None:
    partner = make_partner()
    request = {
        "Data": {"CallbackUrl": "http://127.0.0.1:8123/tpp", "Version": "4.0", "EventTypes": TYPES}
    }
    spec.validate("OBEventSubscription1", request)
    created = client.post(URL, json=request, headers=partner.headers)
    assert created.status_code == 201
    body = created.json()
    spec.validate("OBEventSubscriptionResponse1", body)
    sub_id = body["Data"]["EventSubscriptionId"]
    assert body["Data"]["CallbackUrl"] == "http://127.0.0.1:8123/tpp"
    assert body["Data"]["EventTypes"] == TYPES
    assert body["Links"]["Self"].endswith(f"/event-subscriptions/{sub_id}")

    listed = client.get(URL, headers=partner.headers)
    assert listed.status_code == 200
    spec.validate("OBEventSubscriptionsResponse1", listed.json())
    assert [s["EventSubscriptionId"] for s in listed.json()["Data"]["EventSubscription"]] == [
        sub_id
    ]

    change = {
        "Data": {
            "EventSubscriptionId": sub_id,
            "Version": "4.0",
            "CallbackUrl": "http://127.0.0.1:8124/tpp2",
        }
    }
    spec.validate("OBEventSubscriptionResponse1", change)
    changed = client.put(f"{URL}/{sub_id}", json=change, headers=partner.headers)
    assert changed.status_code == 200, changed.text
    spec.validate("OBEventSubscriptionResponse1", changed.json())
    assert changed.json()["Data"]["CallbackUrl"] == "http://127.0.0.1:8124/tpp2"
    assert "EventTypes" not in changed.json()["Data"]  # PUT replaces: now every type

    deleted = client.delete(f"{URL}/{sub_id}", headers=partner.headers)
    assert deleted.status_code == 204
    assert client.get(URL, headers=partner.headers).json()["Data"]["EventSubscription"] == []


def test_second_subscription_is_a_conflict(
    client: TestClient, make_partner: Callable[..., ApiPartner], spec: Spec
) -> None:
    partner = make_partner()
    _create(client, partner)
    again = client.post(URL, json={"Data": {"Version": "4.0"}}, headers=partner.headers)
    assert again.status_code == 409
    spec.validate("OBErrorResponse1", again.json())


def test_other_partners_subscription_is_unknown(
    client: TestClient, make_partner: Callable[..., ApiPartner], spec: Spec
) -> None:
    owner, other = make_partner(), make_partner()
    sub_id = _create(client, owner)["Data"]["EventSubscriptionId"]  # type: ignore[index]
    change = {"Data": {"EventSubscriptionId": sub_id, "Version": "4.0"}}
    for response in (
        client.put(f"{URL}/{sub_id}", json=change, headers=other.headers),
        client.delete(f"{URL}/{sub_id}", headers=other.headers),
        client.delete(f"{URL}/esub_{'0' * 24}", headers=owner.headers),
    ):
        assert response.status_code == 400
        spec.validate("OBErrorResponse1", response.json())
        assert response.json()["Errors"][0]["ErrorCode"] == "U004"
    assert client.get(URL, headers=other.headers).json()["Data"]["EventSubscription"] == []
    assert len(client.get(URL, headers=owner.headers).json()["Data"]["EventSubscription"]) == 1


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"Version": "4.0", "CallbackUrl": "ftp://127.0.0.1/x"}, "Data.CallbackUrl"),
        ({"Version": "4.0", "CallbackUrl": "not a url"}, "Data.CallbackUrl"),
        ({"Version": "4.0", "CallbackUrl": "http://user:pw@127.0.0.1/x"}, "Data.CallbackUrl"),
        (
            {"Version": "4.0", "EventTypes": ["urn:uk:org:openbanking:events:x"]},
            "Data.EventTypes[0]",
        ),
        ({"Version": "12345678901"}, "Data.Version"),
        ({"CallbackUrl": "http://127.0.0.1/x"}, "Data.Version"),
    ],
)
def test_bad_subscription_requests_get_ob_errors(
    client: TestClient,
    make_partner: Callable[..., ApiPartner],
    spec: Spec,
    data: dict[str, object],
    path: str,
) -> None:
    partner = make_partner()
    response = client.post(URL, json={"Data": data}, headers=partner.headers)
    assert response.status_code == 400, response.text
    body = response.json()
    spec.validate("OBErrorResponse1", body)
    assert body["Errors"][0]["Path"] == path
    assert client.get(URL, headers=partner.headers).json()["Data"]["EventSubscription"] == []


def test_malformed_json_and_missing_token(
    client: TestClient, make_partner: Callable[..., ApiPartner], spec: Spec
) -> None:
    partner = make_partner()
    bad = client.post(
        URL,
        content=b"{not json",
        headers={**partner.headers, "content-type": "application/json"},
    )
    assert bad.status_code == 400
    spec.validate("OBErrorResponse1", bad.json())
    assert client.get(URL).status_code == 401
    no_scope = make_partner(scope="openid")
    assert client.get(URL, headers=no_scope.headers).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/cb",
        "https://localhost/cb",
        "https://10.1.2.3/cb",
        "https://192.168.0.10/cb",
        "https://172.16.5.4/cb",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/cb",
        "https://[fe80::1]/cb",
        "https://[::ffff:10.0.0.1]/cb",
        "https://0.0.0.0/cb",
        "http://93.184.216.34/cb",  # plain http is refused in production
        # IPv6 forms that carry an IPv4 address the network may translate and deliver:
        "https://[2002:7f00:1::1]/cb",  # 6to4 of 127.0.0.1
        "https://[2002:a00:1::1]/cb",  # 6to4 of 10.0.0.1
        "https://[2002:808:808::1]/cb",  # 6to4 even of a public address: refused outright
        "https://[64:ff9b::7f00:1]/cb",  # NAT64 of 127.0.0.1
        "https://[64:ff9b::a9fe:a9fe]/cb",  # NAT64 of 169.254.169.254
        "https://[64:ff9b:1::a00:1]/cb",  # local-use NAT64 (RFC 8215)
        "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/cb",  # Teredo, client 127.0.0.1
        "https://[::7f00:1]/cb",  # IPv4-compatible (deprecated) 127.0.0.1
    ],
)
def test_internal_callbacks_are_refused_in_production(db: Database, url: str) -> None:
    with pytest.raises(CallbackRefused):
        check_url(url, production=True)
    with db.session() as session, pytest.raises(WenduError) as raised:
        create_subscription(
            session, "ptn_unused", SubscriptionInput("4.0", url, None), production=True
        )
    assert raised.value.status == 400
    assert raised.value.items[0].path == "Data.CallbackUrl"


def test_public_callbacks_are_accepted_in_production() -> None:
    # A literal public address needs no DNS and no traffic: only the checks run.
    resolved = check_url("https://93.184.216.34:8443/tpp/cb?x=1", production=True)
    assert resolved.url == "https://93.184.216.34:8443/tpp/cb?x=1"
    assert resolved.sni_hostname == "93.184.216.34"


def test_local_callbacks_are_allowed_in_development(
    client: TestClient, make_partner: Callable[..., ApiPartner]
) -> None:
    body = _create(client, make_partner(), CallbackUrl="http://localhost:8080/hooks")
    assert body["Data"]["CallbackUrl"] == "http://localhost:8080/hooks"  # type: ignore[index]
    pinned = check_url("http://localhost:8080/hooks", production=False)
    assert pinned.host_header == "localhost:8080"


def test_notifications_go_to_the_event_notifications_resource() -> None:
    assert (
        notification_url("https://tpp.example/ob/") == "https://tpp.example/ob/event-notifications"
    )
    assert (
        notification_url("https://tpp.example/ob/event-notifications")
        == "https://tpp.example/ob/event-notifications"
    )
