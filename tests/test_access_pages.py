"""The team's "public or closed" page lists the invitable organisations 50 a page, with a search by
name and a filter on the invited ones: a save changes the invitations of the organisations its page
showed and keeps those of the others."""
from __future__ import annotations

import re

from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.orgs.models import Organisation
from tests.conftest import make_org, post_form, text_of
from tests.test_advice import world  # noqa: F401  (the fixture)

URL = "/consultations/wmo/manage/access"


def orgs(world):
    made = [make_org(f"Aanbieder {n:02d}") for n in range(1, 61)]
    return {org.name: org.id for org in made} | {
        "Adviesraad Leiden": world["councils"]["raad"].id, "Cliëntenraad": world["councils"]["clientenraad"].id}


def listed(response) -> list[int]:
    return [int(v) for v in re.findall(r'<input[^>]* name="organisations"[^>]* value="(\d+)"',
                                       response.get_data(as_text=True))]


def checked(response) -> list[int]:
    return [int(v) for v in re.findall(r'<input checked[^>]* name="organisations"[^>]* value="(\d+)"',
                                       response.get_data(as_text=True))]


def shown(response) -> str:
    return re.search(r'name="shown" value="([\d,]*)"', response.get_data(as_text=True)).group(1)


def invited() -> list[str]:
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "wmo"))
    db.session.refresh(consultation)
    return [org.name for org in consultation.invited]


def test_the_organisations_are_paged_and_a_save_keeps_the_other_pages(world):
    ids = orgs(world)
    editor = world["clients"]["editor"]
    first = editor.get(URL)
    assert first.status_code == 200
    assert listed(first) == [ids[f"Aanbieder {n:02d}"] for n in range(1, 51)]
    assert "Organisaties 1 tot en met 50 van 63: opslaan wijzigt alleen de uitnodigingen van deze organisaties" \
        in text_of(first)
    html = first.get_data(as_text=True)
    assert f'href="{URL}?page=2"' in html and 'aria-label="Pagina\'s van de organisaties"' in html
    second = editor.get(f"{URL}?page=2")
    page_two = [ids[f"Aanbieder {n}"] for n in range(51, 61)] + [ids["Adviesraad Leiden"], ids["Cliëntenraad"]]
    assert listed(second)[:12] == page_two and len(listed(second)) == 13  # and Zorg A

    # Closed, inviting one organisation of page 2: back on page 2.
    response = post_form(editor, URL, {"access": "closed", "shown": shown(second), "page": "2",
                                       "organisations": [str(ids["Adviesraad Leiden"])]})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{URL}?page=2")
    assert invited() == ["Adviesraad Leiden"]
    assert checked(editor.get(f"{URL}?page=2")) == [ids["Adviesraad Leiden"]]
    assert checked(editor.get(URL)) == []
    # One of page 1 added: the invitation on page 2 stays.
    response = post_form(editor, URL, {"access": "closed", "shown": shown(first),
                                       "organisations": [str(ids["Aanbieder 07"])]})
    assert response.status_code == 302
    assert invited() == ["Aanbieder 07", "Adviesraad Leiden"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consultation_access_changed")
                              .order_by(AuditEvent.id.desc()))
    assert event.detail == {"invited_only": True, "invited": sorted([ids["Aanbieder 07"], ids["Adviesraad Leiden"]])}
    alert = text_of(editor.get(URL))
    assert "Alleen het projectteam en de leden van de 2 uitgenodigde organisaties zien haar" in alert
    # Nothing chosen on page 1 while page 2 has an invitation: still closed, to that one.
    assert post_form(editor, URL, {"access": "closed", "shown": shown(first)}).status_code == 302
    assert invited() == ["Adviesraad Leiden"]
    # The last invitation taken away: refused on the form, nothing changed.
    refused = post_form(editor, URL, {"access": "closed", "shown": shown(second), "page": "2"})
    assert refused.status_code == 200
    assert "Kies ten minste één organisatie om uit te nodigen, of maak de consultatie openbaar." in text_of(refused)
    assert listed(refused)[:12] == page_two
    assert invited() == ["Adviesraad Leiden"]


def test_search_by_name_and_the_invited_only_filter(world):
    ids = orgs(world)
    editor = world["clients"]["editor"]
    found = editor.get(f"{URL}?q=raad")
    assert listed(found) == [ids["Adviesraad Leiden"], ids["Cliëntenraad"]]
    assert 'name="q" value="raad"' in found.get_data(as_text=True)
    # Saving from the search keeps its search in the address and changes only the shown two.
    response = post_form(editor, URL, {"access": "closed", "shown": shown(found), "q": "raad",
                                       "organisations": [str(ids["Cliëntenraad"])]})
    assert response.headers["Location"].endswith(f"{URL}?q=raad")
    assert invited() == ["Cliëntenraad"]
    only = editor.get(f"{URL}?invited=1")
    assert listed(only) == checked(only) == [ids["Cliëntenraad"]]
    assert listed(editor.get(f"{URL}?q=%25")) == []  # a % is a character, not a wildcard
    assert "Geen organisaties gevonden." in text_of(editor.get(f"{URL}?q=nergens"))
    # A page past the end shows the last page.
    assert listed(editor.get(f"{URL}?page=50"))[:1] == [ids["Aanbieder 51"]]


def test_a_short_list_is_one_form_as_before(world):
    editor = world["clients"]["editor"]
    page = editor.get(URL)
    html = page.get_data(as_text=True)
    assert 'name="shown"' not in html and "utrecht-pagination" not in html and 'name="q"' not in html
    councils = db.session.scalars(select(Organisation.id).where(Organisation.name.in_(
        ["Adviesraad Leiden", "Cliëntenraad"]))).all()
    assert len(listed(page)) == 3
    # Without "shown" the chosen organisations are the whole circle.
    assert post_form(editor, URL, {"access": "closed", "organisations": [str(i) for i in councils]}).status_code == 302
    assert invited() == ["Adviesraad Leiden", "Cliëntenraad"]
    assert post_form(editor, URL, {"access": "closed", "organisations": [str(councils[0])]}).status_code == 302
    assert len(invited()) == 1


def test_saving_invitations_says_what_changed_not_that_the_access_did(world):
    ids = orgs(world)
    editor = world["clients"]["editor"]
    first = editor.get(URL)
    public = post_form(editor, URL, {"access": "public", "shown": shown(first),
                                     "organisations": [str(ids["Aanbieder 03"])]})
    told = text_of(editor.get(public.headers["Location"]))
    assert "De uitnodigingen zijn opgeslagen. De consultatie blijft openbaar" in told
    assert "is nu openbaar" not in told
    closed = post_form(editor, URL, {"access": "closed", "shown": shown(first),
                                     "organisations": [str(ids["Aanbieder 03"])]})
    assert "Deze consultatie is nu gesloten" in text_of(editor.get(closed.headers["Location"]))
    again = post_form(editor, URL, {"access": "closed", "shown": shown(first),
                                    "organisations": [str(ids["Aanbieder 03"]), str(ids["Aanbieder 04"])]})
    told = text_of(editor.get(again.headers["Location"]))
    assert "De uitnodigingen zijn opgeslagen. Alleen de uitgenodigde organisaties zien deze consultatie." in told
    assert "is nu gesloten" not in told

