"""A message's own address (/posts/<id>) opens the page of the discussion that shows it, scrolled to
it: search results, the moderation queue and the analysis link there, so a message deep in a long
discussion is found on its page, also a reply deep in a post's replies."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from consult.core.time import utcnow
from consult.dialogue.models import AuthorRole, Post, PostStatus
from consult.dialogue.views import POSTS_PER_PAGE, REPLIES_PER_PAGE
from consult.extensions import db
from tests.test_dialogue import start_thread, world  # noqa: F401 - the fixture
from tests.test_replies_paged import add_replies, opening


def add_top_level(thread, author, count: int) -> None:
    org = author.memberships[0].organisation
    when = utcnow() - timedelta(hours=1)
    db.session.execute(Post.__table__.insert(), [
        {"thread_id": thread.id, "parent_id": None, "author_id": author.id, "organisation_id": org.id,
         "author_role": AuthorRole.PROVIDER, "body": f"Bericht {n + 1}", "status": PostStatus.PUBLISHED,
         "created_at": when + timedelta(seconds=n)} for n in range(count)])
    db.session.commit()


def test_a_message_deep_in_a_long_discussion_opens_on_its_page(world):
    client = world["clients"]["provider2"]
    thread = start_thread(world["clients"]["provider"], title="Lang gesprek")
    add_top_level(thread, world["users"]["provider"], 2 * POSTS_PER_PAGE + 5)
    posts = db.session.scalars(select(Post).where(Post.thread_id == thread.id, Post.parent_id.is_(None))
                               .order_by(Post.created_at, Post.id)).all()
    # The opening post is the newest here (it was written after the bulk ones' times): the last one.
    for index in (0, POSTS_PER_PAGE - 1, POSTS_PER_PAGE, len(posts) - 1):
        target = posts[index]
        response = client.get(f"/posts/{target.id}")
        page = index // POSTS_PER_PAGE + 1
        assert response.status_code == 302
        assert response.headers["Location"] == f"/discussion/{thread.id}?page={page}#post-{target.id}"
        shown = client.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
        assert f'id="post-{target.id}"' in shown


def test_a_reply_deep_in_a_posts_replies_opens_on_its_page_of_replies(world):
    client = world["clients"]["provider2"]
    thread = start_thread(world["clients"]["provider"], title="Veel reacties")
    parent = opening(thread)
    add_replies(parent, world["users"]["provider"], 2 * REPLIES_PER_PAGE + 3)
    replies = db.session.scalars(select(Post).where(Post.parent_id == parent.id)
                                 .order_by(Post.created_at, Post.id)).all()
    target = replies[2 * REPLIES_PER_PAGE + 1]
    response = client.get(f"/posts/{target.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/posts/{parent.id}/replies?page=3#post-{target.id}"
    shown = client.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert f'id="post-{target.id}"' in shown


def test_a_message_the_reader_may_not_see_has_no_address(world):
    thread = start_thread(world["clients"]["provider"], title="Verborgen")
    hidden = opening(thread)
    hidden.status = PostStatus.PENDING  # a new discussion waiting for a moderator: only its author sees it
    db.session.commit()
    response = world["clients"]["provider2"].get(f"/posts/{hidden.id}")
    assert response.status_code == 404
