"""Dialogue: who may read, post and moderate; edits, deletes, hides, pre-moderation, reports,
rate limits, search; the thread page costs the same number of queries at 20 and 2,000 posts."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text

from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Status, TeamRole, Theme
from consult.core.time import utcnow
from consult.dialogue.models import AuthorRole, Post, PostReport, PostStatus, Thread, ThreadFollow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from tests.conftest import add_team, clients_for, make_org, make_user, post_form, text_of
from tests.test_sanitize import XSS_CORPUS, assert_inert


@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5), principles=[])
    consultation.themes.append(Theme(title="Cliënt", position=0))
    other = Consultation(slug="ander", title="Ander", status=Status.OPEN, municipalities=[leiden],
                         closes_at=utcnow() + timedelta(days=5), principles=[])
    db.session.add_all([consultation, other])
    db.session.commit()
    users = {
        "provider": make_user("a@example.org", name="Anna Aanbieder", org=make_org("Zorg A", kvk="11111111")),
        "provider2": make_user("b@example.org", name="Bert Aanbieder", org=make_org("Zorg B", kvk="22222222")),
        "council": make_user("raad@example.org", name="Rita Raad", org=make_org("Adviesraad", kind=OrgKind.COUNCIL)),
        "editor": make_user("editor@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT),
        "analyst": make_user("analyst@example.org", name="Ali Analist"),
        "other_team": make_user("other@example.org", name="Otto Ander", org=leiden),
    }
    add_team(consultation, {users["editor"]: TeamRole.EDITOR, users["analyst"]: TeamRole.ANALYST})
    add_team(other, {users["other_team"]: TeamRole.EDITOR})
    clients = clients_for(app, users)
    return {"consultation": consultation, "users": users, "clients": clients}


def start_thread(client, title="Toegang", body="Hoe ervaren jullie de toegang?", theme="0"):
    response = post_form(client, "/consultations/wmo/discussion", {"theme": theme, "title": title, "body": body},
                         )
    assert response.status_code == 302, text_of(response)
    return db.session.scalars(select(Thread).order_by(Thread.id.desc())).first()


def post_reply(client, thread, body, **extra):
    return post_form(client, f"/discussion/{thread.id}/posts", {"body": body, **extra},
                     )


ROLES = ["anonymous", "other_team", "provider", "council", "analyst", "editor"]


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [302, 404, 200, 200, 200, 200], strict=True)))
def test_read_thread(world, role, expected):
    thread = start_thread(world["clients"]["provider"])
    assert world["clients"][role].get(f"/discussion/{thread.id}").status_code == expected


def test_public_threads_are_readable_without_login_but_not_writable(world):
    thread = start_thread(world["clients"]["provider"])
    consultation = db.session.get(Consultation, world["consultation"].id)
    consultation.threads_public = True
    db.session.commit()
    anonymous = world["clients"]["anonymous"]
    page = anonymous.get(f"/discussion/{thread.id}")
    assert page.status_code == 200 and "Hoe ervaren jullie de toegang?" in text_of(page)
    assert "Log in om mee te praten" in text_of(page)
    assert post_reply(anonymous, thread, "Hallo").status_code == 302  # to the login page


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [302, 404, 302, 302, 302, 302], strict=True)))
def test_post_reply(world, role, expected):
    thread = start_thread(world["clients"]["provider"])
    assert post_reply(world["clients"][role], thread, "Een reactie").status_code == expected


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [302, 404, 403, 403, 403, 403], strict=True)))
def test_edit_others_post(world, role, expected):
    thread = start_thread(world["clients"]["provider2"])
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    response = post_form(world["clients"][role], f"/posts/{first.id}/edit", {"body": "Gewijzigd"},
                         )
    assert response.status_code == expected
    assert db.session.get(Post, first.id).body == "Hoe ervaren jullie de toegang?"


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [302, 404, 403, 403, 302, 302], strict=True)))
def test_hide(world, role, expected):
    thread = start_thread(world["clients"]["provider2"])
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    response = post_form(world["clients"][role], f"/posts/{first.id}/hide", {"reason": "Persoonsgegevens"},
                         )
    assert response.status_code == expected
    assert (db.session.get(Post, first.id).hidden_at is not None) is (role in ("analyst", "editor"))


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [302, 404, 403, 403, 302, 302], strict=True)))
def test_lock(world, role, expected):
    thread = start_thread(world["clients"]["provider2"])
    response = post_form(world["clients"][role], f"/discussion/{thread.id}/lock")
    assert response.status_code == expected
    assert db.session.get(Thread, thread.id).locked is (role in ("analyst", "editor"))


def test_author_badges_and_organisations(world):
    thread = start_thread(world["clients"]["provider"])
    post_reply(world["clients"]["council"], thread, "Namens de raad")
    post_reply(world["clients"]["editor"], thread, "Namens de gemeente")
    page = text_of(world["clients"]["provider"].get(f"/discussion/{thread.id}"))
    assert "Anna Aanbieder , Zorg A Aanbieder" in page
    assert "Rita Raad , Adviesraad Adviesraad" in page
    assert "Eva Editor , Gemeente Leiden Gemeente" in page
    roles = [p.author_role for p in db.session.scalars(select(Post).order_by(Post.id))]
    assert roles == [AuthorRole.PROVIDER, AuthorRole.COUNCIL, AuthorRole.TEAM]


def test_replies_are_one_level_and_quotes_are_shown(world):
    thread = start_thread(world["clients"]["provider"])
    top = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    post_reply(world["clients"]["provider2"], thread, "Eens", parent_id=str(top.id))
    reply = db.session.scalars(select(Post).order_by(Post.id.desc())).first()
    post_reply(world["clients"]["council"], thread, "Niet eens", parent_id=str(reply.id), quote_of_id=str(reply.id))
    deepest = db.session.scalars(select(Post).order_by(Post.id.desc())).first()
    assert (reply.parent_id, deepest.parent_id, deepest.quote_of_id) == (top.id, top.id, reply.id)
    assert "Bert Aanbieder schreef: Eens" in text_of(world["clients"]["provider"].get(f"/discussion/{thread.id}"))


def test_edit_within_15_minutes_with_history_for_moderators(world):
    provider = world["clients"]["provider"]
    thread = start_thread(provider)
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    post_form(provider, f"/posts/{first.id}/edit", {"body": "Hoe ervaren jullie de **toegang** nu?"},
              csrf_from=f"/discussion/{thread.id}")
    page = text_of(provider.get(f"/discussion/{thread.id}"))
    assert "bewerkt" in page and "Eerdere versies" not in page
    moderator = text_of(world["clients"]["editor"].get(f"/discussion/{thread.id}"))
    assert "Eerdere versies (alleen voor moderatoren)" in moderator and "Hoe ervaren jullie de toegang?" in moderator
    post = db.session.get(Post, first.id)
    post.created_at = utcnow() - timedelta(minutes=16)
    db.session.commit()
    assert post_form(provider, f"/posts/{first.id}/edit", {"body": "Te laat"},
                     ).status_code == 403


def test_delete_own_post_shows_deleted(world):
    provider = world["clients"]["provider"]
    thread = start_thread(provider)
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    assert post_form(world["clients"]["provider2"], f"/posts/{first.id}/delete",
                     ).status_code == 403
    post_form(provider, f"/posts/{first.id}/delete")
    page = text_of(world["clients"]["provider2"].get(f"/discussion/{thread.id}"))
    assert "Dit bericht is verwijderd door de schrijver." in page
    assert "Hoe ervaren jullie de toegang?" not in page


@pytest.mark.parametrize("action,who,message", [
    ("report", "provider2", "Geef aan waarom u dit bericht meldt."),
    ("hide", "editor", "Geef de reden voor het verbergen; die wordt getoond in plaats van het bericht."),
])
def test_a_reason_of_only_spaces_is_refused_at_its_field_and_nothing_is_done(world, action, who, message):
    thread = start_thread(world["clients"]["provider"])
    first = db.session.scalars(select(Post).where(Post.thread_id == thread.id)).first()
    refused = post_form(world["clients"][who], f"/posts/{first.id}/{action}", {"reason": "   "})
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert f'<a class="utrecht-link" href="#reason">{message}</a>' in html
    assert f'<span class="visually-hidden">Fout: </span>{message}' in html
    post = db.session.get(Post, first.id)
    assert post.hidden_at is None
    assert db.session.scalars(select(PostReport)).all() == []
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("post_%"))).all() == []


def test_report_then_hide_from_the_queue_is_audited(world):
    thread = start_thread(world["clients"]["provider"])
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    post_form(world["clients"]["provider2"], f"/posts/{first.id}/report", {"reason": "Noemt een cliënt"},
              csrf_from=f"/discussion/{thread.id}")
    queue = text_of(world["clients"]["analyst"].get("/consultations/wmo/moderation"))
    assert "Gemeld door Bert Aanbieder" in queue and "Noemt een cliënt" in queue
    response = post_form(world["clients"]["analyst"], f"/posts/{first.id}/hide",
                         {"reason": "Bevat persoonsgegevens", "next": "queue"}, )
    assert response.headers["Location"] == "/consultations/wmo/moderation"
    assert db.session.scalar(select(PostReport.resolved_at)) is not None
    page = text_of(world["clients"]["provider2"].get(f"/discussion/{thread.id}"))
    assert "Verborgen door moderator: Bevat persoonsgegevens" in page and "Hoe ervaren jullie" not in page
    post_form(world["clients"]["editor"], f"/posts/{first.id}/restore")
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("post_%"))
                                                    .order_by(AuditEvent.id))]
    assert actions == ["post_reported", "post_hidden", "post_restored"]


def test_premoderation_holds_posts_until_approved(world):
    consultation = db.session.get(Consultation, world["consultation"].id)
    consultation.premoderation = True
    db.session.commit()
    thread = start_thread(world["clients"]["editor"], body="Welkom")  # the team is never held
    post_reply(world["clients"]["provider"], thread, "Mijn mening")
    pending = db.session.scalars(select(Post).order_by(Post.id.desc())).first()
    assert pending.status == PostStatus.PENDING
    assert "Wacht op goedkeuring door een moderator" in text_of(world["clients"]["provider"].get(f"/discussion/{thread.id}"))
    assert "Mijn mening" not in text_of(world["clients"]["provider2"].get(f"/discussion/{thread.id}"))
    assert "Mijn mening" in text_of(world["clients"]["editor"].get("/consultations/wmo/moderation"))
    post_form(world["clients"]["editor"], f"/posts/{pending.id}/approve", {"next": "queue"},
              )
    assert "Mijn mening" in text_of(world["clients"]["provider2"].get(f"/discussion/{thread.id}"))


@pytest.mark.parametrize("status", [Status.OPEN, Status.CLOSED, Status.PUBLISHED])
def test_only_editors_may_switch_premoderation_until_the_consultation_closes(world, status):
    from consult.dialogue.permissions import can_switch_premoderation

    consultation = db.session.get(Consultation, world["consultation"].id)
    consultation.status = status
    db.session.commit()
    answers = {role: can_switch_premoderation(world["users"][role], consultation)
               for role in ("editor", "analyst", "other_team", "provider", "council")}
    assert answers == {"editor": status == Status.OPEN, "analyst": False, "other_team": False,
                       "provider": False, "council": False}


def test_a_closed_consultation_shows_the_setting_and_refuses_a_late_switch_at_the_field(world):
    editor = world["clients"]["editor"]
    open_page = editor.get("/consultations/wmo/moderation").get_data(as_text=True)
    assert 'name="premoderation"' in open_page  # the switch, while the consultation is open
    consultation = db.session.get(Consultation, world["consultation"].id)
    consultation.status = Status.CLOSED
    db.session.commit()
    page = editor.get("/consultations/wmo/moderation")
    assert 'name="premoderation"' not in page.get_data(as_text=True)
    assert "Berichten zijn meteen zichtbaar; een moderator kan ze daarna verbergen." in text_of(page)
    # A page opened before the close still sends the switch: refused with the reason, at its field.
    late = post_form(editor, "/consultations/wmo/moderation/premoderation", {"premoderation": "on"})
    assert late.status_code == 200
    html = late.get_data(as_text=True)
    message = "Een gesloten consultatie kan niet meer worden gewijzigd."
    assert f'<a class="utrecht-link" href="#premoderation">{message}</a>' in html  # the summary links the field
    assert 'id="premoderation" aria-describedby="premoderation-hint premoderation-error"' in html
    assert f'id="premoderation-error"><span class="visually-hidden">Fout: </span>{message}</div>' in html
    assert re.search(r'<input checked[^>]*id="premoderation-0"[^>]*value="on"', html)  # the choice kept
    assert db.session.get(Consultation, consultation.id).premoderation is False


def test_locked_thread_refuses_replies_except_moderators(world):
    thread = start_thread(world["clients"]["provider"])
    post_form(world["clients"]["editor"], f"/discussion/{thread.id}/lock")
    assert post_reply(world["clients"]["provider2"], thread, "Nog iets").status_code == 403
    assert post_reply(world["clients"]["editor"], thread, "Afsluitend bericht").status_code == 302


def test_posting_rate_limit_keeps_the_text(world, app):
    app.config["POSTS_PER_MINUTE"] = 3
    try:
        provider = world["clients"]["provider"]
        thread = start_thread(provider)
        post_reply(provider, thread, "twee")
        post_reply(provider, thread, "drie")
        response = post_reply(provider, thread, "vier, te snel")
        assert response.status_code == 200
        assert "U plaatst erg snel berichten." in text_of(response)
        assert "vier, te snel</textarea>" in response.get_data(as_text=True)
    finally:
        app.config["POSTS_PER_MINUTE"] = 5


def test_starting_and_replying_follow_the_thread(world):
    thread = start_thread(world["clients"]["provider"])
    post_reply(world["clients"]["council"], thread, "Ik volg mee")
    followers = sorted(db.session.scalars(select(ThreadFollow.user_id).where(ThreadFollow.thread_id == thread.id)))
    assert followers == sorted([world["users"]["provider"].id, world["users"]["council"].id])


def test_htmx_post_returns_only_the_new_post(world):
    thread = start_thread(world["clients"]["provider"])
    response = post_form(world["clients"]["council"], f"/discussion/{thread.id}/posts", {"body": "Via htmx"},
                         csrf_from=f"/discussion/{thread.id}", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#new-posts" and response.headers["HX-Reswap"] == "beforeend"
    assert "<html" not in html and "Via htmx" in html and "Uw bericht is geplaatst." in html


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_in_posts_renders_inert(world, payload):
    thread = start_thread(world["clients"]["provider"], body=payload)
    html = world["clients"]["provider2"].get(f"/discussion/{thread.id}").get_data(as_text=True)
    body = html.split('class="rich-text post__body">')[1].split("</div>")[0]
    assert_inert(body)


def test_search_finds_posts_of_this_consultation(world):
    start_thread(world["clients"]["provider"], title="Wachtlijsten", body="De toegang via het wijkteam duurt lang")
    page = text_of(world["clients"]["council"].get("/consultations/wmo/discussion/search?q=wijkteam"))
    assert "1 bericht gevonden" in page and "Wachtlijsten" in page
    assert "0 berichten gevonden" in text_of(world["clients"]["council"].get("/consultations/wmo/discussion/search?q=%25"))
    # A NUL (which ends a full-text phrase and which PostgreSQL refuses) or a hidden character is left out.
    found = world["clients"]["council"].get("/consultations/wmo/discussion/search?q=wijk%00te%E2%80%8Bam")
    assert found.status_code == 200 and "1 bericht gevonden" in text_of(found)


def test_the_search_on_postgresql_finds_posts_in_their_full_text_index(postgresql_url, tmp_path):
    """The search asks PostgreSQL with the same expression as the index migration 0036 makes, so with
    sequential scans off (as a large table would have it) the plan reads the index: no search
    document is made of every post per search."""
    from flask_login import AnonymousUserMixin
    from flask_migrate import upgrade

    from consult.dialogue.services import search_posts
    from tests.conftest import build_app

    app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=postgresql_url)
    with app.app_context():
        upgrade()
        consultation = Consultation(slug="zoeken", title="Zoeken", status=Status.OPEN, principles=[])
        db.session.add(consultation)
        db.session.commit()
        with app.test_request_context():
            compiled = search_posts(consultation, "wijkteams", AnonymousUserMixin()).compile(db.engine)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params))
        db.session.remove()
        db.engine.dispose()
    assert "Bitmap Index Scan on ix_posts_body_search" in plan, plan


def sqlite_search(consultation, query: str) -> list[str]:
    """The texts of the posts an anonymous visitor finds for ``query``, newest first."""
    from flask_login import AnonymousUserMixin

    from consult.dialogue.services import search_posts

    return [post.body for post in db.session.scalars(search_posts(consultation, query, AnonymousUserMixin()))]


def test_the_search_on_sqlite_reads_the_trigram_index_which_follows_every_change(tmp_path):
    """On SQLite the posts are found in their trigram index (posts_fts, migration 0042), which the
    triggers keep equal to the posts: a new post, an edit, an emptied text and a deleted thread are
    found (or no longer found) at once; the match is a substring in any case, quotes and all; a
    query shorter than three letters reads the posts' text instead."""
    from flask_login import AnonymousUserMixin
    from flask_migrate import upgrade

    from consult.dialogue.services import purge_deleted_posts, search_posts
    from tests.conftest import build_app

    app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'search.db'}")
    with app.app_context(), app.test_request_context():
        upgrade()
        consultation = Consultation(slug="zoeken", title="Zoeken", status=Status.OPEN, principles=[])
        thread = Thread(consultation=consultation, title="Vervoer naar Ééndracht")
        first = Post(thread=thread, author_role=AuthorRole.PROVIDER, body="Het WIJKTEAM in Oegstgeest")
        second = Post(thread=thread, author_role=AuthorRole.COUNCIL, body='De "Émancipatie" van cliënten')
        db.session.add_all([consultation, thread, first, second])
        db.session.commit()
        assert sqlite_search(consultation, "wijkteam in oeg") == ["Het WIJKTEAM in Oegstgeest"]
        assert sqlite_search(consultation, '"émancipatie"') == ['De "Émancipatie" van cliënten']
        assert sqlite_search(consultation, "wijkteams") == []
        assert sorted(sqlite_search(consultation, "in")) == ["Het WIJKTEAM in Oegstgeest"]  # two letters
        assert sorted(sqlite_search(consultation, "vervoer")) == sorted([first.body, second.body])  # the title
        assert sorted(sqlite_search(consultation, "ééNDRACHT")) == sorted([first.body, second.body])  # any letter's case

        def indexed(word: str) -> list[int]:  # the posts the index holds the word for, whoever may read them
            return list(db.session.scalars(text("SELECT rowid FROM posts_fts WHERE posts_fts MATCH :phrase"),
                                           {"phrase": f'"{word}"'}))

        first.body = "Het sociaal team in Oegstgeest"
        db.session.commit()
        assert sqlite_search(consultation, "wijkteam") == []
        assert sqlite_search(consultation, "sociaal team") == ["Het sociaal team in Oegstgeest"]
        second.deleted_at = utcnow() - timedelta(days=400)
        db.session.commit()
        assert purge_deleted_posts() == 1  # the text emptied by one UPDATE of many rows
        assert indexed("cliënten") == [] and indexed("oegstgeest") == [first.id]
        db.session.delete(thread)  # its posts go with it (ON DELETE CASCADE)
        db.session.commit()
        assert sqlite_search(consultation, "sociaal team") == []
        assert indexed("team") == []

        compiled = search_posts(consultation, "sociaal", AnonymousUserMixin()).compile(db.engine)
        with db.engine.connect() as conn:
            plan = "\n".join(str(row[-1]) for row in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params[name] for name in compiled.positiontup)))
        db.session.remove()
        db.engine.dispose()
    assert "SCAN posts_fts VIRTUAL TABLE INDEX" in plan, plan
    assert "SCAN posts\n" not in plan + "\n", plan  # no post read for its text


def test_search_results_are_paged_newest_first_and_counted_in_all(world):
    from tests.test_replies_paged import add_replies, opening

    thread = start_thread(world["clients"]["provider"], title="Drukte", body="Eerste bericht")
    add_replies(opening(thread), world["users"]["provider"], 25)  # "Reactie 1" .. "Reactie 25", a second apart
    client = world["clients"]["council"]
    first = client.get("/consultations/wmo/discussion/search?q=reactie")
    html = first.get_data(as_text=True)
    assert "25 berichten gevonden" in text_of(first)
    assert re.findall(r"<p>(Reactie \d+)</p>", html) == [f"Reactie {n}" for n in range(25, 5, -1)]
    assert '<nav class="utrecht-pagination" aria-label="Pagina\'s met resultaten">' in html
    assert 'href="/consultations/wmo/discussion/search?q=reactie&amp;page=2">Volgende</a>' in html
    last = client.get("/consultations/wmo/discussion/search?q=reactie&page=9")  # past the end: the last page
    assert re.findall(r"<p>(Reactie \d+)</p>", last.get_data(as_text=True)) == [f"Reactie {n}" for n in range(5, 0, -1)]
    assert "(pagina 2)" in text_of(last)


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def seed_posts(thread: Thread, author, org, n: int) -> None:
    now = utcnow() - timedelta(days=1)  # earlier posts; outside the posting rate window
    rows = []
    for i in range(n):
        rows.append({"thread_id": thread.id, "parent_id": None, "author_id": author.id, "organisation_id": org.id,
                     "author_role": "provider", "body": f"Bericht {i}", "status": "published",
                     "created_at": now + timedelta(seconds=i)})
    db.session.execute(Post.__table__.insert(), rows)
    top = db.session.scalars(select(Post.id).where(Post.thread_id == thread.id).order_by(Post.id).limit(20)).all()
    replies = [{"thread_id": thread.id, "parent_id": pid, "author_id": author.id, "organisation_id": org.id,
                "author_role": "provider", "body": "Antwoord", "status": "published", "created_at": now}
               for pid in top for _ in range(2)]
    db.session.execute(Post.__table__.insert(), replies)
    db.session.commit()


def test_thread_page_query_count_is_the_same_at_20_and_2000_posts(world):
    provider = world["users"]["provider"]
    org = provider.memberships[0].organisation
    client = world["clients"]["provider2"]
    counts = []
    for size in (20, 2000):
        thread = start_thread(world["clients"]["provider"], title=f"Groot {size}")
        seed_posts(thread, provider, org, size)
        client.get(f"/discussion/{thread.id}")  # warm up
        with QueryCounter(db.engine) as counter:
            response = client.get(f"/discussion/{thread.id}")
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert counts[0] <= 15
