"""A small generic repository base: every query lives in a repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from wendu.db import Base

M = TypeVar("M", bound=Base)


class Repository(Generic[M]):
    """Queries for one ORM class; subclasses add named queries."""

    model: type[M]

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, ident: Any) -> M | None:
        """Return the row with primary key ``ident`` or None."""
        return self.session.get(self.model, ident)

    def get_one_or_none(self, statement: Select[Any]) -> M | None:
        """Return the single result of ``statement`` or None."""
        row: M | None = self.session.execute(statement).scalar_one_or_none()
        return row

    def list(self, statement: Select[Any]) -> Sequence[M]:
        """Return all results of ``statement``."""
        rows: Sequence[M] = self.session.execute(statement).scalars().all()
        return rows

    def paginate(
        self, statement: Select[Any], *, page: int, page_size: int
    ) -> tuple[Sequence[M], int]:
        """Return one page of ``statement`` (1-based) and the total row count."""
        total = self.session.execute(
            select(func.count()).select_from(statement.order_by(None).subquery())
        ).scalar_one()
        rows: Sequence[M] = (
            self.session.execute(statement.limit(page_size).offset((page - 1) * page_size))
            .scalars()
            .all()
        )
        return rows, int(total)

    def add(self, obj: M) -> M:
        """Add ``obj`` to the session and flush so its key is known."""
        self.session.add(obj)
        self.session.flush()
        return obj
