"""Staff accounts of the console: creation, sign-in and roles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.db import utcnow
from wendu.errors import bad_request, conflict
from wendu.identity.models import StaffUser
from wendu.identity.passwords import hash_password, verify_password
from wendu.kit.ids import new_id

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


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """Return the active staff user with these credentials, recording the sign-in time."""
    user = session.execute(
        select(StaffUser).where(StaffUser.username == username)
    ).scalar_one_or_none()
    if user is None or not user.active or not verify_password(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    session.flush()
    return user
