"""The disclosure gate for the discussion: hidden, deleted and unapproved posts and threads reach
the moderators only (a pending one also its author), on every page, fragment, quote, search,
notification, mail and analysis list; moderators hide whole threads; deleted text is purged.

Every attack is made as another participant, the author, an anonymous visitor of public threads
and a moderator, and looks for a marker that only the protected text carries."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.analysis.models import Quote
from consult.analysis.services import AnalysisRefused, post_items, quote_post
from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation
from consult.core.mail import outbox
from consult.core.time import utcnow
from consult.dialogue.models import AuthorRole, Post, PostRevision, PostStatus, Thread
from consult.disclosure import Protected
from consult.disclosure.posts import (
    listed_posts,
    may_list_post,
    may_show_post,
    may_show_thread,
    post_withheld,
    shown_body,
    shown_posts,
    shown_title,
    thread_withheld,
    visible_threads,
)
from consult.extensions import db
from consult.notify.models import Frequency, Kind, Notification, Preference
from consult.notify.services import send_digests
from consult.strategy.services import sources
from tests.conftest import post_form, text_of
from tests.test_dialogue import post_reply, start_thread, world  # noqa: F401  (the dialogue's fixture)

MARK = "Merkteken-Geheim-4821"
TITLE_MARK = "Titel-Geheim-7390"
QUOTE_REFUSED = ("U kunt dit bericht niet citeren: het is verborgen of verwijderd, of het wacht op goedkeuring. "
                 "Uw tekst staat nog in het formulier; u kunt die plaatsen zonder citaat.")
REPLY_REFUSED = ("U kunt niet op dit bericht reageren: het is verborgen of verwijderd, of het wacht op goedkeuring. "
                 "Uw tekst staat nog in het formulier; u kunt die plaatsen als nieuw bericht.")
KINDS = ["hidden", "deleted", "pending"]
HTMX = {"HX-Request": "true"}


def _consultation(world) -> Consultation:
    return db.session.get(Consultation, world["consultation"].id)


def _set(world, **values) -> None:
    consultation = _consultation(world)
    for name, value in values.items():
        setattr(consultation, name, value)
    db.session.commit()


def _latest_post() -> Post:
    return db.session.scalars(select(Post).order_by(Post.id.desc())).first()


def protected_post(world, kind: str) -> tuple[Thread, Post]:
    """A published thread by provider A and a top-level post by provider B carrying MARK, then made
    hidden (by the editor), deleted (by B) or left waiting for approval."""
    thread = start_thread(world["clients"]["provider"])
    if kind == "pending":
        _set(world, premoderation=True)
    assert post_reply(world["clients"]["provider2"], thread, f"Een tekst met {MARK} erin").status_code == 302
    post = _latest_post()
    if kind == "hidden":
        assert post_form(world["clients"]["editor"], f"/posts/{post.id}/hide",
                         {"reason": "Persoonsgegevens"}).status_code == 302
    elif kind == "deleted":
        assert post_form(world["clients"]["provider2"], f"/posts/{post.id}/delete").status_code == 302
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert post_withheld(post, None) == {"hidden": Protected.HIDDEN_POST, "deleted": Protected.DELETED_POST,
                                         "pending": Protected.PENDING_POST}[kind]
    return thread, post


# --- the thread page ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_thread_page_withholds_protected_text_from_others(world, kind):
    _set(world, threads_public=True)
    thread, post = protected_post(world, kind)
    url = f"/discussion/{thread.id}"
    for role in ("anonymous", "provider", "council"):
        page = world["clients"][role].get(url)
        assert page.status_code == 200
        assert MARK not in page.get_data(as_text=True), role
    author = world["clients"]["provider2"].get(url).get_data(as_text=True)
    assert (MARK in author) is (kind == "pending")  # the author sees their own post while it waits
    moderator = world["clients"]["editor"].get(url).get_data(as_text=True)
    assert MARK in moderator


def test_deleting_with_htmx_returns_the_post_without_its_text(world):
    thread = start_thread(world["clients"]["provider"])
    post_reply(world["clients"]["provider2"], thread, f"Weg met {MARK}")
    post = _latest_post()
    fragment = post_form(world["clients"]["provider2"], f"/posts/{post.id}/delete",
                         csrf_from=f"/discussion/{thread.id}", headers=HTMX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert MARK not in html
    assert "Dit bericht is verwijderd door de schrijver." in text_of(fragment)


def test_moderator_reads_a_deleted_post_until_it_is_purged(world, app):
    thread, post = protected_post(world, "deleted")
    summary = "Verwijderde tekst tonen (alleen voor moderatoren)"
    assert summary in text_of(world["clients"]["editor"].get(f"/discussion/{thread.id}"))
    post.deleted_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["purge-deleted-posts"]).exit_code == 0
    page = text_of(world["clients"]["editor"].get(f"/discussion/{thread.id}"))
    assert summary not in page and MARK not in page
    assert "Dit bericht is verwijderd door de schrijver." in page


# --- reply and quote forms (page and htmx fragment) ----------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_reply_form_never_prints_a_protected_post(world, kind, headers):
    thread, post = protected_post(world, kind)
    for role in ("provider", "council", "provider2", "editor"):
        client = world["clients"][role]
        for query in (f"parent={post.id}", f"parent={post.id}&quote={post.id}"):
            response = client.get(f"/discussion/{thread.id}/reply?{query}", headers=headers)
            assert MARK not in response.get_data(as_text=True), (role, query)
            if kind == "pending" and role in ("provider", "council"):
                assert response.status_code == 404  # not even its existence
            else:
                assert response.status_code == 200
                assert REPLY_REFUSED in text_of(response), (role, query)


@pytest.mark.parametrize("kind", KINDS)
def test_quote_link_for_a_protected_post_under_a_visible_one_says_why(world, kind):
    thread, post = protected_post(world, kind)
    opening = db.session.scalars(select(Post).where(Post.thread_id == thread.id).order_by(Post.id)).first()
    for role in ("provider2", "editor"):
        for headers in ({}, HTMX):
            response = world["clients"][role].get(f"/discussion/{thread.id}/reply?parent={opening.id}&quote={post.id}",
                                                  headers=headers)
            html = response.get_data(as_text=True)
            assert response.status_code == 200 and MARK not in html
            assert QUOTE_REFUSED in text_of(response)
            assert f'name="parent_id" value="{opening.id}"' in html and 'name="quote_of_id" value=""' in html


def test_reply_and_quote_forms_need_a_login_for_anonymous_visitors(world):
    _set(world, threads_public=True)
    thread, post = protected_post(world, "hidden")
    response = world["clients"]["anonymous"].get(f"/discussion/{thread.id}/reply?parent={post.id}&quote={post.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert MARK not in response.get_data(as_text=True)


# --- posting with a protected post as quote or parent ---------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field,message", [("quote_of_id", QUOTE_REFUSED), ("parent_id", REPLY_REFUSED)])
def test_posting_refuses_a_protected_quote_or_parent_and_keeps_the_text(world, kind, field, message):
    thread, post = protected_post(world, kind)
    before = db.session.scalar(select(func.count()).select_from(Post))
    for role in ("provider2", "editor"):  # the author and a moderator may see it, but not quote it
        for headers in ({}, HTMX):
            response = post_form(world["clients"][role], f"/discussion/{thread.id}/posts",
                                 {"body": "Mijn eigen reactie", field: str(post.id)},
                                 csrf_from=f"/discussion/{thread.id}", headers=headers)
            html = response.get_data(as_text=True)
            assert response.status_code == 200
            assert message in text_of(response)
            assert "Mijn eigen reactie</textarea>" in html
            assert MARK not in html
            assert f'name="{field}" value=""' in html  # posting again goes without it
    assert db.session.scalar(select(func.count()).select_from(Post)) == before


@pytest.mark.parametrize("field", ["quote_of_id", "parent_id"])
def test_posting_with_someone_elses_pending_post_is_not_found(world, field):
    thread, post = protected_post(world, "pending")
    response = post_reply(world["clients"]["council"], thread, "Reactie", **{field: str(post.id)})
    assert response.status_code == 404
    assert MARK not in response.get_data(as_text=True)


def test_a_refused_inline_reply_can_be_posted_as_a_new_message(world):
    thread, post = protected_post(world, "hidden")
    slot = post_form(world["clients"]["council"], f"/discussion/{thread.id}/posts",
                     {"body": "Toch nog iets", "parent_id": str(post.id), "slot": str(post.id)},
                     csrf_from=f"/discussion/{thread.id}", headers=HTMX)
    assert f'id="post-form-{post.id}"' in slot.get_data(as_text=True)
    posted = post_form(world["clients"]["council"], f"/discussion/{thread.id}/posts",
                       {"body": "Toch nog iets", "parent_id": "", "slot": str(post.id)},
                       csrf_from=f"/discussion/{thread.id}", headers=HTMX)
    assert posted.headers["HX-Retarget"] == "#new-posts"
    assert f'<div id="reply-slot-{post.id}" data-hx-swap-oob="innerHTML"></div>' in posted.get_data(as_text=True)
    new = _latest_post()
    assert (new.body, new.parent_id, new.quote_of_id) == ("Toch nog iets", None, None)


def test_an_existing_quote_of_a_post_hidden_later_is_not_shown(world):
    thread = start_thread(world["clients"]["provider"])
    post_reply(world["clients"]["provider2"], thread, f"Eerst zichtbaar {MARK}")
    quoted = _latest_post()
    post_reply(world["clients"]["council"], thread, "Daar ben ik het mee eens", quote_of_id=str(quoted.id))
    post_form(world["clients"]["editor"], f"/posts/{quoted.id}/hide", {"reason": "Persoonsgegevens"})
    for role in ("provider", "council", "editor"):
        page = world["clients"][role].get(f"/discussion/{thread.id}").get_data(as_text=True)
        assert "Daar ben ik het mee eens" in page
        assert ("Bert Aanbieder schreef:" in page) is False
    moderator = world["clients"]["editor"].get(f"/discussion/{thread.id}").get_data(as_text=True)
    assert MARK in moderator  # inside the moderators' view of the hidden post, not in the quote


# --- threads waiting for approval -----------------------------------------------------------------

def test_a_pending_thread_is_invisible_title_included_to_all_but_its_author_and_moderators(world):
    _set(world, threads_public=True, premoderation=True)
    thread = start_thread(world["clients"]["provider2"], title=f"Over {TITLE_MARK}", body=f"Begin {MARK}")
    assert thread.status == PostStatus.PENDING
    for role in ("anonymous", "provider", "council"):
        client = world["clients"][role]
        listing = client.get("/consultations/wmo/discussion").get_data(as_text=True)
        assert TITLE_MARK not in listing, role
        found = client.get(f"/consultations/wmo/discussion/search?q={TITLE_MARK}")
        assert "0 berichten gevonden" in text_of(found) and "search-result" not in found.get_data(as_text=True)
        page = client.get(f"/discussion/{thread.id}")
        assert page.status_code == (302 if role == "anonymous" else 404)
        assert TITLE_MARK not in page.get_data(as_text=True)
    for role in ("provider2", "editor"):
        listing = text_of(world["clients"][role].get("/consultations/wmo/discussion"))
        assert f"Over {TITLE_MARK} Wacht op goedkeuring" in listing
        page = text_of(world["clients"][role].get(f"/discussion/{thread.id}"))
        assert "Dit gesprek wacht op goedkeuring door een moderator; anderen zien het nog niet." in page
        assert TITLE_MARK in page and MARK in page
    queue = text_of(world["clients"]["editor"].get("/consultations/wmo/moderation"))
    assert f"Over {TITLE_MARK}" in queue and "Nieuw gesprek" in queue
    opening = _latest_post()
    post_form(world["clients"]["editor"], f"/posts/{opening.id}/approve", {"next": "queue"})
    assert db.session.get(Thread, thread.id).status == PostStatus.PUBLISHED
    assert TITLE_MARK in world["clients"]["provider"].get("/consultations/wmo/discussion").get_data(as_text=True)
    assert MARK in world["clients"]["anonymous"].get(f"/discussion/{thread.id}").get_data(as_text=True)


def test_rejecting_the_opening_post_keeps_the_thread_from_others(world):
    _set(world, premoderation=True)
    thread = start_thread(world["clients"]["provider2"], title=f"Over {TITLE_MARK}")
    opening = _latest_post()
    post_form(world["clients"]["editor"], f"/posts/{opening.id}/reject", {"reason": "Hoort bij vragen"})
    assert db.session.get(Thread, thread.id).status == PostStatus.REJECTED
    assert world["clients"]["provider"].get(f"/discussion/{thread.id}").status_code == 404
    assert TITLE_MARK not in world["clients"]["provider"].get("/consultations/wmo/discussion").get_data(as_text=True)
    assert "Niet goedgekeurd" in text_of(world["clients"]["provider2"].get("/consultations/wmo/discussion"))


# --- moderators hide a whole thread ----------------------------------------------------------------

def test_moderator_hides_a_thread_title_included_and_shows_it_again(world):
    _set(world, threads_public=True)
    thread = start_thread(world["clients"]["provider"], title=f"Over {TITLE_MARK}", body=f"Begin {MARK}")
    post_reply(world["clients"]["council"], thread, "Een antwoord")
    reply = _latest_post()
    form = world["clients"]["editor"].get(f"/discussion/{thread.id}/hide")
    assert form.status_code == 200 and "Een gesprek verbergen" in text_of(form)
    empty = post_form(world["clients"]["editor"], f"/discussion/{thread.id}/hide", {"reason": "  "})
    assert empty.status_code == 200 and "Fout: Geef de reden om het gesprek te verbergen." in text_of(empty)
    done = post_form(world["clients"]["editor"], f"/discussion/{thread.id}/hide", {"reason": "Noemt een cliënt"})
    assert done.status_code == 302
    for role in ("anonymous", "provider", "council"):
        client = world["clients"][role]
        expected = 302 if role == "anonymous" else 404
        for url in (f"/discussion/{thread.id}", f"/discussion/{thread.id}/reply?parent={reply.id}",
                    f"/posts/{reply.id}/report"):
            response = client.get(url)
            assert response.status_code == expected, (role, url)
            assert TITLE_MARK not in response.get_data(as_text=True)
        html = client.get("/consultations/wmo/discussion").get_data(as_text=True)
        assert TITLE_MARK not in html and MARK not in html, role
        for term in (MARK, TITLE_MARK):  # the search box repeats the term; no result may carry it
            found = client.get(f"/consultations/wmo/discussion/search?q={term}")
            assert "0 berichten gevonden" in text_of(found) and "search-result" not in found.get_data(as_text=True)
    assert post_reply(world["clients"]["council"], thread, "Nog iets").status_code == 404
    assert post_form(world["clients"]["provider"], f"/discussion/{thread.id}/follow", {"follow": "1"}).status_code == 404
    moderator = text_of(world["clients"]["analyst"].get(f"/discussion/{thread.id}"))
    assert "Verborgen door moderator: Noemt een cliënt" in moderator
    assert "Alleen moderatoren zien dit gesprek, ook de titel." in moderator and TITLE_MARK in moderator
    listing = text_of(world["clients"]["analyst"].get("/consultations/wmo/discussion"))
    assert f"Over {TITLE_MARK} Verborgen: alleen voor moderatoren" in listing
    queue = text_of(world["clients"]["analyst"].get("/consultations/wmo/moderation"))
    assert "Verborgen gesprekken" in queue and "Reden: Noemt een cliënt" in queue
    shown = post_form(world["clients"]["analyst"], f"/discussion/{thread.id}/unhide", {"next": "queue"})
    assert shown.headers["Location"] == "/consultations/wmo/moderation"
    assert MARK in world["clients"]["anonymous"].get(f"/discussion/{thread.id}").get_data(as_text=True)
    stored = db.session.get(Thread, thread.id)
    assert (stored.hidden_at, stored.hidden_reason, stored.hidden_by_id) == (None, None, None)
    events = db.session.execute(select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.detail).where(
        AuditEvent.action.like("thread_%")).order_by(AuditEvent.id)).all()
    assert events == [("thread_hidden", world["users"]["editor"].id, {"reason": "Noemt een cliënt"}),
                      ("thread_unhidden", world["users"]["analyst"].id, {})]


@pytest.mark.parametrize("role", ["provider", "council"])
def test_participants_cannot_hide_a_thread(world, role):
    thread = start_thread(world["clients"]["provider"])
    assert world["clients"][role].get(f"/discussion/{thread.id}/hide").status_code == 403
    assert post_form(world["clients"][role], f"/discussion/{thread.id}/hide",
                     {"reason": "Weg ermee"}).status_code == 403
    assert db.session.get(Thread, thread.id).hidden_at is None


# --- search ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_search_never_finds_protected_text_for_others(world, kind):
    _set(world, threads_public=True)
    protected_post(world, kind)
    url = f"/consultations/wmo/discussion/search?q={MARK}"
    for role in ("anonymous", "provider", "council"):
        page = world["clients"][role].get(url)
        assert "0 berichten gevonden" in text_of(page) and "search-result" not in page.get_data(as_text=True), role
    author = text_of(world["clients"]["provider2"].get(url))
    assert ("1 bericht gevonden" in author) is (kind == "pending")
    moderator = text_of(world["clients"]["editor"].get(url))
    label = {"hidden": "Verborgen: alleen voor moderatoren", "deleted": "Verwijderd: alleen voor moderatoren",
             "pending": "Wacht op goedkeuring"}[kind]
    assert "1 bericht gevonden" in moderator and label in moderator and MARK in moderator


# --- notifications and mail -----------------------------------------------------------------------

def _mail_text() -> str:
    return "\n".join(f"{m['Subject']}\n{m.get_body(('plain',)).get_content()}" for m in outbox())


def test_a_pending_post_notifies_followers_once_when_approved_and_never_before(world):
    thread = start_thread(world["clients"]["editor"], title=f"Over {TITLE_MARK}")
    post_reply(world["clients"]["provider2"], thread, "Ik volg dit gesprek")
    _set(world, premoderation=True)
    outbox().clear()
    post_reply(world["clients"]["provider"], thread, f"Wachtend {MARK}")
    pending = _latest_post()
    assert pending.status == PostStatus.PENDING
    about = Notification.link == f"/discussion/{thread.id}#post-{pending.id}"
    assert db.session.scalar(select(func.count()).select_from(Notification).where(about)) == 0
    # Only the team hears of it, to approve it; no follower is told yet, and no mail holds its text.
    assert sorted(m["To"] for m in outbox()) == sorted([world["users"]["editor"].email,
                                                         world["users"]["analyst"].email])
    assert MARK not in _mail_text()
    outbox().clear()
    post_form(world["clients"]["analyst"], f"/posts/{pending.id}/approve")
    post_form(world["clients"]["analyst"], f"/posts/{pending.id}/approve")
    told = db.session.execute(select(Notification.user_id, Notification.kind).where(about)
                              .order_by(Notification.user_id)).all()
    assert told == [(world["users"]["provider"].id, Kind.MODERATION),
                    (world["users"]["provider2"].id, Kind.THREAD_REPLY),
                    (world["users"]["editor"].id, Kind.THREAD_REPLY)]
    subjects = sorted(m["Subject"] for m in outbox() if m["To"] != world["users"]["provider"].email)
    assert subjects == [f"Nieuw bericht in “Over {TITLE_MARK}”"] * 2
    assert MARK not in _mail_text()


def test_a_post_hidden_before_the_digest_is_taken_back(world):
    thread = start_thread(world["clients"]["provider"], title=f"Over {TITLE_MARK}")
    db.session.add(Preference(user_id=world["users"]["provider"].id, kind=Kind.THREAD_REPLY,
                              frequency=Frequency.DAILY))
    db.session.commit()
    post_reply(world["clients"]["provider2"], thread, f"Straks verborgen {MARK}")
    post = _latest_post()
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == world["users"]["provider"].id)) == 1
    post_form(world["clients"]["editor"], f"/posts/{post.id}/hide", {"reason": "Persoonsgegevens"})
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == world["users"]["provider"].id)) == 0
    outbox().clear()
    assert send_digests(utcnow() + timedelta(minutes=1)) == 0
    db.session.commit()
    assert outbox() == []


def test_hiding_a_thread_takes_back_what_names_it_and_tells_its_author(world):
    thread = start_thread(world["clients"]["editor"], title=f"Over {TITLE_MARK}")
    db.session.add(Preference(user_id=world["users"]["provider2"].id, kind=Kind.THREAD_REPLY,
                              frequency=Frequency.DAILY))
    db.session.commit()
    post_reply(world["clients"]["provider2"], thread, "Ik volg")
    post_reply(world["clients"]["provider"], thread, "Een nieuw bericht")
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == world["users"]["provider2"].id)) == 1
    own = start_thread(world["clients"]["provider2"], title=f"Eigen {TITLE_MARK}")
    outbox().clear()
    post_form(world["clients"]["analyst"], f"/discussion/{thread.id}/hide", {"reason": "Dubbel"})
    post_form(world["clients"]["analyst"], f"/discussion/{own.id}/hide", {"reason": "Buiten het onderwerp"})
    rows = db.session.execute(select(Notification.user_id, Notification.kind, Notification.data)
                              .where(Notification.user_id == world["users"]["provider2"].id)).all()
    assert [(r[1], r[2]["action"], r[2]["thread"]) for r in rows] == [
        (Kind.MODERATION, "thread_hidden", f"Eigen {TITLE_MARK}")]
    assert send_digests(utcnow() + timedelta(minutes=1)) == 0
    db.session.commit()
    to_provider2 = [m for m in outbox() if m["To"] == world["users"]["provider2"].email]
    assert [m["Subject"] for m in to_provider2] == [f"Uw gesprek “Eigen {TITLE_MARK}” is verborgen"]
    text = to_provider2[0].get_body(("plain",)).get_content()
    assert f"Over {TITLE_MARK}" not in text and "Toelichting van het projectteam: Buiten het onderwerp" in text
    assert {m["To"] for m in outbox()} == {world["users"]["provider2"].email, world["users"]["editor"].email}
    # The editor (a moderator, who started the other thread) keeps what names it.
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == world["users"]["editor"].id)
                               .order_by(Notification.id)).all()
    assert kinds == [Kind.THREAD_REPLY, Kind.THREAD_REPLY, Kind.MODERATION]


# --- analysis, evidence -----------------------------------------------------------------------------

def test_analysis_and_evidence_use_only_posts_every_reader_may_read(world):
    visible = start_thread(world["clients"]["provider"], title="Zichtbaar", body="Iedereen leest dit")
    post_reply(world["clients"]["council"], visible, f"Straks verborgen {MARK}")
    hidden_post = _latest_post()
    post_form(world["clients"]["editor"], f"/posts/{hidden_post.id}/hide", {"reason": "Persoonsgegevens"})
    hidden_thread = start_thread(world["clients"]["provider2"], title=f"Over {TITLE_MARK}", body=f"In {MARK}")
    post_form(world["clients"]["editor"], f"/discussion/{hidden_thread.id}/hide", {"reason": "Dubbel"})
    _set(world, premoderation=True)
    start_thread(world["clients"]["council"], title=f"Wachtend {TITLE_MARK}", body=f"Nog niet {MARK}")
    consultation = _consultation(world)
    assert [item.post.body for item in post_items(consultation)] == ["Iedereen leest dit"]
    assert [s.text for s in sources(consultation) if s.type == "post"] == ["Iedereen leest dit"]
    page = world["clients"]["analyst"].get("/consultations/wmo/analysis/posts").get_data(as_text=True)
    assert MARK not in page and TITLE_MARK not in page
    with pytest.raises(AnalysisRefused):
        quote_post(consultation, db.session.get(Post, hidden_post.id), MARK, by=world["users"]["analyst"])
    assert db.session.scalar(select(func.count()).select_from(Quote)) == 0


# --- the purge of deleted text ----------------------------------------------------------------------

def test_purge_empties_deleted_posts_after_the_period_once(world, app):
    thread = start_thread(world["clients"]["provider"])
    provider = world["clients"]["provider"]
    post_reply(provider, thread, f"Eerste versie {MARK}")
    old = _latest_post()
    post_form(provider, f"/posts/{old.id}/edit", {"body": f"Tweede versie {MARK}"})
    post_reply(provider, thread, f"Recent verwijderd {MARK}")
    recent = _latest_post()
    for post in (old, recent):
        post_form(provider, f"/posts/{post.id}/delete")
    db.session.add(Quote(consultation_id=world["consultation"].id, post_id=old.id, start=0, end=6, text="Tweede"))
    db.session.get(Post, old.id).deleted_at = utcnow() - timedelta(days=30, minutes=1)
    db.session.get(Post, recent.id).deleted_at = utcnow() - timedelta(days=29)
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["purge-deleted-posts"])
    assert first.exit_code == 0 and first.output.strip() == "Emptied the text of 1 deleted post(s)."
    db.session.expire_all()
    assert db.session.get(Post, old.id).body == ""
    assert db.session.scalars(select(PostRevision.body).where(PostRevision.post_id == old.id)).all() == [""]
    assert db.session.scalar(select(func.count()).select_from(Quote)) == 0
    assert db.session.get(Post, recent.id).body == f"Recent verwijderd {MARK}"
    again = runner.invoke(args=["purge-deleted-posts"])
    assert again.output.strip() == "Emptied the text of 0 deleted post(s)."
    events = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "deleted_posts_purged")).all()
    assert [e["count"] for e in events] == [1]
    # The retention run purges too, counting from the start of the day it is given (local time: three
    # days on, so that the post deleted 29 days ago is due at any hour of the test, also late in the
    # evening when the UTC date is a day behind Amsterdam's).
    later = runner.invoke(args=["retention", "--today", (utcnow() + timedelta(days=3)).date().isoformat()])
    assert later.output.strip().splitlines() == ["Nothing to anonymise.", "Emptied the text of 1 deleted post(s)."]
    db.session.expire_all()
    assert db.session.get(Post, recent.id).body == ""


def test_purge_period_comes_from_the_configuration(world, app):
    thread = start_thread(world["clients"]["provider"])
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    post_form(world["clients"]["provider"], f"/posts/{first.id}/delete")
    db.session.get(Post, first.id).deleted_at = utcnow() - timedelta(days=8)
    db.session.commit()
    app.config["DELETED_POST_PURGE_DAYS"] = 7
    try:
        result = app.test_cli_runner().invoke(args=["purge-deleted-posts"])
    finally:
        app.config["DELETED_POST_PURGE_DAYS"] = 30
    assert result.output.strip() == "Emptied the text of 1 deleted post(s)."
    db.session.expire_all()
    assert db.session.get(Post, first.id).body == ""


# --- one rule: the SQL helpers say what the predicates say ------------------------------------------

def test_query_helpers_agree_with_the_predicates_for_every_reader(world):
    users = world["users"]
    consultation = _consultation(world)
    now = utcnow()

    def thread(title, author, **state):
        made = Thread(consultation_id=consultation.id, title=title, author_id=users[author].id, created_at=now,
                      last_post_at=now, post_count=0, locked=False, pinned=False, **state)
        db.session.add(made)
        db.session.flush()
        return made

    def post(in_thread, author, **state):
        made = Post(thread_id=in_thread.id, author_id=users[author].id, author_role=AuthorRole.PROVIDER,
                    body=f"{in_thread.title}/{author}/{sorted(state)}", created_at=now, **state)
        db.session.add(made)
        return made

    open_thread = thread("open", "provider")
    pending_thread = thread("pending", "provider", status=PostStatus.PENDING)
    rejected_thread = thread("rejected", "provider2", status=PostStatus.REJECTED)
    hidden_thread = thread("hidden", "provider", hidden_at=now, hidden_reason="x")
    for each in (open_thread, pending_thread, rejected_thread, hidden_thread):
        post(each, "provider")
        post(each, "provider2", status=PostStatus.PENDING)
        post(each, "provider2", status=PostStatus.REJECTED)
        post(each, "provider2", hidden_at=now, hidden_reason="x")
        post(each, "provider", deleted_at=now)
        post(each, "provider", status=PostStatus.PENDING, deleted_at=now)
        post(each, "council")
    db.session.commit()
    posts = db.session.scalars(select(Post)).all()
    threads = db.session.scalars(select(Thread).where(Thread.consultation_id == consultation.id)).all()
    readers = {"anyone": None, **{k: users[k] for k in ("provider", "provider2", "council", "editor",
                                                        "analyst", "other_team")}}
    for name, user in readers.items():
        assert set(db.session.scalars(visible_threads(select(Thread.id), user, consultation, thread=Thread))) == \
            {t.id for t in threads if may_show_thread(t, user)}, name
        assert set(db.session.scalars(listed_posts(select(Post.id), user, consultation, post=Post, thread=Thread))) == \
            {p.id for p in posts if may_list_post(p, user)}, name
        assert set(db.session.scalars(shown_posts(select(Post.id), user, consultation, post=Post, thread=Thread))) == \
            {p.id for p in posts if may_show_post(p, user)}, name
    # Spot checks of the rule itself.
    assert thread_withheld(pending_thread, users["provider"]) is None
    assert thread_withheld(pending_thread, users["council"]) == Protected.PENDING_POST
    assert thread_withheld(hidden_thread, users["provider"]) == Protected.HIDDEN_POST
    assert shown_title(hidden_thread, users["editor"]) == "hidden" and shown_title(hidden_thread, None) is None
    assert thread_withheld(hidden_thread, users["other_team"]) == Protected.HIDDEN_POST  # another team
    hidden_post = next(p for p in posts if p.thread_id == open_thread.id and p.hidden_at is not None)
    assert shown_body(hidden_post, users["provider2"]) is None  # not even for its author
    assert may_list_post(hidden_post, users["council"]) is True  # its place stays, as a notice
    assert {name for name, user in readers.items() if may_show_post(hidden_post, user)} == {"editor", "analyst"}
