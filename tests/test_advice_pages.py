"""Advice with many points is shown 10 points a page: the council's draft, the team's reply form
(a reply per point on every page, published only when every point of every page has one) and the
published advice. The council comments are paged too."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from consult.advice.models import AdvicePoint, AdviceStatus, CouncilComment, Disposition
from consult.core.time import utcnow
from consult.extensions import db
from tests.conftest import post_form, text_of
from tests.test_advice import advice_of, request_advice, world  # noqa: F401  (the fixture)


def many_points(world, count: int):
    request_advice(world)
    advice = advice_of(world)
    for n in range(1, count + 1):
        advice.points.append(AdvicePoint(title=f"Punt {n}", body=f"Tekst van punt {n}.", position=n))
    db.session.commit()
    return advice


def submitted(world, count: int):
    advice = many_points(world, count)
    assert post_form(world["clients"]["contact"], f"/advice/{advice.id}/submit").status_code == 302
    db.session.refresh(advice)
    assert advice.status == AdviceStatus.SUBMITTED
    return advice


def reply_fields(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<textarea[^>]* name="reply_(\d+)"', html)]


def headings(response) -> list[str]:
    return re.findall(r"Adviespunt (\d+): Punt \1", text_of(response))


def test_the_team_replies_page_by_page_and_publishes_when_every_point_has_a_reply(world):
    advice = submitted(world, 45)
    ids = [p.id for p in advice.points]
    editor = world["clients"]["editor"]

    def reply(page: int, points, action="save", **extra):
        data = {"reply_introduction": "Dank.", "action": action, "page": str(page),
                "version": str(advice_of(world).reply_version), **extra}
        for point_id in points:
            data[f"disposition_{point_id}"], data[f"reply_{point_id}"] = "adopted", f"Ja, {point_id}."
        return post_form(editor, f"/advice/{advice.id}/reply", data)

    first = editor.get(f"/advice/{advice.id}")
    assert reply_fields(first.get_data(as_text=True)) == ids[:10]
    assert headings(first) == [str(n) for n in range(1, 11)]
    text = text_of(first)
    assert "Adviespunten 1 tot en met 10 van 45." in text
    assert "Het reactieformulier bevat de punten van deze pagina: sla de reactie op voordat u naar een andere " \
           "pagina gaat." in text
    assert re.search(rf'rel="next" href="/advice/{advice.id}\?page=2"', first.get_data(as_text=True))
    last = editor.get(f"/advice/{advice.id}?page=5")
    assert reply_fields(last.get_data(as_text=True)) == ids[40:]
    assert "Adviespunten 41 tot en met 45 van 45." in text_of(last)
    assert "Motivering bij adviespunt 41" in text_of(last)
    # An old link past the end shows the last page.
    assert reply_fields(editor.get(f"/advice/{advice.id}?page=9").get_data(as_text=True)) == ids[40:]

    # Saving page 2 writes its points only, and comes back to page 2.
    saved = reply(2, ids[10:20])
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/advice/{advice.id}?page=2#reply")
    db.session.expire_all()
    points = db.session.scalars(select(AdvicePoint).where(AdvicePoint.advice_id == advice.id)
                                .order_by(AdvicePoint.position)).all()
    assert [p.disposition for p in points] == [None] * 10 + [Disposition.ADOPTED] * 10 + [None] * 25
    assert points[15].reply == f"Ja, {ids[15]}."
    page_two = editor.get(f"/advice/{advice.id}?page=2").get_data(as_text=True)
    assert f"Ja, {ids[15]}." in page_two and 'name="page" value="2"' in page_two

    # Publishing from page 5: its own points are saved; the points of pages 1, 3 and 4 are named
    # with a link to their page.
    refused = reply(5, ids[40:44], action="publish", **{f"disposition_{ids[44]}": "not_adopted"})
    assert refused.status_code == 200
    text = text_of(refused)
    assert "Pagina 1: bij adviespunten 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ontbreekt nog een keuze of een motivering." in text
    assert "Pagina 4: bij adviespunten 31, 32, 33, 34, 35, 36, 37, 38, 39, 40 ontbreekt" in text
    assert "Geef de motivering bij adviespunt 45." in text
    assert re.search(r"Adviespunten zonder volledige reactie staan ook op: pagina 1 ?, pagina 3 ?, pagina 4", text)
    assert f'href="/advice/{advice.id}?page=3#reply"' in refused.get_data(as_text=True)
    assert reply_fields(refused.get_data(as_text=True)) == ids[40:]
    db.session.expire_all()
    assert db.session.get(AdvicePoint, ids[41]).disposition == Disposition.ADOPTED
    assert advice_of(world).status == AdviceStatus.SUBMITTED

    # The other pages answered, then publishing succeeds.
    for page, chunk in ((5, ids[40:45]), (3, ids[20:30]), (4, ids[30:40])):
        assert reply(page, chunk).status_code == 302
    assert reply(1, ids[:10], action="publish").status_code == 302
    db.session.expire_all()
    assert advice_of(world).status == AdviceStatus.PUBLISHED

    # Everyone reads the published advice a page at a time.
    for role in ("provider", "member"):
        page = world["clients"][role].get(f"/advice/{advice.id}?page=5")
        assert headings(page) == [str(n) for n in range(41, 46)]
        assert text_of(page).count("Reactie van de gemeente:") == 5
        assert f"Ja, {ids[44]}." in text_of(page)
        assert "Het reactieformulier" not in text_of(page)


def test_a_page_of_the_draft_keeps_its_buttons_and_comes_back_to_the_point(world):
    advice = many_points(world, 25)
    ids = [p.id for p in advice.points]
    member = world["clients"]["member"]
    first = member.get(f"/advice/{advice.id}")
    html = first.get_data(as_text=True)
    assert headings(first) == [str(n) for n in range(1, 11)]
    assert "Adviespunten 1 tot en met 10 van 25." in text_of(first)
    # Point 1 cannot move up; point 10 can move down (onto page 2).
    assert html.count(">Omhoog verplaatsen<") == 9 and html.count(">Omlaag verplaatsen<") == 10
    last = member.get(f"/advice/{advice.id}?page=3")
    assert headings(last) == [str(n) for n in range(21, 26)]
    assert last.get_data(as_text=True).count(">Omlaag verplaatsen<") == 4
    assert 'name="page" value="3"' in last.get_data(as_text=True)

    moved = post_form(member, f"/advice/points/{ids[9]}/move", {"direction": "down"})
    assert moved.headers["Location"].endswith(f"/advice/{advice.id}?page=2#point-{ids[9]}")
    db.session.expire_all()
    assert [p.id for p in advice_of(world).points][9:11] == [ids[10], ids[9]]

    # A point removed from page 3 brings the member back to page 3.
    removed = post_form(member, f"/advice/points/{ids[24]}/delete", {"page": "3"})
    assert removed.headers["Location"].endswith(f"/advice/{advice.id}?page=3#points")
    added = post_form(member, f"/advice/{advice.id}/points", {"title": "Nieuw punt", "body": "Nieuwe tekst."})
    new = db.session.scalar(select(AdvicePoint).where(AdvicePoint.title == "Nieuw punt"))
    assert added.headers["Location"].endswith(f"/advice/{advice.id}?page=3#point-{new.id}")

    # The point's own page has its number and leads back to its page.
    edit = member.get(f"/advice/points/{ids[22]}")
    assert "Adviespunt 23 wijzigen" in text_of(edit)
    assert f'href="/advice/{advice.id}?page=3#point-{ids[22]}"' in edit.get_data(as_text=True)
    saved = post_form(member, f"/advice/points/{ids[22]}", {"title": "Punt 23", "body": "Nieuw.",
                                                             "version": "1"})
    assert saved.headers["Location"].endswith(f"/advice/{advice.id}?page=3#point-{ids[22]}")
    assert "Adviespunt 23 is opgeslagen." in text_of(member.get(saved.headers["Location"]))


def test_a_short_advice_is_one_page_without_paging_text(world):
    advice = submitted(world, 3)
    html = world["clients"]["editor"].get(f"/advice/{advice.id}").get_data(as_text=True)
    assert len(reply_fields(html)) == 3
    assert "utrecht-pagination" not in html and "Adviespunten 1 tot en met" not in html


def test_council_comments_are_paged_and_a_new_comment_opens_on_its_page(world):
    consultation = world["consultation"]
    users = world["users"]
    when = utcnow() - timedelta(days=1)
    for n in range(1, 46):
        db.session.add(CouncilComment(consultation_id=consultation.id, author=users["member"],
                                      organisation=world["councils"]["raad"], body=f"Opmerking nummer {n}.",
                                      created_at=when + timedelta(minutes=n)))
    db.session.commit()
    editor = world["clients"]["editor"]

    def shown(response):
        return [int(n) for n in re.findall(r"Opmerking nummer (\d+)\.", text_of(response))]

    first = editor.get("/consultations/wmo/council-comments")
    assert shown(first) == list(range(1, 21))
    assert "Opmerkingen 1 tot en met 20 van 45, oudste eerst." in text_of(first)
    assert 'href="/consultations/wmo/council-comments?page=3"' in first.get_data(as_text=True)
    assert shown(editor.get("/consultations/wmo/council-comments?page=3")) == list(range(41, 46))
    assert shown(editor.get("/consultations/wmo/council-comments?page=30")) == list(range(41, 46))

    posted = post_form(world["clients"]["member"], "/consultations/wmo/council-comments",
                       {"target": "", "body": "Opmerking nummer 46."})
    comment = db.session.scalar(select(CouncilComment).where(CouncilComment.body == "Opmerking nummer 46."))
    assert posted.headers["Location"].endswith(f"/consultations/wmo/council-comments?page=3#comment-{comment.id}")
    assert shown(world["clients"]["member"].get(posted.headers["Location"])) == list(range(41, 47))
