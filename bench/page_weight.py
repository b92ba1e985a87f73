"""Page weight: CSS and JavaScript per main page, gzip-compressed, and any request to another host.

    .venv/bin/python bench/page_weight.py

Renders the main pages with the demo data (as a visitor, a provider and the team), collects the
stylesheets, scripts, images and other URLs each page loads, and prints the compressed size of the
CSS + JS. Target: at most 80 KB per page and no request to another host.
"""
from __future__ import annotations

import gzip
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LIMIT_KB = 80
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src|iframe[^>]+src)="([^"]+)"')


def main() -> int:
    from config import TestingConfig
    from consult import create_app
    from consult.demo import DEMO_PASSWORD, load_demo
    from consult.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="consult-weight-"))
    app = create_app(type("WeightConfig", (TestingConfig,), {
        "INSTANCE_DIR": workdir, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'weight.db'}"}))
    static = Path(app.static_folder)
    slug = "marktconsultatie-wmo-leidse-regio"
    closed = "dialoog-dagbesteding-2025"
    with app.app_context():
        db.create_all()
        load_demo()
        db.session.commit()
    # Requests run outside that context, each in its own, as on a server.
    return measure(app, static, slug, closed)


def measure(app, static: Path, slug: str, closed: str) -> int:
    from consult.demo import DEMO_PASSWORD

    clients = {"visitor": app.test_client(), "provider": app.test_client(), "team": app.test_client()}
    for who, email in (("provider", "zorg4@example.org"), ("team", "team@example.org")):
        page = clients[who].get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        clients[who].post("/login", data={"csrf_token": token, "email": email, "password": DEMO_PASSWORD})
    pages = [("visitor", "/"), ("visitor", f"/consultations/{slug}"), ("visitor", f"/consultations/{closed}/report"),
             ("provider", f"/consultations/{slug}/discussion"), ("provider", f"/consultations/{slug}/qa"),
             ("provider", "/notifications"), ("team", f"/consultations/{slug}/responses"),
             ("team", f"/consultations/{closed}/analysis"), ("team", f"/consultations/{closed}/strategy")]
    worst, foreign = 0.0, []
    print(f"{'page':<60} {'CSS+JS gzip KB':>15}")
    for who, path in pages:
        response = clients[who].get(path)
        assert response.status_code == 200, (who, path, response.status_code)
        html = response.get_data(as_text=True)
        total = 0
        for url in ASSET.findall(html):
            parsed = urlparse(url)
            if parsed.scheme or parsed.netloc:
                foreign.append((path, url))
                continue
            if parsed.path.startswith("/static/") and parsed.path.endswith((".css", ".js")):
                total += len(gzip.compress((static / parsed.path.removeprefix("/static/")).read_bytes()))
        worst = max(worst, total / 1024)
        print(f"{who + ' ' + path:<60} {total / 1024:>15.1f}")
    print(f"largest: {worst:.1f} KB (target {LIMIT_KB} KB); requests to other hosts: {len(foreign)}")
    for path, url in foreign:
        print(f"  {path}: {url}")
    return 0 if worst <= LIMIT_KB and not foreign else 1


if __name__ == "__main__":
    raise SystemExit(main())
