"""Staff accounts of the console: creation, sign-in and roles."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.audit import record
from wendu.db import utcnow
from wendu.errors import bad_request, conflict, too_many_requests
from wendu.identity.models import StaffUser
from wendu.identity.passwords import hash_password, verify_password
from wendu.kit.ids import new_id
from wendu.ratelimit import SignInThrottle

ROLES = ("admin", "supervisor", "agent", "auditor")
# What each role may do in the console and the staff API; auditors only read.
WRITE_ROLES = frozenset({"admin", "supervisor", "agent"})
MANAGER_ROLES = frozenset({"admin", "supervisor"})


def create_staff(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    language: str = "zh",
) -> StaffUser:
    """Create a staff account with a hashed password."""
    if role not in ROLES:
        raise bad_request(f"role must be one of {', '.join(ROLES)}", path="role")
    if len(password) < 8:
        raise bad_request("password must have at least 8 characters", path="password")
    if language not in ("zh", "en"):
        raise bad_request("language must be zh or en", path="language")
    exists = session.execute(select(StaffUser.id).where(StaffUser.username == username)).first()
    if exists:
        raise conflict(f"staff user {username!r} already exists")
    user = StaffUser(
        id=new_id("stf"),
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        language=language,
    )
    session.add(user)
    session.flush()
    return user


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Checked when the username is unknown or inactive, so every sign-in costs one Argon2 check.
    return hash_password("wendu-no-such-staff-user")


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """Return the active staff user with these credentials, recording the sign-in time.

    Takes the same time whether or not the username exists: an unknown (or inactive)
    account's password is checked against a dummy hash.
    """
    user = session.execute(
        select(StaffUser).where(StaffUser.username == username[:128])
    ).scalar_one_or_none()
    stored = user.password_hash if user is not None and user.active else _dummy_hash()
    matches = verify_password(stored, password[:1024])
    if user is None or not user.active or not matches:
        return None
    user.last_login_at = utcnow()
    session.flush()
    return user


def sign_in(
    session: Session,
    throttle: SignInThrottle,
    username: str,
    password: str,
    *,
    client_ip: str,
    channel: str,
) -> StaffUser | None:
    """Check staff credentials through the sign-in throttle; audit a failure in ``session``.

    Raises 429 (with ``Retry-After``) while the account or the client IP is locked, without
    checking the password. Returns None on a failure, which it counts and records in the
    audit trail (``staff.signin_failed``), so the caller must commit ``session``.
    """
    wait = throttle.retry_after(username, client_ip)
    if wait:
        raise too_many_requests(wait)
    user = authenticate(session, username, password)
    if user is None:
        throttle.failed(username, client_ip)
        record(
            session,
            actor_type="anonymous",
            actor_id=username[:64],
            action="staff.signin_failed",
            status_code=401,
            detail={"channel": channel, "ip": client_ip[:64]},
        )
        return None
    throttle.succeeded(username)
    return user
