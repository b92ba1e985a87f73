"""The Q&A lists that grow with a consultation are paged: "information received" (50 rows a page,
each row linking to the item on its page of the published answers) and the team's queue (50 a
page), while the team's page counts the published items without loading them. The links that
depend on who may ask or answer are the permission predicates' own answers."""
from __future__ import annotations

import re
from datetime import timedelta

from consult.core.time import utcnow
from consult.extensions import db
from consult.qa.models import QaItem, QaStatus
from tests.conftest import text_of
from tests.test_qa import world  # noqa: F401  (the fixture)


def published(world, count: int, start: int = 1):
    consultation = world["consultation"]
    when = utcnow() - timedelta(days=1)
    for n in range(start, start + count):
        db.session.add(QaItem(consultation_id=consultation.id, status=QaStatus.PUBLISHED, origin="initiative",
                              number=n, question=f"Vraag nummer {n}?", answer=f"Antwoord {n}.",
                              published_at=when + timedelta(minutes=n), published_by_id=world["users"]["editor"].id))
    db.session.commit()


def numbers(response) -> list[int]:
    return [int(n) for n in re.findall(r'#qa-(\d+)">\1</a>', response.get_data(as_text=True))]


def test_information_received_is_paged_and_links_to_the_page_of_each_item(world):
    published(world, 120)
    provider = world["clients"]["provider"]
    first = provider.get("/consultations/wmo/qa/received")
    assert first.status_code == 200
    assert numbers(first) == list(range(1, 51))
    assert "Vragen 1 tot en met 50 van 120." in text_of(first)
    html = first.get_data(as_text=True)
    assert 'href="/consultations/wmo/qa/received?page=2"' in html and 'aria-label="Pagina\'s"' in html
    last = provider.get("/consultations/wmo/qa/received?page=3")
    assert numbers(last) == list(range(101, 121))
    assert "Vragen 101 tot en met 120 van 120." in text_of(last)
    # Item 101 is on page 6 of the published answers (20 a page), and shown there.
    assert 'href="/consultations/wmo/qa?page=6#qa-101"' in last.get_data(as_text=True)
    assert 'id="qa-101"' in provider.get("/consultations/wmo/qa?page=6").get_data(as_text=True)
    # An old link past the end: the last page.
    assert numbers(provider.get("/consultations/wmo/qa/received?page=40")) == list(range(101, 121))


def test_a_short_list_has_no_paging(world):
    published(world, 3)
    page = world["clients"]["provider"].get("/consultations/wmo/qa/received")
    assert numbers(page) == [1, 2, 3]
    assert "utrecht-pagination" not in page.get_data(as_text=True) and "Vragen 1 tot en met" not in text_of(page)


def test_the_teams_page_counts_the_published_items_and_pages_its_queue(world):
    published(world, 75)
    consultation = world["consultation"]
    for n in range(55):
        db.session.add(QaItem(consultation_id=consultation.id, status=QaStatus.DRAFT, origin="initiative",
                              question=f"Concept {n:02d}", answer="", created_at=utcnow() + timedelta(seconds=n)))
    db.session.commit()
    editor = world["clients"]["editor"]
    first = editor.get("/consultations/wmo/qa/manage")
    assert first.status_code == 200
    text = text_of(first)
    assert "75 vragen gepubliceerd." in text
    assert re.findall(r"Concept (\d\d)", text) == [f"{n:02d}" for n in range(50)]
    assert 'href="/consultations/wmo/qa/manage?page=2"' in first.get_data(as_text=True)
    second = editor.get("/consultations/wmo/qa/manage?page=2")
    assert re.findall(r"Concept (\d\d)", text_of(second)) == [f"{n:02d}" for n in range(50, 55)]


def test_the_ask_form_and_the_teams_link_follow_the_predicates(world):
    clients = world["clients"]
    provider, editor = text_of(clients["provider"].get("/consultations/wmo/qa")), \
        text_of(clients["editor"].get("/consultations/wmo/qa"))
    assert "Een vraag stellen" in provider and "Vragen beantwoorden" not in provider
    assert "Een vraag stellen" not in editor and "Vragen beantwoorden" in editor
    anonymous = text_of(clients["anonymous"].get("/consultations/wmo/qa"))
    assert "Een vraag stellen" not in anonymous and "Vragen beantwoorden" not in anonymous


def test_the_questions_of_ones_own_organisation_are_paged_newest_first(world):
    consultation, users = world["consultation"], world["users"]
    org = users["provider"].memberships[0].organisation_id
    other = users["provider2"].memberships[0].organisation_id
    when = utcnow() - timedelta(days=1)
    for n in range(1, 26):
        db.session.add(QaItem(consultation_id=consultation.id, status=QaStatus.ASKED, origin="question",
                              asked_text=f"Eigen vraag {n:02d}", asked_by_id=users["provider"].id,
                              asker_organisation_id=org, asked_at=when + timedelta(minutes=n), question="", answer=""))
    db.session.add(QaItem(consultation_id=consultation.id, status=QaStatus.ASKED, origin="question",
                          asked_text="Vraag van een ander", asker_organisation_id=other, asked_at=when,
                          question="", answer=""))
    db.session.commit()
    colleague = world["clients"]["colleague"]

    def own(response):
        return re.findall(r"Eigen vraag (\d\d)", text_of(response))

    first = colleague.get("/consultations/wmo/qa")
    assert own(first) == [f"{n:02d}" for n in range(25, 15, -1)]
    assert "Vraag van een ander" not in text_of(first)
    html = first.get_data(as_text=True)
    assert 'href="/consultations/wmo/qa?mine=2#own-title"' in html
    assert "aria-label=\"Pagina&#39;s met de vragen van uw organisatie\"" in html \
        or 'aria-label="Pagina\'s met de vragen van uw organisatie"' in html
    last = colleague.get("/consultations/wmo/qa?mine=3")
    assert own(last) == [f"{n:02d}" for n in range(5, 0, -1)]
    # Another organisation sees none of them.
    assert own(world["clients"]["provider2"].get("/consultations/wmo/qa")) == []
