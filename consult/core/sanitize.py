"""The one HTML-sanitising policy for user-written text.

User text is Markdown. It is rendered by markdown-it-py with raw HTML switched off and the
result is cleaned by nh3 against a small allowlist. Templates mark HTML safe only when it
comes out of this module (the ``markdown`` filter).
"""
from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

# Characters that can reorder or hide text (bidi overrides, zero-width joiners) or end
# strings early (NUL). They are dropped from rendered output; stored text stays as typed.
_INVISIBLE = re.compile("[\x00\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
)


def _shift_headings(html: str) -> str:
    # A page has one h1 (its title); user headings start at h2.
    return re.sub(r"<(/?)h1>", r"<\1h2>", html)


def clean_html(html: str) -> Markup:
    """Return ``html`` reduced to the allowlist, as Markup safe to put in a page."""
    cleaned = nh3.clean(
        _INVISIBLE.sub("", html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return Markup(cleaned)


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown to sanitised HTML."""
    if not text:
        return Markup("")
    return clean_html(_shift_headings(_markdown.render(text)))
