"""Rate limits on everything that checks a secret or costs a mail: one table, one way to count.

Every limit is a named rule in ``RULES``; its value comes from the configuration (key
``RATELIMIT_<NAME>``), so an instance can tighten it. Counts live in Flask-Limiter's storage:
Redis when ``REDIS_URL`` is set (shared by every worker and node), memory otherwise (the
embedded default runs one process). Guessing at one account's password or codes is counted in
the database as well, atomically, with a lock-out policy of its own (``consult.auth.lockout``).

Two ways to apply a rule:

* ``@limit_route("rule", ...)`` refuses the whole request before the view runs (links with a
  token, the receipt check): the 429 page says when to try again;
* ``hit("rule", key)`` inside a view, after its form validated, so the page can keep what the
  person typed and say the same thing in the form.

Each request notes the rules it counted in (``g.limits_counted``) and the kinds of secret it
checked (``g.secrets_checked``); the access walk in the tests uses both to prove that every
route that checks a secret is limited.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps

from flask import Flask, current_app, g, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from limits import parse

from consult.core.addresses import normalise_email
from consult.core.htmx import is_htmx
from consult.core.time import to_local
from consult.extensions import limiter


@dataclass(frozen=True)
class Rule:
    """A named limit: its default value (``limits`` notation) and what it is counted per."""

    default: str
    per: str  # "address" or "email" (the e-mail address a form names)
    description: str

    def value(self, name: str) -> str:
        return current_app.config[config_key(name)]


RULES: dict[str, Rule] = {
    # Links that carry a token (reset, verification, invitation, unsubscribe).
    "token_link": Rule("30 per hour", "address", "links with a token, per address and route"),
    "receipt_check": Rule("30 per hour", "address", "receipt codes checked, per address"),
    # Codes typed while setting up two-step login (checked against the new key, not the account's).
    "two_factor_setup": Rule("20 per 15 minutes", "address", "two-step set-up codes, per address"),
    "reset_request": Rule("10 per hour", "address", "password-reset requests, per address"),
    "reset_request_email": Rule("3 per hour", "email", "password-reset mails, per e-mail address"),
    "registration": Rule("10 per hour", "address", "registrations, per address"),
    "registration_email": Rule("3 per hour", "email", "registrations, per e-mail address"),
    "verification_request": Rule("10 per hour", "address", "new confirmation links, per address"),
    "verification_request_email": Rule("3 per hour", "email",
                                       "new confirmation links, per e-mail address"),
    # Answers of an identity provider (single sign-on) and its back-channel logout tokens.
    "sso_callback": Rule("60 per hour", "address", "single sign-on answers, per address"),
    "sso_backchannel": Rule("300 per hour", "address", "back-channel logout tokens, per address"),
    # The open data API and the Woo sitemaps: generous for a harvester, a stop for a runaway script.
    "open_data": Rule("300 per minute", "address", "open data API requests, per address"),
    # Passwords and codes: counted in the database (consult.auth.lockout), noted here by name.
    "secret_guess": Rule("10 per 15 minutes", "address",
                         "wrong passwords and codes, per account and address (database)"),
}


def config_key(name: str) -> str:
    return f"RATELIMIT_{name.upper()}"


class Throttled(Exception):
    """A limit is reached; ``retry_at`` (UTC) is when the next attempt is counted again."""

    def __init__(self, retry_at: datetime, rule: str):
        super().__init__(rule)
        self.retry_at = retry_at
        self.rule = rule


def configure_limits(app: Flask) -> None:
    """Bind Flask-Limiter to the app: Redis when REDIS_URL is set, memory otherwise."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "consult")
    # Under load Redis may be briefly unreachable: count in memory meanwhile, never a 500.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    for name, rule in RULES.items():
        app.config.setdefault(config_key(name), rule.default)
    limiter.init_app(app)

    from flask_limiter.errors import RateLimitExceeded

    @app.errorhandler(RateLimitExceeded)
    def _too_many(_error):
        # Limits declared with Flask-Limiter's own decorator (exports, receipts) end here.
        current = limiter.current_limit
        reset = current.reset_at if current is not None else time.time() + 60
        return too_many_response(datetime.fromtimestamp(reset, tz=UTC))


def note_secret_check(kind: str) -> None:
    """Record that this request checked a secret (password, code, token, receipt)."""
    g.setdefault("secrets_checked", []).append(kind)


def note_limit_counted(rule: str) -> None:
    """Record that this request counted towards rule ``rule``."""
    g.setdefault("limits_counted", []).append(rule)


def key_for(rule: Rule, email: str | None = None) -> str:
    if rule.per == "email":
        return normalise_email(email or "")
    return request.remote_addr or "unknown"


def hit(name: str, email: str | None = None, *, scope: str = "") -> None:
    """Count one request against rule ``name``; raise Throttled when the limit is reached.

    ``scope`` keeps separate counts per route where one rule guards several. A refused request
    is not counted, so waiting until ``retry_at`` is always enough.
    """
    rule = RULES[name]
    note_limit_counted(name)
    if not limiter.enabled:
        return
    item = parse(rule.value(name))
    key = key_for(rule, email)
    strategy = limiter.limiter
    # The prefix keeps the counts of several sites on one Redis apart.
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    if strategy.hit(item, prefix, name, scope, key):
        return
    reset_at, _remaining = strategy.get_window_stats(item, prefix, name, scope, key)
    raise Throttled(datetime.fromtimestamp(reset_at, tz=UTC), name)


def check_all(names: tuple[str, ...], email: str | None = None, *, scope: str = "") -> None:
    """Count against every rule in ``names`` (all of them, so each limit sees every request)."""
    refused: Throttled | None = None
    for name in names:
        try:
            hit(name, email, scope=scope)
        except Throttled as error:
            if refused is None or error.retry_at > refused.retry_at:
                refused = error
    if refused is not None:
        raise refused


def limit_route(*names: str, methods: tuple[str, ...] = ("GET", "POST"), if_value: str | None = None):
    """Refuse a whole request with the 429 page once one of the rules is reached.

    With ``if_value``, only requests that carry that query or form value count (a page that
    shows an empty form costs nothing).
    """

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if request.method in methods and (if_value is None or request.values.get(if_value)):
                try:
                    check_all(names, scope=request.endpoint or "")
                except Throttled as error:
                    return too_many_response(error.retry_at)
            return view(*args, **kwargs)

        wrapper.limit_rules = names
        return wrapper

    return decorate


def retry_message(retry_at: datetime) -> str:
    """'Try again from 14:05.' in the reader's language and time zone, to the minute."""
    from consult.core.templating import format_clock

    local = to_local(retry_at)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return _("You can try again from %(time)s.", time=format_clock(local))


TOO_MANY_TITLE = _l("Too many attempts")
TOO_MANY_MESSAGE = _l("There were too many attempts in a short time, so this was not done.")


def too_many_response(retry_at: datetime):
    """The 429 page (or fragment) with the time to try again and a Retry-After header."""
    template = "errors/_too_many.html" if is_htmx() else "errors/too_many.html"
    body = render_template(template, title=TOO_MANY_TITLE, message=TOO_MANY_MESSAGE,
                           retry=retry_message(retry_at))
    response = make_response(body, 429)
    response.headers["Retry-After"] = str(retry_after_seconds(retry_at))
    return response


def retry_after_seconds(retry_at: datetime) -> int:
    return max(1, math.ceil((retry_at - datetime.now(UTC)).total_seconds()))


def refused_form(template: str, form, message: str, retry_at: datetime, **context):
    """A form page refused by a limit: the message on the form (what was typed stays), 429 and Retry-After."""
    form.form_errors.append(f"{message} {retry_message(retry_at)}")
    return (render_template(template, form=form, **context), 429,
            {"Retry-After": str(retry_after_seconds(retry_at))})
