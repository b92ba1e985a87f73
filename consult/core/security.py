"""Security headers and the idle/absolute session timeouts, applied to every response."""
from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from flask import Flask, Response, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


# Downloads are never rendered: whatever a file contains, it runs nowhere.
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def security_headers(*, hsts: bool, attachment: bool = False) -> dict[str, str]:
    """The headers every response gets, whoever serves it (the app, or WhiteNoise for static files)."""
    headers = {
        "Content-Security-Policy": DOWNLOAD_CSP if attachment else CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if hsts:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return headers


@cache
def _header_rows(hsts: bool, attachment: bool) -> tuple[tuple[str, str, str], ...]:
    """security_headers as (lower-case name, name, value), built once per kind of response."""
    return tuple((name.lower(), name, value) for name, value in security_headers(hsts=hsts, attachment=attachment).items())


def set_security_headers(response: Response, *, hsts: bool) -> Response:
    """Add the security headers a response does not set itself. On every response, so the headers
    already there are read once (each lookup in werkzeug's header list is a scan of it)."""
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    attachment = "content-disposition" in present and headers["Content-Disposition"].startswith("attachment")
    for lower, name, value in _header_rows(hsts, attachment):
        if lower not in present:
            headers.add(name, value)
    if response.mimetype == "text/html":
        # Full pages and htmx fragments differ for the same URL.
        if "vary" in present:
            response.vary.add("HX-Request")
        else:
            headers["Vary"] = "HX-Request"
    return response


def is_safe_next(target: str | None) -> bool:
    """True when ``target`` is a path on this site (no scheme, no host, no backslash tricks)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    return target if is_safe_next(target) else default


def register_security(app: Flask) -> None:
    hsts = bool(app.config.get("HSTS"))

    @app.after_request
    def _headers(response: Response) -> Response:
        return set_security_headers(response, hsts=hsts)

    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def client_ip() -> str:
    return request.remote_addr or "unknown"
