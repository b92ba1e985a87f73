"""Static files: fingerprinted, compressed copies built at install time, served by WhiteNoise.

``make install`` runs ``python -m consult.core.assets``, which copies every file under
``consult/static/`` to ``consult/static/dist/`` with a hash of its content in its name
(``css/consult.css`` → ``dist/css/consult.3f2a9c41d0be.css``), rewrites the ``url(...)`` references
inside stylesheets to the fingerprinted fonts and pictures, writes gzip and brotli versions next to
them and a ``manifest.json`` that maps each name to its fingerprinted one.

At run time, with ``STATIC_FINGERPRINTS`` on (production and tests), ``url_for('static', ...)``
gives the fingerprinted address, and WhiteNoise (wrapped around the application, so it works under
gunicorn without a proxy) serves it compressed when the browser accepts it, with
``Cache-Control: max-age=31536000, immutable``: a browser never asks for it again, and a changed
file has another name. In development (``make run``) the plain files are served by Flask, so an
edited stylesheet shows at once.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import sys
from pathlib import Path, PurePosixPath

STATIC = Path(__file__).resolve().parent.parent / "static"
DIST = "dist"
MANIFEST = "manifest.json"
# Written by `make dist` next to the manifest: the files were built for a release, so the manifest
# holds as it is. An installed wheel's files get the time of installation in whatever order the
# installer writes them, which says nothing about which was edited after the build.
RELEASED = "RELEASED"
IMMUTABLE = "max-age=31536000, immutable"
# Built next to the files, never sources themselves.
SKIP_SUFFIXES = (".gz", ".br")
COMPRESSED_ALREADY = (".woff2", ".woff", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".gz", ".br", ".zip")
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def _sources(static: Path) -> list[PurePosixPath]:
    names = []
    for path in sorted(static.rglob("*")):
        relative = PurePosixPath(path.relative_to(static).as_posix())
        if (path.is_file() and relative.parts[0] != DIST and not relative.name.startswith(".")
                and not relative.name.endswith(SKIP_SUFFIXES)):
            names.append(relative)
    # Stylesheets last: they name the fingerprinted fonts and pictures, which must be known first.
    return sorted(names, key=lambda name: (name.suffix == ".css", str(name)))


def _fingerprinted(name: PurePosixPath, content: bytes) -> PurePosixPath:
    digest = hashlib.sha256(content).hexdigest()[:12]
    return name.with_name(f"{name.stem}.{digest}{name.suffix}")


def _rewrite_css(name: PurePosixPath, text: str, manifest: dict[str, str]) -> str:
    """Point relative url(...) references at the fingerprinted files; the folder layout under
    dist/ is the same, so a relative reference stays relative."""
    def replace(match: re.Match) -> str:
        quote, target = match.group(1), match.group(2)
        if target.startswith(("data:", "/", "#")) or "://" in target:
            return match.group(0)
        path, _, suffix = target.partition("?")
        resolved = os.path.normpath(str(name.parent / path)).replace(os.sep, "/")
        hashed = manifest.get(resolved)
        if hashed is None:
            return match.group(0)
        relative = os.path.relpath(hashed.removeprefix(DIST + "/"), str(name.parent) or ".")
        return f"url({quote}{relative}{'?' + suffix if suffix else ''}{quote})"

    return CSS_URL.sub(replace, text)


def _write(target: Path, content: bytes) -> None:
    """Whole or not at all: a server reading the file meanwhile never sees half of it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    partial.write_bytes(content)
    partial.replace(target)


def build(static: Path = STATIC) -> dict[str, str]:
    """Write the fingerprinted and compressed files and the manifest; returns the manifest.

    Files of earlier builds stay (a server started before may still name them); `make clean`
    removes them all."""
    import brotli

    dist = static / DIST
    manifest: dict[str, str] = {}
    for name in _sources(static):
        content = (static / name).read_bytes()
        if name.suffix == ".css":
            content = _rewrite_css(name, content.decode("utf-8"), manifest).encode("utf-8")
        hashed = _fingerprinted(name, content)
        target = dist / hashed
        if not target.exists():
            if name.suffix not in COMPRESSED_ALREADY:
                # Only where it pays (at least 5 % smaller), as WhiteNoise's own compressor does.
                for suffix, squeezed in ((".gz", gzip.compress(content, 9, mtime=0)),
                                         (".br", brotli.compress(content))):
                    if len(squeezed) < len(content) * 0.95:
                        _write(target.with_name(target.name + suffix), squeezed)
            _write(target, content)
        manifest[str(name)] = f"{DIST}/{hashed}"
    _write(dist / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    return manifest


def stale(static: Path) -> bool:
    """A file was added or changed after the last build (or there was none)."""
    if (static / DIST / RELEASED).is_file():
        return False
    try:
        built = (static / DIST / MANIFEST).stat().st_mtime
    except FileNotFoundError:
        return True
    return any((static / name).stat().st_mtime > built for name in _sources(static))


def load_manifest(static: Path) -> dict[str, str]:
    """The manifest without the files changed since it was built: those are served by their plain
    names, so an edit is never hidden behind an old copy."""
    path = static / DIST / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        built = path.stat().st_mtime
    except FileNotFoundError:
        return {}
    if (static / DIST / RELEASED).is_file():
        return {name: hashed for name, hashed in manifest.items() if (static / hashed).is_file()}
    fresh = {}
    for name, hashed in manifest.items():
        try:
            if (static / name).stat().st_mtime <= built and (static / hashed).is_file():
                fresh[name] = hashed
        except FileNotFoundError:
            continue
    return fresh


def register_assets(app) -> None:
    """Fingerprinted addresses in url_for('static', ...) and WhiteNoise in front of the app,
    when STATIC_FINGERPRINTS is on and the files have been built."""
    if not app.config.get("STATIC_FINGERPRINTS"):
        return
    from whitenoise import WhiteNoise

    static = Path(app.static_folder)
    if stale(static):
        # Built by `make install`; rebuilt here when a file changed since (a developer's edit before
        # running the tests). Where the folder cannot be written, the changed files keep their names.
        try:
            build(static)
        except OSError as error:
            app.logger.warning("static files not fingerprinted again: %s", error)
    manifest = load_manifest(static)
    if manifest:
        @app.url_defaults
        def _fingerprint(endpoint: str, values: dict) -> None:
            if endpoint == "static":
                hashed = manifest.get(values.get("filename"))
                if hashed is not None:
                    values["filename"] = hashed

    prefix = app.static_url_path.strip("/") + "/"
    immutable = f"/{prefix}{DIST}/"

    def is_immutable(path: str, url: str) -> bool:
        return url.startswith(immutable)

    from consult.core.security import security_headers

    # Static files get the same security headers as every page (WhiteNoise answers before Flask).
    fixed = security_headers(hsts=bool(app.config.get("HSTS")))

    def headers(headers, path: str, url: str) -> None:
        if is_immutable(path, url):
            headers["Cache-Control"] = IMMUTABLE
        for name, value in fixed.items():
            headers[name] = value

    # Plain (unfingerprinted) files are still served, briefly cached, for anything that names them.
    app.wsgi_app = WhiteNoise(app.wsgi_app, root=str(static), prefix=prefix, max_age=60,
                              allow_all_origins=False, immutable_file_test=is_immutable,
                              add_headers_function=headers)


def main(argv: list[str] | None = None) -> int:
    manifest = build()
    print(f"static files fingerprinted and compressed: {len(manifest)} in {STATIC / DIST}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
