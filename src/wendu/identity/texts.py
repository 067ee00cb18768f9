"""Words customers read on the login, consent and connected-apps pages, in Chinese and English."""

from __future__ import annotations

# What each Open Banking permission lets the partner see, in plain words.
PERMISSIONS: dict[str, dict[str, str]] = {
    "ReadAccountsBasic": {"zh": "账户名称、币种和类型", "en": "Account names, currency and type"},
    "ReadAccountsDetail": {
        "zh": "账户名称、币种、类型及账号",
        "en": "Account names, currency, type and account numbers",
    },
    "ReadBalances": {"zh": "账户余额", "en": "Account balances"},
    "ReadBeneficiariesBasic": {"zh": "收款人名单", "en": "Your saved payees"},
    "ReadBeneficiariesDetail": {
        "zh": "收款人名单及其账号",
        "en": "Your saved payees and their account details",
    },
    "ReadDirectDebits": {"zh": "直接借记授权", "en": "Your direct debits"},
    "ReadOffers": {"zh": "银行给您的优惠", "en": "Offers the bank has made you"},
    "ReadPAN": {"zh": "完整卡号", "en": "Full card numbers"},
    "ReadParty": {"zh": "账户持有人信息", "en": "Details of the account holders"},
    "ReadPartyPSU": {"zh": "您的姓名和联系方式", "en": "Your name and contact details"},
    "ReadProducts": {"zh": "账户对应的产品信息", "en": "Product details of your accounts"},
    "ReadScheduledPaymentsBasic": {"zh": "预约付款", "en": "Your scheduled payments"},
    "ReadScheduledPaymentsDetail": {
        "zh": "预约付款及收款人账号",
        "en": "Your scheduled payments with payee details",
    },
    "ReadStandingOrdersBasic": {"zh": "定期付款指令", "en": "Your standing orders"},
    "ReadStandingOrdersDetail": {
        "zh": "定期付款指令及收款人账号",
        "en": "Your standing orders with payee details",
    },
    "ReadStatementsBasic": {"zh": "对账单", "en": "Your statements"},
    "ReadStatementsDetail": {
        "zh": "对账单（含金额明细）",
        "en": "Your statements with amounts",
    },
    "ReadTransactionsBasic": {"zh": "交易记录", "en": "Your transactions"},
    "ReadTransactionsDetail": {
        "zh": "交易记录（含商户和对方信息）",
        "en": "Your transactions with merchant and counterparty details",
    },
    "ReadTransactionsCredits": {"zh": "入账交易", "en": "Money coming in"},
    "ReadTransactionsDebits": {"zh": "出账交易", "en": "Money going out"},
}

KINDS: dict[str, dict[str, str]] = {
    "account-access": {"zh": "查看账户信息", "en": "View your account information"},
    "domestic-payment": {"zh": "发起一笔付款", "en": "Make a payment"},
    "domestic-scheduled-payment": {"zh": "预约一笔付款", "en": "Schedule a payment"},
    "domestic-standing-order": {"zh": "设立定期付款", "en": "Set up a standing order"},
    "funds-confirmation": {
        "zh": "确认账户资金是否充足",
        "en": "Confirm whether your account has enough funds",
    },
}

UI: dict[str, dict[str, str]] = {
    "zh": {
        "bank": "温度银行",
        "switch": "English",
        "login_title": "登录网上银行",
        "login_intro": "{partner} 请求访问您的账户。请先登录。",
        "username": "用户名",
        "password": "密码",
        "login": "登录",
        "logout": "退出登录",
        "login_failed": "用户名或密码不正确。",
        "consent_title": "授权请求",
        "consent_intro": "{partner} 请求您授权：",
        "will_see": "该应用将可以查看：",
        "choose_accounts": "请选择授权的账户：",
        "choose_one_account": "请选择付款账户：",
        "no_accounts": "您没有可用于此授权的账户。",
        "valid_until": "授权有效期至",
        "no_expiry": "长期有效，您可随时撤销",
        "tx_window": "可查看交易的时间范围",
        "amount": "金额",
        "payee": "收款人",
        "reference": "附言",
        "approve": "同意授权",
        "deny": "拒绝",
        "apps_title": "已连接的应用",
        "apps_intro": "以下应用可以访问您的账户。撤销后立即失效。",
        "no_apps": "目前没有已连接的应用。",
        "authorised_at": "授权时间",
        "accounts": "账户",
        "revoke": "撤销授权",
        "revoked": "已撤销该应用的授权。",
        "error_title": "无法完成请求",
        "session_expired": "页面已过期，请返回应用重新发起。",
        "csrf_failed": "表单已失效，请刷新页面后重试。",
        "login_to_continue": "请登录以管理已连接的应用。",
        "pick_accounts": "请至少选择一个账户。",
        "pick_one_account": "请只选择一个账户。",
        "account_unavailable": "所选账户不可用于此授权。",
    },
    "en": {
        "bank": "Wendu Bank",
        "switch": "中文",
        "login_title": "Log in to online banking",
        "login_intro": "{partner} is asking to access your accounts. Please log in first.",
        "username": "Username",
        "password": "Password",
        "login": "Log in",
        "logout": "Log out",
        "login_failed": "The username or password is not correct.",
        "consent_title": "Authorisation request",
        "consent_intro": "{partner} asks you to allow it to:",
        "will_see": "The app will be able to see:",
        "choose_accounts": "Choose the accounts to share:",
        "choose_one_account": "Choose the account to pay from:",
        "no_accounts": "You have no account that can be used for this request.",
        "valid_until": "Valid until",
        "no_expiry": "No end date; you can revoke it at any time",
        "tx_window": "Transactions it may see",
        "amount": "Amount",
        "payee": "Payee",
        "reference": "Reference",
        "approve": "Allow",
        "deny": "Deny",
        "apps_title": "Connected apps",
        "apps_intro": "These apps can access your accounts. Revoking takes effect at once.",
        "no_apps": "No apps are connected.",
        "authorised_at": "Authorised",
        "accounts": "Accounts",
        "revoke": "Revoke access",
        "revoked": "The app's access was revoked.",
        "error_title": "The request cannot be completed",
        "session_expired": "This page has expired; please start again from the app.",
        "csrf_failed": "The form has expired; please reload the page and try again.",
        "login_to_continue": "Log in to manage your connected apps.",
        "pick_accounts": "Choose at least one account.",
        "pick_one_account": "Choose exactly one account.",
        "account_unavailable": "An account you chose cannot be used for this request.",
    },
}


def permission_text(code: str, lang: str) -> str:
    """Return the plain-words description of a permission (the code itself if unknown)."""
    return PERMISSIONS.get(code, {}).get(lang, code)


def kind_text(kind: str, lang: str) -> str:
    """Return the plain-words description of a consent kind."""
    return KINDS.get(kind, {}).get(lang, kind)
