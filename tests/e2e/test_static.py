"""Static files in a real browser: the first visit downloads them compressed, every later page is
built from the browser's cache without a single request for a stylesheet, script, font or icon
reaching the server."""
from __future__ import annotations

import contextlib

from tests.conftest import PASSWORD, make_user


@contextlib.contextmanager
def server_sees(live):
    """Paths of the static files the server is asked for while the block runs."""
    seen: list[str] = []
    inner = live.app.wsgi_app

    def counting(environ, start_response):
        if environ["PATH_INFO"].startswith("/static/"):
            seen.append(environ["PATH_INFO"] + " " + environ.get("HTTP_ACCEPT_ENCODING", ""))
        return inner(environ, start_response)

    live.app.wsgi_app = counting
    try:
        yield seen
    finally:
        live.app.wsgi_app = inner


def test_first_visit_downloads_compressed_files_and_later_pages_request_none(page, live):
    responses = []
    page.on("response", lambda response: "/static/" in response.url and responses.append(response))
    with server_sees(live) as seen:
        page.goto("/")
        page.wait_for_load_state("load")
        page.evaluate("() => document.fonts.ready")
        # The browser fetches the favicon when it gets round to it, after the load event; wait
        # for that request here so it cannot fall into the "later pages" block below.
        for _ in range(100):
            if any(".svg " in path or ".ico " in path for path in seen):
                break
            page.wait_for_timeout(100)
    kinds = {path.split(" ")[0].rsplit(".", 1)[-1] for path in seen}
    assert {"css", "js", "woff2", "svg"} <= kinds, seen
    assert all(path.startswith("/static/dist/") for path in seen), seen
    for response in responses:
        assert response.status == 200
        assert response.headers["cache-control"] == "max-age=31536000, immutable"
        if response.url.endswith((".css", ".js")):
            assert response.headers["content-encoding"] in ("gzip", "br"), response.url

    with server_sees(live) as seen:
        page.get_by_role("link", name="Inloggen").first.click()
        page.wait_for_url("**/login")
        page.wait_for_load_state("load")
        page.goto("/consultations")
        page.wait_for_load_state("load")
        page.go_back()
        page.wait_for_load_state("load")
        page.reload()  # a reload asks again for the page, not for its files
        page.wait_for_load_state("load")
    assert seen == []


def test_logged_in_pages_request_no_static_file_after_the_first(page, live):
    user = make_user("lid@example.org")
    with server_sees(live) as seen:
        page.goto("/login")
        page.get_by_label("E-mailadres").fill(user.email)
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_load_state("load")
    assert seen
    with server_sees(live) as seen:
        page.goto("/notifications")
        page.wait_for_load_state("load")
        page.goto("/account")
        page.wait_for_load_state("load")
    assert seen == []
