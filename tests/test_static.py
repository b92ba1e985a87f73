"""Static files: fingerprinted names in the pages, served compressed with a year's immutable cache by
WhiteNoise (not Flask's static route), the plain files in development, and a trimmed NL Design System
stylesheet that still has the rules of every class the site names."""
from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from pathlib import Path

import brotli

from consult.core import assets
from tests.conftest import build_app

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "consult" / "static"
FULL_UTRECHT = ROOT / "node_modules" / "@utrecht" / "component-library-css" / "dist" / "index.css"
PAGE_ASSETS = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')


def static_urls(client) -> list[str]:
    return PAGE_ASSETS.findall(client.get("/login").get_data(as_text=True))


def test_pages_name_every_static_file_by_its_fingerprinted_name(app, client):
    manifest = json.loads((STATIC / "dist" / "manifest.json").read_text())
    assert static_urls(client) == [
        "/static/" + manifest[name] for name in ("vendor/utrecht.css", "vendor/voorbeeld-theme.css",
                                                 "css/consult.css", "favicon.svg", "vendor/htmx.min.js",
                                                 "js/consult.js")]
    for url in static_urls(client):
        assert re.fullmatch(r"/static/dist/[\w/.-]+\.[0-9a-f]{12}\.(css|js|svg)", url), url


def test_fingerprinted_file_is_served_compressed_and_immutable_for_a_year(app, client):
    url = next(u for u in static_urls(client) if u.endswith(".css") and "/css/consult." in u)
    source = (STATIC / "css" / "consult.css").read_bytes()

    plain = client.get(url)
    assert plain.status_code == 200
    assert plain.headers["Cache-Control"] == "max-age=31536000, immutable"
    assert plain.headers["Content-Type"] == 'text/css; charset="utf-8"'
    assert plain.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Encoding" not in plain.headers
    assert plain.data == (STATIC / url.removeprefix("/static/")).read_bytes()
    # Only the font addresses differ from the source: they name the fingerprinted fonts.
    assert re.sub(rb"\.[0-9a-f]{12}\.woff2", b".woff2", plain.data) == source

    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Vary"] == "Accept-Encoding"
    assert zipped.headers["Cache-Control"] == "max-age=31536000, immutable"
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 3

    squeezed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert squeezed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(squeezed.data) == plain.data


def test_fingerprinted_files_are_served_by_whitenoise_not_by_flask(tmp_path):
    from whitenoise import WhiteNoise

    fresh = build_app(tmp_path)
    seen = []
    fresh.before_request(lambda: seen.append(1))
    with fresh.app_context():
        from consult.extensions import db

        db.create_all()
    client = fresh.test_client()
    urls = static_urls(client)
    seen.clear()
    assert isinstance(fresh.wsgi_app, WhiteNoise)
    for url in urls:
        assert client.get(url).status_code == 200
    assert seen == []


def test_fingerprinted_stylesheets_name_fingerprinted_fonts_that_are_served(app, client):
    url = next(u for u in static_urls(client) if "/css/consult." in u)
    fonts = re.findall(r'url\("([^"]+\.woff2)"\)', client.get(url).get_data(as_text=True))
    assert len(fonts) == 10
    for font in fonts:
        address = "/static/dist/css/" + font
        resolved = os.path.normpath(address)
        assert re.fullmatch(r"/static/dist/vendor/fonts/[\w-]+\.[0-9a-f]{12}\.woff2", resolved), resolved
        response = client.get(resolved)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "max-age=31536000, immutable"


def test_plain_name_still_served_but_only_briefly_cached(app, client):
    response = client.get("/static/css/consult.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=60, public"


def test_development_serves_plain_names_by_flask(tmp_path):
    dev = build_app(tmp_path, STATIC_FINGERPRINTS=False)
    client = dev.test_client()
    with dev.app_context():
        from consult.extensions import db

        db.create_all()
    urls = static_urls(client)
    assert urls[0] == "/static/vendor/utrecht.css"
    assert urls[2] == "/static/css/consult.css"
    response = client.get("/static/css/consult.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")
    response.close()


def test_build_fingerprints_rewrites_font_addresses_and_compresses(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "a.woff2").write_bytes(b"font")
    css = ('@font-face { src: url("../fonts/a.woff2") format("woff2"); }\n'
           '.x { background: url("data:image/svg+xml,%3csvg%3e") } .y { background: url(../fonts/missing.png) }\n'
           + ".z { color: red }\n" * 200)
    (tmp_path / "css" / "site.css").write_text(css)

    manifest = assets.build(tmp_path)

    font = manifest["fonts/a.woff2"]
    assert re.fullmatch(r"dist/fonts/a\.[0-9a-f]{12}\.woff2", font)
    built = (tmp_path / manifest["css/site.css"]).read_text()
    assert built == css.replace("../fonts/a.woff2", "../" + font.removeprefix("dist/"))
    assert gzip.decompress((tmp_path / (manifest["css/site.css"] + ".gz")).read_bytes()).decode() == built
    assert json.loads((tmp_path / "dist" / "manifest.json").read_text()) == manifest

    # A changed file gets a new name; the old copy stays for a server that still names it.
    (tmp_path / "css" / "site.css").write_text(css + ".w { color: blue }\n")
    second = assets.build(tmp_path)
    assert second["css/site.css"] != manifest["css/site.css"]
    assert (tmp_path / manifest["css/site.css"]).exists()
    assert second["fonts/a.woff2"] == font
    assert not (tmp_path / (font + ".gz")).exists()  # fonts are compressed already


def test_file_changed_after_the_build_is_served_by_its_plain_name(tmp_path):
    (tmp_path / "site.css").write_text(".a { color: red }\n")
    (tmp_path / "site.js").write_text("let a = 1;\n")
    assets.build(tmp_path)
    assert not assets.stale(tmp_path)
    built = (tmp_path / "dist" / "manifest.json").stat().st_mtime
    os.utime(tmp_path / "site.css", (built + 5, built + 5))
    assert assets.stale(tmp_path)
    assert list(assets.load_manifest(tmp_path)) == ["site.js"]


def test_app_fingerprints_again_a_file_changed_since_the_build(tmp_path):
    from flask import Flask, url_for

    static = tmp_path / "static"
    shutil.copytree(STATIC, static, ignore=shutil.ignore_patterns("dist"))
    assets.build(static)
    (static / "css" / "consult.css").write_text("body { color: black }\n")
    edited = (static / "css" / "consult.css").stat().st_mtime
    os.utime(static / "dist" / "manifest.json", (edited - 5, edited - 5))  # built before the edit
    site = Flask("site", static_folder=str(static))
    site.config["STATIC_FINGERPRINTS"] = True
    assets.register_assets(site)
    with site.test_request_context():
        url = url_for("static", filename="css/consult.css")
    assert re.fullmatch(r"/static/dist/css/consult\.[0-9a-f]{12}\.css", url), url
    response = site.test_client().get(url)
    assert response.data == b"body { color: black }\n"
    assert response.headers["Cache-Control"] == "max-age=31536000, immutable"
    response.close()


def test_trimmed_design_system_stylesheet_keeps_every_class_the_site_names():
    full = FULL_UTRECHT.read_text()
    trimmed = (STATIC / "vendor" / "utrecht.css").read_text()
    assert len(trimmed) < len(full) / 3
    named = set()
    for path in [*ROOT.glob("consult/templates/**/*.html"), *ROOT.glob("consult/**/*.py"),
                 *ROOT.glob("consult/static/js/*.js")]:
        named |= set(re.findall(r"utrecht-[a-z0-9]+(?:[-_][a-z0-9]+)*", path.read_text()))
    defined = set(re.findall(r"\.(utrecht-[a-z0-9_-]+)", full))
    missing = sorted(name for name in named & defined if f".{name}" not in trimmed)
    assert missing == [], f"run `make install` to rebuild the trimmed stylesheet: {missing}"
    # The focus ring, a rule PurgeCSS cannot judge (pseudo-classes only), is kept (Makefile).
    assert ":where(.utrecht-root) :where(:focus-visible) {" in trimmed
