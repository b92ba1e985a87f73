"""Saving a strategy part keeps the person on the page of its input (and comments) they were on,
also when the save is refused; the segment's Remove button is read through its own form."""
from __future__ import annotations

from sqlalchemy import select

from consult.extensions import db
from consult.strategy.models import Segment
from consult.strategy.services import GENERAL, PART_PAGE_SIZE
from tests.conftest import post_form, text_of
from tests.test_strategy import BASE, add_segment, create, world  # noqa: F401  (the fixture)
from tests.test_strategy_paging import _links


def test_saving_the_general_part_keeps_the_page_of_its_input(world):  # noqa: F811
    draft = create(world)
    editor = world["clients"]["editor"]
    _links(draft, GENERAL, PART_PAGE_SIZE + 3)
    url = f"{BASE}/general?evidence_page=2"
    page = editor.get(url).get_data(as_text=True)
    assert f'<form method="post" action="{BASE}/general?evidence_page=2" novalidate>' in page
    saved = post_form(editor, url, {"principles": "Zorg dichtbij", "change_tasks": "", "version": str(draft.version)},
                      csrf_from=url)
    assert saved.status_code == 302 and saved.headers["Location"] == url
    # A refused save shows the same page of the input, the text kept and the form sent back there.
    too_long = "x" * 20_001
    refused = post_form(editor, url, {"principles": too_long, "change_tasks": "", "version": str(draft.version)},
                        csrf_from=url)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Gebruik hooguit 20000 tekens." in text_of(refused)
    assert f"Reden {PART_PAGE_SIZE:03d}" in html and "Reden 000" not in html and too_long in html
    assert f'<form method="post" action="{BASE}/general?evidence_page=2" novalidate>' in html
    # From the first page the address stays plain.
    first = post_form(editor, f"{BASE}/general", {"principles": "Zorg thuis", "change_tasks": "",
                                                   "version": str(draft.version)}, csrf_from=f"{BASE}/general")
    assert first.headers["Location"] == f"{BASE}/general"


def test_saving_a_segment_keeps_the_page_of_its_input(world):  # noqa: F811
    draft = create(world)
    editor = world["clients"]["editor"]
    assert add_segment(world).status_code == 302
    segment = db.session.scalar(select(Segment))
    _links(draft, f"segment:{segment.id}", PART_PAGE_SIZE + 1)
    url = f"{BASE}/segments/{segment.id}?evidence_page=2"
    page = editor.get(url).get_data(as_text=True)
    assert f'action="{BASE}/segments/{segment.id}?evidence_page=2" novalidate>' in page
    saved = post_form(editor, url, {"name": "Dagbesteding", "version": str(segment.version)}, csrf_from=url)
    assert saved.status_code == 302 and saved.headers["Location"] == url


def test_the_remove_button_of_a_segment_is_read_through_its_form(world):  # noqa: F811
    create(world)
    editor = world["clients"]["editor"]
    assert add_segment(world).status_code == 302
    segment = db.session.scalar(select(Segment))
    url = f"{BASE}/segments/{segment.id}"
    # Another action, or none, is a save of the segment, not a removal.
    other = post_form(editor, url, {"action": "delete", "name": ""}, csrf_from=url)
    assert other.status_code == 200 and "Geef het segment een naam." in text_of(other)
    # A version that is not a number reads as none: the service checks the one it loads.
    removed = post_form(editor, url, {"action": "remove", "version": "abc"}, csrf_from=url)
    assert removed.status_code == 302 and removed.headers["Location"] == BASE
    db.session.expire_all()
    assert db.session.get(Segment, segment.id).deleted_at is not None
