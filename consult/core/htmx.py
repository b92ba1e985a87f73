"""htmx, through flask-htmx: whether a request wants a partial, and the responses that steer htmx.

``htmx`` (the extension, ``consult.extensions.htmx``) reads the request headers. A
history-restore request (the person pressed Back and htmx has no cached copy) carries
``HX-Request`` too, but replaces the whole body: it must get the full page, never a fragment.
"""
from __future__ import annotations

from flask import Response, render_template
from flask_htmx import make_response

from consult.extensions import htmx


def is_htmx() -> bool:
    """True for an htmx request that swaps a part of the page (so not for a history restore)."""
    return bool(htmx) and not htmx.history_restore_request


def current_url() -> str | None:
    """The page the htmx request came from (``HX-Current-URL``), or None."""
    return htmx.current_url if htmx else None


def htmx_redirect(url: str) -> Response:
    """A redirect htmx follows with a full page load (never swapped into a fragment)."""
    # 200, not 401: htmx acts on the header either way, and the browser logs no error.
    return make_response(redirect=url)


def retarget(body, target: str, swap: str) -> Response:
    """``body`` swapped into ``target`` (a CSS selector) with ``swap`` instead of the request's own."""
    return make_response(body, retarget=target, reswap=swap)


def render_page_or_partial(page_template: str, partial_template: str, **context) -> str:
    """Render the ``_partial`` for htmx requests and the full page otherwise."""
    return render_template(partial_template if is_htmx() else page_template, **context)
