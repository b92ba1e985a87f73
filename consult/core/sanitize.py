"""The one HTML-sanitising policy for user-written text.

User text is Markdown. It is rendered by markdown-it-py with raw HTML switched off and the
result is cleaned by nh3 against a small allowlist. Templates mark HTML safe only when it
comes out of this module (the ``markdown`` filter).
"""
from __future__ import annotations

import re
from urllib.parse import unquote

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


def without_invisible(text: str) -> str:
    """``text`` without the characters that hide or reorder text or end strings early (NUL)."""
    return _INVISIBLE.sub("", text)


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


def markdown_parts(text: str | None) -> list[tuple]:
    """User Markdown as plain-text parts for documents that are not HTML (a report in ODT, DOCX and
    PDF alike): ``("heading", text)``, ``("paragraph", text)`` and ``("list", items, start)``, with
    ``start`` the first number of a numbered list and None for bullets. A line break stays a line
    break; emphasis marks go, struck text keeps its ~~ (it must not read as valid), a link keeps its
    address in brackets, a table is a line per row; an item's paragraphs, code and nested lists stay
    in that item, on lines of their own. Invisible characters are dropped as in
    :func:`render_markdown`."""
    parts: list[tuple] = []
    # The lists open around the current token, outermost first: [items, start, lines of the open item].
    lists: list[list] = []
    in_heading = in_cell = False
    row: list[str] = []

    def add(line: str) -> None:
        if lists:
            lists[-1][2].append(line)
        elif line:
            parts.append(("heading" if in_heading else "paragraph", line))

    for token in _markdown.parse(_INVISIBLE.sub("", text or "")):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            start = (1 if start is None else int(start)) if kind == "ordered_list_open" else None
            lists.append([[], start, []])
        elif kind == "list_item_open":
            lists[-1][2] = []
        elif kind == "list_item_close":
            lists[-1][0].append("\n".join(line for line in lists[-1][2] if line).strip("\n"))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            items, start, _lines = lists.pop()
            if lists:  # a list inside an item: its items are lines of that item
                lists[-1][2].extend(list_lines(items, start, "–"))
            else:
                parts.append(("list", items, start))
        elif kind in ("heading_open", "heading_close"):
            in_heading = kind == "heading_open"
        elif kind in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = kind.endswith("_open")
        elif kind == "tr_close":
            add(" | ".join(row))
            row = []
        elif kind in ("fence", "code_block"):
            add(token.content.rstrip("\n"))
        elif kind == "inline":
            words = _plain_inline(token.children or [])
            if in_cell:
                row.append(words)
            else:
                add(words)
    return parts


def list_lines(items: list[str], start: int | None, bullet: str = "•") -> list[str]:
    """List items as lines: "• item", or "3. item" counting from ``start``."""
    return [f"{bullet} {item}" if start is None else f"{n}. {item}"
            for n, item in enumerate(items, start=1 if start is None else start)]


def _plain_inline(children) -> str:
    words: list[str] = []
    href, start = None, 0
    for child in children:
        if child.type in ("text", "code_inline"):
            words.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            words.append("\n")
        elif child.type in ("s_open", "s_close"):
            words.append("~~")
        elif child.type == "image":
            words.append(child.content)
        elif child.type == "link_open":
            href = str(child.attrGet("href") or "")
            start = len(words)
        elif child.type == "link_close":
            label = "".join(words[start:])
            if href and not {href, unquote(href)} & {label, f"mailto:{label}"}:
                words.append(f" ({href})")
            href = None
    return "".join(words).strip()
