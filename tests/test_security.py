"""CSRF, security headers and cookies on every route, safe redirects, configuration guards."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import ProductionConfig
from consult.core.security import CSP, DOWNLOAD_CSP, is_safe_next
from tests.conftest import build_app, login, make_org, make_user, post_form, text_of

TEMPLATES = Path(__file__).resolve().parent.parent / "consult" / "templates"


@pytest.mark.parametrize("path", ["/login", "/register", "/password/forgot", "/language", "/verify"])
def test_post_without_csrf_token_is_refused(client, path):
    response = client.post(path, data={"email": "a@example.org", "password": "x", "language": "en"})
    assert response.status_code == 400
    assert "Het formulier was verlopen of kwam van elders. Er is niets opgeslagen." in text_of(response)


def test_htmx_post_with_csrf_header_is_accepted(client):
    token = re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    response = client.post("/language", data={"language": "en", "next": "/"},
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302


def test_csrf_token_of_another_session_is_refused(app, client):
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"',
                      app.test_client().get("/").get_data(as_text=True)).group(1)
    client.get("/")
    assert client.post("/language", data={"csrf_token": token, "language": "en"}).status_code == 400


def all_get_paths(app, ids: dict[str, int]) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {arg: ids.get(arg, "x") for arg in rule.arguments}
        if "token" in values:
            values["token"] = "not-a-token"
        path = rule.rule
        for arg, value in values.items():
            path = re.sub(rf"<(?:\w+:)?{arg}>", str(value), path)
        paths.append(path)
    return sorted(paths)


def assert_security_headers(response, path):
    headers = response.headers
    # Downloads get the strictest policy: nothing in them may run or be framed.
    expected = DOWNLOAD_CSP if headers.get("Content-Disposition", "").startswith("attachment") else CSP
    assert headers["Content-Security-Policy"] == expected, path
    assert headers["X-Content-Type-Options"] == "nosniff", path
    assert headers["Referrer-Policy"] == "same-origin", path
    assert headers["X-Frame-Options"] == "DENY", path
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in headers, path


def test_security_headers_on_every_route_anonymous_and_admin(app, admin_client):
    org = make_org("Zorg Noord")
    user = make_user("lid@example.org", org=org)
    ids = {"org_id": org.id, "user_id": user.id, "membership_id": user.memberships[0].id}
    paths = all_get_paths(app, ids)
    assert len(paths) >= 20
    anonymous = app.test_client()
    for path in paths:
        assert_security_headers(anonymous.get(path), path)
        response = admin_client.get(path)
        assert response.status_code < 500, path
        assert_security_headers(response, path)
    with anonymous.get("/static/css/consult.css") as static_response:
        assert_security_headers(static_response, "static")


def test_session_cookie_attributes(client):
    make_user("anna@example.org")
    response = login(client, "anna@example.org")
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("consult_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in tests; production sets Secure


def test_production_refuses_to_start_without_secrets(monkeypatch, tmp_path):
    cfg = type("Prod", (ProductionConfig,), {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": None,
                                             "INSTANCE_DIR": tmp_path})
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        from consult import create_app
        create_app(cfg)


def test_production_sets_secure_cookie_and_hsts(tmp_path):
    from consult import create_app

    cfg = type("Prod", (ProductionConfig,), {"SECRET_KEY": "s" * 32, "INSTANCE_DIR": tmp_path,
                                             "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    app = create_app(cfg)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.debug is False
    response = app.test_client().get("/privacy")
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"


@pytest.mark.parametrize("target,expected", [
    ("/account", True), ("/admin/users?q=a", True), ("//evil.example", False),
    ("https://evil.example/", False), ("/\\evil.example", False), ("javascript:alert(1)", False),
    ("", False), (None, False), ("/ok\nLocation: x", False), ("account", False),
])
def test_is_safe_next(target, expected):
    assert is_safe_next(target) is expected


def test_language_switch_ignores_foreign_next(client):
    response = post_form(client, "/language", {"language": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_templates_use_safe_only_on_sanitiser_output():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        for number, line in enumerate(template.read_text().splitlines(), start=1):
            if re.search(r"\|\s*safe\b", line) or "Markup(" in line:
                offenders.append(f"{template.relative_to(TEMPLATES)}:{number}")
    assert offenders == []


def test_no_third_party_assets_referenced_in_templates():
    urls = []
    for template in TEMPLATES.rglob("*.html"):
        if template.parts[-2] == "mail":
            continue
        urls += re.findall(r'(?:src|href)="(https?://[^"]+)"', template.read_text())
    assert urls == []


def test_error_pages_hide_tracebacks(tmp_path):
    app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/e.db")

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    body = text_of(response)
    assert "Er ging iets mis" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_too_large_request_gets_friendly_413(tmp_path):
    app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/e.db",
                    MAX_CONTENT_LENGTH=1024, WTF_CSRF_ENABLED=False)
    response = app.test_client().post("/login", data={"email": "x" * 5000})
    assert response.status_code == 413
    assert "Bestand te groot" in text_of(response)


def test_unknown_page_gets_friendly_404(client):
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in text_of(response)
