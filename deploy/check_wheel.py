"""Check a built wheel holds what a server needs besides the code: `python deploy/check_wheel.py dist/consult-*.whl`.

A wheel without the compiled catalogues shows English to Dutch users; one without the vendor files
or the fingerprinted build shows pages without styles. Run by `make dist` and tests/test_dist.py.
"""
from __future__ import annotations

import gettext
import io
import json
import sys
import zipfile

LANGUAGES = ("nl", "en")
VENDOR = ("htmx.min.js", "utrecht.css", "voorbeeld-theme.css", "denhaag-theme.css", "fonts/OFL.txt")
FONTS_AT_LEAST = 10
# A translation every page shows: proves the Dutch catalogue is the compiled, filled one.
DUTCH_PROBE = ("Log in", "Inloggen")
NEVER = ("tests/", "node_modules/", "instance/", "bench/", "consult/static/vendor/.installed")


def problems(path: str) -> list[str]:
    found: list[str] = []
    with zipfile.ZipFile(path) as wheel:
        names = set(wheel.namelist())
        for language in LANGUAGES:
            mo = f"consult/translations/{language}/LC_MESSAGES/messages.mo"
            if mo not in names:
                found.append(f"missing {mo}")
        nl = "consult/translations/nl/LC_MESSAGES/messages.mo"
        if nl in names:
            catalogue = gettext.GNUTranslations(io.BytesIO(wheel.read(nl)))
            if catalogue.gettext(DUTCH_PROBE[0]) != DUTCH_PROBE[1]:
                found.append(f"{nl} does not translate {DUTCH_PROBE[0]!r} as {DUTCH_PROBE[1]!r}")
        for name in VENDOR:
            if f"consult/static/vendor/{name}" not in names:
                found.append(f"missing consult/static/vendor/{name}")
        fonts = [name for name in names if name.startswith("consult/static/vendor/fonts/") and name.endswith(".woff2")]
        if len(fonts) < FONTS_AT_LEAST:
            found.append(f"only {len(fonts)} fonts in consult/static/vendor/fonts/")
        manifest_name = "consult/static/dist/manifest.json"
        if manifest_name not in names:
            found.append(f"missing {manifest_name}")
        else:
            manifest = json.loads(wheel.read(manifest_name))
            for source in ("css/consult.css", "js/consult.js", *(f"vendor/{name}" for name in VENDOR)):
                if source not in manifest:
                    found.append(f"{manifest_name} does not name {source}")
            for source, hashed in sorted(manifest.items()):
                if f"consult/static/{hashed}" not in names:
                    found.append(f"{manifest_name} names {hashed} for {source}, which is not in the wheel")
                if f"consult/static/{source}" not in names:
                    found.append(f"{manifest_name} names {source}, which is not in the wheel")
            if "consult/static/dist/RELEASED" not in names:
                found.append("missing consult/static/dist/RELEASED (the manifest would be checked against install times)")
        if "consult/gunicorn_conf.py" not in names:
            found.append("missing consult/gunicorn_conf.py (gunicorn -c python:consult.gunicorn_conf)")
        if "consult/migrations/env.py" not in names or not any(
                name.startswith("consult/migrations/versions/") and name.endswith(".py") for name in names):
            found.append("missing consult/migrations (flask --app consult db upgrade)")
        for name in sorted(names):
            if name.startswith(NEVER) or "__pycache__" in name:
                found.append(f"does not belong in a release: {name}")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    found = problems(argv[0])
    for problem in found:
        print(f"{argv[0]}: {problem}", file=sys.stderr)
    if not found:
        print(f"{argv[0]}: compiled catalogues, vendor files and fingerprinted static files present")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
