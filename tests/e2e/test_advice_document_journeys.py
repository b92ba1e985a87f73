"""A council attaches a document to its draft advice, replaces it and downloads it, through the form
in a browser: the page names the document with its type and size, wide and narrow."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from consult.advice.models import AdviceFile
from consult.advice.services import request_advice
from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import Organisation
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, sign_in_page
from tests.e2e.test_advice_journeys import setup_consultation

log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_council_attaches_replaces_and_downloads_its_advice_document(page, live, tmp_path):
    setup_consultation()
    consultation = db.session.query(Consultation).filter_by(slug="wmo").one()
    raad = db.session.query(Organisation).filter_by(name="Adviesraad Leiden").one()
    request = request_advice(consultation, question="Sluit het aan?", due_on=(utcnow() + timedelta(days=14)).date(),
                             councils=[raad], by=db.session.query(User).filter_by(email="eva@example.org").one())
    db.session.commit()
    advice_id = request.advices[0].id

    log_in(page, "carla@example.org")
    page.goto(f"/advice/{advice_id}")
    for name, data in [("advies.pdf", PDF), ("advies met een lange naam, tweede versie.pdf", PDF + b"% v2\n")]:
        page.get_by_label("Document (PDF, ODT of DOCX)").set_input_files(
            {"name": name, "mimeType": "application/pdf", "buffer": data})
        page.get_by_role("button", name="Document toevoegen").click()
        expect(page.locator(".utrecht-alert[role=status]")).to_be_visible()
    document = page.locator("#document")
    expect(document.get_by_role("link")).to_have_text("advies met een lange naam, tweede versie.pdf")
    expect(document).to_contain_text("(PDF, 50 bytes)")
    db.session.expire_all()
    assert db.session.query(AdviceFile.original_name).all() == [("advies met een lange naam, tweede versie.pdf",)]
    check_accessibility(page, "advice draft with a document")
    page.screenshot(path=str(tmp_path / "advice-document-1280.png"), full_page=True)
    page.set_viewport_size({"width": 320, "height": 700})
    assert_no_horizontal_overflow(page, "advice draft with a document")
    page.screenshot(path=str(tmp_path / "advice-document-320.png"), full_page=True)

    with page.expect_download() as download:
        document.get_by_role("link").click()
    saved = tmp_path / "download.pdf"
    download.value.save_as(saved)
    assert (download.value.suggested_filename, saved.read_bytes()) == (
        "advies met een lange naam, tweede versie.pdf", PDF + b"% v2\n")
