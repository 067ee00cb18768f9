"""Reading vendor exports, filing mentions under topics, and ``wendu reputation detect``."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from reputation.streams import START, hourly_counts
from wendu.cli import app
from wendu.config import Settings, get_settings
from wendu.db import Database
from wendu.reputation.mentions import read_mentions
from wendu.reputation.models import Mention
from wendu.reputation.topics import topics_of
from wendu.reputation.understand import entities


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("手机银行又闪退了，登录不了", "app_outage"),
        ("手機銀行又閃退，登入唔到，搞咩呀", "app_outage"),
        ("The app is down again, can't log in", "app_outage"),
        ("听说这家银行要倒闭了，大家快去取钱", "solvency_rumour"),
        ("有人話呢間銀行凍結取款，係咪真㗎", "solvency_rumour"),
        ("Rumour: they are freezing withdrawals next week", "solvency_rumour"),
        ("跨行转账手续费又涨了", "fees"),
        ("經理話個理財產品保本，點知虧損三成", "wealth_mis_selling"),
        ("Got a fake text pretending to be the bank, phishing link", "fraud_scam"),
        ("柜员态度很好，办理很快，点赞", "praise"),
    ],
)
def test_topics_read_simplified_traditional_and_english(text: str, topic: str) -> None:
    assert topic in topics_of(text)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("招商银行和温度银行的信用卡年费都涨了，@小王 说要收¥300",
         [("org", "招商银行"), ("org", "温度银行"), ("product", "信用卡"), ("handle", "@小王"),
          ("money", "¥300")]),
        ("溫度銀行手機銀行又閃退 #銀行故障#",
         [("org", "温度银行"), ("product", "手机银行"), ("handle", "#银行故障#")]),
        ("Wendu Bank charged me $25 on my credit card, complaining to the FCA",
         [("org", "Wendu Bank"), ("money", "$25"), ("product", "credit card"), ("org", "FCA")]),
        ("理财亏了3万元", [("product", "理财"), ("money", "3万元")]),
        ("今天天气不错", []),
    ],
)  # fmt: skip
def test_entities_a_mention_names(text: str, named: list[tuple[str, str]]) -> None:
    assert [(e["type"], e["text"]) for e in entities(text)] == named


def test_a_mention_about_nothing_known_is_other() -> None:
    assert topics_of("今天天气不错") == ["other"]


def test_bad_rows_are_reported_with_their_line_and_skipped(tmp_path: Path) -> None:
    rows = [
        json.dumps({"id": "a", "source": "weibo", "published_at": "2026-11-01T10:00:00+08:00",
                    "text": "ok", "reach": 12}),
        "{not json",
        json.dumps({"id": "b", "source": "weibo", "published_at": "2026-11-01T10:00:00",
                    "text": "no offset"}),
        json.dumps({"id": "c", "source": "x", "published_at": "2026-11-01T02:00:00Z",
                    "text": "fine", "reach": -3}),
        json.dumps(["a list"]),
        json.dumps({"source": "x", "published_at": "2026-11-01T02:00:00Z", "text": "no id"}),
    ]  # fmt: skip
    path = tmp_path / "mentions.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    good, bad = read_mentions(path)
    assert [m.id for m in good] == ["a"]
    assert good[0].published_at == dt.datetime(2026, 11, 1, 2, tzinfo=dt.UTC)
    assert [(b.line, b.reason.split(":")[0]) for b in bad] == [
        (2, "not JSON"),
        (3, "published_at has no UTC offset"),
        (4, "reach is negative"),
        (5, "not a JSON object"),
        (6, "missing id"),
    ]


def test_csv_exports_are_read_too(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(
        "id,source,published_at,text,reach\n"
        'r1,app-store,2026-11-02T08:00:00+08:00,"App 很好用,转账快",\n'
        "r2,app-store,yesterday,broken,\n",
        encoding="utf-8",
    )
    good, bad = read_mentions(path)
    assert [m.id for m in good] == ["r1"] and good[0].reach is None
    assert len(bad) == 1 and bad[0].line == 3


def test_detect_command_finds_the_rumour_in_a_month_of_mentions(tmp_path: Path) -> None:
    """Background chatter about many things for five weeks, then a solvency rumour spreads
    on one evening: the command prints one rumour alert that names the rumour's posts."""
    chatter = ["手续费有点贵", "App 更新后好用多了", "The teller was friendly", "转账到账很快",
               "信用卡额度什么时候提"]  # fmt: skip
    rng = np.random.default_rng(3)
    counts = hourly_counts(11, days=35, per_day=30)
    lines = []
    for hour, n in enumerate(counts):
        for k in range(int(n)):
            at = START + dt.timedelta(hours=hour, minutes=int(rng.integers(60)))
            text = chatter[int(rng.integers(len(chatter)))]
            lines.append({"id": f"c{hour}-{k}", "source": "weibo", "text": text,
                          "published_at": at.isoformat()})  # fmt: skip
    rumour_start = START + dt.timedelta(days=30, hours=11)  # 19:00 in Shanghai
    for i in range(40):
        at = rumour_start + dt.timedelta(minutes=9 * i)
        lines.append({"id": f"r{i}", "source": "weibo", "reach": 20000,
                      "text": "听说这家银行要倒闭了，取不出钱，快去取！",
                      "published_at": at.isoformat()})  # fmt: skip
    path = tmp_path / "mentions.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), "utf-8")

    result = CliRunner().invoke(app, ["reputation", "detect", "--file", str(path), "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["bad_rows"] == 0 and report["mentions"] == len(lines)
    rumours = [a for a in report["alerts"] if a["topic"] == "solvency_rumour"]
    assert len(rumours) == 1
    alert = rumours[0]
    assert rumour_start - dt.timedelta(hours=1) <= dt.datetime.fromisoformat(alert["start"])
    assert dt.datetime.fromisoformat(alert["start"]) <= rumour_start + dt.timedelta(hours=2)
    assert {f"r{i}" for i in range(40)} <= set(alert["mention_ids"])
    assert not any(m.startswith("c") for m in alert["mention_ids"])
    assert {"volume", "reach"} <= set(alert["signals"])
    # The chatter itself raised nothing about its own topics.
    assert not [a for a in report["alerts"] if a["topic"] in ("fees", "praise", "card")]


@pytest.fixture()
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the CLI's settings at the test database."""
    monkeypatch.setenv("WENDU_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_import_command_stores_a_file_once(cli_env: None, db: Database, tmp_path: Path) -> None:
    tag = secrets.token_hex(4)
    lines = [
        json.dumps({"id": f"{tag}-{i}", "source": "app-store", "text": f"转账很快，好评 {i}",
                    "published_at": "2024-03-01T10:00:00+08:00"}, ensure_ascii=False)
        for i in range(7)
    ] + ["{broken", json.dumps({"id": f"{tag}-x", "source": "app-store", "text": "t",
                                "published_at": "not a time"})]  # fmt: skip
    path = tmp_path / "reviews.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")

    first = CliRunner().invoke(app, ["reputation", "import", str(path), "--batch", "3"])
    assert first.exit_code == 0, first.output
    assert "7 imported, 0 already known, 1 bad rows" in first.stdout
    assert "line 8: not JSON" in first.output and "line 9: published_at" in first.output
    again = CliRunner().invoke(app, ["reputation", "import", str(path)])
    assert "0 imported, 7 already known" in again.stdout
    with db.session(write=False) as s:
        stored = s.execute(
            select(func.count()).select_from(Mention).where(Mention.external_id.like(f"{tag}-%"))
        ).scalar()
    assert stored == 7
