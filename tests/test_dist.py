"""`make dist`: the wheel a server installs with pip alone holds the compiled catalogues, the vendor
files and the fingerprinted static build, and an installed copy serves the fingerprinted files."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))
import check_wheel  # noqa: E402


def test_make_dist_builds_a_wheel_with_catalogues_and_static_files_that_an_install_serves(tmp_path):
    out = tmp_path / "out"
    # The install steps are done already (conftest needs them); a test must not rerun them.
    done = [f"--assume-old={path}" for path in (".venv/.installed", "consult/static/vendor/.installed",
                                               "consult/static/vendor/utrecht.css")]
    run = subprocess.run(["make", "--no-print-directory", *done, "dist", f"STAGE={tmp_path / 'src'}", f"DIST_DIR={out}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    (wheel,) = out.glob("consult-*.whl")
    assert run.stdout.splitlines()[-1] == f"{wheel}: compiled catalogues, vendor files and fingerprinted static files present"
    assert check_wheel.problems(str(wheel)) == []
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"consult/translations/nl/LC_MESSAGES/messages.mo", "consult/translations/en/LC_MESSAGES/messages.mo",
            "consult/static/vendor/htmx.min.js", "consult/static/dist/manifest.json", "config.py",
            "consult/gunicorn_conf.py", "consult/migrations/env.py"} <= names

    # Installed, whatever times the installer gives the files, the whole manifest holds.
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, timeout=120)
    probe = ("import json, sys; from consult.core import assets; "
             "print(json.dumps([str(assets.STATIC), assets.stale(assets.STATIC), assets.load_manifest(assets.STATIC)]))")
    shown = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env={"PYTHONPATH": str(target)},
                           capture_output=True, text=True, timeout=60, check=True)
    static, stale, manifest = json.loads(shown.stdout)
    assert static == str(target / "consult" / "static")
    assert stale is False
    assert manifest == json.loads((target / "consult" / "static" / "dist" / "manifest.json").read_text())
    assert manifest["vendor/htmx.min.js"].startswith("dist/vendor/htmx.min.")


def test_the_check_names_what_a_wheel_lacks(tmp_path):
    wheel = tmp_path / "consult-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("consult/__init__.py", "")
        archive.writestr("consult/static/vendor/htmx.min.js", "")
        archive.writestr("tests/test_x.py", "")
    assert check_wheel.problems(str(wheel)) == [
        "missing consult/translations/nl/LC_MESSAGES/messages.mo",
        "missing consult/translations/en/LC_MESSAGES/messages.mo",
        "missing consult/static/vendor/utrecht.css",
        "missing consult/static/vendor/voorbeeld-theme.css",
        "missing consult/static/vendor/denhaag-theme.css",
        "missing consult/static/vendor/fonts/OFL.txt",
        "only 0 fonts in consult/static/vendor/fonts/",
        "missing consult/static/dist/manifest.json",
        "missing consult/gunicorn_conf.py (gunicorn -c python:consult.gunicorn_conf)",
        "missing consult/migrations (flask --app consult db upgrade)",
        "does not belong in a release: tests/test_x.py",
    ]
    assert check_wheel.main([str(wheel)]) == 1


def _pins(path: Path) -> dict[str, list[str]]:
    """name → its hashes, from a lock file written by `make lock`."""
    pins: dict[str, list[str]] = {}
    name = None
    for line in path.read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            name = re.split(r"[=;\s]", line, maxsplit=1)[0].lower()
            assert re.match(r"^[a-z0-9._-]+==[^\s;]+", line), line
            pins.setdefault(name, [])
        elif line.strip().startswith("--hash=sha256:"):
            pins[name].append(line.strip().split(":", 1)[1].rstrip(" \\"))
    return pins


def test_every_dependency_is_pinned_with_hashes_in_the_lock_files():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = _pins(ROOT / "requirements.lock"), _pins(ROOT / "requirements-dev.lock")

    def names(requirements):
        return {re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0].lower().replace("_", "-")
                for requirement in requirements}

    assert names(project["dependencies"]) <= set(runtime)
    assert names(project["dependencies"]) | names(project["optional-dependencies"]["dev"]) <= set(dev)
    assert not names(project["optional-dependencies"]["dev"]) & set(runtime)
    assert all(len(hashes) >= 1 and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
               for hashes in (*runtime.values(), *dev.values()))
