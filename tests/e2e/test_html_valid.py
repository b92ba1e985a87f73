"""The Nu Html Checker (vnu-jar from npm, run with the machine's Java): zero errors on every page type."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from consult.orgs.models import MemberRole
from tests.conftest import csrf_token_from, get_csrf, login, make_org, make_user
from tests.e2e.conftest import ROOT, require

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def validate(pages: dict[str, str], tmp_path: Path) -> list[str]:
    files = []
    for name, html in pages.items():
        path = tmp_path / f"{name.strip('/').replace('/', '_').replace('?', '_') or 'home'}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    # A short-lived JVM: the client compiler alone and the serial collector start it in a fraction
    # of the CPU time (the checker needs a deeper stack than the client compiler's default).
    result = subprocess.run(["java", "-Xss16m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                             "-jar", str(VNU), "--errors-only", "--format", "json", *files],
                            capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages]


def test_every_page_type_is_valid_html(app, tmp_path):
    require(shutil.which("java") is not None, "HTML validation skipped: no Java runtime (apt-get install default-jre-headless)")
    require(VNU.exists(), "HTML validation skipped: vnu-jar not installed (npm ci)")
    org = make_org("Zorg Noord", kvk="12345678")
    make_user("beheer@example.org", name="Bram Beheer", admin=True, org=org, role=MemberRole.CONTACT)
    other = make_user("lid@example.org", name="Lid Lidmaat", org=org)
    pages: dict[str, str] = {}

    anonymous = app.test_client()
    for path in ["/", "/login", "/register", "/password/forgot", "/verify", "/accessibility",
                 "/privacy", "/contact", "/does-not-exist", "/password/reset/not-a-token"]:
        pages[path] = anonymous.get(path).get_data(as_text=True)
    token = get_csrf(anonymous, "/register")
    pages["register-errors"] = anonymous.post("/register", data={"csrf_token": token, "kvk_number": "1"}).get_data(as_text=True)
    pages["login-errors"] = login(anonymous, "x@example.org", "wrong").get_data(as_text=True)

    admin = app.test_client()
    login(admin, "beheer@example.org")
    for path in ["/", "/account", f"/organisation/{org.id}", "/admin/users", "/admin/users?q=lid",
                 f"/admin/users/{other.id}", "/admin/organisations", "/admin/organisations/new",
                 f"/admin/organisations/{org.id}"]:
        response = admin.get(path)
        assert response.status_code == 200, path
        pages[f"admin{path}"] = response.get_data(as_text=True)
    token = get_csrf(admin, "/admin/organisations/new")
    pages["new-org-errors"] = admin.post("/admin/organisations/new", data={"csrf_token": token}).get_data(as_text=True)

    errors = validate(pages, tmp_path)
    assert errors == [], "\n".join(errors)


def test_consultation_pages_are_valid_html(app, demo, tmp_path):
    require(shutil.which("java") is not None, "HTML validation skipped: no Java runtime (apt-get install default-jre-headless)")
    require(VNU.exists(), "HTML validation skipped: vnu-jar not installed (npm ci)")
    from consult.demo import DEMO_PASSWORD

    slug = "/consultations/marktconsultatie-wmo-leidse-regio"
    pages: dict[str, str] = {}
    anonymous = app.test_client()
    for path in ["/consultations", slug, "/consultations/dialoog-dagbesteding-2025"]:
        pages[f"anon{path}"] = anonymous.get(path).get_data(as_text=True)
    team = app.test_client()
    login(team, "team@example.org", DEMO_PASSWORD)
    for path in [slug, f"{slug}/manage", f"{slug}/manage/details", f"{slug}/manage/planning",
                 f"{slug}/manage/documents", f"{slug}/manage/questions", f"{slug}/manage/themes/1",
                 f"{slug}/manage/questions/1", f"{slug}/manage/themes/1/questions/new",
                 f"{slug}/manage/questions/1/delete", f"{slug}/preview/providers", f"{slug}/preview/councils"]:
        response = team.get(path)
        assert response.status_code == 200, path
        pages[f"team{path}"] = response.get_data(as_text=True)
    token = get_csrf(team, f"{slug}/manage/details")
    pages["details-errors"] = team.post(f"{slug}/manage/details", data={"csrf_token": token}).get_data(as_text=True)
    admin = app.test_client()
    login(admin, "beheer@example.org", DEMO_PASSWORD)
    for path in ["/consultations/new", f"{slug}/team"]:
        pages[f"admin{path}"] = admin.get(path).get_data(as_text=True)
    errors = validate(pages, tmp_path)
    assert errors == [], "\n".join(errors)


def test_response_pages_are_valid_html(app, demo, tmp_path):
    require(shutil.which("java") is not None, "HTML validation skipped: no Java runtime (apt-get install default-jre-headless)")
    require(VNU.exists(), "HTML validation skipped: vnu-jar not installed (npm ci)")
    from sqlalchemy import select

    from consult.demo import DEMO_PASSWORD
    from consult.extensions import db
    from consult.responses.models import Response

    pages: dict[str, str] = {}
    draft = db.session.scalar(select(Response).join(Response.organisation).where(
        Response.submitted_at.is_(None)))
    provider = app.test_client()
    login(provider, "zorg4@example.org", DEMO_PASSWORD)
    base = f"/responses/{draft.id}"
    for path in [base, f"{base}/review"] + [f"{base}/themes/{t.id}" for t in draft.consultation.themes]:
        response = provider.get(path)
        assert response.status_code == 200, path
        pages[f"provider{path}"] = response.get_data(as_text=True)
    token = get_csrf(provider, f"{base}/review")
    pages["review-errors"] = provider.post(f"{base}/review", data={"csrf_token": token}).get_data(as_text=True)
    first = app.test_client()
    login(first, "zorg1@example.org", DEMO_PASSWORD)
    own = db.session.scalar(select(Response).join(Response.organisation).where(
        Response.submitted_at.is_not(None), Response.organisation.has(name="Thuishulp Rijnstreek"),
        Response.consultation.has(slug="marktconsultatie-wmo-leidse-regio")))
    pages["receipt"] = first.get(f"/responses/{own.id}/submissions/1").get_data(as_text=True)
    withdraw = first.get(f"/responses/{own.id}/withdraw")
    assert withdraw.status_code == 200
    pages["withdraw"] = withdraw.get_data(as_text=True)
    pages["verify"] = first.get(f"/receipts/verify?code={own.submissions[0].receipt_code}").get_data(as_text=True)
    team = app.test_client()
    login(team, "team@example.org", DEMO_PASSWORD)
    pages["team-list"] = team.get("/consultations/marktconsultatie-wmo-leidse-regio/responses").get_data(as_text=True)
    pages["team-view"] = team.get(f"/consultations/marktconsultatie-wmo-leidse-regio/responses/{own.id}").get_data(as_text=True)
    pages["consultation-provider"] = first.get("/consultations/marktconsultatie-wmo-leidse-regio").get_data(as_text=True)
    errors = validate(pages, tmp_path)
    assert errors == [], "\n".join(errors)


def test_dialogue_pages_are_valid_html(app, demo, tmp_path):
    require(shutil.which("java") is not None, "HTML validation skipped: no Java runtime (apt-get install default-jre-headless)")
    require(VNU.exists(), "HTML validation skipped: vnu-jar not installed (npm ci)")
    from sqlalchemy import select

    from consult.demo import DEMO_PASSWORD
    from consult.dialogue.models import Post, Thread
    from consult.extensions import db

    slug = "/consultations/marktconsultatie-wmo-leidse-regio"
    threads = db.session.scalars(select(Thread).order_by(Thread.id)).all()
    first_post = db.session.scalar(select(Post).where(Post.thread_id == threads[0].id).order_by(Post.id))
    pages: dict[str, str] = {}
    for who in ("zorg1@example.org", "team@example.org"):
        client = app.test_client()
        login(client, who, DEMO_PASSWORD)
        paths = [f"{slug}/discussion", f"{slug}/discussion/search?q=wijkteam"] + [f"/discussion/{t.id}" for t in threads]
        paths += [f"/discussion/{threads[0].id}/reply?parent={first_post.id}&quote={first_post.id}"]
        if who.startswith("team"):
            paths += [f"{slug}/moderation", f"/posts/{first_post.id}/hide"]
        else:
            paths += [f"/posts/{first_post.id}/report"] if first_post.author.email != who else []
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (who, path)
            pages[f"{who.split('@')[0]}{path}"] = response.get_data(as_text=True)
    errors = validate(pages, tmp_path)
    assert errors == [], "\n".join(errors)


def test_qa_pages_are_valid_html(app, demo, tmp_path):
    require(shutil.which("java") is not None, "HTML validation skipped: no Java runtime (apt-get install default-jre-headless)")
    require(VNU.exists(), "HTML validation skipped: vnu-jar not installed (npm ci)")
    from sqlalchemy import select

    from consult.demo import DEMO_PASSWORD
    from consult.extensions import db
    from consult.qa.models import QaItem, QaStatus

    slug = "/consultations/marktconsultatie-wmo-leidse-regio"
    waiting = db.session.scalar(select(QaItem).where(QaItem.status == QaStatus.ASKED))
    pages: dict[str, str] = {}
    provider = app.test_client()
    login(provider, "zorg4@example.org", DEMO_PASSWORD)
    for path in [f"{slug}/qa", f"{slug}/qa/received"]:
        pages[f"provider{path}"] = provider.get(path).get_data(as_text=True)
    team = app.test_client()
    login(team, "team@example.org", DEMO_PASSWORD)
    for path in [f"{slug}/qa/manage", f"/qa/{waiting.id}"]:
        response = team.get(path)
        assert response.status_code == 200, path
        pages[f"team{path}"] = response.get_data(as_text=True)
    errors = validate(pages, tmp_path)
    assert errors == [], "\n".join(errors)


def test_advice_and_notification_pages_are_valid_html(app, demo, tmp_path):
    require(shutil.which("java") is not None, "HTML validation skipped: no Java runtime (apt-get install default-jre-headless)")
    require(VNU.exists(), "HTML validation skipped: vnu-jar not installed (npm ci)")
    from sqlalchemy import select

    from consult.advice.models import Advice, AdvicePoint, AdviceStatus
    from consult.auth.models import User
    from consult.demo import DEMO_PASSWORD
    from consult.extensions import db
    from consult.notify.models import Kind
    from consult.notify.services import unsubscribe_token

    slug = "/consultations/marktconsultatie-wmo-leidse-regio"
    submitted = db.session.scalar(select(Advice).where(Advice.status == AdviceStatus.SUBMITTED))
    draft = db.session.scalar(select(Advice).where(Advice.status == AdviceStatus.DRAFT))
    point = db.session.scalar(select(AdvicePoint).where(AdvicePoint.advice_id == draft.id))
    pages: dict[str, str] = {}

    def collect(client, who, paths):
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            pages[f"{who}{path}"] = response.get_data(as_text=True)

    council = app.test_client()
    login(council, "adviesraad@example.org", DEMO_PASSWORD)
    collect(council, "council", [f"{slug}/advice", f"/advice/{submitted.id}", f"{slug}/council-comments",
                                 "/notifications", "/account/notifications"])
    drafting = app.test_client()
    login(drafting, "clientenraad@example.org", DEMO_PASSWORD)
    collect(drafting, "council2", [f"/advice/{draft.id}", f"/advice/points/{point.id}"])
    team = app.test_client()
    login(team, "team@example.org", DEMO_PASSWORD)
    collect(team, "team", [f"{slug}/advice", f"/advice/{submitted.id}", f"{slug}/council-comments"])
    pages["team-reply-errors"] = team.post(f"/advice/{submitted.id}/reply", data={
        "csrf_token": csrf_token_from(pages[f"team/advice/{submitted.id}"]), "action": "publish"}).get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "zorg1@example.org"))
    anonymous = app.test_client()
    collect(anonymous, "anonymous", [f"/unsubscribe/{unsubscribe_token(user.id, Kind.QA)}"])
    errors = validate(pages, tmp_path)
    assert errors == [], "\n".join(errors)


def test_analysis_pages_are_valid_html(app, demo, tmp_path):
    require(shutil.which("java") is not None, "HTML validation skipped: no Java runtime (apt-get install default-jre-headless)")
    require(VNU.exists(), "HTML validation skipped: vnu-jar not installed (npm ci)")
    from sqlalchemy import select

    from consult.analysis.models import Tag
    from consult.consultations.models import Consultation
    from consult.demo import DEMO_PASSWORD
    from consult.extensions import db

    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "dialoog-dagbesteding-2025"))
    tag = db.session.scalar(select(Tag))
    base = f"/consultations/{consultation.slug}/analysis"
    team = app.test_client()
    login(team, "team@example.org", DEMO_PASSWORD)
    paths = [base, f"{base}/tags", f"{base}/tags?edit={tag.id}", f"{base}/themes/{consultation.themes[0].id}"]
    paths += [f"{base}/questions/{q.id}" for theme in consultation.themes for q in theme.questions]
    paths += ["/consultations/marktconsultatie-wmo-leidse-regio/analysis/posts"]
    pages = {}
    for path in paths:
        response = team.get(path)
        assert response.status_code == 200, path
        pages[path] = response.get_data(as_text=True)
    question = consultation.themes[0].questions[0]
    token = csrf_token_from(pages[base])
    pages["excerpt-error"] = team.post(f"{base}/questions/{question.id}", data={
        "csrf_token": token, "action": "excerpt", "answer": "0-0"}).get_data(as_text=True)
    pages["synthesis-error"] = team.post(f"{base}/questions/{question.id}", data={
        "csrf_token": token, "action": "synthesis", "synthesis": "", "status": "final"}).get_data(as_text=True)
    pages["tag-error"] = team.post(f"{base}/tags", data={"csrf_token": token, "name": ""}).get_data(as_text=True)
    posts_url = "/consultations/marktconsultatie-wmo-leidse-regio/analysis/posts"
    first_post = re.search(r'id="post-(\d+)"', pages[posts_url]).group(1)
    pages["quote-error"] = team.post(posts_url, data={"csrf_token": token, "action": "quote", "post": first_post,
                                                      "excerpt": "niet aanwezig"}).get_data(as_text=True)
    errors = validate(pages, tmp_path)
    assert errors == [], "\n".join(errors)


def test_strategy_pages_are_valid_html(app, demo, tmp_path):
    require(shutil.which("java") is not None, "HTML validation skipped: no Java runtime (apt-get install default-jre-headless)")
    require(VNU.exists(), "HTML validation skipped: vnu-jar not installed (npm ci)")
    from sqlalchemy import select

    from consult.demo import DEMO_PASSWORD
    from consult.extensions import db
    from consult.strategy.models import Segment

    base = "/consultations/dialoog-dagbesteding-2025/strategy"
    segment = db.session.scalar(select(Segment).order_by(Segment.id))
    team = app.test_client()
    login(team, "team@example.org", DEMO_PASSWORD)
    pages = {}
    for path in [base, f"{base}/general", f"{base}/segments/{segment.id}", f"{base}/segments/new",
                 f"{base}/evidence?part=segment:{segment.id}&q=e", f"{base}/not-considered", f"{base}/revisions",
                 f"{base}/revisions?a=1&b=8"]:
        response = team.get(path)
        assert response.status_code == 200, path
        pages[f"team{path}"] = response.get_data(as_text=True)
    token = csrf_token_from(pages[f"team{base}"])
    pages["segment-error"] = team.post(f"{base}/segments/new", data={"csrf_token": token, "name": ""}).get_data(as_text=True)
    pages["evidence-error"] = team.post(f"{base}/evidence", data={"csrf_token": token, "part": "general",
                                                                  "q": "e"}).get_data(as_text=True)
    council = app.test_client()
    login(council, "adviesraad@example.org", DEMO_PASSWORD)
    for path in [base, f"{base}/general", f"{base}/segments/{segment.id}"]:
        response = council.get(path)
        assert response.status_code == 200, path
        pages[f"council{path}"] = response.get_data(as_text=True)
    pages["comment-error"] = council.post(f"{base}/comments", data={
        "csrf_token": csrf_token_from(pages[f"council{base}"]), "part": "general", "body": ""}).get_data(as_text=True)
    errors = validate(pages, tmp_path)
    assert errors == [], "\n".join(errors)


def test_report_pages_are_valid_html(app, demo, tmp_path):
    require(shutil.which("java") is not None, "HTML validation skipped: no Java runtime (apt-get install default-jre-headless)")
    require(VNU.exists(), "HTML validation skipped: vnu-jar not installed (npm ci)")
    from consult.demo import DEMO_PASSWORD

    slug = "dialoog-dagbesteding-2025"
    pages = {"public-report": app.test_client().get(f"/consultations/{slug}/report").get_data(as_text=True),
             "public-consultation": app.test_client().get(f"/consultations/{slug}").get_data(as_text=True)}
    team = app.test_client()
    login(team, "team@example.org", DEMO_PASSWORD)
    for path in [f"/consultations/{slug}/report", f"/consultations/{slug}/report/edit",
                 "/consultations/marktconsultatie-wmo-leidse-regio/report"]:
        response = team.get(path)
        assert response.status_code == 200, path
        pages[f"team{path}"] = response.get_data(as_text=True)
    pages["edit-error"] = team.post(f"/consultations/{slug}/report/edit", data={
        "csrf_token": csrf_token_from(pages[f"team/consultations/{slug}/report/edit"]), "summary": "",
        "action": "publish"}).get_data(as_text=True)
    started = team.post(f"/consultations/{slug}/exports", data={
        "csrf_token": csrf_token_from(pages[f"team/consultations/{slug}/report"]), "variant": "internal", "fmt": "xlsx"})
    pages["export-status"] = team.get(started.headers["Location"]).get_data(as_text=True)
    errors = validate(pages, tmp_path)
    assert errors == [], "\n".join(errors)


def test_security_and_privacy_pages_are_valid_html(app, demo, tmp_path):
    """Two-step login, the audit trail, data download and deletion, retention."""
    require(shutil.which("java") is not None, "HTML validation skipped: no Java runtime (apt-get install default-jre-headless)")
    require(VNU.exists(), "HTML validation skipped: vnu-jar not installed (npm ci)")
    import pyotp

    from consult.demo import DEMO_PASSWORD

    slug = "marktconsultatie-wmo-leidse-regio"
    pages: dict[str, str] = {}
    provider = app.test_client()
    login(provider, "zorg1@example.org", DEMO_PASSWORD)
    setup = provider.get("/account/two-factor").get_data(as_text=True)
    pages["two-factor-setup"] = setup
    pages["two-factor-setup-error"] = provider.post("/account/two-factor", data={
        "csrf_token": csrf_token_from(setup), "code": "000000"}).get_data(as_text=True)
    secret = re.search(r'<code class="secret-key">([A-Z2-7 ]+)</code>', setup).group(1).replace(" ", "")
    pages["recovery-codes"] = provider.post("/account/two-factor", data={
        "csrf_token": csrf_token_from(setup), "code": pyotp.TOTP(secret).now()}).get_data(as_text=True)
    pages["two-factor-settings"] = provider.get("/account/two-factor").get_data(as_text=True)
    pages["delete-account"] = provider.get("/account/delete").get_data(as_text=True)
    pages["delete-account-error"] = provider.post("/account/delete", data={
        "csrf_token": csrf_token_from(pages["delete-account"])}).get_data(as_text=True)
    provider.post("/account/delete", data={"csrf_token": csrf_token_from(pages["delete-account"]),
                                           "understood": "y"})
    pages["delete-account-pending"] = provider.get("/account/delete").get_data(as_text=True)
    second = app.test_client()
    login(second, "zorg1@example.org", DEMO_PASSWORD)
    pages["login-code"] = second.get("/login/code").get_data(as_text=True)
    pages["login-code-error"] = second.post("/login/code", data={
        "csrf_token": csrf_token_from(pages["login-code"]), "code": "000000"}).get_data(as_text=True)
    admin = app.test_client()
    login(admin, "beheer@example.org", DEMO_PASSWORD)
    for path in ["/admin/audit", "/admin/audit?action=login", "/admin/audit?from=2026-99-01",
                 "/admin/erasure", f"/consultations/{slug}/audit", f"/consultations/{slug}/manage/retention"]:
        response = admin.get(path)
        assert response.status_code == 200, path
        pages[f"admin{path}"] = response.get_data(as_text=True)
    errors = validate(pages, tmp_path)
    assert errors == [], "\n".join(errors)


def test_session_draft_and_trajectory_pages_are_valid_html(app, demo, tmp_path):
    """The dialogue sessions, the drafts open for comment and the trajectories, as every role that
    opens them in the demo walk (tests/pages.py), checked in one run of the checker."""
    require(shutil.which("java") is not None, "HTML validation skipped: no Java runtime (apt-get install default-jre-headless)")
    require(VNU.exists(), "HTML validation skipped: vnu-jar not installed (npm ci)")
    from consult.demo import DEMO_PASSWORD
    from tests.pages import ACCOUNTS, demo_pages

    walk = demo_pages()
    pages: dict[str, str] = {}
    for role, account in ACCOUNTS.items():
        paths = [p for p in walk[role] if re.search(r"/(sessions|drafts|trajectories)(/|$|\?)", p)]
        if not paths:
            continue
        client = app.test_client()
        if account:
            login(client, account, DEMO_PASSWORD)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (role, path)
            pages[f"{role}{path}"] = response.get_data(as_text=True)
    assert len(pages) >= 20, sorted(pages)
    errors = validate(pages, tmp_path)
    assert errors == [], "\n".join(errors)
