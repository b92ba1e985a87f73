"""htmx helpers: detect htmx requests, redirect them, render a partial or the full page."""
from __future__ import annotations

from flask import Response, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def htmx_redirect(url: str) -> Response:
    """A redirect htmx follows with a full page load (never swapped into a fragment)."""
    # 200, not 401: htmx acts on the header either way, and the browser logs no error.
    response = Response(status=200)
    response.headers["HX-Redirect"] = url
    return response


def render_page_or_partial(page_template: str, partial_template: str, **context) -> str:
    """Render the ``_partial`` for htmx requests and the full page otherwise."""
    return render_template(partial_template if is_htmx() else page_template, **context)
