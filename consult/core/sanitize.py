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


def markdown_parts(text: str | None) -> list[tuple[str, str | list[str]]]:
    """User Markdown as plain-text parts for documents that are not HTML (a report in ODT, DOCX and
    PDF alike): ``("heading", text)``, ``("paragraph", text)`` and ``("list", items)`` or
    ``("ordered", items)``. Emphasis marks go, a link keeps its address in brackets, a table becomes
    a paragraph per row; invisible characters are dropped as in :func:`render_markdown`."""
    parts: list[tuple[str, str | list[str]]] = []
    lists: list[tuple[str, list[str]]] = []  # the lists open around the current token, outermost first
    in_heading = in_cell = False
    row: list[str] = []
    for token in _markdown.parse(_INVISIBLE.sub("", text or "")):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(("list" if token.type == "bullet_list_open" else "ordered", []))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            kind, items = lists.pop()
            if lists:  # a list inside an item: its items follow the item, indented
                lists[-1][1].extend(f"– {item}" for item in items)
            else:
                parts.append((kind, items))
        elif token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = token.type.endswith("_open")
        elif token.type == "tr_close":
            parts.append(("paragraph", " | ".join(row)))
            row = []
        elif token.type in ("fence", "code_block"):
            parts.append(("paragraph", token.content.rstrip("\n")))
        elif token.type == "inline":
            words = _plain_inline(token.children or [])
            if in_cell:
                row.append(words)
            elif lists:
                lists[-1][1].append(words)
            elif words:
                parts.append(("heading" if in_heading else "paragraph", words))
    return parts


def _plain_inline(children) -> str:
    words: list[str] = []
    href, start = None, 0
    for child in children:
        if child.type in ("text", "code_inline"):
            words.append(child.content)
        elif child.type == "softbreak":
            words.append(" ")
        elif child.type == "hardbreak":
            words.append("\n")
        elif child.type == "image":
            words.append(child.content)
        elif child.type == "link_open":
            href = str(child.attrGet("href") or "")
            start = len(words)
        elif child.type == "link_close":
            label = "".join(words[start:])
            if href and href != label and href != f"mailto:{label}":
                words.append(f" ({href})")
            href = None
    return "".join(words).strip()
