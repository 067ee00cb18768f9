"""Traditional Chinese and Cantonese: script detection, normalisation, replies, widget.

Chats run through the real chat API with a consented customer; outcomes are read back
through the bank's API with the chat's own token.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.chatkit import Chat, consent_token, make_bank_customer, make_partner, open_chat
from wendu.assistant.dialogue.models import ChatSession
from wendu.assistant.nlu import load_default_model
from wendu.assistant.nlu.script import to_mandarin
from wendu.assistant.nlu.text import chat_script, detect_language, detect_script
from wendu.assistant.traditional import to_script
from wendu.db import Database
from wendu.helpdesk.models import Message

# --- detection -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("我的卡丢了，帮我冻结", "Hans"),
        ("我张卡唔见咗", "Hans"),  # Cantonese in simplified characters stays simplified
        ("我張卡唔見咗，幫我凍結佢", "Hant-HK"),
        ("喺邊度可以撳錢", "Hant-HK"),
        ("琴日碌卡俾人扣多咗50蚊", "Hant-HK"),  # no telling character, but Cantonese
        ("我的帳戶餘額是多少", "Hant-TW"),
        ("提款卡被ATM吞了怎麼辦", "Hant-TW"),
        ("網銀登入不了", "Hant-TW"),
        ("我的卡不見了", "Hant-HK"),  # Traditional, no regional word: the default region
        ("係", "Hant-HK"),
        ("What's my balance?", ""),
        ("ok", ""),
        ("1234", ""),
        ("好", ""),  # shared character: the chat keeps its script
        ("我的Apple Pay不能用", ""),  # every character is shared by both scripts
        ("我的Apple Pay绑不了卡", "Hans"),
        ("我的Apple Pay用唔到喇", "Hant-HK"),
    ],
)
def test_script_detection(text: str, script: str) -> None:
    assert detect_script(text) == script


def test_traditional_without_regional_words_follows_the_setting() -> None:
    assert detect_script("我的卡不見了", default_region="TW") == "Hant-TW"
    assert detect_script("我張卡唔見咗", default_region="TW") == "Hant-HK"  # Cantonese wins
    assert detect_script("我的帳戶餘額", default_region="HK") == "Hant-TW"  # Taiwan wins


def test_mixed_scripts_go_by_the_majority() -> None:
    # One Traditional character in a simplified sentence (an IME slip) does not flip it.
    assert detect_script("我想查一下我的账户余额，謝") == "Hans"
    assert detect_script("我想查詢帳戶餘额") == "Hant-TW"
    assert detect_language("我張卡唔見咗") == "zh"


def test_the_chat_script_is_sticky() -> None:
    hk = chat_script("", "我張卡唔見咗")
    assert hk == "Hant-HK"
    for neutral in ("ok", "1234", "好", "yes", "👍"):
        assert chat_script(hk, neutral) == "Hant-HK"
    tw = chat_script("", "我的帳戶還剩多少")
    assert tw == "Hant-TW"
    assert chat_script(tw, "幫我凍結那張卡") == "Hant-TW"  # no regional word: keeps Taiwan
    assert chat_script(tw, "唔該晒") == "Hant-HK"  # Cantonese: Hong Kong
    assert chat_script(hk, "还是用简体吧") == "Hans"
    assert chat_script("", "好") == "Hans"
    assert chat_script("", "hello") == ""
    assert chat_script("bogus", "ok") == ""


# --- normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mandarin"),
    [
        ("我張卡唔見咗，幫我凍結佢", "我的卡不见了，帮我冻结它"),
        ("係", "是"),
        ("係呀，唔該", "是呀，谢谢"),
        ("唔係", "不是"),
        ("冇問題", "没问题"),
        ("系呀", "是呀"),  # simplified-written Cantonese yes
        ("我想查下我個戶口仲有幾多錢", "我想查下我的账户还有多少钱"),
        ("喺邊度可以撳錢", "在哪里可以取钱"),
        ("琴日碌卡俾人扣多咗50蚊", "昨天刷卡被人扣多了50元"),
        ("轉數快過數俾朋友，佢話仲未收到", "转数快转账给朋友，他说还没收到"),
        ("唔該幫我睇下上個禮拜用咗幾多錢", "麻烦帮我看一下上个星期用了多少钱"),
        ("唔該晒", "谢谢"),
        ("呢張卡係咪已經凍結咗", "这张卡是不是已经冻结了"),
        ("我想取消授權俾嗰個理財app", "我想取消授权给那个理财app"),
        ("你哋收唔收手續費咩", "你们收不收手续费吗"),
        ("我的帳戶餘額是多少", "我的账户余额是多少"),
        ("提款卡被ATM吞了怎麼辦", "借记卡被ATM吞了怎么办"),
        ("網路銀行登入不了", "网上银行登录不了"),
        ("轉帳給朋友他說沒收到", "转账给朋友他说没收到"),
    ],
)
def test_cantonese_and_taiwan_wording_become_mandarin(text: str, mandarin: str) -> None:
    assert to_mandarin(text) == mandarin
    assert to_mandarin(mandarin) == mandarin  # normalising twice changes nothing


@pytest.mark.parametrize(
    "text",
    [
        "我们的关系很好",  # 系 in 关系 is not Cantonese 係
        "系统升级了吗",
        "我的户口本丢了",  # household register, not an account
        "唔",  # a lone 唔 is Mandarin "mm"
        "增值税发票怎么开",
        "我的卡丢了，帮我冻结",
        "What's my balance? I lost my card ending 1234",
        "",
    ],
)
def test_mandarin_and_english_pass_unchanged(text: str) -> None:
    assert to_mandarin(text) == text


def test_traditional_mandarin_words_are_kept() -> None:
    assert to_mandarin("我們的關係") == "我们的关系"
    assert to_mandarin("帳篷") == "帐篷"


# --- replies -------------------------------------------------------------------------------


def test_replies_read_as_hong_kong_or_taiwan_traditional() -> None:
    confirm = "确认要登记正式投诉并为您转接人工客服吗？请回复“是”或“否”。"
    assert to_script(confirm, "Hant-HK") == (
        "確認要登記正式投訴並為您轉接人工客服嗎？請回覆「是」或「否」。"
    )
    assert "並為您" in to_script(confirm, "Hant-TW")
    balance = "账户 A1：可用余额 10.00 CNY。转账通常 2 小时内到账。"
    assert to_script(balance, "Hant-HK") == "賬戶 A1：可用餘額 10.00 CNY。轉賬通常 2 小時內到賬。"
    assert to_script(balance, "Hant-TW") == "帳戶 A1：可用餘額 10.00 CNY。轉帳通常 2 小時內入帳。"
    assert "權限" in to_script("您授权的权限不包含这项操作", "Hant-TW")  # not 許可權
    for script in ("Hans", "", "en"):
        assert to_script(confirm, script) == confirm
    assert to_script("Shall I freeze it?", "Hant-HK") == "Shall I freeze it?"


# --- the NLU on Cantonese and Taiwan sentences not in the training data ---------------------

HELD_OUT = [
    ("我張信用卡唔知跌咗去邊", "lost_or_stolen_card"),
    ("我的卡片弄丟了，請幫我停用", "lost_or_stolen_card"),
    ("我戶口仲有幾多錢", "check_balance"),
    ("我的帳戶還剩多少錢", "check_balance"),
    ("我想睇下上個禮拜嘅交易", "recent_transactions"),
    ("幫我查這個月的刷卡紀錄", "recent_transactions"),
    ("我要投訴，你哋嘅服務差到極", "make_complaint"),
    ("唔該幫我轉真人", "talk_to_human"),
    ("我用轉數快轉咗錢俾朋友，佢話仲未收到", "transfer_not_received_by_recipient"),
    ("我匯給房東的錢他說還沒收到", "transfer_not_received_by_recipient"),
    ("你哋有冇低風險嘅基金", "product_inquiry"),
    ("唔該晒", "thanks"),
    ("櫃員機食咗張卡", "card_swallowed"),
    ("網銀密碼忘記了", "passcode_forgotten"),
    ("我張卡俾人盜用咗", "compromised_card"),
]


def test_cantonese_and_taiwan_sentences_are_understood() -> None:
    model = load_default_model()
    results = model.parse_many([text for text, _ in HELD_OUT])
    wrong = [
        (text, want, r.intent)
        for (text, want), r in zip(HELD_OUT, results, strict=True)
        if r.intent != want
    ]
    assert len(wrong) <= 1, wrong  # 14 of 15 at least
    first = results[0]
    assert first.script == "Hant-HK" and first.language == "zh"
    assert first.normalized.startswith("我的信用卡不知道")
    assert set(first.as_dict()) >= {"script", "normalized"}


def test_english_parses_exactly_as_before() -> None:
    model = load_default_model()
    for text in ("I lost my card, please freeze it", "what's my balance", "cheers, bye"):
        parsed = model.parse(text)
        assert parsed.normalized == text and parsed.script == ""
        assert parsed.intent == model.classify([text])[0][0]


# --- chats through the real chat API --------------------------------------------------------


def _cards(chat: Chat) -> dict[str, str]:
    """Return card status by last four digits, read through the bank's API."""
    response = chat.client.get("/customer-api/v1/cards", headers=chat.headers)
    assert response.status_code == 200, response.text
    return {c["last4"]: c["status"] for c in response.json()["cards"]}


def _state(db: Database, chat: Chat) -> dict[str, Any]:
    with db.session(write=False) as s:
        found = s.get(ChatSession, chat.session_id)
        assert found is not None
        return dict(found.state)


def _hant(text: str) -> bool:
    """Tell whether a reply is Traditional (no simplified-only character, some Traditional)."""
    return detect_script(text) in ("Hant-HK", "Hant-TW")


def test_cantonese_lost_card_is_frozen_after_hai(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    last4 = customer.card_last4[0]
    asked = chat.say("我張卡唔見咗，幫我凍結佢")
    assert asked["intent"] == "lost_or_stolen_card" and asked["language"] == "zh"
    question = "\n".join(r["text"] for r in asked["replies"])
    assert last4 in question and "凍結" in question and _hant(question), question
    assert asked["message"]["text"] == "我張卡唔見咗，幫我凍結佢"  # stored as typed
    assert _cards(chat)[last4] == "active"
    done = chat.text("係")
    assert "已凍結" in done and last4 in done and _hant(done), done
    assert _cards(chat)[last4] == "frozen"
    assert _state(db, chat)["script"] == "Hant-HK"
    with db.session(write=False) as s:
        bodies = [
            (m.author_type, m.body)
            for m in s.execute(
                select(Message)
                .where(Message.conversation_id == chat.conversation_id)
                .order_by(Message.id)
            ).scalars()
        ]
    assert ("customer", "係") in bodies
    assert all(_hant(body) for author, body in bodies if author == "assistant"), bodies


def test_a_taiwan_writer_gets_taiwan_wording_and_it_sticks(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    reply = chat.text("請問我的帳戶餘額還有多少")
    assert "9333.00" in reply and "帳戶" in reply and _hant(reply), reply
    assert _state(db, chat)["script"] == "Hant-TW"
    # A neutral message keeps Taiwan Traditional; a simplified one switches back.
    assert _hant(chat.text("ok"))
    again = chat.text("好")
    assert _hant(again) and _state(db, chat)["script"] == "Hant-TW", again
    simplified = chat.text("查一下余额")
    assert "账户" in simplified and detect_script(simplified) == "Hans", simplified


def test_an_english_message_in_a_traditional_chat_gets_english(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    chat.say("早晨，你哋好")
    assert _state(db, chat)["script"] == "Hant-HK"
    reply = chat.text("what's my balance")
    assert "available 9333.00 CNY" in reply
    assert _state(db, chat)["script"] == "Hant-HK"  # remembered for the next Chinese message
    assert _hant(chat.text("好"))


def test_a_cantonese_complaint_is_confirmed_with_hai(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    asked = chat.text("我想正式投訴上次分行嘅處理方式")
    assert "投訴" in asked and _hant(asked), asked
    created = chat.say("係")
    texts = "\n".join(r["text"] for r in created["replies"])
    assert re.search(r"投訴 \S+", texts) and _hant(texts), texts
    assert created["status"] in ("queued", "assigned")


def test_the_open_chat_script_starts_the_replies_in_traditional(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    chat = open_chat(client, db, app, settings, customer)
    reopened = client.post(
        "/chat/v1/sessions",
        json={"channel": "partner_chat", "language": "zh", "script": "Hant-TW"},
        headers=chat.headers,
    )
    assert reopened.status_code == 201, reopened.text
    tw = Chat(client, chat.token, reopened.json()["session_id"], "", chat.consent_id)
    assert _hant(tw.text("好"))
    bad = client.post("/chat/v1/sessions", json={"script": "Klingon"}, headers=chat.headers)
    assert bad.status_code in (400, 422)


# --- the web widget ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "accept", "script", "title"),
    [
        ("", "zh-HK,zh;q=0.9,en;q=0.8", "Hant-HK", "在線客服"),
        ("", "zh-TW,zh;q=0.9", "Hant-TW", "線上客服"),
        ("", "en-GB,en;q=0.9,zh-Hant;q=0.5", "Hant-HK", "在線客服"),
        ("", "zh-CN,zh;q=0.9", "Hans", "在线客服"),
        ("?lang=zh-TW", "zh-CN", "Hant-TW", "線上客服"),
        ("?lang=zh-HK", "", "Hant-HK", "在線客服"),
        ("", "", "Hans", "在线客服"),
        ("?lang=en", "zh-HK", "", "Chat with us"),
    ],
)
def test_the_widget_page_speaks_the_browsers_chinese(
    client: TestClient, query: str, accept: str, script: str, title: str
) -> None:
    page = client.get(f"/chat/widget{query}", headers={"Accept-Language": accept})
    assert page.status_code == 200
    config = json.loads(
        html.unescape(re.search(r"data-config='([^']*)'", page.text).group(1))  # type: ignore[union-attr]
    )
    assert config["script"] == script
    assert f"<h1>{title}</h1>" in page.text
    if script.startswith("Hant"):
        assert f'<html lang="zh-{script[-2:]}">' in page.text
        assert "發送" in page.text or "傳送" in page.text


def test_the_widget_script_has_traditional_ui_strings(client: TestClient) -> None:
    script = client.get("/chat/static/widget.js").text
    assert "zhHant" in script and "正在與智能助理對話" in script
    assert "script: config.script" in script


def test_hong_kong_and_taiwan_written_chinese_tell_the_region() -> None:
    assert detect_script("有甚麼方法可以查餘額") == "Hant-HK"
    assert detect_script("請問什麼是開放銀行？") == "Hant-TW"
    assert detect_script("出國刷卡的海外手續費是多少？") == "Hant-TW"
    assert to_mandarin("有甚麼方法") == "有什么方法"
    assert to_mandarin("好，都係凍結咗佢啦") == "好，还是冻结掉它吧"


def test_an_app_named_in_traditional_is_revoked(
    client: TestClient, db: Database, app: Any, settings: Any
) -> None:
    customer = make_bank_customer(db)
    _, client_id = make_partner(db, "記帳達人")
    consent_token(db, app, settings, customer, client_id)
    chat = open_chat(client, db, app, settings, customer, first_party=True)  # sees all apps

    def names() -> list[str]:
        got = client.get("/customer-api/v1/connected-apps", headers=chat.headers)
        assert got.status_code == 200, got.text
        return [a["partner_name"] for a in got.json()["apps"]]

    assert "記帳達人" in names()
    asked = chat.text("我想取消記帳達人的授權")
    assert "記帳達人" in asked and _hant(asked), asked
    done = chat.text("係")
    assert "記帳達人" in done and _hant(done), done
    assert "記帳達人" not in names()


def test_a_lost_wallet_in_taiwan_wording_is_a_lost_card() -> None:
    assert to_mandarin("皮夾掉了，裡面的提款卡要怎麼辦") == "钱包丢了，里面的借记卡要怎么办"
    assert to_mandarin("扣掉了") == "扣掉了"  # 掉 stays where it is not "lost"
