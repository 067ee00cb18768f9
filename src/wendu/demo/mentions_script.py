"""What the demo bank's public is heard saying: phrases per topic in three scripts, and the
year's four stories. Written for wendu's demo; data only (``demo.mentions`` plays it)."""

from __future__ import annotations

from dataclasses import dataclass

# topic -> language -> phrases ({bank} is the bank's short name)
PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "app_outage": {
        "zh-Hans": ("{bank}手机银行又闪退了，登录不了", "{bank}的App一直转圈，转账页面打不开",
                    "今天{bank}网银是不是宕机了？一直提示系统繁忙",
                    "{bank}验证码收不到，登不上App"),
        "zh-Hant": ("{bank}手機銀行又閃退，登入唔到", "{bank} App 一直轉圈，轉賬頁面打唔開",
                    "{bank}網銀係咪死機咗？成日話系統繁忙"),
        "en": ("{bank} app keeps crashing, can't log in", "Is {bank} down? The app won't load",
               "{bank} online banking shows an error message every time I log in"),
    },
    "fees": {
        "zh-Hans": ("{bank}跨行转账手续费又涨了", "{bank}小额账户管理费太不合理了",
                    "{bank}信用卡年费扣得莫名其妙", "为什么{bank}境外取现收这么多手续费"),
        "zh-Hant": ("{bank}跨行轉賬手續費又加價", "{bank}收咩戶口管理費，真係離譜"),
        "en": ("{bank} raised its transfer fees again", "Why is {bank} charging me a monthly fee?",
               "{bank} overdraft charges are ridiculous"),
    },
    "card": {
        "zh-Hans": ("{bank}信用卡额度什么时候能提", "{bank}借记卡在国外刷卡被拒了",
                    "{bank}补卡要等一周太慢了"),
        "zh-Hant": ("{bank}信用卡額度幾時先可以加", "{bank}張卡喺外國碌唔到"),
        "en": ("my {bank} card got declined abroad", "{bank} credit card limit increase took ages"),
    },
    "transfer": {
        "zh-Hans": ("{bank}转账到账很快，点赞", "{bank}跨行转账两天了还没到账",
                    "{bank}的转账限额能不能调高一点"),
        "zh-Hant": ("{bank}轉數快好快到賬", "{bank}轉賬兩日都未到賬，點算"),
        "en": ("{bank} transfer arrived in seconds",
               "my {bank} transfer hasn't arrived after 2 days"),
    },
    "staff": {
        "zh-Hans": ("{bank}柜员态度很好，耐心解释", "{bank}网点排队排了一个小时",
                    "{bank}客服电话一直打不通"),
        "zh-Hant": ("{bank}分行職員好有耐性", "{bank}排隊排咗成個鐘"),
        "en": ("the {bank} teller was really patient", "waited an hour at the {bank} branch queue"),
    },
    "praise": {
        "zh-Hans": ("{bank}的服务越来越贴心了", "用了{bank}的新App，界面清爽，给力",
                    "{bank}客服专业又快捷，感谢"),
        "zh-Hant": ("{bank}服務好貼心，讚", "{bank}新 App 好方便"),
        "en": ("great service from {bank} today", "the new {bank} app is smooth, well done",
               "{bank} sorted my problem in minutes, impressed"),
    },
    "wealth_mis_selling": {
        "zh-Hans": ("{bank}理财经理说保本，结果亏了", "{bank}推荐的基金风险评估都没做"),
        "zh-Hant": ("{bank}經理話個理財產品保本，點知虧損",),
        "en": ("{bank} sold me a fund as guaranteed return, now it's down 20%",),
    },
    "other": {
        "zh-Hans": ("路过{bank}门口，装修好了", "{bank}的广告还挺有意思"),
        "zh-Hant": ("經過{bank}分行，裝修好靚",),
        "en": ("saw a {bank} ad on the metro", "{bank} opened a new branch near my office"),
    },
}  # fmt: skip

# Ordinary days: each topic's share of the chatter.
MIX = {
    "praise": 0.2, "fees": 0.14, "card": 0.14, "transfer": 0.14, "staff": 0.1,
    "app_outage": 0.08, "wealth_mis_selling": 0.05, "other": 0.15,
}  # fmt: skip

STORY_PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "solvency_rumour": {
        "zh-Hans": ("听说{bank}要倒闭了，大家快去取钱", "有人说{bank}限制取款了，是真的吗？",
                    "{bank}要暴雷？朋友说取不出钱了"),
        "zh-Hant": ("聽講{bank}凍結取款，係咪真㗎？", "有人話{bank}就快破產，快啲去攞錢"),
        "en": ("rumour: {bank} is freezing withdrawals",
               "is {bank} going under? friends can't withdraw"),
    },
    "campaign": {
        "zh-Hans": ("{bank}的开放银行活动太贴心了，点赞", "{bank}新用户福利给力，手续费全免"),
        "zh-Hant": ("{bank}新活動好貼心，讚",),
        "en": ("love the {bank} open banking campaign, great service",
               "well done {bank}, no fees for a year"),
    },
}  # fmt: skip


@dataclass(frozen=True)
class Story:
    """A burst inside the demo year: which phrases, when (days before the end), how big."""

    name: str
    phrases: str  # a key of PHRASES or STORY_PHRASES
    days_ago: float
    hours: int
    per_hour: float
    reach: float  # median reach of its posts


STORIES = (
    Story("app outage", "app_outage", days_ago=290.4, hours=10, per_hour=9, reach=800),
    Story("fee complaint wave", "fees", days_ago=180.3, hours=60, per_hour=3, reach=300),
    Story("solvency rumour", "solvency_rumour", days_ago=75.45, hours=8, per_hour=12, reach=20000),
    Story("praised campaign", "campaign", days_ago=21.3, hours=40, per_hour=3, reach=1500),
)
SOURCES = ("weibo", "wechat", "app-store", "forum", "news", "x")
LANGUAGES = (("zh-Hans", 0.6), ("zh-Hant", 0.15), ("en", 0.25))
