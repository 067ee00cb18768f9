"""Consents and the UK Open Banking v4 resources built on them (AIS, PIS, CoF)."""
