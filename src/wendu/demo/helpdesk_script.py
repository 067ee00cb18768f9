"""What the demo bank's helpdesk is made of: its teams, agents and canned responses, and the
sample customer contacts (chats, e-mails, a phoned-in complaint) told step by step.

Data only, written for the demo in Chinese and English; ``demo.helpdesk`` plays it through
the helpdesk's use cases. No message contains a card number or a secret.
"""

from __future__ import annotations

from dataclasses import dataclass

# Teams, agents, canned responses --------------------------------------------------------


@dataclass(frozen=True)
class TeamSpec:
    id: str
    name: str
    name_zh: str
    languages: tuple[str, ...]
    product_areas: tuple[str, ...]


TEAMS = (
    TeamSpec("cards", "Cards", "银行卡服务", ("zh", "en"), ("debit_card", "credit_card")),
    TeamSpec(
        "payments",
        "Payments & transfers",
        "支付与转账",
        ("zh", "en"),
        ("payment", "digital_banking", "open_banking"),
    ),
    TeamSpec("complaints", "Complaints", "投诉处理", ("zh", "en"), ("branch", "complaint")),
    TeamSpec(
        "wealth", "Wealth & products", "理财与产品", ("zh", "en"), ("wealth", "deposit", "loan")
    ),
)


@dataclass(frozen=True)
class AgentSpec:
    username: str
    display_name: str
    role: str
    teams: tuple[str, ...]
    languages: tuple[str, ...]
    presence: str  # online|away|offline after the showcase is set up
    capacity: int = 4


AGENTS = (
    AgentSpec("li.na", "李娜", "agent", ("cards", "complaints"), ("zh", "en"), "online"),
    AgentSpec("zhang.wei", "张伟", "agent", ("payments",), ("zh",), "online"),
    AgentSpec("emily.zhou", "周艾米 Emily", "agent", ("cards", "payments"), ("en", "zh"), "online"),
    AgentSpec("chen.jing", "陈静", "agent", ("wealth",), ("zh", "en"), "away"),
    AgentSpec("wang.fang", "王芳", "supervisor", ("complaints",), ("zh", "en"), "online"),
)


@dataclass(frozen=True)
class CannedSpec:
    shortcut: str
    team: str | None  # None: shared by every team
    zh: str
    en: str


CANNED = (
    CannedSpec(
        "greeting",
        None,
        "您好{{customer.name}}，我是{{bank.name}}客服{{agent.name}}，很高兴为您服务。"
        "刚才的对话记录我都看到了，请稍等，我马上为您处理。",
        "Hello {{customer.name}}, this is {{agent.name}} from {{bank.name}}. I've read your "
        "conversation so far, so you won't need to repeat anything. Let me look into it now.",
    ),
    CannedSpec(
        "closing",
        None,
        "请问还有其他需要帮忙的吗？如果没有，本次对话就先结束了，稍后会请您为我们的服务打分，"
        "感谢您的耐心。",
        "Is there anything else I can help with? If not, I'll close this chat now. You'll get a "
        "short survey about our help afterwards. Thank you for your patience.",
    ),
    CannedSpec(
        "card_lost",
        "cards",
        "我已经为您临时冻结了这张卡，冻结期间无法消费或取现，已绑定的自动扣款也会暂停。"
        "如果确认卡片遗失，可以直接挂失补卡，新卡一般5-7个工作日寄到您登记的地址。",
        "I've put a temporary freeze on the card, so it can't be used for payments or cash "
        "withdrawals and linked automatic payments are paused. If it's gone for good we'll "
        "cancel it and post a replacement to your registered address within 5-7 working days.",
    ),
    CannedSpec(
        "transfer_trace",
        "payments",
        "跨行转账一般2小时内到账，遇到收款行系统维护或节假日可能顺延。我已为您发起查询"
        "（编号 {{ticket.reference}}），有结果会第一时间告诉您。",
        "Transfers to other banks usually arrive within two hours, but can take longer when the "
        "receiving bank is doing maintenance or on public holidays. I've opened a trace "
        "({{ticket.reference}}) and will tell you as soon as we hear back.",
    ),
    CannedSpec(
        "app_login",
        "payments",
        "连续输错密码后，手机银行会暂时锁定登录。您可以在登录页点“忘记密码”，"
        "通过短信验证码和刷脸验证重置密码，重置后马上就能登录。",
        "After several wrong passwords the app locks sign-in for a while. You can unlock it "
        "straight away with 'Forgot password' on the sign-in screen: confirm the text-message "
        "code and a face check, then choose a new password.",
    ),
    CannedSpec(
        "complaint_received",
        None,
        "非常抱歉给您带来不便。您的投诉已登记（编号 {{ticket.reference}}），会有专人跟进，"
        "我们将在15日内给您正式答复，处理过程中有进展也会及时告诉您。",
        "I'm sorry for the trouble this has caused. Your complaint is registered as "
        "{{ticket.reference}}. A case handler will follow it up and you'll have our formal "
        "answer within 15 days; we'll keep you posted on progress in the meantime.",
    ),
    CannedSpec(
        "risk_assessment",
        "wealth",
        "购买理财产品前需要完成风险承受能力评估，结果有效期一年。产品风险等级高于评估结果时"
        "无法购买，这是监管对投资者适当性的要求，也是为了保护您的资金。",
        "Before buying an investment product you need a risk-tolerance assessment, valid for "
        "one year. Products rated above your result can't be bought: regulators require the "
        "product to suit the investor, and it protects your money.",
    ),
)


# Sample contacts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """A message from the customer or the assistant."""

    author: str  # customer|assistant
    text: str


@dataclass(frozen=True)
class HandOff:
    """The assistant hands the chat to a person; routing picks the team and agent."""

    reason: str
    intent: str
    product_area: str
    priority: str | None = None


@dataclass(frozen=True)
class Reply:
    """The assigned agent answers (a text or a canned response) or writes a private note."""

    text: str | None = None
    canned: str | None = None
    private: bool = False
    mention: str | None = None  # username of a colleague to @mention in a note


@dataclass(frozen=True)
class OpenTicket:
    """The assigned agent opens a ticket or complaint from the conversation."""

    subject: str
    description: str
    category: str
    kind: str = "request"
    priority: str | None = None
    link_transfer: bool = False  # link the customer's latest outgoing transfer
    move_to_team: str | None = None  # a supervisor moves it afterwards (complaints)


@dataclass(frozen=True)
class TicketStatus:
    """The assigned agent moves the conversation's ticket."""

    status: str
    note: str | None = None


@dataclass(frozen=True)
class Resolve:
    """The agent resolves the chat (CSAT is sent), or the assistant does when nobody took it."""


@dataclass(frozen=True)
class Answer:
    """The customer answers the CSAT survey, and optionally an NPS survey sent afterwards."""

    csat: int
    comment: str | None = None
    nps: int | None = None


Step = Say | HandOff | Reply | OpenTicket | TicketStatus | Resolve | Answer


@dataclass(frozen=True)
class Contact:
    """One sample conversation: who, where, and what happens in it."""

    customer: int  # index into the seeded customers (of the conversation's language first)
    channel: str
    language: str
    subject: str
    steps: tuple[Step, ...]
    with_assistant: bool = True  # False: arrives straight in the queue (e-mail)
    product_area: str | None = None  # for routing a contact without a hand-off
    via_partner: bool = False


CONTACTS: tuple[Contact, ...] = (
    Contact(
        0,
        "web_widget",
        "zh",
        "借记卡丢失",
        (
            Say("customer", "我的借记卡找不到了，可能昨天晚上落在出租车上了，怎么办？"),
            Say(
                "assistant",
                "别着急。您可以先在手机银行“卡片管理”里临时冻结这张卡，冻结后随时可以解冻。"
                "需要我为您转接人工客服办理挂失吗？",
            ),
            Say("customer", "要的，麻烦转人工，我想直接挂失补卡。"),
            HandOff("customer_asked", "lost_or_stolen_card", "debit_card"),
            Reply(canned="greeting"),
            Reply(canned="card_lost"),
            Say("customer", "确认是丢了，请帮我挂失补卡，寄到家里就行。"),
            OpenTicket(
                "借记卡挂失补卡",
                "客户借记卡遗失（疑似落在出租车上），已临时冻结，客户要求挂失并邮寄新卡至登记地址。",
                "debit_card.card_lost_stolen",
            ),
            Reply(text="已为您办理挂失，补卡单号 {{ticket.reference}}，新卡寄出后会有短信通知。"),
            Say("customer", "收到，谢谢！"),
            TicketStatus("pending_customer", "新卡已寄出，等待客户确认收到并激活"),
            Reply(canned="closing"),
            Resolve(),
            Answer(5, "处理很快，点赞", nps=9),
        ),
    ),
    Contact(
        0,
        "partner_chat",
        "en",
        "Transfer not received",
        (
            Say(
                "customer",
                "Hi, I paid my landlord at another bank yesterday afternoon and he says the "
                "money still hasn't shown up.",
            ),
            Say(
                "assistant",
                "Transfers to other banks normally arrive within two hours. Would you like me "
                "to pass this to a colleague who can trace the payment?",
            ),
            Say("customer", "Yes please, the rent is due today."),
            HandOff("customer_asked", "transfer_not_received_by_recipient", "payment"),
            Reply(canned="greeting"),
            OpenTicket(
                "Trace a transfer the recipient has not received",
                "Customer's transfer to a landlord at another bank, sent yesterday afternoon, "
                "has not arrived. Rent due today: please trace with the receiving bank.",
                "payment.transfer_failure",
                priority="high",
                link_transfer=True,
            ),
            Reply(canned="transfer_trace"),
            Say("customer", "Thanks. Roughly how long does a trace take?"),
            Reply(
                text="Most traces come back within one working day. If the receiving bank "
                "confirms the money was credited, I'll send you their reference so your "
                "landlord can find it on his statement."
            ),
        ),
        via_partner=True,
    ),
    Contact(
        1,
        "app",
        "zh",
        "跨行转账手续费争议",
        (
            Say("customer", "为什么我这个月被扣了一笔跨行转账手续费？不是说手机银行转账免费吗？"),
            Say(
                "assistant",
                "手机银行跨行转账目前免收手续费，在柜台办理的转账会按标准收费。"
                "需要我帮您查看这笔费用的明细吗？",
            ),
            Say("customer", "我根本没去过柜台！这笔钱必须退给我，我要投诉。"),
            HandOff("complaint", "transfer_fee_charged", "payment", priority="high"),
            Reply(canned="greeting"),
            OpenTicket(
                "对跨行转账手续费有异议",
                "客户称本月被收取跨行转账手续费，但均通过手机银行操作、从未在柜台办理，"
                "要求退还费用并说明原因。",
                "payment.fees_charges",
                kind="complaint",
                priority="high",
                move_to_team="complaints",
            ),
            Reply(canned="complaint_received"),
            Reply(
                text="已请运营核对这笔费用的收费渠道，怀疑是代扣规则配置有误，麻烦帮忙跟进。",
                private=True,
                mention="wang.fang",
            ),
        ),
    ),
    Contact(
        1,
        "web_widget",
        "en",
        "Card blocked after wrong PIN",
        (
            Say(
                "customer",
                "I typed my PIN wrong three times at the cash machine and now my card is blocked.",
            ),
            Say(
                "assistant",
                "For your security the PIN locks after three wrong attempts. You can usually "
                "reset it in the app under Cards, then Reset PIN.",
            ),
            Say("customer", "The app says I need to speak to someone."),
            HandOff("customer_asked", "pin_blocked", "debit_card"),
            Reply(canned="greeting"),
            Reply(
                text="I've cleared the lock from our side. Please set a new PIN in the app "
                "within the next 30 minutes and the card will work again at any cash machine."
            ),
            Say("customer", "Done, it works now. Thanks a lot!"),
            Reply(canned="closing"),
            Resolve(),
            Answer(5, "Quick and friendly.", nps=10),
        ),
    ),
    Contact(
        2,
        "web_widget",
        "zh",
        "手机银行无法登录",
        (
            Say("customer", "手机银行登录一直提示密码错误，现在账户被锁住了。"),
            Say(
                "assistant",
                "为了保护您的账户，连续输错密码会暂时锁定登录。您可以在登录页点“忘记密码”重置。",
            ),
            Say("customer", "我试了忘记密码，可是收不到短信验证码。"),
            Say("assistant", "抱歉，这个问题我暂时没能帮您解决，正在为您转接人工客服。"),
            HandOff("fallbacks", "passcode_forgotten", "digital_banking"),
            Reply(canned="greeting"),
            Reply(canned="app_login"),
            Say("customer", "验证码还是收不到，是不是因为我换了手机号？"),
            Reply(
                text="是的，验证码只会发到您在本行登记的手机号。更换手机号需要本人带身份证到"
                "任一网点办理，当天就能生效。"
            ),
            Say("customer", "明白了，我明天去网点办。"),
            Reply(canned="closing"),
            Resolve(),
            Answer(4, "说明很清楚，就是还得跑一趟网点"),
        ),
    ),
    Contact(
        2,
        "email",
        "en",
        "Renewing a fixed-term deposit",
        (
            Say(
                "customer",
                "Hello, my one-year fixed deposit matures next week. What rate would I get if "
                "I renew it, and can I move part of it into a three-year term instead? "
                "Kind regards",
            ),
        ),
        with_assistant=False,
        product_area="deposit",
    ),
    Contact(
        3,
        "web_widget",
        "zh",
        "风险评估等级不够无法购买理财",
        (
            Say(
                "customer", "我想买一款中高风险的理财，系统说我的风险评估等级不够，能帮我调一下吗？"
            ),
            Say(
                "assistant",
                "风险承受能力评估需要您本人重新完成问卷，客服无法代为修改结果。"
                "您可以在“理财-风险评估”里重新测评。",
            ),
            Say("customer", "我已经重新做过了，结果还是一样，帮我转人工吧。"),
            HandOff("customer_asked", "talk_to_human", "wealth"),
        ),
    ),
    Contact(
        3,
        "partner_chat",
        "zh",
        "取消记账应用的账户授权",
        (
            Say("customer", "我在一个记账App里授权过查询账户，现在不想用了，怎么取消授权？"),
            Say(
                "assistant",
                "您可以登录本行客户页面，在“已连接的应用”里随时撤销授权，"
                "撤销后该应用会立即无法读取您的账户信息。",
            ),
            Say("customer", "找到了，已经取消了，谢谢！"),
            Resolve(),
        ),
        via_partner=True,
    ),
    Contact(
        4,
        "web_widget",
        "en",
        "Branch opening hours on Saturday",
        (
            Say("customer", "What time do your branches close on Saturdays?"),
            Say(
                "assistant",
                "Most branches open 9:00 to 17:00 on Saturdays. You can check a particular "
                "branch's hours under Branches in the app.",
            ),
            Say("customer", "Great, thanks."),
            Resolve(),
        ),
    ),
    Contact(
        4,
        "app",
        "zh",
        "同一笔消费被重复扣款",
        (
            Say("customer", "同一笔超市消费被扣了两次钱，麻烦帮我看看。"),
            Say(
                "assistant",
                "有时第一笔只是预授权，一般3到5个工作日内会自动撤销。您看到的两笔都已经入账了吗？",
            ),
            Say("customer", "已经一个星期了，钱还没退回来。"),
            Say("assistant", "明白了，我为您转接人工客服进一步核实。"),
            HandOff("fallbacks", "transaction_charged_twice", "debit_card"),
            Reply(canned="greeting"),
            OpenTicket(
                "同一笔消费重复扣款",
                "客户称一周前同一笔超市消费被扣款两次，重复款项至今未退回，需发起差错处理。",
                "debit_card.billing_dispute",
            ),
            Reply(
                text="我已经为您提交了差错处理申请，单号 {{ticket.reference}}。核实后重复扣的"
                "款项会原路退回，一般需要5到10个工作日。"
            ),
        ),
    ),
    Contact(
        5,
        "email",
        "zh",
        "对网点服务态度的投诉",
        (
            Say(
                "customer",
                "上周六我去人民路支行办业务，排队一个多小时，柜员态度很不耐烦，"
                "还让我自己回去用手机银行办。希望银行给个说法。",
            ),
            OpenTicket(
                "网点排队时间长、柜员服务态度差",
                "客户邮件投诉：上周六在人民路支行排队超过一小时，柜员态度不耐烦并推诿至手机银行。",
                "branch.service_attitude",
                kind="complaint",
            ),
            Reply(canned="complaint_received"),
            Reply(
                text="经核实，当天网点因系统升级导致排队时间过长。我们已安排相关柜员重新学习"
                "服务规范，并向您致以诚挚的歉意。"
            ),
            Say("customer", "收到你们的回复，态度还算诚恳，就这样吧。"),
            TicketStatus("resolved", "已向客户致歉并说明整改措施，客户接受"),
            Resolve(),
            Answer(3, "希望以后能改进", nps=6),
        ),
        with_assistant=False,
        product_area="branch",
    ),
    Contact(
        5,
        "app",
        "en",
        "Switching to a lower-risk investment",
        (
            Say(
                "customer",
                "Can I move the money in my wealth-management product to something lower risk "
                "before it matures?",
            ),
            Say(
                "assistant",
                "Some products allow early redemption and some don't. I'll ask a colleague "
                "from our wealth team to check yours.",
            ),
            HandOff("customer_asked", "talk_to_human", "wealth"),
        ),
    ),
)


@dataclass(frozen=True)
class PhoneComplaint:
    """A complaint a supervisor logs from a phone call (no conversation)."""

    customer: int
    subject: str
    description: str
    category: str
    priority: str
    team: str


PHONE_COMPLAINTS = (
    PhoneComplaint(
        6,
        "信用卡境外网站消费非本人操作",
        "客户来电：凌晨收到两笔境外网站消费的短信提醒，本人未操作，卡片一直在身边。"
        "电话中已协助客户冻结卡片，客户要求尽快退款并告知调查结果。",
        "credit_card.unauthorised_transaction",
        "urgent",
        "complaints",
    ),
)
