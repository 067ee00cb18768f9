"""Traditional Chinese and Cantonese in, simplified Mandarin out, for understanding.

``to_mandarin`` is what the classifier, the entity extractors and the dialogue engine's
patterns see: Traditional characters become simplified ones (OpenCC, with Hong Kong or
Taiwan variants), and the Cantonese and Taiwan words customers use become their Mandarin
equivalents (唔→不, 咗→了, 撳錢→取钱, 戶口→账户, 帳戶→账户, 提款卡→借记卡, ...). The same
function runs on the training sentences, so training and serving see the same text.
English (no Chinese character) comes back unchanged, so the English path is untouched.

The other direction, replies in the writer's Traditional, is ``assistant.traditional``.
The converters are built once per process (``text.opencc_converter``); a message costs a
few regex passes and at most one conversion.
"""

from __future__ import annotations

import re
from functools import lru_cache

from wendu.assistant.nlu.text import Script, has_cjk, opencc_converter, script_signals

# 係 (Cantonese "to be") before conversion: OpenCC would make it 系 ("system"). Words where
# 係 really is 系 are kept by matching them first.
_HAI_KEEP = ("關係", "関係", "係數", "聯係", "維係", "係統")
_HAI_RE = re.compile("|".join([*_HAI_KEEP, "係"]))


def _pairs(table: str) -> dict[str, str]:
    """Read ``key=value`` pairs separated by spaces; lines starting with # are comments."""
    lines = (line for line in table.splitlines() if not line.startswith("#"))
    return dict(pair.split("=", 1) for line in lines for pair in line.split())


# Cantonese (and a few Taiwan/Hong Kong banking words) -> Mandarin, in simplified characters
# (the text is already converted). Longest match wins; an entry mapping to itself protects a
# Mandarin word that contains a shorter Cantonese key.
_LEXICON: dict[str, str] = _pairs(
    """
# negation, aspect, possessive, pronouns
唔见咗=不见了 唔见=不见 唔使=不用 唔洗=不用 唔好=不要 唔系=不是 唔得=不行
唔识=不会 唔知=不知道 唔记得咗=忘记了 唔记得=忘记 记唔起=想不起 唔啱=不对 唔=不
咗未=了没有 咗=了 嘅=的 㗎=的 嘞=了 喇叭=喇叭 喇=了 佢哋=他们 我哋=我们
你哋=你们 哋=们 冇问题=没问题 冇咗=没了 有冇=有没有 冇=没有 俾人偷=被人偷
俾人盗=被人盗 俾人复制=被人复制 俾人扣=被人扣 俾人用=被人用 俾人呃=被人骗
俾人碌=被人刷 畀人偷=被人偷 畀人盗=被人盗 畀人用=被人用 俾=给 畀=给 佢话=他说
佢讲=他说 对方话=对方说 佢=它 我个人=我个人 我个=我的 我张=我的 我笔=我的
我部=我的 你哋啲=你们的 我哋啲=我们的 佢啲=它的 喺边度=在哪里 喺边=在哪 喺=在
嗰=那 𠮶=那 呢度=这里 呢排=最近
# questions
乜嘢=什么 咩嘢=什么 咩事=什么事 咩=什么 乜=什么 点样=怎么 点解=为什么
点算=怎么办 点办=怎么办 点做=怎么做 几时=什么时候 几多钱=多少钱 几多=多少
几耐=多久 几钱=多少钱 边度=哪里 边个=谁 边张=哪张 边间=哪家 边笔=哪笔 边啲=哪些
系咪=是不是 是咪=是不是
# verbs and nouns
揿钱=取钱 撳钱=取钱 揿=按 攞钱=取钱 攞=拿 搵=找 揾=找 睇下=看一下 睇=看 谂=想
嚟=来 嘢=东西 啱啱=刚刚 啱=对 仲裁=仲裁 仲未=还没 仲有=还有 仲=还 而家=现在
咁样=这样 咁多=这么多 咁=这么 我啲=我的 你啲=你的 它啲=它的 啲=些 琴日=昨天
寻日=昨天 听日=明天 今日=今天 前日=前天 礼拜日=星期日 礼拜天=星期天 礼拜=星期
碌卡=刷卡 碌咗=刷了 户口本=户口本 户口簿=户口簿 户口=账户 银包=钱包
信用咭=信用卡 咭=卡 月结单=对账单 结单=对账单 过数=转账 入数=转入
卡数=信用卡账单 找数=付款 增值税=增值税 增值服务=增值服务 增值=充值 退返=退回
攞返=拿回 俾返=还给 返嚟=回来 睇返=再看 剩返=剩下 吐返=吐回 跌咗张=丢了张
跌咗去边度=丢到哪里了 跌咗去边=丢到哪里了 去边度=去哪里 去边=去哪 帮手=帮忙
跌咗卡=丢了卡 跌咗我=丢了我 跌咗个=丢了个 跌咗银包=丢了钱包 跌咗钱包=丢了钱包
食咗我=吞了我 食咗张=吞了张 食咗卡=吞了卡 好似=好像 未收到=没收到 都未=都没
处理紧=处理中 入面=里面 搞掂=搞定
第二间=别的 咁耐=这么久 好食=好吃 机械人=机器人 倾偈=聊天 同真人倾=跟真人聊
皮夹掉了=钱包丢了 皮夹=钱包 卡片掉了=卡片丢了 卡掉了=卡丢了
点呀=怎么样呀 甚么=什么 点算好=怎么办 咗佢=掉它 使咗=花了 洗咗=花了 增值落=充值到 户口度=账户里
# Taiwan wording (after conversion 帳 is already 账)
提款卡=借记卡 签账金融卡=借记卡 金融卡=借记卡 网路银行=网上银行 网路=网络
简讯=短信 讯息=信息 软体=软件 超商=便利店 储值=充值 加值=充值 行动银行=手机银行
行动支付=移动支付 登入=登录 临柜=柜台
"""
)
_LEXICON_RE = re.compile("|".join(sorted(map(re.escape, _LEXICON), key=len, reverse=True)))
# 唔该 thanks at the end of a message ("唔该晒", "唔该你呀") but asks a favour before a
# request ("唔该帮我查下").
_MGOI_THANKS_RE = re.compile(r"唔该(晒|哂|嗮)|唔该你?[呀啊喇]?(?=[\W_]*$)")
# Sentence-final 咩 is a question particle (吗); elsewhere it means "what".
_ME_FINAL_RE = re.compile(r"咩(?=\s*[?？!！。，,]|\s*$)")
# Dollars: "50蚊" / "五十蚊"
_MAN_RE = re.compile(r"(?<=[\d一二两三四五六七八九十百千万几])\s*蚊")
# Simplified-written Cantonese 系 (= 是); only where the message is Cantonese, and never in
# Mandarin words built on 系 (关系, 系统, 联系, 系列, ...).
_SAI_RE = re.compile("关系|系统|联系|系列|体系|系数|维系|派系|直系|系上|系好|系")
_SAI_BARE = re.compile(r"系[呀啊嘅的]?[\W_]*")
# 帐 (tent) for 账 (account) in Traditional-converted text; 蚊帐/帐篷 stay.
_ZHANG_RE = re.compile("(?<!蚊)帐(?!篷)")
# 呢 + measure word is Cantonese "this" (呢张卡); at the end of a sentence it stays a particle.
_NE_THIS_RE = re.compile("呢(?=[个张笔次间部只单份件])")

_BARE_NG = re.compile(r"\s*唔+[\W_]*")
_CANTONESE_MARKERS = re.compile(
    "唔|咗|嘅|佢|冇|喺|嗰|啲|咩|乜|嘢|哋|嚟|睇|谂|攞|搵|揾|畀|啱|㗎|咁|系咪"
)


# "都係凍結咗佢啦": Cantonese "after all, let's ..." is Mandarin 还是…吧 (not 也是).
_DOUHAI_RE = re.compile(r"都[係系]([^，。！？,.!?]{1,12}?)啦(?=[\W_]*$)")


def _hant_to_hans(text: str, script: Script) -> str:
    text = _HAI_RE.sub(lambda m: "是" if m.group(0) == "係" else m.group(0), text)
    text = text.replace("嗰", "那")  # OpenCC would write it 𠮶
    config = "tw2s" if script == "Hant-TW" else "hk2s"
    return str(opencc_converter(config).convert(text))


def _cantonese_sai(text: str) -> str:
    if _SAI_BARE.fullmatch(text.strip()):
        return _SAI_BARE.sub(lambda m: "是" + m.group(0)[1:], text.strip(), count=1)
    if not _CANTONESE_MARKERS.search(text):
        return text
    return _SAI_RE.sub(lambda m: "是" if m.group(0) == "系" else m.group(0), text)


@lru_cache(maxsize=2048)
def to_mandarin(text: str) -> str:
    """Return TEXT as simplified Mandarin: script converted, Cantonese/Taiwan words mapped.

    Text without a Chinese character is returned unchanged.
    """
    if not has_cjk(text):
        return text
    if _BARE_NG.fullmatch(text):
        return text  # a lone 唔 is Mandarin "mm" (yes), not Cantonese "not"
    out = _DOUHAI_RE.sub(r"还是\1吧", text)
    signals = script_signals(out)
    if signals.traditional:
        out = _hant_to_hans(out, "Hant-TW" if signals.region == "TW" else "Hant-HK")
    out = _ZHANG_RE.sub("账", out)
    out = _cantonese_sai(out)
    out = _MGOI_THANKS_RE.sub("谢谢", out)
    out = out.replace("唔该", "麻烦")
    out = _ME_FINAL_RE.sub("吗", out)
    out = _MAN_RE.sub("元", out)
    out = _NE_THIS_RE.sub("这", out)
    return _LEXICON_RE.sub(lambda m: _LEXICON[m.group(0)], out)
