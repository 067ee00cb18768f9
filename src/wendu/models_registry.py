"""Import every domain's ORM tables so the metadata is complete (for Alembic and tests).

A new domain with tables adds its ``models`` module here.
"""

from __future__ import annotations

import wendu.assistant.dialogue.models
import wendu.assistant.knowledge.models
import wendu.audit.models
import wendu.events.models
import wendu.helpdesk.models
import wendu.identity.models
import wendu.ledger.models
import wendu.openbanking.pisp.models
import wendu.reputation.models  # noqa: F401
from wendu.db import Base

metadata = Base.metadata
