"""Helpdesk load: concurrent customer chats and online agents through the real HTTP API.

Migrates a temporary SQLite file (or a dedicated PostgreSQL database with ``--postgres``),
creates one team with ``--agents`` agents (capacity ``--capacity`` each), starts a real
``uvicorn`` server process (the embedded worker and helpdesk jobs run inside it, as in
``wendu serve``) and drives it from this process with asyncio + httpx:

- each of ``--chats`` customers opens a web-widget chat, asks for a human, then exchanges
  ``--turns`` messages with whoever is assigned, polling for replies;
- each agent signs in (``POST /helpdesk/v1/auth/token``), goes online, polls its inbox,
  answers every chat whose last public message is the customer's, and resolves a chat once
  the customer says goodbye — which frees capacity for the queue.

Prints JSON: HTTP latency p50/p99 of message posts (customer and agent), the customer's
reply wait (message posted → agent reply seen), assignment delay (queued → assigned, from
the database), throughput, errors, and whether the run hit its time bound.

    .venv/bin/python bench/helpdesk_load.py
    .venv/bin/python bench/helpdesk_load.py --chats 50 --agents 5 --duration 60
    .venv/bin/python bench/helpdesk_load.py --postgres postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

import harness  # bench/harness.py: the benches run as scripts from bench/

API = "/helpdesk/v1"
PASSWORD = "bench password 1"


@dataclass
class Stats:
    """What the load generator measured."""

    post_latency: dict[str, list[float]] = field(
        default_factory=lambda: {"customer": [], "agent": []}
    )
    reply_wait: list[float] = field(default_factory=list)
    poll_latency: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    chats_done: int = 0
    requests: int = 0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def _pct(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return round(ordered[index] * 1000, 1)


def _summary(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "p50_ms": _pct(values, 50),
        "p99_ms": _pct(values, 99),
        "mean_ms": round(statistics.fmean(values) * 1000, 1) if values else None,
    }


# --------------------------------------------------------------------------- preparation


def _prepare_postgres(url: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from wendu.db import normalise_url

    base = make_url(normalise_url(url))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def prepare(database_url: str, agents: int, capacity: int) -> list[str]:
    """Migrate, create one team and its agents (offline); return their usernames."""
    from wendu.db import Database
    from wendu.helpdesk.models import AgentState, Team, TeamMember
    from wendu.identity.staff import create_staff
    from wendu.migrate import upgrade

    upgrade(database_url)
    db = Database(database_url)
    names = []
    with db.session() as s:
        s.add(Team(id="bench", name="Bench", name_zh="压测", languages=["zh", "en"]))
        s.flush()
        for i in range(agents):
            user = create_staff(
                s, username=f"agent{i:02d}", password=PASSWORD, role="agent", display_name=f"A{i}"
            )
            s.add(TeamMember(team_id="bench", staff_id=user.id))
            s.add(
                AgentState(
                    staff_id=user.id, presence="offline", capacity=capacity, languages=["zh", "en"]
                )
            )
            names.append(user.username)
    db.dispose()
    return names


def assignment_delays(database_url: str) -> list[float]:
    """Return queued → assigned seconds of every assigned conversation (from the database)."""
    from sqlalchemy import select

    from wendu.db import Database
    from wendu.helpdesk.models import Conversation

    db = Database(database_url)
    with db.session(write=False) as s:
        rows = s.execute(select(Conversation.queued_at, Conversation.assigned_at)).all()
    db.dispose()
    return [(b - a).total_seconds() for a, b in rows if a is not None and b is not None]


def start_server(database_url: str, port: int) -> subprocess.Popen[bytes]:
    """Start the app under uvicorn (embedded worker and jobs on) and wait for /health."""
    settings = {
        "WENDU_DATABASE_URL": database_url,
        "WENDU_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WENDU_ENV": "development",
        "WENDU_LOG_LEVEL": "WARNING",
        "WENDU_RATE_LIMIT_PER_MINUTE": "1000000",
        "WENDU_RATE_LIMIT_BURST": "1000000",
        "WENDU_HELPDESK_JOBS_INTERVAL_SECONDS": "5",
        "WENDU_REDIS_URL": None,
    }
    return harness.start_server(port, settings)


# --------------------------------------------------------------------------- load


async def _timed(
    stats: Stats, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> tuple[httpx.Response | None, float]:
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        stats.error(type(exc).__name__)
        return None, time.perf_counter() - started
    stats.requests += 1
    if response.status_code >= 400:
        stats.error(f"{method} {response.status_code}")
    return response, time.perf_counter() - started


async def customer(
    client: httpx.AsyncClient, stats: Stats, n: int, turns: int, deadline: float, poll: float
) -> None:
    """One customer: open a chat, ask for a human, exchange ``turns`` messages, say goodbye."""
    r, _ = await _timed(
        stats,
        client,
        "POST",
        f"{API}/channel/conversations",
        json={"channel": "web_widget", "language": "zh", "body": f"客户{n}：我的转账没到账"},
    )
    if r is None or r.status_code != 201:
        return
    cid, token = r.json()["conversation_id"], r.json()["token"]
    headers = {"X-Conversation-Token": token}
    r, _ = await _timed(
        stats, client, "POST", f"{API}/channel/conversations/{cid}/human", headers=headers
    )
    if r is None:
        return
    seen = 0
    agent_replies = 0
    for turn in range(turns + 1):
        last = turn == turns
        body = "谢谢，再见" if last else f"第{turn + 1}个问题：能帮我查一下吗？"
        r, took = await _timed(
            stats,
            client,
            "POST",
            f"{API}/channel/conversations/{cid}/messages",
            headers=headers,
            json={"body": body},
        )
        if r is None or r.status_code != 201:
            return
        stats.post_latency["customer"].append(took)
        seen = max(seen, int(r.json()["id"]))
        if last:
            stats.chats_done += 1
            return
        posted = time.perf_counter()
        while time.perf_counter() < deadline:
            await asyncio.sleep(poll)
            r, took = await _timed(
                stats,
                client,
                "GET",
                f"{API}/channel/conversations/{cid}/messages",
                headers=headers,
                params={"after": seen},
            )
            if r is None or r.status_code != 200:
                continue
            stats.poll_latency.append(took)
            messages = r.json()["messages"]
            if messages:
                seen = max(int(m["id"]) for m in messages)
            if any(m["author_type"] == "agent" for m in messages):
                agent_replies += 1
                stats.reply_wait.append(time.perf_counter() - posted)
                break
        else:
            return


async def agent(
    client: httpx.AsyncClient, stats: Stats, username: str, deadline: float, poll: float
) -> None:
    """One agent: sign in, go online, answer and resolve assigned chats until the deadline."""
    r, _ = await _timed(
        stats,
        client,
        "POST",
        f"{API}/auth/token",
        json={"username": username, "password": PASSWORD},
    )
    if r is None or r.status_code != 200:
        return
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    await _timed(
        stats,
        client,
        "PUT",
        f"{API}/agents/me/presence",
        headers=headers,
        json={"presence": "online"},
    )
    versions: dict[str, str] = {}
    while time.perf_counter() < deadline:
        r, took = await _timed(
            stats, client, "GET", f"{API}/conversations", headers=headers, params={"view": "mine"}
        )
        if r is not None and r.status_code == 200:
            stats.poll_latency.append(took)
            for conv in r.json():
                if versions.get(conv["id"]) == conv.get("updated_at", conv["id"]):
                    continue
                await _handle(client, stats, headers, conv["id"], versions)
        await asyncio.sleep(poll)


async def _handle(
    client: httpx.AsyncClient,
    stats: Stats,
    headers: dict[str, str],
    cid: str,
    versions: dict[str, str],
) -> None:
    r, _ = await _timed(stats, client, "GET", f"{API}/conversations/{cid}", headers=headers)
    if r is None or r.status_code != 200:
        return
    detail = r.json()
    public = [m for m in detail["messages"] if not m["private"] and m["author_type"] != "system"]
    if not public or public[-1]["author_type"] != "customer":
        return
    if "再见" in public[-1]["body"]:
        await _timed(stats, client, "POST", f"{API}/conversations/{cid}/resolve", headers=headers)
        return
    r, took = await _timed(
        stats,
        client,
        "POST",
        f"{API}/conversations/{cid}/messages",
        headers=headers,
        json={"body": "您好，我来帮您查询，请稍等。"},
    )
    if r is not None and r.status_code == 201:
        stats.post_latency["agent"].append(took)
    # Remember the version we answered; the next customer message changes it.
    versions[cid] = detail["conversation"].get("updated_at", "")


async def drive(
    base_url: str, usernames: list[str], chats: int, turns: int, duration: float, poll: float
) -> tuple[Stats, float, bool]:
    """Run agents and customers concurrently until every chat ends or the time bound."""
    stats = Stats()
    limits = httpx.Limits(max_connections=chats + len(usernames) + 10)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        started = time.perf_counter()
        deadline = started + duration
        agents = [asyncio.create_task(agent(client, stats, u, deadline, poll)) for u in usernames]
        await asyncio.sleep(1.0)  # agents online first, as at the start of a shift
        customers = [
            asyncio.create_task(customer(client, stats, i, turns, deadline, poll))
            for i in range(chats)
        ]
        await asyncio.wait(customers, timeout=max(0.0, deadline - time.perf_counter()) + 5)
        elapsed = time.perf_counter() - started
        bounded = elapsed >= duration
        for task in customers + agents:
            task.cancel()
        await asyncio.gather(*customers, *agents, return_exceptions=True)
    return stats, elapsed, bounded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=200, help="concurrent customer chats")
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--capacity", type=int, default=5, help="chats per agent at once")
    parser.add_argument("--turns", type=int, default=2, help="questions per chat before goodbye")
    parser.add_argument("--duration", type=float, default=180.0, help="time bound in seconds")
    parser.add_argument("--poll", type=float, default=1.0, help="poll interval (s), both sides")
    parser.add_argument("--postgres", help="a PostgreSQL URL: run there (database wendu_bench_hd)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            url = _prepare_postgres(args.postgres, "wendu_bench_hd")
            backend = "postgresql"
        else:
            url = f"sqlite:///{Path(tmp) / 'helpdesk-bench.db'}"
            backend = "sqlite"
        usernames = prepare(url, args.agents, args.capacity)
        port = harness.free_port()
        server = start_server(url, port)
        try:
            stats, elapsed, bounded = asyncio.run(
                drive(
                    f"http://127.0.0.1:{port}",
                    usernames,
                    args.chats,
                    args.turns,
                    args.duration,
                    args.poll,
                )
            )
        finally:
            harness.stop_server(server)
        delays = assignment_delays(url)
    result = {
        "backend": backend,
        "chats": args.chats,
        "agents": args.agents,
        "capacity": args.capacity,
        "turns": args.turns,
        "poll_seconds": args.poll,
        "elapsed_seconds": round(elapsed, 1),
        "time_bound_hit": bounded,
        "chats_completed": stats.chats_done,
        "chats_abandoned": args.chats - stats.chats_done,
        "requests": stats.requests,
        "requests_per_second": round(stats.requests / elapsed, 1) if elapsed else None,
        "message_post_latency": {
            "all": _summary(stats.post_latency["customer"] + stats.post_latency["agent"]),
            "customer": _summary(stats.post_latency["customer"]),
            "agent": _summary(stats.post_latency["agent"]),
        },
        "poll_latency": _summary(stats.poll_latency),
        "reply_wait": _summary(stats.reply_wait),
        "assignment_delay": {
            **_summary(delays),
            "max_ms": round(max(delays) * 1000, 1) if delays else None,
        },
        "errors": stats.errors,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "note": "one uvicorn worker; the load generator shares the machine's CPUs",
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
