"""Fixtures of the payment tests (defined in ``payments.support``)."""

from __future__ import annotations

from payments.support import bank, cof_spec, pis_spec

__all__ = ["bank", "cof_spec", "pis_spec"]
