"""The strategy overview's status form (StatusForm): adopting without a name or with a name too
long is named at the name field (aria-invalid, the message beside it, a linked summary entry) and
the typed name stays; an unknown button is refused."""
from __future__ import annotations

import re

from sqlalchemy import select

from consult.extensions import db
from consult.strategy.models import DraftStatus, StrategyDraft
from tests.conftest import post_form
from tests.test_strategy import BASE, create, world  # noqa: F401  (the fixture)


def name_input(page: str) -> str:
    return re.search(r'<input[^>]*id="adopt-name"[^>]*>', page).group(0)


def test_adopting_names_a_wrong_name_at_its_field_and_keeps_it(world):  # noqa: F811
    create(world)
    editor = world["clients"]["editor"]
    nameless = post_form(editor, BASE, {"action": "adopt", "name": "  "})
    page = nameless.get_data(as_text=True)
    assert nameless.status_code == 200 and "<title>Fout:" in page
    assert re.search(r'<a class="utrecht-link" href="#adopt-name">Geef de vastgestelde versie een naam', page)
    assert 'aria-invalid="true"' in name_input(page) and 'id="adopt-name-error"' in page
    long_name = "Inkoopstrategie " + "x" * 200
    too_long = post_form(editor, BASE, {"action": "adopt", "name": long_name}).get_data(as_text=True)
    assert "Gebruik hooguit 200 tekens." in too_long and long_name in name_input(too_long)
    assert db.session.scalar(select(StrategyDraft)).status == DraftStatus.CONCEPT
    assert post_form(editor, BASE, {"action": "melt", "name": "x"}).status_code == 400
    assert post_form(editor, BASE, {"action": "adopt", "name": "Inkoopstrategie 2027"}).status_code == 302
    assert db.session.scalar(select(StrategyDraft)).adopted_name == "Inkoopstrategie 2027"
    # Adopted: nobody writes the draft any more.
    assert post_form(editor, BASE, {"action": "share"}).status_code == 403


def test_a_comment_left_empty_or_too_long_is_named_at_its_field_and_kept(world):  # noqa: F811
    create(world)
    editor, council = world["clients"]["editor"], world["clients"]["council"]
    post_form(editor, BASE, {"action": "share"})
    empty = post_form(council, f"{BASE}/comments", {"part": "general", "body": "  "})
    page = empty.get_data(as_text=True)
    assert empty.status_code == 200 and '<a class="utrecht-link" href="#comment-body">Schrijf uw opmerking.</a>' in page
    body = re.search(r'<textarea[^>]*id="comment-body"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in body and 'aria-describedby="comment-body-error"' in body
    long_text = "Let op " + "x" * 10_000
    too_long = post_form(council, f"{BASE}/comments", {"part": "general", "body": long_text}).get_data(as_text=True)
    assert "Gebruik hooguit 10000 tekens." in too_long and f"{long_text}</textarea>" in too_long
    assert post_form(council, f"{BASE}/comments", {"part": "general", "body": "Let op de overgang."}).status_code == 302


def test_a_reply_left_empty_is_named_at_its_comment_and_a_long_one_kept(world):  # noqa: F811
    from consult.strategy.models import StrategyComment
    from consult.strategy.services import PART_PAGE_SIZE

    draft = create(world)
    editor = world["clients"]["editor"]
    post_form(editor, BASE, {"action": "share"})
    for n in range(PART_PAGE_SIZE + 1):
        db.session.add(StrategyComment(draft_id=draft.id, part="general", author_id=world["users"]["council"].id,
                                       organisation_id=world["council"].id, body=f"Opmerking {n:03d}"))
    db.session.commit()
    last = db.session.scalar(select(StrategyComment).order_by(StrategyComment.id.desc()))
    long_reply = "Opgepakt " + "x" * 10_000
    refused = post_form(editor, f"{BASE}/comments", {"part": "general", "action": "handle", "comment": str(last.id),
                                                    "reply": long_reply})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and f'href="#reply-{last.id}">Gebruik hooguit 10000 tekens.</a>' in page
    textarea = re.search(rf'<textarea[^>]*id="reply-{last.id}"[^>]*>([^<]*)</textarea>', page)
    assert 'aria-invalid="true"' in textarea.group(0) and textarea.group(1) == long_reply  # on its page, kept
    empty = post_form(editor, f"{BASE}/comments", {"part": "general", "action": "handle", "comment": str(last.id),
                                                  "reply": " "})
    assert f'href="#reply-{last.id}">Schrijf de reactie op de opmerking.</a>' in empty.get_data(as_text=True)
    assert post_form(editor, f"{BASE}/comments", {"part": "general", "action": "handle", "comment": "999999",
                                                 "reply": "x"}).status_code == 404
    assert db.session.get(StrategyComment, last.id).handled_at is None


def test_a_restore_of_no_revision_or_anothers_is_not_found(world):  # noqa: F811
    create(world)
    editor = world["clients"]["editor"]
    for revision in ("", "abc", "999999"):
        assert post_form(editor, f"{BASE}/revisions", {"revision": revision}).status_code == 404


def test_linking_input_reads_its_form_and_keeps_what_was_typed(world):  # noqa: F811
    create(world)
    editor = world["clients"]["editor"]
    response, question = world["response"], world["theme"].questions[0]
    source = f"answer:{response.id}-{question.id}"
    url = f"{BASE}/evidence?part=general"
    undecided = post_form(editor, url, {"source": source, "disposition": "maybe", "reason": "Sluit aan bij de visie."})
    page = undecided.get_data(as_text=True)
    assert undecided.status_code == 200 and 'href="#disposition">Kies wat er met de inbreng is gedaan' in page
    assert "Sluit aan bij de visie.</textarea>" in page and f'value="{source}" checked' in page
    assert post_form(editor, url, {"action": "unlink", "link": "abc"}).status_code == 404
    assert post_form(editor, url, {"source": source, "disposition": "adopted", "reason": "Past."}).status_code == 302
