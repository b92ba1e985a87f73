"""Page weight: what a browser really downloads for the main pages, and what it asks again later.

    .venv/bin/python bench/page_weight.py

Serves the app with the demo data (the test configuration: fingerprinted, compressed static files as
in production) and opens each main page in headless Chromium (/usr/bin/chromium) with an empty
cache, as a visitor, a provider and the team (logged in first, then the cache emptied). It adds up
the bytes that came over the wire (compressed, as sent) per kind of file, then opens the page a second
time and counts the static-file requests that reach the server. The CSS and JavaScript are also
fetched as a browser that accepts gzip only (not brotli) would get them.

Targets: at most 60 KB of CSS + JavaScript on a first page load (brotli and gzip alike), no static-file request on a repeat
page load, no request to another host. Exits 1 when one is missed.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LIMIT_KB = 60
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SLUG = "marktconsultatie-wmo-leidse-regio"
CLOSED = "dialoog-dagbesteding-2025"
PAGES = [("visitor", "/"), ("visitor", f"/consultations/{SLUG}"), ("visitor", f"/consultations/{CLOSED}/report"),
         ("provider", f"/consultations/{SLUG}/discussion"), ("provider", f"/consultations/{SLUG}/qa"),
         ("provider", "/notifications"), ("team", f"/consultations/{SLUG}/responses"),
         ("team", f"/consultations/{CLOSED}/analysis"), ("team", f"/consultations/{CLOSED}/strategy")]
ACCOUNTS = {"provider": "zorg4@example.org", "team": "team@example.org"}


def serve():
    from werkzeug.serving import make_server

    from config import TestingConfig
    from consult import create_app
    from consult.demo import load_demo
    from consult.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="consult-weight-"))
    app = create_app(type("WeightConfig", (TestingConfig,), {
        "INSTANCE_DIR": workdir, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'weight.db'}"}))
    with app.app_context():
        db.create_all()
        load_demo()
        db.session.commit()
    asked: list[str] = []
    inner = app.wsgi_app

    def counting(environ, start_response):
        if environ["PATH_INFO"].startswith("/static/"):
            asked.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = counting
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}", asked, workdir


def gzip_size(url: str) -> int:
    """Bytes sent to a browser that accepts gzip but not brotli."""
    from urllib.request import Request, urlopen

    with urlopen(Request(url, headers={"Accept-Encoding": "gzip"})) as response:  # noqa: S310 (local)
        return len(response.read())


def kind_of(request) -> str:
    kind = request.resource_type
    return {"stylesheet": "css", "script": "js", "font": "font", "image": "image"}.get(kind, kind)


def main() -> int:
    from playwright.sync_api import sync_playwright

    from consult.demo import DEMO_PASSWORD

    server, base, asked, workdir = serve()
    worst, worst_gzip, repeats, foreign = 0.0, 0.0, 0, []
    print(f"{'page':<66} {'CSS+JS KB':>9} {'(gzip)':>6} {'fonts KB':>8} {'other KB':>8} {'encoding':>8} "
          f"{'repeat':>6}")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu", "--disable-quic"])
            for who, path in PAGES:
                context = browser.new_context(base_url=base, locale="nl-NL")
                page = context.new_page()
                if who in ACCOUNTS:
                    page.goto("/login")
                    page.get_by_label("E-mailadres").fill(ACCOUNTS[who])
                    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
                    page.get_by_role("button", name="Inloggen").click()
                    page.wait_for_load_state("load")
                    page.context.new_cdp_session(page).send("Network.clearBrowserCache")
                loaded = []
                # A lambda, not the bound method: Playwright cannot register a list's append.
                page.on("requestfinished", lambda request: loaded.append(request))  # noqa: PLW0108
                response = page.goto(path)
                assert response.status == 200, (who, path, response.status)
                page.wait_for_load_state("networkidle")
                sizes, encodings, gzipped = {"css": 0, "js": 0, "font": 0, "other": 0}, set(), 0
                for request in loaded:
                    if urlparse(request.url).netloc != urlparse(base).netloc:
                        foreign.append((path, request.url))
                    if request.resource_type == "document":
                        continue
                    kind = kind_of(request)
                    sizes[kind if kind in sizes else "other"] += max(0, request.sizes()["responseBodySize"])
                    if kind in ("css", "js"):
                        encodings.add(request.response().headers.get("content-encoding", "none"))
                        gzipped += gzip_size(request.url)
                asked.clear()
                page.goto(path)
                page.wait_for_load_state("networkidle")
                again = len(asked)
                repeats += again
                context.close()
                code = (sizes["css"] + sizes["js"]) / 1024
                worst = max(worst, code)
                worst_gzip = max(worst_gzip, gzipped / 1024)
                print(f"{who + ' ' + path:<66} {code:>9.1f} {gzipped / 1024:>6.1f} {sizes['font'] / 1024:>8.1f} "
                      f"{sizes['other'] / 1024:>8.1f} {','.join(sorted(encodings)):>8} {again:>6}")
            browser.close()
    finally:
        server.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"largest first load: {worst:.1f} KB CSS+JS as sent (target at most {LIMIT_KB} KB); "
          f"static-file requests on repeat loads: {repeats} (target 0); requests to other hosts: {len(foreign)}")
    for path, url in foreign:
        print(f"  {path}: {url}")
    print(f"the same files for a browser that accepts only gzip: {worst_gzip:.1f} KB")
    ok = worst <= LIMIT_KB and worst_gzip <= LIMIT_KB and repeats == 0 and not foreign
    print("result:", "pass" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
