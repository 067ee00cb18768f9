"""Question or task: the wording decides, in simplified, Traditional/Cantonese and English."""

from __future__ import annotations

import pytest

from wendu.assistant.dialogue.questions import asks_about_task, asks_in_general

QUESTIONS = [
    ("转账多久能到账", "transfer_timing"),
    ("What's the daily transfer limit?", "transfer_timing"),
    ("how long does a transfer take", "transfer_timing"),
    ("轉賬要幾耐先到？", "transfer_timing"),
    ("跨行轉帳大概多久會入帳？", "transfer_timing"),
    ("怎么冻结卡", "lost_or_stolen_card"),
    ("怎麼凍結卡片", "lost_or_stolen_card"),
    ("how can I freeze my card", "lost_or_stolen_card"),
    ("what should I do if someone stole my card", "lost_or_stolen_card"),
    ("如果卡丢了怎么办", "lost_or_stolen_card"),
    ("萬一張卡唔見咗點算", "lost_or_stolen_card"),
    ("how do I dispute a transaction", "card_payment_not_recognised"),
    ("什么是开放银行", "product_inquiry"),
    ("咩係開放銀行", "product_inquiry"),
    ("how do I revoke a connected app", "manage_connected_apps"),
    ("If I connect a budgeting app, what can it see?", "manage_connected_apps"),
    ("我授权给记账软件以后，它能看到我哪些信息？", "manage_connected_apps"),
    ("how long do refunds take", "Refund_not_showing_up"),
    ("The shop says they refunded me last week. How long until I see it?", "Refund_not_showing_up"),
    ("退款一般多久到账", "Refund_not_showing_up"),
    ("投诉一般多久有结果", "make_complaint"),
    ("如果见到月结单有单数不是我签的，要怎么投诉？", "make_complaint"),
]
TASKS = [
    ("my transfer hasn't arrived", "transfer_not_received_by_recipient"),
    ("我昨天转的钱还没到", "transfer_not_received_by_recipient"),
    ("我琴日過嘅數仲未到", "transfer_not_received_by_recipient"),
    ("I sent 500 yuan to my landlord and it has not arrived", "transfer_not_received_by_recipient"),
    ("why did my transfer fail", "failed_transfer"),
    ("我的卡丢了怎么办", "lost_or_stolen_card"),
    ("帮我冻结卡", "lost_or_stolen_card"),
    ("freeze my card", "lost_or_stolen_card"),
    ("can you freeze my card", "lost_or_stolen_card"),
    ("我張卡唔見咗，幫我凍結佢", "lost_or_stolen_card"),
    ("有什么理财产品", "product_inquiry"),
    ("有没有风险低一点的理财可以推荐", "product_inquiry"),
    ("what is my balance", "check_balance"),
    ("I was charged twice", "transaction_charged_twice"),
    ("我被扣了两次钱", "transaction_charged_twice"),
    ("show me my connected apps", "manage_connected_apps"),
    ("我授权了哪些应用", "manage_connected_apps"),
    ("取消第一个", "manage_connected_apps"),
    ("my refund still hasn't shown up", "Refund_not_showing_up"),
    ("我要投诉", "make_complaint"),
    ("I want to make a complaint", "make_complaint"),
    ("你们的服务太差了", "make_complaint"),
]


@pytest.mark.parametrize(("text", "intent"), QUESTIONS)
def test_questions_about_a_task_are_questions(text: str, intent: str) -> None:
    assert asks_about_task(text, intent)


@pytest.mark.parametrize(("text", "intent"), TASKS)
def test_requests_and_the_customers_own_case_are_the_task(text: str, intent: str) -> None:
    assert not asks_about_task(text, intent)


def test_intents_without_a_task_are_never_turned_into_questions() -> None:
    # FAQ intents are answered from the knowledge base anyway; this is only about tasks.
    assert not asks_about_task("how long does my card take to arrive", "card_arrival")


@pytest.mark.parametrize(
    "text",
    [
        "你们几点开门",
        "what are your opening hours",
        "網點星期六有冇開？",
        "Do you offer safe deposit boxes?",
    ],
)
def test_general_questions_outside_the_intents(text: str) -> None:
    assert asks_in_general(text)


@pytest.mark.parametrize(
    "text",
    [
        "Freeze the card ending 3394",
        "revoke Moneyspot please",
        "Budget Buddy的access帮我取消掉",
        "我那张Visa卡找不到了",
        "皮夾掉了，裡面的提款卡要怎麼辦",
        "There's a 980.25 charge on my account that I didn't make",
    ],
)
def test_requests_and_own_cases_are_not_general_questions(text: str) -> None:
    assert not asks_in_general(text)
