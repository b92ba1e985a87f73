"""Notifications of a new discussion message fan out in a job after commit: posting costs the
same with 4 or 400 followers, and the job tells every one of them (inline, and on RQ)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.core.jobs import run_committed_jobs
from consult.core.outbox import OutboundMail
from consult.core.time import utcnow
from consult.demo import DEMO_PASSWORD
from consult.dialogue.models import Post, Thread, ThreadFollow
from consult.dialogue.services import reply, tell_followers
from consult.extensions import db
from consult.notify.models import Kind, Notification
from consult.orgs.models import MemberRole, Membership, Organisation
from tests.conftest import csrf_token_from, login
from tests.demo import load_demo
from tests.test_page_cost import StatementCounter

SLUG = "marktconsultatie-wmo-leidse-regio"


def _thread() -> Thread:
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
    return db.session.scalar(select(Thread).where(Thread.consultation_id == consultation.id).order_by(Thread.id))


def add_followers(thread: Thread, count: int, start: int = 0) -> list[int]:
    """``count`` colleagues at a demo provider who follow ``thread`` (rows written in bulk)."""
    org_id = db.session.scalar(select(Organisation.id).where(Organisation.name == "Thuishulp Rijnstreek"))
    now = utcnow()
    ids = []
    for n in range(start, start + count):
        user_id = db.session.execute(insert(User).values(
            email=f"volger{n}@example.org", name=f"Volger {n}", password_hash="x", active=True,
            is_admin=False, email_verified_at=now, locale="nl").returning(User.id)).scalar_one()
        ids.append(user_id)
    db.session.execute(insert(Membership), [{"user_id": i, "organisation_id": org_id, "role": MemberRole.MEMBER}
                                            for i in ids])
    db.session.execute(insert(ThreadFollow), [{"user_id": i, "thread_id": thread.id, "created_at": now}
                                              for i in ids])
    db.session.commit()
    return ids


def _told(post_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == Kind.THREAD_REPLY, Notification.dedupe_key.like(f"post:{post_id}:u%"))) or 0


@pytest.fixture
def demo(app):
    load_demo()
    db.session.commit()
    db.session.info.pop("consult_committed_jobs", None)  # the demo's report files are not needed here
    thread = _thread()
    author = db.session.scalar(select(User).where(User.email == "zorg1@example.org"))
    # The demo's followers of the thread besides the author (who follows it too, after posting).
    others = db.session.scalar(select(func.count()).select_from(ThreadFollow)
                               .where(ThreadFollow.thread_id == thread.id, ThreadFollow.user_id != author.id))
    assert others <= 4
    return {"thread": thread, "author": author, "demo_followers": others}


def _post_and_count(thread: Thread, author: User, body: str) -> tuple[int, Post]:
    """Statements of posting (as the request does: load, reply, commit), from an empty session."""
    thread_id, author_id = thread.id, author.id
    db.session.expunge_all()
    with StatementCounter(db.engine) as counter:
        post = reply(db.session.get(Thread, thread_id), body, by=db.session.get(User, author_id))
        db.session.commit()
    return counter.count, post


def test_posting_costs_the_same_statements_with_4_and_400_followers(demo):
    thread, author = demo["thread"], demo["author"]
    add_followers(thread, 4 - demo["demo_followers"])
    small, first = _post_and_count(thread, author, "Bij vier volgers")
    assert run_committed_jobs() == 1  # one job for the message
    assert _told(first.id) == 4  # everyone following but the author
    add_followers(thread, 396, start=100)
    large, second = _post_and_count(thread, author, "Bij vierhonderd volgers")
    assert large == small
    assert run_committed_jobs() == 1
    assert _told(second.id) == 400


def test_the_job_tells_every_follower_once_after_the_request(app, demo):
    thread = demo["thread"]
    add_followers(thread, 400)
    client = app.test_client()
    login(client, "zorg1@example.org", DEMO_PASSWORD)
    page = client.get(f"/discussion/{thread.id}").get_data(as_text=True)
    sent = client.post(f"/discussion/{thread.id}/posts",
                       data={"csrf_token": csrf_token_from(page), "body": "Voor alle volgers"})
    assert sent.status_code == 302
    post = db.session.scalar(select(Post).where(Post.body == "Voor alle volgers"))
    assert _told(post.id) == 400 + demo["demo_followers"]  # everyone following but the author
    mailed = db.session.scalar(select(func.count()).select_from(OutboundMail).where(
        OutboundMail.to_address.like("volger%@example.org")))
    assert mailed == 400
    # Running the job again (a retried job) tells nobody twice.
    assert tell_followers(post.id) == 0
    assert _told(post.id) == 400 + demo["demo_followers"]


def test_a_message_hidden_before_the_job_runs_is_announced_to_nobody(demo):
    from consult.dialogue.services import hide_post

    thread, author = demo["thread"], demo["author"]
    add_followers(thread, 5)
    post = reply(thread, "Straks verborgen", by=author)
    db.session.commit()
    team = db.session.scalar(select(User).where(User.email == "team@example.org"))
    hide_post(post, "Persoonsgegevens", by=team)
    db.session.commit()
    run_committed_jobs()
    told = db.session.scalars(select(User.email).join(Notification, Notification.user_id == User.id).where(
        Notification.dedupe_key.like(f"post:{post.id}:u%"))).all()
    assert told == ["team@example.org"]  # a moderator, who reads hidden messages; no participant


def test_with_redis_a_reply_queues_one_job_and_the_worker_tells_everyone(app, demo, rq_queue):
    from rq import SimpleWorker

    queue, connection = rq_queue, rq_queue.connection
    thread = demo["thread"]
    client = app.test_client()
    login(client, "zorg1@example.org", DEMO_PASSWORD)
    page = client.get(f"/discussion/{thread.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    counts = []
    for followers, start in ((4 - demo["demo_followers"], 0), (396, 100)):
        add_followers(thread, followers, start=start)
        queue.empty()
        with StatementCounter(db.engine) as counter:
            sent = client.post(f"/discussion/{thread.id}/posts",
                               data={"csrf_token": token, "body": f"Bericht {start}"})
        assert sent.status_code == 302
        counts.append(counter.count)
        assert [job.func_name for job in queue.jobs] == ["consult.dialogue.services.tell_followers"]
    assert counts[0] == counts[1]
    post = db.session.scalar(select(Post).where(Post.body == "Bericht 100"))
    assert _told(post.id) == 0  # nobody yet: the worker has not run
    with app.app_context():
        SimpleWorker([queue], connection=connection).work(burst=True)
    db.session.expire_all()
    assert _told(post.id) == 400
