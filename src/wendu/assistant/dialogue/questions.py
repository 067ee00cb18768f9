"""Question or task: does a message about a task ask how it works, or report the customer's
own case?

The intents of the task flows (trace a transfer, freeze a card, dispute a payment, revoke an
app, ...) are also what a *general question* about those tasks is classified as:
"转账多久能到账" and "my transfer hasn't arrived" are both ``transfer_timing`` or
``transfer_not_received_by_recipient``. The first is answered from the knowledge base, the
second runs the trace. :func:`asks_about_task` tells them apart from the wording:

1. a request ("帮我冻结", "can you freeze", "I want to dispute") or the customer's own case
   (a past event: "我昨天转的", "I sent", "still hasn't arrived", "这笔", an amount, a date)
   is the task, unless the message is hypothetical ("如果卡丢了怎么办", "what if ...");
2. otherwise a question form ("多久", "怎么", "限额", "what's the limit", "how do I", "is
   there a fee") is a question;
3. anything else (a bare "freeze my card", "冻结卡片") is the task.

The engine reads simplified Mandarin (Traditional and Cantonese are normalised before
NLU); the patterns also accept the common Traditional and Cantonese forms, so the decision
holds on raw text too.
"""

from __future__ import annotations

import re

# Task intents a general question can be about. Balance and transaction questions are
# answered by doing them ("how do I see my balance" → the balance); a product inquiry is a
# question only when it asks what something *is* ("什么是开放银行").
QUESTION_INTENTS = frozenset(
    {
        "lost_or_stolen_card",
        "compromised_card",
        "manage_connected_apps",
        "transfer_not_received_by_recipient",
        "pending_transfer",
        "failed_transfer",
        "transfer_timing",
        "balance_not_updated_after_bank_transfer",
        "request_refund",
        "Refund_not_showing_up",
        "card_payment_not_recognised",
        "direct_debit_payment_not_recognised",
        "cash_withdrawal_not_recognised",
        "transaction_charged_twice",
        "extra_charge_on_statement",
        "reverted_card_payment?",
    }
)
DEFINITION_INTENTS = frozenset({"product_inquiry"})
# Tasks where only a how-to, what-is or why question is general: "我授权了哪些应用" /
# "which apps have I connected" want the customer's list, "我要投诉" files the complaint;
# "如果授权了记账软件，它能看到什么" and "投诉怎么处理" are questions.
HOW_TO_INTENTS = frozenset({"manage_connected_apps", "make_complaint"})

_HYPOTHETICAL = re.compile(
    r"如果|要是|万一|萬一|假如|假设|假設|若是|如果係|\bif\b|\bin case\b|\bwhat happens when\b|"
    r"\bsuppose\b",
    re.IGNORECASE,
)
_REQUEST = re.compile(
    r"帮我|幫我|帮忙|幫忙|给我|俾我|替我|麻烦|麻煩|唔该|唔該|请(帮|幫|给|為|为)?我?(冻结|凍結|挂失|掛失|查|取消|撤销|撤銷|退)|"
    r"我(要|想|需要)(冻结|凍結|挂失|掛失|查|查询|查詢|追踪|追蹤|取消|撤销|撤銷|解除|退款|投诉|投訴|申请退款|争议)|"
    r"^\s*(please\s+)?(freeze|block|lock|cancel|revoke|remove|trace|track|dispute|refund|stop|check)\b|"
    r"\b(can|could|would|will)\s+you\s+(please\s+)?(freeze|block|lock|cancel|revoke|remove|trace|"
    r"track|check|help|dispute|refund|look|find|stop|see)\b|"
    r"\bi\s*(want|need|would like|'d like|wanna)\s+to\s+(freeze|block|lock|cancel|revoke|remove|"
    r"dispute|report|trace|track|refund|get a refund|stop)\b|\bhelp me\b",
    re.IGNORECASE,
)
_OWN_CASE = re.compile(
    # Chinese: a past event of the customer's, a missing arrival, "this payment", a loss.
    r"我(昨天|今天|前天|刚才|刚刚|剛才|剛剛|上周|上週|上个月|上個月|早上|上午|下午|晚上|之前|前几天|前幾天)|"
    r"(昨天|前天|今天|刚才|刚刚|上周|上週|上个月|上個月|琴日|尋日)|"
    r"我(刚|剛|已经|已經)?(转|轉|汇|匯|付|打|存|取|买|買|刷|交)(了|咗|过|過|出去)?(的|嘅|一笔|一筆|钱|錢|款)|"
    r"(还|還|一直|都|仍然|仲)(没|沒|未|冇)(有)?(到|收到|到账|到賬|退|显示|顯示|入账|入賬)|"
    r"(没|沒|冇)(有)?收到|未收到|不见了|唔见|唔見|丢了|丟了|掉了|弄丢|弄丟|搞丢|搞丟|遗失|遺失|找不到|"
    r"被偷|被盗|被盜|被吞|被扣了|扣了我|"
    r"(这|這|那|呢)(笔|筆|张|張)|"
    # English: the customer's own past action or a problem with "my" thing, a time.
    r"\b(i|we)\s+(just\s+|already\s+)?(sent|paid|transferred|made|bought|ordered|lost|withdrew|tried|"
    r"was charged|got charged|have been charged|was billed|topped up|moved)\b|"
    r"\bmy\s+(\w+\s+){0,2}(hasn'?t|has not|didn'?t|did not|never|still|isn'?t|is not|was|were|"
    r"got|has been|wasn'?t|failed|bounced)\b|\b(did|has|was|were|is|are|hasn'?t|didn'?t)\s+my\b|"
    r"\b(hasn'?t|has not|haven'?t|have not|didn'?t|did not)\s+(arrived|come|reached|received|"
    r"shown|gone through|got)\b|\bstill\s+(not|pending|waiting|missing|hasn'?t)\b|"
    r"\b(yesterday|today|this morning|last (week|night|month|friday|monday))\b|"
    r"\bi\s+(didn'?t|did not|never|don'?t|do not)\s+(make|authori[sz]e|do|recogni[sz]e|buy|order|"
    r"know)\b|"
    r"\b(lost|stole|stolen|missing)\b|"
    # An amount or a calendar date names one particular payment.
    r"\d+(\.\d+)?\s*(元|块|塊|蚊|yuan|rmb|cny|usd|hkd|eur|gbp|dollars?|euros?|pounds?)|"
    r"[¥$€£]\s*\d|\d{1,2}\s*月\s*\d{1,2}\s*[日号號]",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"多久|多长时间|多長時間|几天|幾天|多少天|几耐|幾耐|怎么|怎麼|如何|怎样|怎樣|点样|點樣|点算|點算|"
    r"几点|幾點|几时|幾時|哪里|哪裡|边度|邊度|"
    r"什么是|什麼是|是什么|是什麼|咩系|咩係|什么意思|什麼意思|能不能|可不可以|可以.*[吗嗎]|是否|"
    r"有没有|有沒有|有冇|限额|限額|上限|额度|額度|手续费|手續費|费用|費用|收费|收費|收不收|收唔收|"
    r"要不要钱|要唔要錢|多少钱|多少錢|规则|規則|流程|步骤|步驟|需要什么|需要什麼|哪些|一般|通常|"
    r"[吗嗎呢][?？]?\s*$|[?？]\s*$|"
    r"^\s*(how|what|what'?s|whats|when|why|is|are|can|could|do|does|will|which|where|should|"
    r"who)\b|\b(how long|how much|how many|how do|how can|limit|fees?|charges?|cost|policy|"
    r"process|usually|normally|in general)\b",
    re.IGNORECASE,
)
_HOW_TO = re.compile(
    r"怎么|怎麼|如何|怎样|怎樣|点样|點樣|什么是|什麼是|是什么|是什麼|咩系|咩係|"
    r"\bhow\s+(do|can|does|should|to)\b|\bwhat\s+(is|are|does)\s+(an?|the)\b",
    re.IGNORECASE,
)
_WHY_OR_WHAT_IT_SEES = re.compile(
    r"为什么|為什麼|点解|點解|\bwhy\b|能看到|可以看到|看得到|睇到|\bcan\s+(it|they|the\s+app|apps?|"
    r"partners?)\s+see\b|\bwhat\s+(can|does|do|will)\s+(it|they|the\s+app|an?\s+app)\b|"
    r"多久|多长时间|多長時間|几耐|幾耐|how long",
    re.IGNORECASE,
)
_LISTING = re.compile(
    r"哪些应用|哪些應用|哪些app|哪几个|哪幾個|\bwhich\s+apps\b|\bwhat\s+apps\b|\blist\b|"
    r"\bshow\b|我(都|已经|已經)?(连接|連接|授权|授權)了|\bhave\s+i\s+(connected|authori[sz]ed|given)\b",
    re.IGNORECASE,
)
# "How long until I see it?" asks how long things take even in the customer's own case; it
# is the task only when the wait is already over ("still hasn't", "还没到").
_TIMING = re.compile(
    r"多久|多长时间|多長時間|几天|幾天|多少天|几耐|幾耐|几时|幾時|\bhow\s+long\b|\bwhen\s+will\b|"
    r"\bhow\s+many\s+days\b",
    re.IGNORECASE,
)
_OVERDUE = re.compile(
    r"还没|還沒|还未|還未|仍然没|一直没|一直沒|仲未|仲冇|没收到|沒收到|没到|沒到|未到|"
    r"\bstill\b|\bhasn'?t\b|\bhas\s+not\b|\bhaven'?t\b|\bnot\s+yet\b|\bdidn'?t\b|\bnever\b",
    re.IGNORECASE,
)
_DEFINITION = re.compile(
    r"什么是|什麼是|是什么|是什麼|咩系|咩係|什么意思|什麼意思|"
    r"\bwhat\s+(is|are|does)\s+(an?\s+|the\s+)?(?!my\b|mine\b)\w+|\bwhat'?s\s+(an?|the)\s+\w+\s+"
    r"(mean|means)\b|\bexplain\b",
    re.IGNORECASE,
)


def asks_about_task(text: str, intent: str) -> bool:
    """Return True when ``text`` (classified as the task ``intent``) is a general question
    to answer from the knowledge base rather than a request to run the task."""
    if intent in DEFINITION_INTENTS:
        return bool(_DEFINITION.search(text)) and not _REQUEST.search(text)
    if intent not in QUESTION_INTENTS and intent not in HOW_TO_INTENTS:
        return False
    if _REQUEST.search(text):
        return False
    if intent in HOW_TO_INTENTS:
        if _LISTING.search(text) and not _HYPOTHETICAL.search(text):
            return False
        return bool(
            _HOW_TO.search(text) or _WHY_OR_WHAT_IT_SEES.search(text) or _HYPOTHETICAL.search(text)
        )
    if _TIMING.search(text) and not _OVERDUE.search(text):
        return True
    if _OWN_CASE.search(text) and not _HYPOTHETICAL.search(text):
        return False
    return bool(_QUESTION.search(text))


def asks_in_general(text: str) -> bool:
    """Return True when ``text`` is phrased as a general question (not a request, not the
    customer's own case): a message the intents are unsure about is answered from the
    knowledge base only then ("你们几点开门"), while an unsure request ("Freeze the card
    ending 3394", "我那张Visa卡找不到了") gets the usual "could you rephrase"."""
    if _REQUEST.search(text):
        return False
    if _OWN_CASE.search(text) and not _HYPOTHETICAL.search(text):
        return False
    return bool(_QUESTION.search(text))
