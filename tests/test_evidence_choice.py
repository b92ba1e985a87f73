"""Evidence links that point at one choice within a strategy segment (issue 18): linked from the
strategy page or from the analysis, shown per choice on the segment page, named in the analysis
and the report, refused for a choice the part does not have, and the migration that adds them."""
from __future__ import annotations

import re

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text

from consult.analysis.models import Coding, Tag
from consult.audit.models import AuditEvent
from consult.extensions import db
from consult.strategy.models import EvidenceLink, Segment
from consult.strategy.services import GENERAL
from tests.conftest import post_form, text_of
from tests.test_migrations import migration_app  # noqa: F401  (the fixture)
from tests.test_strategy import BASE, add_segment, create, world  # noqa: F401  (world is a fixture)

NOT_A_CHOICE = "Dit segment heeft zo'n keuze niet. Kies een van de keuzes van het segment, of het segment als geheel."
GENERAL_HAS_NONE = ("Het algemeen deel heeft geen aparte keuzes: koppel de inbreng aan het algemeen deel als geheel, "
                    "of kies een segment.")


def section(html: str, section_id: str) -> str:
    """The visible text of one <section> of a page, by its id."""
    found = re.search(rf'<section class="section evidence-choice" id="{section_id}".*?</section>', html, flags=re.S)
    assert found, section_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))).strip()


@pytest.fixture
def linked(world):  # noqa: F811
    """A draft with one segment, and the provider's open answer and a message as input."""
    create(world)
    add_segment(world)
    segment = db.session.scalar(select(Segment))
    response, question = world["response"], world["theme"].questions[0]
    return {**world, "segment": segment, "part": f"segment:{segment.id}",
            "answer": f"answer:{response.id}-{question.id}", "question": question}


def link(client, linked, source, choice, disposition="adopted", reason="Besproken", **extra):
    return post_form(client, f"{BASE}/evidence", {"part": linked["part"], "source": source, "choice": choice,
                                                 "disposition": disposition, "reason": reason, **extra})


def test_a_link_to_one_choice_shows_under_that_choice_and_the_rest_apart(linked):
    editor = linked["clients"]["editor"]
    done = link(editor, linked, linked["answer"], "funding_form", reason="Lumpsum past bij korte lijnen")
    assert done.status_code == 302
    assert done.headers["Location"] == f"{BASE}/segments/{linked['segment'].id}#evidence-funding_form"
    told = text_of(editor.get(done.headers["Location"]))
    assert "De inbreng is gekoppeld aan “Bekostigingsvorm” van dit segment." in told
    assert link(editor, linked, linked["answer"], "", disposition="partly", reason="Geldt voor het hele segment"
                ).status_code == 302
    assert [(e.part, e.choice, e.disposition.value, e.reason) for e in db.session.scalars(
        select(EvidenceLink).order_by(EvidenceLink.id))] == [
        (linked["part"], "funding_form", "adopted", "Lumpsum past bij korte lijnen"),
        (linked["part"], "", "partly", "Geldt voor het hele segment")]
    page = editor.get(f"{BASE}/segments/{linked['segment'].id}")
    html = page.get_data(as_text=True)
    funding = section(html, "evidence-funding_form")
    assert funding.startswith("Bekostigingsvorm Overgenomen · Antwoord: Zorg A — Wat werkt goed?")
    assert "Reden: Lumpsum past bij korte lijnen" in funding and "Geldt voor het hele segment" not in funding
    whole = section(html, "evidence-whole")
    assert whole.startswith("Het segment als geheel Deels overgenomen · Antwoord: Zorg A — Wat werkt goed?")
    assert "Reden: Geldt voor het hele segment" in whole and "Lumpsum" not in whole
    assert ("Nog geen inbreng gekoppeld aan: Diensten in dit segment, Organisatievorm, Proces, Aantal te "
            "contracteren aanbieders, Contractduur, Tariefaanpak, Geschiktheidseisen, Gunningscriteria, "
            "KPI's om te volgen.") in text_of(page)
    # An analyst reads the same grouping, without the buttons to change it.
    analyst = linked["clients"]["analyst"].get(f"{BASE}/segments/{linked['segment'].id}").get_data(as_text=True)
    assert section(analyst, "evidence-funding_form") == (
        "Bekostigingsvorm Overgenomen · Antwoord: Zorg A — Wat werkt goed? "
        "Korte lijnen met het wijkteam werken goed. Reden: Lumpsum past bij korte lijnen")


def test_one_input_supports_several_choices_each_with_its_own_disposition(linked):
    editor = linked["clients"]["editor"]
    for choice, disposition in [("funding_form", "adopted"), ("duration", "not_adopted"), ("providers", "partly")]:
        assert link(editor, linked, linked["answer"], choice, disposition=disposition).status_code == 302
    # Linking it to a choice again replaces that link's disposition and reason only.
    again = link(editor, linked, linked["answer"], "duration", disposition="partly", reason="Toch deels")
    assert again.status_code == 302
    assert sorted((e.choice, e.disposition.value, e.reason) for e in db.session.scalars(select(EvidenceLink))) == [
        ("duration", "partly", "Toch deels"), ("funding_form", "adopted", "Besproken"),
        ("providers", "partly", "Besproken")]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "evidence_linked")
                                .order_by(AuditEvent.id)).all()
    assert [e.detail for e in events][-1] == {"part": linked["part"], "source": linked["answer"],
                                              "disposition": "partly", "choice": "duration"}
    html = editor.get(f"{BASE}/segments/{linked['segment'].id}").get_data(as_text=True)
    # In the segment's order: number of providers, funding form, duration.
    ids = re.findall(r'<section class="section evidence-choice" id="evidence-([a-z_]+)"', html)
    assert ids == ["providers", "funding_form", "duration", "whole"]
    assert section(html, "evidence-whole") == ("Het segment als geheel "
                                               "Er is geen inbreng aan het segment als geheel gekoppeld.")


def test_a_whole_part_link_is_as_before(linked):
    editor = linked["clients"]["editor"]
    done = post_form(editor, f"{BASE}/evidence", {"part": linked["part"], "source": linked["answer"],
                                                 "disposition": "adopted", "reason": "Zonder keuze"})
    assert done.status_code == 302 and done.headers["Location"].endswith("#evidence")
    assert db.session.scalar(select(EvidenceLink.choice)) == ""
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence_linked"))
    assert event.detail == {"part": linked["part"], "source": linked["answer"], "disposition": "adopted"}
    assert "De inbreng is aan dit onderdeel gekoppeld." in text_of(editor.get(done.headers["Location"]))


def test_a_choice_the_part_does_not_have_is_refused_with_the_text_kept(linked):
    editor = linked["clients"]["editor"]
    refused = link(editor, linked, linked["answer"], "colour", reason="Mijn uitgebreide reden")
    assert refused.status_code == 200
    page = text_of(refused)
    assert f"Er is een probleem {NOT_A_CHOICE}" in page
    html = refused.get_data(as_text=True)
    escaped = NOT_A_CHOICE.replace("'", "&#39;")
    assert f'<a class="utrecht-link" href="#choice">{escaped}</a>' in html
    assert 'id="reason" name="reason" rows="3">Mijn uitgebreide reden</textarea>' in html
    assert re.search(rf'name="source" value="{linked["answer"]}" checked', html)
    assert 'id="disposition-adopted" name="disposition" value="adopted" checked' in html
    # The general part has no choices at all.
    general = post_form(editor, f"{BASE}/evidence", {"part": GENERAL, "source": linked["answer"],
                                                    "choice": "funding_form", "disposition": "adopted",
                                                    "reason": "Algemeen"})
    assert general.status_code == 200 and GENERAL_HAS_NONE in text_of(general)
    assert "Algemeen</textarea>" in general.get_data(as_text=True)
    assert db.session.scalar(select(func.count(EvidenceLink.id))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "evidence_linked")) == 0


def test_linking_from_the_analysis_picks_the_part_and_the_choice(linked):
    consultation, question, response = linked["consultation"], linked["question"], linked["response"]
    tag = Tag(consultation_id=consultation.id, name="Wijkteam", colour="blue")
    db.session.add(tag)
    db.session.flush()
    excerpt = Coding(tag_id=tag.id, response_id=response.id, question_id=question.id, start=0, end=12,
                     excerpt="Korte lijnen")
    db.session.add_all([excerpt, Coding(tag_id=tag.id, response_id=response.id, question_id=question.id)])
    db.session.commit()
    analysis_url = f"/consultations/wmo/analysis/questions/{question.id}"
    editor, analyst = linked["clients"]["editor"], linked["clients"]["analyst"]
    href = f"{BASE}/evidence?choose=1&amp;source=excerpt:{excerpt.id}"
    assert href in editor.get(analysis_url).get_data(as_text=True)
    assert f"{BASE}/evidence?choose=1" not in analyst.get(analysis_url).get_data(as_text=True)  # reads only
    form = editor.get(f"{BASE}/evidence?choose=1&source=excerpt:{excerpt.id}")
    html = form.get_data(as_text=True)
    assert f'name="source" value="excerpt:{excerpt.id}" checked' in html
    assert "Fragment: met tag Wijkteam Korte lijnen" in text_of(form)
    assert re.findall(r'<option value="([^"]*)"', html) == ["", GENERAL, linked["part"]]
    # Forgetting the part keeps everything typed, and says what is missing.
    missing = post_form(editor, f"{BASE}/evidence", {"choose": "1", "part": "", "source": f"excerpt:{excerpt.id}",
                                                    "choice": "providers", "disposition": "adopted",
                                                    "reason": "Korte lijnen vragen minder aanbieders"})
    assert missing.status_code == 200
    assert "Kies het onderdeel van de strategie waarop deze inbreng betrekking heeft." in text_of(missing)
    kept = missing.get_data(as_text=True)
    assert "Korte lijnen vragen minder aanbieders</textarea>" in kept
    assert 'id="choice-providers" name="choice" value="providers" checked' in kept
    assert f'name="source" value="excerpt:{excerpt.id}" checked' in kept
    forged = post_form(editor, f"{BASE}/evidence", {"choose": "1", "part": "segment:9999",
                                                   "source": f"excerpt:{excerpt.id}", "disposition": "adopted",
                                                   "reason": "x"})
    assert forged.status_code == 200 and "Kies het onderdeel van de strategie" in text_of(forged)
    done = post_form(editor, f"{BASE}/evidence", {"choose": "1", "part": linked["part"],
                                                 "source": f"excerpt:{excerpt.id}", "choice": "providers",
                                                 "disposition": "adopted", "reason": "Minder aanbieders"})
    assert done.headers["Location"] == f"{BASE}/segments/{linked['segment'].id}#evidence-providers"
    assert (db.session.scalar(select(EvidenceLink.choice))) == "providers"
    assert ("Heeft de strategie gevoed: Individuele begeleiding – Aantal te contracteren aanbieders (overgenomen)"
            in text_of(editor.get(analysis_url)))
    # The list of input not yet considered links to the strategy too, for whoever may write it.
    not_considered = editor.get(f"{BASE}/not-considered").get_data(as_text=True)
    assert f"{BASE}/evidence?choose=1&amp;source=answer:{response.id}-{question.id}" in not_considered


def test_the_report_names_the_choice(linked):
    editor = linked["clients"]["editor"]
    link(editor, linked, linked["answer"], "funding_form", reason="Lumpsum past")
    report = text_of(editor.get("/consultations/wmo/report"))
    assert "Individuele begeleiding – Bekostigingsvorm: overgenomen — Lumpsum past" in report
    assert "Individuele begeleiding – Bekostigingsvorm: Lumpsum past Overgenomen (Individuele begeleiding – " \
           "Bekostigingsvorm)" in report


def _insert_link(conn, link_id: int, choice: str | None) -> None:
    columns = "id, draft_id, part, source_type, source_ref, disposition, reason, created_at"
    values = ":id, 1, 'segment:1', 'answer', '1-1', 'adopted', 'r', '2026-01-01 00:00:00'"
    if choice is not None:
        columns, values = columns + ", choice", values + ", :choice"
    conn.execute(text(f"INSERT INTO evidence_links ({columns}) VALUES ({values})"), {"id": link_id, "choice": choice})


def test_the_migration_keeps_links_whole_and_merges_them_going_down(migration_app):  # noqa: F811
    upgrade(revision="0020")
    with db.engine.connect() as conn:
        # Only the links table matters here: no draft, segment or user is made for them.
        conn.execute(text("SET session_replication_role = replica" if conn.dialect.name == "postgresql"
                          else "PRAGMA foreign_keys=OFF"))
        _insert_link(conn, 1, None)
        conn.commit()
    upgrade(revision="0021")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT id, choice FROM evidence_links")).all() == [(1, "")]
        conn.execute(text("SET session_replication_role = replica" if conn.dialect.name == "postgresql"
                          else "PRAGMA foreign_keys=OFF"))
        _insert_link(conn, 2, "funding_form")
        conn.commit()
    downgrade(revision="0020")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT id, reason FROM evidence_links")).all() == [(1, "r")]
