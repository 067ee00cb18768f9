"""Feeds (RSS, Atom) and app-store review exports, from files and from a URL."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from wendu.cli import app
from wendu.config import Settings, get_settings
from wendu.db import Database
from wendu.reputation.connectors import read_any, read_app_reviews, read_feed
from wendu.reputation.mentions import parse_mention
from wendu.reputation.models import Mention

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>财经快讯</title>
<item><title>温度银行App周一上午出现故障</title><link>https://news.example/a1</link>
<guid>news-a1</guid><pubDate>Mon, 02 Nov 2026 10:15:00 +0800</pubDate>
<description>&lt;p&gt;多名用户反映&lt;b&gt;无法登录&lt;/b&gt;手机银行。&lt;/p&gt;</description></item>
<item><title>No date here</title><guid>news-a2</guid></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Forum</title>
<entry><id>tag:forum,2026:post-9</id><title>溫度銀行手續費又加價</title>
<updated>2026-11-03T21:00:00+08:00</updated><summary>跨行轉賬手續費好離譜</summary>
<link href="https://forum.example/p/9"/><author><name>hk_saver</name></author></entry>
</feed>"""

REVIEWS = """Review ID,Date,Rating,Title,Review,Nickname
r-1,2026-11-04T08:30:00Z,1,Crashes,App crashes every time I log in,ann
,2026-11-04 09:10:00Z,5,好用,转账很快，点赞,bo
"""


def test_rss_items_become_mentions_with_their_time_and_plain_text() -> None:
    rows = read_feed(RSS.encode(), source="news")
    first = parse_mention(rows[0][1])
    assert first.id == "news-a1" and first.url == "https://news.example/a1"
    assert first.published_at == dt.datetime(2026, 11, 2, 2, 15, tzinfo=dt.UTC)
    assert first.text == "温度银行App周一上午出现故障。多名用户反映 无法登录 手机银行。"
    with pytest.raises(ValueError, match="published_at"):
        parse_mention(rows[1][1])  # reported as bad by ingest, not guessed


def test_atom_entries_and_app_reviews() -> None:
    (_, entry), = read_feed(ATOM.encode(), source="forum")  # fmt: skip
    mention = parse_mention(entry)
    assert mention.author == "hk_saver" and "手續費" in mention.text
    reviews = [parse_mention(r) for _, r in read_app_reviews(REVIEWS.encode())]
    assert reviews[0].id == "r-1" and reviews[0].text.endswith("(1★)")
    assert reviews[1].published_at == dt.datetime(2026, 11, 4, 9, 10, tzinfo=dt.UTC)
    # A review exported without an id gets the same id every time.
    again = [parse_mention(r) for _, r in read_app_reviews(REVIEWS.encode())]
    assert reviews[1].id == again[1].id and reviews[1].id.startswith("review-")


def test_not_a_feed_is_refused() -> None:
    with pytest.raises(ValueError, match="not a feed"):
        read_feed(b"<html><body>hi")
    with pytest.raises(ValueError, match=r"RSS 2\.0 or Atom"):
        read_feed(b"<html></html>")
    with pytest.raises(ValueError, match="review text"):
        read_app_reviews(b"a,b\n1,2\n")


@pytest.fixture()
def feed_server(tmp_path: Path) -> Iterator[str]:
    """Serve a folder with the feed on 127.0.0.1 (a bank's intranet feed)."""
    (tmp_path / "feed.xml").write_text(RSS, encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    server.shutdown()
    server.server_close()


def test_a_feed_is_read_from_a_url(feed_server: str) -> None:
    rows = read_any(feed_server, "feed")
    assert [r["id"] for _, r in rows] == ["news-a1", "news-a2"]


@pytest.fixture()
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WENDU_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_import_command_takes_feeds_and_reviews(
    cli_env: None, db: Database, tmp_path: Path
) -> None:
    feed = tmp_path / "forum.atom"
    feed.write_text(ATOM, encoding="utf-8")
    reviews = tmp_path / "reviews.csv"
    reviews.write_text(REVIEWS, encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(app, ["reputation", "import", str(feed), "--kind", "feed",
                               "--source", "forum"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "1 imported" in done.stdout
    done = runner.invoke(app, ["reputation", "import", str(reviews), "--kind", "app-reviews"])
    assert "2 imported" in done.stdout
    missing = runner.invoke(app, ["reputation", "import", str(tmp_path / "nope.xml"),
                                  "--kind", "feed"])  # fmt: skip
    assert missing.exit_code == 2
    with db.session(write=False) as s:
        stored = set(s.execute(select(Mention.source, Mention.external_id)).all())
    assert ("forum", "tag:forum,2026:post-9") in stored and ("app-store", "r-1") in stored
