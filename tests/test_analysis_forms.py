"""The tag form of the analysis (TagForm): a wrong value is named at its own field (aria-invalid,
the message beside it, a linked summary entry) and everything typed stays; the tag list is paged
(30 by name) and a saved tag opens on its page."""
from __future__ import annotations

import re

from sqlalchemy import select

from consult.analysis.models import Tag
from consult.extensions import db
from tests.conftest import post_form, text_of
from tests.test_analysis import client_for, world  # noqa: F401  (the fixture)

TAGS = "/consultations/wmo/analysis/tags"


def field_html(page: str, field_id: str) -> str:
    return re.search(rf'<(?:input|textarea)[^>]*id="{field_id}"[^>]*>', page).group(0)


def test_a_wrong_tag_is_named_at_its_field_and_the_text_is_kept(app, world):  # noqa: F811
    client = client_for(app, "analyst@example.org")
    long_name = "Reistijd " + "x" * 80
    bad = post_form(client, TAGS, {"name": long_name, "colour": "green", "description": "Over de reistijd"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 200 and page.count("Gebruik hooguit 80 tekens.") == 2  # summary and field
    assert '<a class="utrecht-link" href="#tag-name">Gebruik hooguit 80 tekens.</a>' in page
    name = field_html(page, "tag-name")
    assert 'aria-invalid="true"' in name and 'aria-describedby="tag-name-error"' in name and long_name in name
    assert "Over de reistijd</textarea>" in page and 'id="colour-green" name="colour" value="green" checked' in page
    assert db.session.scalar(select(Tag)) is None

    colourless = post_form(client, TAGS, {"name": "Reistijd", "colour": "pink"})
    page = colourless.get_data(as_text=True)
    assert '<a class="utrecht-link" href="#colour">Kies een van de kleuren.</a>' in page
    assert 'aria-describedby="colour-error"' in page and 'value="Reistijd"' in page

    assert post_form(client, TAGS, {"name": "Reistijd", "colour": "green"}).status_code == 302
    twice = post_form(client, TAGS, {"name": "reistijd", "colour": "red", "description": "Nog eens"})
    page = twice.get_data(as_text=True)
    assert "Er is al een tag met deze naam." in text_of(twice)
    assert 'aria-invalid="true"' in field_html(page, "tag-name") and 'value="reistijd"' in page
    assert "Nog eens</textarea>" in page and db.session.query(Tag).count() == 1


def test_the_tag_list_is_paged_and_a_saved_tag_opens_on_its_page(app, world):  # noqa: F811
    for n in range(35):
        db.session.add(Tag(consultation_id=world["consultation"].id, name=f"Tag {n:02d}", colour="blue"))
    db.session.commit()
    client = client_for(app, "analyst@example.org")
    first = client.get(TAGS).get_data(as_text=True)
    assert "Tag 00" in first and "Tag 29" in first and "Tag 30" not in first
    assert "35 tags. Pagina 1 van 2." in first and f'href="{TAGS}?page=2"' in first
    second = client.get(f"{TAGS}?page=2").get_data(as_text=True)
    assert "Tag 34" in second and "Tag 29" not in second
    saved = post_form(client, TAGS, {"name": "Zorgpad", "colour": "grey"})
    assert saved.headers["Location"] == f"{TAGS}?page=2"
    tag = db.session.scalar(select(Tag).where(Tag.name == "Tag 31"))
    changed = post_form(client, f"{TAGS}?edit={tag.id}&page=2", {"name": "Aanpak", "colour": "grey"})
    assert changed.headers["Location"] == TAGS  # by name, "Aanpak" comes first


def test_a_wrong_theme_synthesis_is_named_at_its_field_and_kept(app, world):  # noqa: F811
    client = client_for(app, "analyst@example.org")
    url = f"/consultations/wmo/analysis/themes/{world['theme'].id}"
    long_text = "Wat we hoorden " + "x" * 20_000
    too_long = post_form(client, url, {"synthesis": long_text, "status": "draft", "version": "0"})
    page = too_long.get_data(as_text=True)
    assert too_long.status_code == 200 and "Gebruik hooguit 20000 tekens." in page and long_text in page
    assert 'aria-invalid="true"' in re.search(r'<textarea[^>]*id="synthesis-text"[^>]*>', page).group(0)
    wrong = post_form(client, url, {"synthesis": "Korte lijnen", "status": "perhaps", "version": "0"})
    assert "Kies concept of definitief." in text_of(wrong) and "Korte lijnen" in wrong.get_data(as_text=True)
    empty_final = post_form(client, url, {"synthesis": " ", "status": "final", "version": "0"})
    assert "Schrijf de synthese voordat u die definitief maakt." in text_of(empty_final)
    assert post_form(client, url, {"synthesis": "Korte lijnen", "status": "final", "version": "0"}).status_code == 302


def test_the_buttons_on_a_message_are_read_through_their_form(app, world):  # noqa: F811
    from consult.dialogue.models import Post
    from consult.dialogue.services import create_thread, reply
    from tests.conftest import make_org, make_user

    provider = make_user("praat@example.org", name="Piet Praat", org=make_org("Zorg Praat", kvk="80000001"))
    thread = create_thread(world["consultation"], None, "Reistijd", "Reistijd wordt nergens vergoed.", by=provider)
    own = reply(thread, "Het team kijkt ernaar.", by=world["users"]["editor"])
    tag = Tag(consultation_id=world["consultation"].id, name="Reistijd", colour="green")
    db.session.add(tag)
    db.session.commit()
    post = db.session.scalar(select(Post).where(Post.author_id == provider.id))
    client = client_for(app, "analyst@example.org")
    url = "/consultations/wmo/analysis/posts"
    untagged = post_form(client, url, {"action": "tag", "post": str(post.id), "tag": ""})
    page = untagged.get_data(as_text=True)
    assert untagged.status_code == 200 and f'<a class="utrecht-link" href="#tag-{post.id}">Kies een tag.</a>' in page
    assert f'aria-invalid="true" aria-describedby="tag-{post.id}-error"' in page
    # Not a number, no such message, or the team's own (not input): not found, as before.
    for post_id in ("abc", "999999", str(own.id)):
        assert post_form(client, url, {"action": "tag", "post": post_id, "tag": str(tag.id)}).status_code == 404
    assert post_form(client, url, {"action": "remove_coding", "coding": "x"}).status_code == 404
    assert post_form(client, url, {"action": "quote", "post": str(post.id), "excerpt": "nergens vergoed",
                                   "at": "not a number"}).status_code == 302


def test_deleting_a_tag_reads_its_button_and_a_wrong_one_is_not_found(app, world):  # noqa: F811
    tag = Tag(consultation_id=world["consultation"].id, name="Reistijd", colour="blue")
    db.session.add(tag)
    db.session.commit()
    client = client_for(app, "analyst@example.org")
    for wrong in ("abc", "999999", ""):
        assert post_form(client, TAGS, {"action": "delete", "tag": wrong}).status_code == 404
    assert post_form(client, TAGS, {"action": "delete", "tag": str(tag.id)}).status_code == 302
    assert db.session.scalar(select(Tag)) is None
