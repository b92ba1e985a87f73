"""Warm-up before gunicorn forks: new and recycled workers start with compiled templates, a
configured ORM and loaded translations."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flask_babel import get_babel

from consult.core.warmup import warm

ROOT = Path(__file__).resolve().parent.parent


def _template_names(app) -> list[str]:
    return [name for name in app.jinja_env.list_templates() if name.endswith((".html", ".txt"))]


def test_warm_compiles_every_template_and_loads_both_languages(app):
    app.jinja_env.cache.clear()
    translations = get_babel(app).instance.domain_instance.cache
    translations.clear()

    compiled = warm(app)

    names = _template_names(app)
    assert compiled == len(names) > 100
    assert {name for _loader, name in app.jinja_env.cache.keys()} == set(names)
    assert set(translations) == {("nl", "messages"), ("en", "messages")}
    assert translations["nl", "messages"].gettext("Not saved") == "Niet opgeslagen"


def test_gunicorn_warms_up_before_forking_its_workers(app, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "CONSULT_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
           "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "warm", "MAIL_BACKEND": "console",
           "WEB_CONCURRENCY": "1", "BIND": f"127.0.0.1:{port}"}
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                    "consult:create_app()"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and "Booting worker" not in log.read_text():
            time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert answer.status == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
    output = log.read_text()
    warmed = re.search(r"warmed up: (\d+) templates compiled", output)
    assert warmed, output
    assert int(warmed.group(1)) == len(_template_names(app))
    assert output.index("warmed up") < output.index("Booting worker")
