"""Limits on documents made while someone waits: per user and per address.

A published report is rendered once per version and then sent as a stored file; what is still
generated on request (answer exports as CSV or XLSX, receipts as PDF, the team's preview of a
report) costs seconds of CPU each time, so each kind is counted per logged-in user and per
address, in Flask-Limiter's storage (Redis when REDIS_URL is set, memory otherwise). Values come
from the configuration: ``GENERATE_LIMIT_PER_USER`` and ``GENERATE_LIMIT_PER_ADDRESS``.
"""
from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import wraps

from flask import current_app, request
from flask_login import current_user
from limits import parse

from consult.core.limits import Throttled, too_many_response
from consult.extensions import limiter

# The kinds of generated documents, each counted on its own.
KINDS = ("answers_export", "receipt_pdf", "report_render")


def _counters() -> list[tuple[str, str]]:
    """(limit, key) pairs that apply to this request: the user's (when logged in), then the
    address's, so someone at their own limit does not use up what colleagues behind the same
    address may still do."""
    config = current_app.config
    counters = [(config["GENERATE_LIMIT_PER_ADDRESS"], f"address:{request.remote_addr or 'unknown'}")]
    if current_user.is_authenticated:
        counters.insert(0, (config["GENERATE_LIMIT_PER_USER"], f"user:{current_user.id}"))
    return counters


def count_generation(kind: str) -> None:
    """Count one generated document of ``kind`` for the user and for the address; raise Throttled
    once either has reached its limit. Each count is one atomic hit in the limiter's storage, so
    parallel requests cannot slip past the limit together."""
    if kind not in KINDS:
        raise ValueError(kind)
    if not limiter.enabled:
        return
    strategy = limiter.limiter
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]  # several sites on one Redis count apart
    for value, key in _counters():
        item = parse(value)
        if not strategy.hit(item, prefix, "generate", kind, key):
            reset_at, _remaining = strategy.get_window_stats(item, prefix, "generate", kind, key)
            raise Throttled(datetime.fromtimestamp(math.ceil(reset_at), tz=UTC), kind)


def limit_generation(kind: str):
    """Refuse the request with the 429 page (the time to try again, Retry-After) when the user or
    the address has generated too many documents of ``kind``; count it otherwise."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            try:
                count_generation(kind)
            except Throttled as error:
                return too_many_response(error.retry_at)
            return view(*args, **kwargs)

        wrapper.generation_limit = kind
        return wrapper

    return decorate
