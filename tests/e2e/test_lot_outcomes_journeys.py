"""After a consultation with lots, in the browser: the team filters the analysis by lot, reads and
downloads the report of one lot, and sets up a strategy segment for a lot with a municipality's own
choice, seen on the overview's segment × municipality grid."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from consult.consultations.models import (
    Consultation,
    Lot,
    Question,
    QuestionKind,
    Status,
    TeamMember,
    TeamRole,
    Theme,
)
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.models import Publication
from consult.responses.services import save_answer, set_offer, set_publication, start_response, submit
from tests.conftest import make_org, make_user
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_overflow, check_accessibility, sign_in_page


def _world() -> dict:
    """Closed: two lots (home help in Leiden and Leiderdorp, day care in Leiden only), a question for
    everyone and one for day care; Zorg A offered home help, Zorg B day care."""
    leiden, leiderdorp = (make_org(f"Gemeente {name}", kind=OrgKind.MUNICIPALITY) for name in ("Leiden", "Leiderdorp"))
    consultation = Consultation(slug="wmo", title="Wmo Leidse regio", status=Status.OPEN, principles=[],
                                municipalities=[leiden, leiderdorp], closes_at=utcnow() + timedelta(days=20))
    home = Lot(name="Hulp bij het huishouden", position=0, municipalities=[leiden, leiderdorp])
    day = Lot(name="Dagbesteding", position=1, municipalities=[leiden])
    consultation.lots.extend([home, day])
    theme = Theme(title="Dienstverlening", position=0)
    everyone = Question(text="Wat werkt goed in de wijk?", kind=QuestionKind.OPEN, position=0)
    transport = Question(text="Hoe regelt u het vervoer?", kind=QuestionKind.OPEN, position=1, lot=day)
    theme.questions.extend([everyone, transport])
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    editor = make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    for key, lot, where, answers in (("A", home, leiderdorp, ["Korte lijnen"]),
                                     ("B", day, leiden, ["Een vaste begeleider", "Met eigen busjes"])):
        org = make_org(f"Zorg {key}", kvk=f"{key * 8}".replace(key, "1" if key == "A" else "2"))
        user = make_user(f"{key.lower()}@example.org", name=f"Lid {key}", org=org)
        response = start_response(consultation, org, by=user)
        set_offer(response, {(lot.id, where.id)}, by=user)
        for question, text in zip(theme.questions, answers, strict=False):
            save_answer(response, question, text, False, None, by=user)
        set_publication(response, Publication.NAMED, by=user)
        submit(response, by=user, notify=False)
        db.session.commit()
    consultation.status = Status.CLOSED
    db.session.commit()
    return {"everyone": everyone, "home": home, "day": day}


def test_analysis_report_and_strategy_per_lot(page, live, page_errors):
    world = _world()
    sign_in_page(page, "eva@example.org")

    # The analysis of the question for everyone, filtered to day care: only Zorg B's answer.
    page.goto(f"/consultations/wmo/analysis/questions/{world['everyone'].id}")
    expect(page.get_by_text("Korte lijnen")).to_be_visible()
    page.get_by_label("Perceel").select_option(label="Dagbesteding")
    page.get_by_role("button", name="Filteren").first.click()
    expect(page.locator(".filter-note")).to_contain_text("Perceel Dagbesteding")
    expect(page.get_by_text("Een vaste begeleider")).to_be_visible()
    expect(page.get_by_text("Korte lijnen")).to_have_count(0)

    # The report of the day-care lot: its questions, its figures, on a phone too.
    page.goto("/consultations/wmo/report")
    reports = page.get_by_role("navigation", name="Verslag van")
    expect(reports.get_by_role("link", name="de hele consultatie")).to_have_attribute("aria-current", "page")
    reports.get_by_role("link", name="Perceel Dagbesteding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultatieverslag: Wmo Leidse regio, perceel Dagbesteding")
    expect(reports.get_by_role("link", name="Perceel Dagbesteding")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("Dit verslag gaat over het perceel Dagbesteding")).to_be_visible()
    annex = page.locator("ul", has_text="1.1 Wat werkt goed in de wijk?")
    expect(annex).to_contain_text("1.2 Hoe regelt u het vervoer?")
    check_accessibility(page, "report of one lot")
    page.set_viewport_size({"width": 320, "height": 700})
    assert_no_horizontal_overflow(page, "report of one lot at 320 px")
    page.screenshot(path=str(ARTIFACTS / "report-lot-320.png"), full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF (consultatieverslag)").click()
    assert download.value.suggested_filename == f"consultatieverslag-wmo-perceel-{world['day'].id}.pdf"

    # A segment for the home-help lot, with Leiderdorp's own funding form.
    page.goto("/consultations/wmo/strategy")
    page.get_by_role("button", name="Het concept van de inkoopstrategie starten").click()
    page.get_by_role("link", name="Een segment toevoegen").click()
    page.get_by_label("Naam", exact=True).fill("Huishoudelijke ondersteuning")
    # Day care is procured by Leiden alone: Leiderdorp makes no local choice in it.
    page.get_by_label("Perceel").select_option(label="Dagbesteding")
    expect(page.get_by_role("group", name="Gemeente Leiderdorp")).to_be_hidden()
    expect(page.get_by_role("group", name="Gemeente Leiden")).to_be_visible()
    page.get_by_label("Perceel").select_option(label="Hulp bij het huishouden")
    leiderdorp = page.get_by_role("group", name="Gemeente Leiderdorp")
    expect(leiderdorp).to_be_visible()
    leiderdorp.get_by_label("Bekostigingsvorm").select_option(label="Outputgericht")
    leiderdorp.get_by_label("Toelichting").fill("Eigen resultaatafspraken")
    check_accessibility(page, "segment form with local choices")
    page.get_by_role("button", name="Segment toevoegen").click()
    expect(page.get_by_role("status")).to_contain_text("Het segment is toegevoegd.")
    page.goto("/consultations/wmo/strategy")
    grid = page.get_by_role("table", name="Per gemeente: waar een gemeente zelf kiest")
    row = grid.get_by_role("row", name="Huishoudelijke ondersteuning")
    expect(row).to_contain_text("Outputgericht — Eigen resultaatafspraken")
    expect(row.get_by_role("cell").first).to_have_text("zoals de regio")
    check_accessibility(page, "strategy overview with the municipality grid")
    page.screenshot(path=str(ARTIFACTS / "strategy-grid.png"), full_page=True)
