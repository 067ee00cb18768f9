"""The ready-made partner, staff user and customer that ``wendu demo`` invites people to try."""

from __future__ import annotations

from dataclasses import dataclass
from secrets import token_urlsafe

from sqlalchemy import select

from wendu.db import Database
from wendu.demo.people import SANDBOX_PASSWORD
from wendu.identity.models import CustomerLogin, Partner, StaffUser
from wendu.identity.partners import hash_client_secret, register_partner
from wendu.identity.staff import create_staff

DEMO_PARTNER_NAME = "Wendu Demo App"
DEMO_STAFF_USERNAME = "demo.admin"
DEMO_CUSTOMER_USERNAME = "demo00001"
TOUR_PERMISSIONS = (
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
    "ReadTransactionsDetail",
    "ReadBeneficiariesDetail",
    "ReadStandingOrdersDetail",
)


@dataclass(frozen=True)
class DemoAccess:
    """Credentials to try the sandbox with; the client secret is fresh on every start."""

    client_id: str
    client_secret: str
    customer_id: str | None
    customer_username: str | None
    staff_username: str
    password: str = SANDBOX_PASSWORD


def ensure_help_articles(database: Database) -> int:
    """Load the shipped help articles that are missing (staff edits are kept); return how many.

    The assistant answers questions from them and the console's knowledge base lists them,
    so a demo bank without them would answer nothing. ``wendu knowledge load`` does the same
    for a bank that is not a demo.
    """
    from wendu.assistant.knowledge.service import load_shipped

    with database.session() as session:
        return load_shipped(session)


def ensure_demo_access(database: Database, base_url: str) -> DemoAccess:
    """Create (or refresh) the demo partner and staff user; find the demo customer.

    Only a hash of a client secret is stored, so an existing demo partner gets a new
    secret each time: the terminal can then show one that works.
    """
    with database.session() as session:
        partner = session.scalars(
            select(Partner).where(Partner.name == DEMO_PARTNER_NAME).order_by(Partner.created_at)
        ).first()
        if partner is None:
            registered = register_partner(
                session,
                name=DEMO_PARTNER_NAME,
                redirect_uris=[f"{base_url}/docs/oauth2-redirect", "https://example.com/callback"],
                contact_email="demo-app@example.com",
                signing=False,
            )
            client_id, secret = registered.partner.client_id, registered.client_secret
        else:
            secret = token_urlsafe(32)
            partner.client_secret_hash = hash_client_secret(secret)
            client_id = partner.client_id
        staff = session.scalars(
            select(StaffUser.id).where(StaffUser.username == DEMO_STAFF_USERNAME)
        ).first()
        if staff is None:
            create_staff(
                session,
                username=DEMO_STAFF_USERNAME,
                password=SANDBOX_PASSWORD,
                role="admin",
                display_name="Demo admin",
                language="zh",
            )
        login = session.scalars(
            select(CustomerLogin).where(CustomerLogin.username == DEMO_CUSTOMER_USERNAME)
        ).first()
        return DemoAccess(
            client_id=client_id,
            client_secret=secret,
            customer_id=login.customer_id if login else None,
            customer_username=login.username if login else None,
            staff_username=DEMO_STAFF_USERNAME,
        )


def tour(access: DemoAccess, base: str) -> str:
    """Return the text ``wendu demo`` prints: where to click and what to paste."""
    permissions = ",".join(TOUR_PERMISSIONS)
    lines = [
        "",
        "wendu sandbox bank is ready",
        f"  API docs        {base}/docs",
        f"  Console         {base}/console   (staff {access.staff_username} / {access.password})",
        "  Helpdesk        sample chats, tickets and complaints in the console; sign in as",
        "                  agent li.na or supervisor wang.fang too (same password)",
        f"  Customer page   {base}/customer/login",
        "",
        "Demo partner (secret shown once; a new one is issued at every start)",
        f"  client_id       {access.client_id}",
        f"  client_secret   {access.client_secret}",
    ]
    if access.customer_id:
        lines += [
            "",
            "Demo customer (every sandbox customer shares the password)",
            f"  username        {access.customer_username}",
            f"  password        {access.password}",
            f"  customer_id     {access.customer_id}",
            "",
            "Try it: a consent, then the accounts through the open API",
            f"  export TOKEN=$(wendu sandbox consent --client-id {access.client_id} "
            f"--customer {access.customer_id} --permissions {permissions} --json "
            "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')",
            f'  curl -s {base}/open-banking/v4.0/aisp/accounts -H "Authorization: Bearer $TOKEN"',
            f'  curl -s {base}/open-banking/v4.0/aisp/balances -H "Authorization: Bearer $TOKEN"',
        ]
    lines += [
        "",
        "A partner token (client credentials):",
        f"  curl -s -u {access.client_id}:{access.client_secret} "
        f"-d grant_type=client_credentials -d scope=accounts {base}/oauth2/token",
        "",
    ]
    return "\n".join(lines)
