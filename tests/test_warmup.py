"""Warm-up before gunicorn forks: new and recycled workers start with compiled templates, a
configured ORM and loaded translations."""
from __future__ import annotations

import re
import urllib.request

from flask_babel import get_babel

from bench.rush import free_port, start_server, stop_server
from consult.core.warmup import warm


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
    port, log, collections = free_port(), tmp_path / "gunicorn.log", tmp_path / "gc"
    collections.mkdir()
    process = start_server("consult:create_app()", port, f"sqlite:///{tmp_path / 'app.db'}", tmp_path, 1, log,
                           {"GC_LOG_DIR": str(collections)})
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as answer:
            assert answer.status == 200
    finally:
        stop_server(process)
    # With GC_LOG_DIR set, the one worker keeps a log of its collections, named by its process id.
    (worker_log,) = collections.iterdir()
    assert f"Booting worker with pid: {worker_log.stem}" in log.read_text()
    output = log.read_text()
    warmed = re.search(r"warmed up: (\d+) templates compiled", output)
    assert warmed, output
    assert int(warmed.group(1)) == len(_template_names(app))
    assert output.index("warmed up") < output.index("Booting worker")
    frozen = re.search(r"kept out of garbage collection: (\d+) objects", output)
    assert frozen, output
    assert int(frozen.group(1)) > 100_000  # the app, its libraries, templates and translations
    assert output.index("warmed up") < frozen.start() < output.index("Booting worker")
