"""The demo bank's helpdesk: teams, agents, canned responses and sample customer contacts.

``wendu demo`` calls :func:`ensure_helpdesk_showcase` so the console's inbox, tickets, SLA
board and reports have something to show. Everything goes through the helpdesk's own use
cases — ``helpdesk.actions`` for what staff do (scope checks and ``helpdesk.*`` audit
entries), ``conversations``/``routing``/``surveys`` for what customers and the assistant do —
so routing, SLA clocks, CSAT invitations and events behave exactly as for real contacts.

Idempotent: a team, agent, canned response (shortcut and language), sample conversation
(customer and subject) or sample ticket (customer and subject) that exists is left as it
is, so a restart adds nothing and keeps what staff changed.

Time: the helpdesk's use cases stamp everything with the current time and take no ``now``,
so the samples are created "now" and are not backdated (response times in the reports are
therefore seconds). The SLA board still shows a clock running out: the phoned-in fraud
complaint is urgent, measured on the 24x7 calendar with a 15-minute first-response target,
and nobody has answered it, so it warns a few minutes after ``wendu demo`` starts and
breaches after a quarter of an hour. The other tickets run on the business-hours calendar.
The sample agents are left online; like any agent who stops answering, the periodic job
sets them away after ``WENDU_HELPDESK_AGENT_IDLE_MINUTES`` and their chats go back to the
queue, where ``demo.admin`` (a member of every team) can pick them up.

The texts are written for this module; no message contains a card number or a secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from wendu.config import Settings
from wendu.db import Database
from wendu.demo.people import SANDBOX_PASSWORD
from wendu.demo.showcase import DEMO_PARTNER_NAME, DEMO_STAFF_USERNAME
from wendu.helpdesk import actions, routing, surveys
from wendu.helpdesk import canned as canned_service
from wendu.helpdesk import conversations as conv_service
from wendu.helpdesk.deps import Staff, staff_of
from wendu.helpdesk.models import CannedResponse, Conversation, Survey, Team, Ticket
from wendu.identity.models import CustomerLogin, Partner, StaffUser
from wendu.identity.staff import create_staff
from wendu.kit.masking import mask_sensitive
from wendu.ledger.models import Account, Customer, LedgerTransaction, Posting
from wendu.ledger.sandbox import SandboxCoreBank


@dataclass(frozen=True)
class HelpdeskShowcase:
    """What one call added (all zero when the showcase was already there)."""

    teams: int = 0
    agents: int = 0
    canned: int = 0
    conversations: int = 0
    tickets: int = 0
    surveys: int = 0

    @property
    def added(self) -> int:
        """Return how many things were added in all."""
        return (
            self.teams
            + self.agents
            + self.canned
            + self.conversations
            + self.tickets
            + self.surveys
        )


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
    TeamSpec("complaints", "Complaints", "投诉处理", ("zh", "en"), ("branch",)),
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


# The work ---------------------------------------------------------------------------------


@dataclass
class _Added:
    teams: int = 0
    agents: int = 0
    canned: int = 0
    conversations: int = 0
    tickets: int = 0
    surveys: int = 0
    staff: dict[str, Staff] = field(default_factory=dict)


def ensure_helpdesk_showcase(
    database: Database, settings: Settings, *, admin_username: str = DEMO_STAFF_USERNAME
) -> HelpdeskShowcase:
    """Create the demo helpdesk (what is missing of it) and return what was added.

    ``admin_username`` (the demo admin, created by ``ensure_demo_access``) sets up teams and
    shared canned responses and joins every team. Needs a seeded bank for the customers.
    """
    added = _Added()
    with database.session() as session:
        admin_user = session.execute(
            select(StaffUser).where(StaffUser.username == admin_username)
        ).scalar_one_or_none()
        if admin_user is None:
            raise LookupError(f"staff user {admin_username!r} does not exist")
        customers = _customers(session)
        if not customers:
            return HelpdeskShowcase()
        _teams_and_agents(session, staff_of(session, admin_user), added)
        admin = staff_of(session, admin_user)
        _canned(session, admin, added)
        people = {u: staff_of(session, _user(session, u)) for u in (a.username for a in AGENTS)}
        partner_id = (
            session.execute(
                select(Partner.id)
                .where(Partner.name == DEMO_PARTNER_NAME)
                .order_by(Partner.created_at)
            )
            .scalars()
            .first()
        )
        for contact in CONTACTS:
            _contact(session, settings, contact, customers, people, partner_id, added)
        for complaint in PHONE_COMPLAINTS:
            _phone_complaint(session, complaint, customers, people["wang.fang"], added)
    return HelpdeskShowcase(
        teams=added.teams,
        agents=added.agents,
        canned=added.canned,
        conversations=added.conversations,
        tickets=added.tickets,
        surveys=added.surveys,
    )


def _user(session: Session, username: str) -> StaffUser:
    return session.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one()


def _teams_and_agents(session: Session, admin: Staff, added: _Added) -> None:
    """Create missing teams and agents; memberships only come with a new team or agent."""
    new_teams = set()
    for spec in TEAMS:
        if session.get(Team, spec.id) is None:
            actions.create_team(
                session,
                admin,
                team_id=spec.id,
                name=spec.name,
                name_zh=spec.name_zh,
                languages=spec.languages,
                product_areas=spec.product_areas,
            )
            new_teams.add(spec.id)
            added.teams += 1
    for team_id in sorted(new_teams):
        actions.add_member(
            session,
            admin,
            team_id,
            admin.id,
            capacity=5,
            languages=("zh", "en"),
            product_areas=(),
        )
    new_agents = []
    for agent in AGENTS:
        existing = session.execute(
            select(StaffUser).where(StaffUser.username == agent.username)
        ).scalar_one_or_none()
        if existing is None:
            existing = create_staff(
                session,
                username=agent.username,
                password=SANDBOX_PASSWORD,
                role=agent.role,
                display_name=agent.display_name,
                language="en" if agent.languages[0] == "en" else "zh",
            )
            new_agents.append(agent)
            added.agents += 1
        for team_id in agent.teams:
            if agent in new_agents or team_id in new_teams:
                actions.add_member(
                    session,
                    admin,
                    team_id,
                    existing.id,
                    capacity=agent.capacity,
                    languages=agent.languages,
                    product_areas=(),
                )
    # Only agents created now go on shift; an existing agent's presence is theirs to keep.
    for agent in new_agents:
        if agent.presence != "offline":
            staff = staff_of(session, _user(session, agent.username))
            actions.set_presence(session, staff, agent.presence)


def _canned(session: Session, admin: Staff, added: _Added) -> None:
    for spec in CANNED:
        for language, body in (("zh", spec.zh), ("en", spec.en)):
            exists = session.execute(
                select(CannedResponse.id).where(
                    CannedResponse.shortcut == spec.shortcut, CannedResponse.language == language
                )
            ).first()
            if exists is None and (spec.team is None or session.get(Team, spec.team) is not None):
                actions.create_canned(
                    session,
                    admin,
                    shortcut=spec.shortcut,
                    body=body,
                    language=language,
                    team_id=spec.team,
                )
                added.canned += 1


def _customers(session: Session) -> dict[str, list[Customer]]:
    """Return the seeded individual customers with a login, by language (``all`` too)."""
    rows = list(
        session.execute(
            select(Customer)
            .join(CustomerLogin, CustomerLogin.customer_id == Customer.id)
            .where(Customer.kind == "individual", Customer.status == "active")
            .order_by(CustomerLogin.username)
            .limit(500)
        ).scalars()
    )
    by_language: dict[str, list[Customer]] = {"all": rows}
    for customer in rows:
        by_language.setdefault(customer.preferred_language, []).append(customer)
    return by_language


def _pick(customers: dict[str, list[Customer]], index: int, language: str) -> Customer:
    pool = customers.get(language) or customers["all"]
    return pool[index % len(pool)]


def _latest_transfer_out(session: Session, customer_id: str) -> int | None:
    return session.execute(
        select(LedgerTransaction.id)
        .join(Posting, Posting.transaction_id == LedgerTransaction.id)
        .join(Account, Account.id == Posting.account_id)
        .where(
            Account.customer_id == customer_id,
            LedgerTransaction.kind == "transfer",
            Posting.amount_minor < 0,
        )
        .order_by(LedgerTransaction.booked_at.desc(), LedgerTransaction.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _contact(
    session: Session,
    settings: Settings,
    contact: Contact,
    customers: dict[str, list[Customer]],
    people: dict[str, Staff],
    partner_id: str | None,
    added: _Added,
) -> None:
    customer = _pick(customers, contact.customer, contact.language)
    subject = mask_sensitive(contact.subject)[:200]
    exists = session.execute(
        select(Conversation.id).where(
            Conversation.customer_id == customer.id, Conversation.subject == subject
        )
    ).first()
    if exists is not None:
        return
    channel = contact.channel
    if contact.via_partner and partner_id is None:
        channel = "web_widget"  # no demo partner to relay it: the bank's own widget
    conversation = conv_service.start_conversation(
        session,
        channel=channel,
        customer_id=customer.id,
        language=contact.language,
        partner_id=partner_id if channel == "partner_chat" else None,
        subject=contact.subject,
        with_assistant=contact.with_assistant,
    )
    added.conversations += 1
    intents: list[dict[str, object]] = []
    for step in contact.steps:
        if isinstance(step, Say):
            conv_service.add_message(session, conversation, author_type=step.author, body=step.text)
            if step.author == "customer" and not contact.with_assistant:
                # Arrived by e-mail: straight to the queue of the team for its product area.
                routing.route(session, conversation, product_area=contact.product_area)
        elif isinstance(step, HandOff):
            intents.append({"name": step.intent, "confidence": 0.9})
            conv_service.hand_off(
                session,
                conversation,
                reason=step.reason,
                priority=step.priority,
                context={"intents": intents, "summary": contact.subject},
            )
            routing.route(session, conversation, product_area=step.product_area)
        elif isinstance(step, Resolve):
            staff = _assignee(session, conversation, people)
            if conversation.status == "bot":
                conv_service.resolve(session, conversation)  # the assistant answered it
            elif staff is not None:
                actions.resolve(session, settings, staff, conversation.id)
            else:
                return
        elif isinstance(step, Answer):
            added.surveys += _answer(session, settings, conversation, step)
        else:
            staff = _assignee(session, conversation, people)
            if staff is None:
                return  # nobody took it (agents away on a later run): it waits in the queue
            _staff_step(session, settings, staff, step, conversation, customer, people, added)


def _assignee(
    session: Session, conversation: Conversation, people: dict[str, Staff]
) -> Staff | None:
    if conversation.status != "assigned" or conversation.assignee_id is None:
        return None
    for staff in people.values():
        if staff.id == conversation.assignee_id:
            return staff
    user = session.get(StaffUser, conversation.assignee_id)
    return staff_of(session, user) if user is not None else None


def _staff_step(
    session: Session,
    settings: Settings,
    staff: Staff,
    step: Step,
    conversation: Conversation,
    customer: Customer,
    people: dict[str, Staff],
    added: _Added,
) -> None:
    if isinstance(step, Reply):
        canned_id = None
        if step.canned:
            canned_id = session.execute(
                select(CannedResponse.id).where(
                    CannedResponse.shortcut == step.canned,
                    CannedResponse.language == conversation.language,
                )
            ).scalar_one_or_none()
            if canned_id is None:
                return  # a colleague deleted it: say nothing rather than invent it
        variables = actions.canned_variables(
            session, staff, conversation, settings, SandboxCoreBank(session)
        )
        body = canned_service.render(step.text or "", variables)
        text = actions.reply_text(session, staff, body, canned_id, lambda: variables)
        mentions = [people[step.mention].id] if step.mention in people else []
        actions.post_message(
            session, staff, conversation, text or "", private=step.private, mentions=mentions
        )
    elif isinstance(step, OpenTicket):
        transfer = _latest_transfer_out(session, customer.id) if step.link_transfer else None
        ticket = actions.create_ticket(
            session,
            staff,
            subject=step.subject,
            description=step.description,
            kind=step.kind,
            conversation_id=conversation.id,
            category=step.category,
            priority=step.priority,
            transaction_ids=[transfer] if transfer is not None else [],
        )
        added.tickets += 1
        if step.move_to_team is not None:
            supervisor = people["wang.fang"]
            actions.update_ticket(session, supervisor, ticket.id, team_id=step.move_to_team)
    elif isinstance(step, TicketStatus):
        for ticket in _tickets_of(session, conversation):
            actions.ticket_status(session, staff, ticket.id, step.status, step.note)


def _tickets_of(session: Session, conversation: Conversation) -> Sequence[Ticket]:
    return list(
        session.execute(
            select(Ticket)
            .where(Ticket.conversation_id == conversation.id)
            .order_by(Ticket.created_at, Ticket.id)
        ).scalars()
    )


def _answer(session: Session, settings: Settings, conversation: Conversation, step: Answer) -> int:
    """Answer the CSAT survey the resolution sent, then an NPS survey; return how many."""
    answered = 0
    csat = session.execute(
        select(Survey).where(Survey.conversation_id == conversation.id, Survey.kind == "csat")
    ).scalar_one_or_none()
    if csat is not None and csat.answered_at is None:
        surveys.answer_survey(
            session,
            csat,
            score=step.csat,
            answers={"overall": step.csat, "solved": step.csat >= 4},
            comment=step.comment,
        )
        answered += 1
    if step.nps is not None:
        nps = surveys.send_nps(session, settings, conversation)
        surveys.answer_survey(session, nps, score=step.nps)
        answered += 1
    return answered


def _phone_complaint(
    session: Session,
    complaint: PhoneComplaint,
    customers: dict[str, list[Customer]],
    supervisor: Staff,
    added: _Added,
) -> None:
    customer = _pick(customers, complaint.customer, "zh")
    subject = mask_sensitive(complaint.subject)[:200]
    exists = session.execute(
        select(Ticket.id).where(Ticket.customer_id == customer.id, Ticket.subject == subject)
    ).first()
    if exists is not None or session.get(Team, complaint.team) is None:
        return
    actions.create_ticket(
        session,
        supervisor,
        subject=complaint.subject,
        description=complaint.description,
        kind="complaint",
        channel="phone",
        customer_id=customer.id,
        category=complaint.category,
        priority=complaint.priority,
        team_id=complaint.team,
    )
    added.tickets += 1
