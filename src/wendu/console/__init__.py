"""The staff web console: server-rendered pages, assets served from the package.

Module map: ``router`` (sign-in, language, overview, partners; includes the others),
``desk`` (inbox, conversation, tickets, customer 360, SLA board) over
``wendu.helpdesk.actions`` (the staff use cases the helpdesk API calls too: scope checks,
audit entries), ``manage`` (reports, knowledge base editor, audit search), ``auth`` (session
cookie, CSRF), ``render``/``i18n`` (Jinja2, zh/en catalogue), ``charts`` (inline SVG),
``static``, ``failures`` (every error staff can meet mapped to a zh/en message; the API's
English text is never shown) and ``route`` (the route class that renders failures as
translated error pages). Every POST checks CSRF and refuses read-only roles; agents see only
their teams' queues; ``repository`` turns the ids in reports into names.
"""
