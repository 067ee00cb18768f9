"""Merchants grouped the way customers choose them: by city and kind of spending."""

from __future__ import annotations

import random
from collections.abc import Sequence

from wendu.demo.catalogue import MerchantRow


class Market:
    """Merchants grouped the way customers choose them: by city and kind."""

    def __init__(self, rows: Sequence[MerchantRow]) -> None:
        self.local: dict[tuple[str | None, str], list[MerchantRow]] = {}
        self.online_cn: list[MerchantRow] = []
        self.online_intl: list[MerchantRow] = []
        self.utilities: list[MerchantRow] = []
        self.flights: list[MerchantRow] = []
        self.hotels: dict[str, MerchantRow] = {}
        self.rail: MerchantRow | None = None
        self.duty_free: MerchantRow | None = None
        for row in rows:
            if row.kind == "online":
                (self.online_intl if row.name_zh in (None, row.name) else self.online_cn).append(
                    row
                )
            elif row.kind == "utility" and row.city is None:
                self.utilities.append(row)
            elif row.kind == "travel":
                if row.mcc == "7011" and row.city:
                    self.hotels[row.city] = row
                elif row.mcc == "4112":
                    self.rail = row
                elif row.mcc == "5309":
                    self.duty_free = row
                else:
                    self.flights.append(row)
            else:
                self.local.setdefault((row.city, row.kind), []).append(row)
        self.cities = sorted({city for city, _ in self.local if city})

    def pick(self, rng: random.Random, city: str, kind: str) -> MerchantRow:
        """Return a merchant of ``kind`` in ``city`` (an online one for ``online``)."""
        pool = self.local.get((city, kind)) or self.local[("上海", kind)]
        return pool[rng.randrange(len(pool))]
