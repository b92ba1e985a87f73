"""A strategy part's input and the councils' comments on it are paged (20 each, their own page
numbers), so a part costs the same with 4 or 400 of either; a new or handled comment is shown on
its page; a segment's evidence stays grouped per choice across pages."""
from __future__ import annotations

import re

from sqlalchemy import select

from consult.advice.models import Disposition
from consult.extensions import db
from consult.strategy.models import EvidenceLink, Segment, StrategyComment
from consult.strategy.services import GENERAL, PART_PAGE_SIZE
from tests.conftest import post_form, text_of
from tests.test_strategy import BASE, add_segment, create, world  # noqa: F401  (the fixture)


def _links(draft, part: str, count: int, choice: str = "", start: int = 0) -> None:
    for n in range(start, start + count):
        db.session.add(EvidenceLink(draft_id=draft.id, part=part, choice=choice, source_type="qa",
                                    source_ref=str(9000 + n), disposition=Disposition.ADOPTED,
                                    reason=f"Reden {n:03d}", created_by_id=None))
    db.session.commit()


def _comments(draft, part: str, count: int, world) -> list[StrategyComment]:
    made = [StrategyComment(draft_id=draft.id, part=part, author_id=world["users"]["council"].id,
                            organisation_id=world["council"].id, body=f"Opmerking {n:03d}") for n in range(count)]
    db.session.add_all(made)
    db.session.commit()
    return made


def test_general_part_pages_its_input_and_comments_apart(world):  # noqa: F811
    draft = create(world)
    editor, council = world["clients"]["editor"], world["clients"]["council"]
    assert post_form(editor, BASE, {"action": "share"}).status_code == 302
    _links(draft, GENERAL, PART_PAGE_SIZE + 3)
    _comments(draft, GENERAL, PART_PAGE_SIZE + 5, world)
    first = editor.get(f"{BASE}/general").get_data(as_text=True)
    assert "Reden 000" in first and f"Reden {PART_PAGE_SIZE - 1:03d}" in first and f"Reden {PART_PAGE_SIZE:03d}" not in first
    assert "Opmerking 000" in first and f"Opmerking {PART_PAGE_SIZE:03d}" not in first
    # Two navigations, each named, each linking its own page parameter to its own section.
    assert "aria-label=\"Pagina's van de inbreng achter dit onderdeel\"" in first
    assert "aria-label=\"Pagina's van de opmerkingen\"" in first
    assert f'href="{BASE}/general?evidence_page=2#evidence"' in first
    assert f'href="{BASE}/general?comments_page=2#comments"' in first
    second = editor.get(f"{BASE}/general?evidence_page=2&comments_page=2").get_data(as_text=True)
    assert f"Reden {PART_PAGE_SIZE:03d}" in second and "Reden 000" not in second
    assert f"Opmerking {PART_PAGE_SIZE + 4:03d}" in second and "Opmerking 000" not in second
    # Paging one list keeps the other on its page.
    assert f'href="{BASE}/general?comments_page=2&amp;evidence_page=1#evidence"' in second
    assert f'href="{BASE}/general?evidence_page=2&amp;comments_page=1#comments"' in second
    # Past the last page (an old link): the last page.
    assert "Opmerking 000" not in editor.get(f"{BASE}/general?comments_page=99").get_data(as_text=True)
    # The council reads the comments paged too, and never the input.
    council_page = council.get(f"{BASE}/general?comments_page=2").get_data(as_text=True)
    assert f"Opmerking {PART_PAGE_SIZE:03d}" in council_page and "Reden" not in council_page


def test_a_new_or_handled_comment_is_shown_on_its_page(world):  # noqa: F811
    draft = create(world)
    editor, council = world["clients"]["editor"], world["clients"]["council"]
    post_form(editor, BASE, {"action": "share"})
    made = _comments(draft, GENERAL, PART_PAGE_SIZE + 1, world)
    added = post_form(council, f"{BASE}/comments", {"part": GENERAL, "body": "De nieuwste opmerking."})
    newest = db.session.scalar(select(StrategyComment).order_by(StrategyComment.id.desc()))
    assert added.headers["Location"] == f"{BASE}/general?comments_page=2#comment-{newest.id}"
    assert "De nieuwste opmerking." in text_of(council.get(added.headers["Location"]))
    handled = post_form(editor, f"{BASE}/comments", {"part": GENERAL, "action": "handle", "comment": str(made[0].id),
                                                    "reply": "Opgepakt."})
    assert handled.headers["Location"] == f"{BASE}/general#comment-{made[0].id}"


def test_segment_evidence_is_grouped_per_choice_over_its_pages(world):  # noqa: F811
    draft = create(world)
    editor = world["clients"]["editor"]
    assert add_segment(world).status_code == 302
    segment = db.session.scalar(select(Segment))
    part = f"segment:{segment.id}"
    _links(draft, part, PART_PAGE_SIZE + 2, choice="tariff")
    _links(draft, part, 2, choice="", start=100)  # the segment as a whole: after every choice, on page 2
    url = f"{BASE}/segments/{segment.id}"
    first = editor.get(url).get_data(as_text=True)
    assert 'id="evidence-tariff"' in first and "Reden 000" in first and f"Reden {PART_PAGE_SIZE:03d}" not in first
    # Linked to the segment as a whole, but on the next page: not "nothing linked" here.
    assert 'id="evidence-whole"' not in first
    unsupported = re.search(r'id="evidence-unsupported">([^<]*)<', first).group(1)
    assert "Tariefaanpak" not in unsupported and "Diensten in dit segment" in unsupported
    second = editor.get(f"{url}?evidence_page=2").get_data(as_text=True)
    assert f"Reden {PART_PAGE_SIZE + 1:03d}" in second and "Reden 100" in second and 'id="evidence-whole"' in second
    # The unsupported choices are the same on every page.
    assert re.search(r'id="evidence-unsupported">([^<]*)<', second).group(1) == unsupported
