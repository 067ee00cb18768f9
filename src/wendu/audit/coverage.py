"""Gaps in the audit trail that the hash chain alone cannot show.

The chain proves that no entry was changed or removed *inside* it, but not that a record
was ever written, nor that the newest entries were not cut off. Two cross-checks do:

- every tracked row (consents, payments: ``effects.TRACKED_TABLES``) must be named by an
  effect record (a payment that exists without one was committed unaudited);
- each request's effect records must number 1, 2, ... without a hole.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Select, column, select, table

from wendu.audit.effects import EFFECT_ACTION_PREFIX, TRACKED_TABLES
from wendu.audit.models import AuditEntry

_AUDIT = AuditEntry.__table__


@dataclass(frozen=True)
class CoverageResult:
    """Rows without an effect record, and requests whose effect records have holes."""

    checked: dict[str, int]
    unaudited: dict[str, list[str]] = field(default_factory=dict)
    holes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return True when every tracked row is audited and no request has a hole."""
        return not any(self.unaudited.values()) and not self.holes


def check_coverage(conn: Connection, *, batch: int = 5000) -> CoverageResult:
    """Cross-check the effect records against the tracked tables and themselves."""
    audited: dict[str, set[str]] = defaultdict(set)
    seqs: dict[str, list[int]] = defaultdict(list)
    last_id = 0
    while True:
        rows = conn.execute(
            select(_AUDIT.c.id, _AUDIT.c.interaction_id, _AUDIT.c.detail)
            .where(_AUDIT.c.id > last_id, _AUDIT.c.action.startswith(EFFECT_ACTION_PREFIX))
            .order_by(_AUDIT.c.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        for row_id, interaction_id, detail in rows:  # interaction_id only names a hole
            last_id = row_id
            info: dict[str, Any] = detail or {}
            for name, ids in (info.get("created") or {}).items():
                audited[name].update(ids)
            if info.get("request") and "seq" in info:
                seqs[f"{interaction_id}/{info['request']}"].append(int(info["seq"]))
    checked: dict[str, int] = {}
    unaudited: dict[str, list[str]] = {}
    for name, key in TRACKED_TABLES.items():
        query: Select[tuple[Any]] = select(column(key)).select_from(table(name))
        ids = [str(value) for value in conn.execute(query).scalars()]
        checked[name] = len(ids)
        missing = sorted(set(ids) - audited[name])
        if missing:
            unaudited[name] = missing
    holes = sorted(
        interaction
        for interaction, numbers in seqs.items()
        if sorted(numbers) != list(range(1, len(numbers) + 1))
    )
    return CoverageResult(checked, unaudited, holes)
