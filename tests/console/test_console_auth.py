"""Staff sign-in, CSRF, language switching and the overview pages of the console."""

from __future__ import annotations

import re
import secrets

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from wendu.console.charts import bar_chart, line_chart
from wendu.console.i18n import catalogue
from wendu.db import Database
from wendu.identity.models import StaffUser
from wendu.identity.staff import create_staff


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form has no CSRF token"
    return match.group(1)


@pytest.fixture()
def staff(db: Database) -> tuple[str, str]:
    username = f"agent_{secrets.token_hex(4)}"
    with db.session() as session:
        create_staff(session, username=username, password="correct horse", role="agent")
    return username, "correct horse"


def _login(app, username: str, password: str) -> TestClient:  # type: ignore[no-untyped-def]
    browser = TestClient(app)
    page = browser.get("/console/login")
    assert page.status_code == 200
    response = browser.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return browser


def test_console_redirects_to_login_when_signed_out(client: TestClient) -> None:
    response = client.get("/console", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login")


def test_staff_signs_in_and_sees_overview(app, staff: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    browser = _login(app, *staff)
    home = browser.get("/console")
    assert home.status_code == 200
    assert "运营总览" in home.text  # Chinese by default
    assert "<svg" in home.text  # the consents chart is rendered on the server
    assert "http://" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"', "", home.text)


def test_wrong_password_is_refused(app, staff: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    browser = TestClient(app)
    page = browser.get("/console/login")
    response = browser.post(
        "/console/login",
        data={"username": staff[0], "password": "wrong-one", "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert browser.get("/console", follow_redirects=False).status_code == 303


def test_login_without_csrf_token_is_refused(app, staff: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    browser = TestClient(app)
    browser.get("/console/login")
    response = browser.post(
        "/console/login", data={"username": staff[0], "password": staff[1]}, follow_redirects=False
    )
    assert response.status_code in (400, 403)
    assert "wendu_staff" not in response.cookies


def test_language_choice_is_stored_on_the_user(app, db: Database, staff: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    browser = _login(app, *staff)
    home = browser.get("/console")
    switched = browser.post(
        "/console/language",
        data={"language": "en", "next": "/console", "csrf_token": _csrf(home.text)},
        follow_redirects=True,
    )
    assert "Operations overview" in switched.text
    with db.session(write=False) as session:
        user = _user(session, staff[0])
        assert user.language == "en"


def test_forged_session_cookie_is_ignored(app) -> None:  # type: ignore[no-untyped-def]
    browser = TestClient(app, cookies={"wendu_staff": "stf_x.123.forged"})
    assert browser.get("/console", follow_redirects=False).status_code == 303


def test_logout_requires_csrf_and_ends_session(app, staff: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    browser = _login(app, *staff)
    assert browser.post("/console/logout", data={}, follow_redirects=False).status_code == 403
    home = browser.get("/console")
    out = browser.post(
        "/console/logout", data={"csrf_token": _csrf(home.text)}, follow_redirects=False
    )
    assert out.status_code == 303
    browser.cookies.clear()
    assert browser.get("/console", follow_redirects=False).status_code == 303


def test_partners_page_lists_partners(app, staff: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    browser = _login(app, *staff)
    page = browser.get("/console/partners")
    assert page.status_code == 200
    assert 'id="partners"' in page.text


def test_static_assets_are_served_and_paths_are_confined(client: TestClient) -> None:
    css = client.get("/console/static/console.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert client.get("/console/static/..%2Fauth.py").status_code == 404
    assert client.get("/console/static/nothing.css").status_code == 404


def test_catalogues_have_the_same_keys() -> None:
    assert set(catalogue("zh")) == set(catalogue("en"))


def test_charts_render_values_and_escape_labels() -> None:
    svg = bar_chart(["<b>", "ok"], [3, 5], title="t")
    assert svg.count("<rect") == 2
    assert "&lt;b&gt;" in svg
    line = line_chart(["a", "b", "c"], {"x": [1, 2, 3]}, title="trend")
    assert "<polyline" in line
    with pytest.raises(ValueError):
        bar_chart(["a"], [1, 2])


def _user(session: Session, username: str) -> StaffUser:
    from sqlalchemy import select

    return session.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one()


def test_console_pages_cannot_be_framed_or_cached(app, staff: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    anonymous = TestClient(app)
    browser = _login(app, *staff)
    pages = [
        anonymous.get("/console/login"),
        anonymous.get("/console", follow_redirects=False),
        browser.get("/console"),
        browser.get("/console/partners"),
        browser.get("/console/tickets/no-such-ticket"),
    ]
    for page in pages:
        assert page.headers.get("x-frame-options") == "DENY", page.url
        csp = page.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, page.url
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, page.url
        assert page.headers.get("cache-control") == "no-store", page.url
        assert page.headers.get("x-content-type-options") == "nosniff", page.url


def test_logout_ends_the_session_on_the_server(app, staff: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    browser = _login(app, *staff)
    kept = browser.cookies.get("wendu_staff")
    assert kept
    home = browser.get("/console")
    out = browser.post(
        "/console/logout", data={"csrf_token": _csrf(home.text)}, follow_redirects=False
    )
    assert out.status_code == 303
    # A copy of the cookie taken before signing out (another tab, a thief) no longer works,
    # neither in the console nor on the staff API.
    replay = TestClient(app, cookies={"wendu_staff": kept})
    assert replay.get("/console", follow_redirects=False).status_code == 303
    assert replay.get("/helpdesk/v1/me").status_code == 401
    # Signing in again starts a new session; the old one stays ended.
    again = _login(app, *staff)
    assert again.get("/console", follow_redirects=False).status_code == 200
    assert replay.get("/console", follow_redirects=False).status_code == 303
