"""The throughput benchmark runs end to end (tiny bounds): real server, real audit trail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "api_throughput.py"


@pytest.mark.slow
def test_benchmark_reports_both_routes_and_audits_every_api_call() -> None:
    out = subprocess.run(
        [
            sys.executable, str(BENCH), "--backends", "sqlite", "--concurrency", "1,2",
            "--requests", "40", "--seconds", "5", "--customers", "0", "--transactions", "12",
        ],
        capture_output=True, text=True, timeout=240, check=True,
    )  # fmt: skip
    report = json.loads(out.stdout)
    assert report["goal"] == {"ratio": 0.5, "p99_ms_at_32": 50}
    sqlite = report["backends"]["sqlite"]
    assert sqlite["api_probe_status"] == 200
    api_calls = 1  # the probe
    for level, connections in (("1", 1), ("2", 2)):
        figures = sqlite["levels"][level]
        for route in ("bare", "api"):
            assert figures[route]["requests"] == 40
            assert figures[route]["statuses"] == {"200": 40}
            assert 0 < figures[route]["p50_ms"] <= figures[route]["p99_ms"]
        assert figures["ratio"] > 0
        api_calls += 40 + 5 * connections  # measured requests and the warm-up
    # Every transactions call is in the chain (the bare route is not audited).
    assert sqlite["audit"] == {"entries": api_calls, "chain_ok": True}
