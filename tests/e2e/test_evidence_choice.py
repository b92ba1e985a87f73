"""The team links an excerpt from the analysis to one choice of a segment (the funding form) and
finds it under that choice on the segment page (issue 18, finding your way)."""
from __future__ import annotations

import re
import shutil

from playwright.sync_api import expect
from sqlalchemy import select

from consult.analysis.models import Coding
from consult.demo import DEMO_PASSWORD
from consult.extensions import db
from consult.strategy.models import Segment
from tests.conftest import csrf_token_from, login
from tests.demo import load_demo
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, require, settle, sign_in_page
from tests.e2e.test_html_valid import VNU, validate

SLUG = "dialoog-dagbesteding-2025"


log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own


def test_an_excerpt_linked_to_the_funding_form_shows_under_that_choice(page, live):
    load_demo()
    db.session.commit()
    excerpt = db.session.scalar(select(Coding).where(Coding.start.is_not(None)).order_by(Coding.id))
    log_in(page, "team@example.org")
    page.goto(f"/consultations/{SLUG}/analysis/questions/{excerpt.question_id}")
    # The excerpt (not the key quote taken from the same words) carries the link to the strategy.
    quote = page.locator("blockquote").filter(has_text=f"“{excerpt.excerpt}”").filter(
        has=page.get_by_role("link", name="Koppelen aan de strategie"))
    quote.get_by_role("link", name="Koppelen aan de strategie").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Inbreng koppelen aan de strategie")
    expect(page.locator(f"input[type=radio][name=source][value='excerpt:{excerpt.id}']")).to_be_checked()
    expect(page.get_by_label("Het onderdeel als geheel")).to_be_checked()
    check_accessibility(page, "evidence from the analysis")
    page.get_by_label("Bekostigingsvorm").check()
    page.get_by_label("Overgenomen", exact=True).check()
    page.get_by_role("textbox", name="Reden").fill("Resultaatgericht bekostigen sluit aan bij deze inbreng.")
    # Without the part the link is refused; what was chosen and typed stays.
    page.get_by_role("button", name="Koppelen aan de strategie").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".error-summary")).to_contain_text(
        "Kies het onderdeel van de strategie waarop deze inbreng betrekking heeft.")
    expect(page.get_by_label("Bekostigingsvorm")).to_be_checked()
    expect(page.get_by_role("textbox", name="Reden")).to_have_value(
        "Resultaatgericht bekostigen sluit aan bij deze inbreng.")
    check_accessibility(page, "evidence from the analysis, part missing")
    expect(page.get_by_label("Onderdeel van de strategie")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Onderdeel van de strategie").select_option(label="Dagbesteding")
    page.get_by_role("button", name="Koppelen aan de strategie").click()

    expect(page.locator(".utrecht-alert[role=status]")).to_have_text(
        "De inbreng is gekoppeld aan “Bekostigingsvorm” van dit segment.")
    expect(page).to_have_url(re.compile(rf"/consultations/{SLUG}/strategy/segments/\d+#evidence-funding_form$"))
    funding = page.get_by_role("region", name="Bekostigingsvorm")
    expect(funding.get_by_role("heading", level=3)).to_have_text("Bekostigingsvorm")
    expect(funding).to_contain_text(excerpt.excerpt)
    expect(funding).to_contain_text("Reden: Resultaatgericht bekostigen sluit aan bij deze inbreng.")
    expect(funding).to_contain_text("Overgenomen")
    expect(page.get_by_role("region", name="Het segment als geheel")).not_to_contain_text("Resultaatgericht")
    check_accessibility(page, "segment with evidence per choice")

    # Back in the analysis the excerpt says which choice it informed.
    page.goto(f"/consultations/{SLUG}/analysis/questions/{excerpt.question_id}")
    expect(quote).to_contain_text("Heeft de strategie gevoed: Dagbesteding – Bekostigingsvorm (overgenomen)")

    page.set_viewport_size({"width": 320, "height": 700})
    page.go_back()
    assert_no_horizontal_overflow(page, "segment with evidence per choice at 320 px")
    settle(page)


def test_the_pages_that_link_evidence_to_a_choice_are_valid_html(app, tmp_path):
    require(shutil.which("java") is not None,
            "HTML validation skipped: no Java runtime (apt-get install default-jre-headless)")
    require(VNU.exists(), "HTML validation skipped: vnu-jar not installed (npm ci)")
    load_demo()
    db.session.commit()
    excerpt = db.session.scalar(select(Coding).where(Coding.start.is_not(None)).order_by(Coding.id))
    segment = db.session.scalar(select(Segment).order_by(Segment.id))  # the demo links its organisation form
    team = app.test_client()
    login(team, "team@example.org", DEMO_PASSWORD)
    base = f"/consultations/{SLUG}/strategy"
    pages = {}
    for path in [f"/consultations/{SLUG}/analysis/questions/{excerpt.question_id}",
                 f"{base}/evidence?choose=1&source=excerpt:{excerpt.id}", f"{base}/segments/{segment.id}",
                 f"{base}/evidence?part=segment:{segment.id}&choice=funding_form&q=wijk"]:
        response = team.get(path)
        assert response.status_code == 200, path
        pages[path] = response.get_data(as_text=True)
    token = csrf_token_from(pages[f"{base}/segments/{segment.id}"])
    for name, data in [("no-part", {"choose": "1", "part": "", "source": f"excerpt:{excerpt.id}"}),
                       ("no-such-choice", {"part": f"segment:{segment.id}", "source": f"excerpt:{excerpt.id}",
                                           "choice": "colour", "disposition": "adopted", "reason": "r"})]:
        refused = team.post(f"{base}/evidence", data={"csrf_token": token, **data})
        assert refused.status_code == 200, name
        pages[name] = refused.get_data(as_text=True)
    errors = validate(pages, tmp_path)
    assert errors == [], "\n".join(errors)
