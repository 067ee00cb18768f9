"""Customer credentials for the bank's own login pages."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.errors import bad_request, conflict
from wendu.identity.models import CustomerLogin
from wendu.identity.passwords import hash_password, verify_password
from wendu.ledger.models import Customer


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the username is unknown, so both paths cost one Argon2 check.
    return hash_password("wendu-no-such-user")


def create_login(session: Session, customer: Customer, *, username: str, password: str) -> None:
    """Give ``customer`` a username and an Argon2id-hashed password."""
    username = username.strip()
    if not 3 <= len(username) <= 64:
        raise bad_request("username must have 3 to 64 characters", path="username")
    if len(password) < 8:
        raise bad_request("password must have at least 8 characters", path="password")
    taken = session.execute(
        select(CustomerLogin.customer_id).where(CustomerLogin.username == username)
    ).first()
    if taken:
        raise conflict("That username is taken")
    session.add(
        CustomerLogin(
            customer_id=customer.id, username=username, password_hash=hash_password(password)
        )
    )
    session.flush()


def authenticate_customer(session: Session, username: str, password: str) -> Customer | None:
    """Return the active customer with these credentials, or None."""
    row = session.execute(
        select(CustomerLogin, Customer)
        .join(Customer, Customer.id == CustomerLogin.customer_id)
        .where(CustomerLogin.username == username[:64])
    ).one_or_none()
    if row is None:
        verify_password(_dummy_hash(), password)
        return None
    login, customer = row
    if not verify_password(login.password_hash, password[:1024]) or customer.status != "active":
        return None
    return customer
