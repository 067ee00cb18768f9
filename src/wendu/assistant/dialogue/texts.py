"""What the assistant says, in Chinese and English."""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, dict[str, str]] = {
    "greeting": {
        "zh": "您好！我是温度智能客服，可以帮您查余额、查交易、冻结卡片、管理已授权应用等。",
        "en": "Hello! I'm the wendu assistant. I can check balances and transactions, freeze a "
        "card, manage your connected apps and more.",
    },
    "goodbye": {"zh": "再见，祝您生活愉快！", "en": "Goodbye, have a nice day!"},
    "thanks": {"zh": "不客气，还有什么可以帮您？", "en": "You're welcome. Anything else I can do?"},
    "fallback": {
        "zh": "抱歉，我没有理解您的意思。您可以换个说法，或者说“转人工”。",
        "en": 'Sorry, I didn\'t understand that. Could you rephrase it, or say "talk to a person"?',
    },
    "off_topic": {
        "zh": "抱歉，这个我帮不上忙，我是温度银行的智能客服。我可以帮您查余额、查交易、冻结卡片、"
        "管理已授权应用，或解答银行业务问题。如果您问的是银行业务，可以换个说法再问我。",
        "en": "Sorry, I can't help with that: I'm the bank's assistant. I can check balances "
        "and transactions, freeze a card, manage your connected apps or answer banking "
        "questions. If your question is about banking, please try rephrasing it.",
    },
    "fallback_offer": {
        "zh": "抱歉，我还是没有理解。您可以换个说法，或者我为您转接人工客服，要转吗？（是/否）",
        "en": "Sorry, I still didn't understand. You can rephrase it, or I can pass you to a "
        "colleague. Shall I? (yes/no)",
    },
    "offer_declined": {
        "zh": "好的。您可以换个说法再问我，我会尽力帮您。",
        "en": "OK. Feel free to ask again in other words; I'll do my best.",
    },
    "resume": {
        "zh": "好的，我们回到刚才的“{flow}”。",
        "en": 'OK, back to "{flow}".',
    },
    "queued_ack": {
        "zh": "已为您转接人工客服，请稍候；您正在排队中，同事接入后会看到您发的所有消息。",
        "en": "You're in the queue for a colleague; please wait a moment. They will see "
        "everything you write here when they join.",
    },
    "queued_still": {
        "zh": "您仍在排队等候人工客服，请稍候，您的消息同事都会看到。",
        "en": "You're still in the queue for a colleague; they will see your messages.",
    },
    "warming_up": {
        "zh": "请稍等片刻，智能客服正在启动，请几秒后再发一次。",
        "en": "One moment please: the assistant is starting up. Please send that again in a "
        "few seconds.",
    },
    "refused": {
        "zh": "抱歉，您授权给当前应用的权限不包含这项操作（{what}），我无法为您办理。"
        "您可以在授权中增加该权限后再试。",
        "en": "Sorry, the access you gave this app does not cover this ({what}), so I can't do "
        "it. You can grant that permission and try again.",
    },
    "api_failed": {
        "zh": "抱歉，系统暂时无法完成这项操作，请稍后再试。",
        "en": "Sorry, I couldn't complete that just now. Please try again later.",
    },
    "balance_line": {
        "zh": "账户 {account}：可用余额 {available} {currency}（账面 {booked}）",
        "en": "Account {account}: available {available} {currency} (booked {booked})",
    },
    "balance_none": {"zh": "没有找到您授权的账户。", "en": "I found no accounts you shared."},
    "tx_header": {
        "zh": "为您找到 {n} 笔交易{filters}：",
        "en": "I found {n} transactions{filters}:",
    },
    "tx_totals": {"zh": "合计：{totals}", "en": "In total: {totals}"},
    "tx_out_in": {
        "zh": "支出 {out} {currency}，收入 {into} {currency}",
        "en": "out {out} {currency}, in {into} {currency}",
    },
    "list_separator": {"zh": "；", "en": "; "},
    "tx_none": {
        "zh": "没有找到符合条件的交易{filters}。",
        "en": "I found no transactions{filters}.",
    },
    "tx_line": {
        "zh": "{date} {sign}{amount} {currency} {what}",
        "en": "{date} {sign}{amount} {currency} {what}",
    },
    "filter_merchant": {"zh": "（商户：{merchant}）", "en": " at {merchant}"},
    "filter_dates": {"zh": "（{start} 至 {end}）", "en": " from {start} to {end}"},
    "tx_own_left_out": {
        "zh": "（不含 {n} 笔本人账户之间的转账或信用卡还款）",
        "en": " (not counting {n} transfers between your own accounts or card repayments)",
    },
    "tx_newest_only": {
        "zh": "（只统计了最近的 {n} 笔）",
        "en": " (counting only the newest {n})",
    },
    "tx_more": {"zh": "……另有 {n} 笔未列出。", "en": "... and {n} more not shown."},
    "card_not_named": {
        "zh": "没有找到{named}的卡。您的卡：{cards}。",
        "en": "I couldn't find {named} among your cards: {cards}.",
    },
    "card_none": {"zh": "没有找到可以冻结的有效卡片。", "en": "I found no active card to freeze."},
    "card_which": {
        "zh": "您有多张卡：{cards}。请告诉我要冻结哪一张（卡号后四位）。",
        "en": "You have several cards: {cards}. Which one should I freeze (last four digits)?",
    },
    "card_confirm": {
        "zh": "确认要立即冻结尾号 {last4} 的卡吗？冻结后该卡将无法消费。请回复“是”或“否”。",
        "en": "Shall I freeze the card ending {last4} now? It will stop working "
        "for payments. Please answer yes or no.",
    },
    "card_frozen": {
        "zh": "已冻结尾号 {last4} 的卡。如需补卡，我可以为您转人工。",
        "en": "The card ending {last4} is now frozen. If you need a replacement, "
        "I can pass you to a colleague.",
    },
    "apps_none": {"zh": "您目前没有已授权的第三方应用。", "en": "You have no connected apps."},
    "apps_list": {
        "zh": "您已授权的应用：{apps}。如需解除授权，请告诉我应用名称或编号。",
        "en": "Your connected apps: {apps}. To revoke one, tell me its name or number.",
    },
    "app_confirm": {
        "zh": "确认要解除“{name}”的授权吗？解除后它将无法再访问您的账户。请回复“是”或“否”。",
        "en": 'Shall I revoke "{name}"? It will lose access to your accounts '
        "at once. Please answer yes or no.",
    },
    "app_revoked": {"zh": "已解除“{name}”的授权。", "en": '"{name}" no longer has access.'},
    "app_which": {
        "zh": "请告诉我要解除哪个应用（名称或编号）。",
        "en": "Which app should I revoke (name or number)?",
    },
    "anything_else": {
        "zh": "好的。还有什么可以帮您？",
        "en": "OK. Is there anything else I can help with?",
    },
    "cancelled": {
        "zh": "好的，已取消，没有做任何操作。",
        "en": "OK, cancelled. Nothing was changed.",
    },
    "confirm_again": {
        "zh": "请回复“是”确认，或“否”取消。",
        "en": "Please answer yes to go ahead or no to cancel.",
    },
    "topic_change": {"zh": "好的，先放下刚才的“{flow}”。", "en": 'OK, leaving "{flow}" aside.'},
    "transfer_none": {
        "zh": "最近 14 天没有找到转出交易。",
        "en": "I found no outgoing transfer in the last 14 days.",
    },
    "transfer_booked": {
        "zh": "您 {date} 转出的 {amount} {currency}（参考号 {ref}）在我行已完成入账。"
        "收款行通常在 2 小时内到账。需要我为您提交一张转账查询工单吗？（是/否）",
        "en": "Your transfer of {amount} {currency} on {date} (reference {ref}) "
        "left us and is booked. The receiving bank usually credits it within 2 "
        "hours. Shall I open a trace ticket? (yes/no)",
    },
    "transfer_pending": {
        "zh": "您 {date} 转出的 {amount} {currency}（参考号 {ref}）仍在处理中，"
        "通常会在当天完成。需要我为您提交一张转账查询工单吗？（是/否）",
        "en": "Your transfer of {amount} {currency} on {date} (reference {ref}) "
        "is still pending; it usually completes the same day. Shall I open a "
        "trace ticket? (yes/no)",
    },
    "dispute_found": {
        "zh": "我找到这笔交易：{date} {amount} {currency} {what}。"
        "确认为这笔交易提交{kind}工单吗？（是/否）",
        "en": "I found this transaction: {date} {amount} {currency} {what}. Shall I "
        "open a {kind} ticket for it? (yes/no)",
    },
    "dispute_none": {
        "zh": "没有找到对应的交易。确认仍为您提交{kind}工单吗？（是/否）",
        "en": "I couldn't find the transaction. Shall I still open a {kind} ticket? (yes/no)",
    },
    "ticket_created": {
        "zh": "已为您创建工单 {reference}，我们会尽快处理。",
        "en": "I've opened ticket {reference}; we'll get back to you soon.",
    },
    "complaint_confirm": {
        "zh": "很抱歉给您带来不好的体验。确认要登记正式投诉并为您转接人工客服吗？（是/否）",
        "en": "I'm sorry about your experience. Shall I register a formal "
        "complaint and connect you with a colleague? (yes/no)",
    },
    "complaint_created": {
        "zh": "已登记投诉 {reference}，正在为您转接人工客服。",
        "en": "Your complaint {reference} is registered; connecting you with a colleague now.",
    },
    "handoff": {
        "zh": "正在为您转接人工客服，请稍候，您的聊天记录会一并转给同事。",
        "en": "I'm passing you to a colleague; they will see our conversation so far.",
    },
    "handoff_anger": {
        "zh": "非常抱歉让您不满意，我马上为您转接人工客服。",
        "en": "I'm very sorry. Let me get a colleague to help you right away.",
    },
    "resumed": {
        "zh": "我回来了，还有什么可以帮您？",
        "en": "I'm back. What else can I do for you?",
    },
    "products_header": {"zh": "我行的产品：", "en": "Our products:"},
    "product_line": {"zh": "{name}（{kind}{rate}）", "en": "{name} ({kind}{rate})"},
    "kb_answer": {"zh": "{quote}\n详见《{title}》：{url}", "en": '{quote}\nSee "{title}": {url}'},
    "kb_none": {
        "zh": "这个问题我暂时没有现成答案，可以为您转人工吗？您可以说“转人工”。",
        "en": 'I don\'t have an answer to that yet. Say "talk to a person" and a '
        "colleague will help.",
    },
    "what_balance": {"zh": "查询余额", "en": "reading balances"},
    "what_transactions": {"zh": "查询交易", "en": "reading transactions"},
    "what_cards": {"zh": "管理卡片", "en": "card controls"},
    "what_apps": {"zh": "管理已授权应用", "en": "managing connected apps"},
}

FLOW_NAMES: dict[str, dict[str, str]] = {
    "freeze_card": {"zh": "冻结卡片", "en": "freezing a card"},
    "revoke_app": {"zh": "解除应用授权", "en": "revoking an app"},
    "dispute": {"zh": "交易争议", "en": "the transaction dispute"},
    "trace_transfer": {"zh": "转账查询", "en": "the transfer trace"},
    "complaint": {"zh": "投诉", "en": "the complaint"},
}


def say(key: str, language: str, **values: Any) -> str:
    """Return text ``key`` in ``language`` (zh or en) filled with ``values``."""
    entry = TEXTS[key]
    return entry.get(language, entry["en"]).format(**values)


def flow_name(name: str, language: str) -> str:
    """Return the customer-facing name of a flow."""
    return FLOW_NAMES.get(name, {}).get(language, name)
