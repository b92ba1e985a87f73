"""A message posted with htmx is added in place only where it belongs: at the end of the last page
of the discussion (or of its post's replies), or under its post on the thread page. Posted from an
earlier page, the answer sends the browser to the message's own address, which opens its page."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from consult.core.time import utcnow
from consult.dialogue.models import AuthorRole, Post, PostStatus
from consult.extensions import db
from tests.conftest import post_form
from tests.test_dialogue import start_thread, world  # noqa: F401 - the fixture
from tests.test_replies_paged import add_replies, opening


def add_messages(thread, author, count: int) -> None:
    """``count`` published top-level messages after the opening one."""
    opening(thread).created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    when = utcnow() - timedelta(days=1)
    db.session.execute(Post.__table__.insert(), [
        {"thread_id": thread.id, "parent_id": None, "author_id": author.id,
         "organisation_id": author.memberships[0].organisation_id, "author_role": AuthorRole.PROVIDER,
         "body": f"Bericht {n}", "status": PostStatus.PUBLISHED, "created_at": when + timedelta(seconds=n)}
        for n in range(2, count + 1)])
    db.session.commit()


def post_from(client, thread, url: str, body: str, **extra):
    return post_form(client, f"/discussion/{thread.id}/posts", {"body": body, **extra},
                     csrf_from=f"/discussion/{thread.id}",
                     headers={"HX-Request": "true", "HX-Current-URL": f"http://localhost{url}"})


def posted(body: str) -> Post:
    return db.session.scalar(select(Post).where(Post.body == body))


def test_a_message_posted_from_an_earlier_page_opens_its_own_page(world):
    thread = start_thread(world["clients"]["provider"])
    add_messages(thread, world["users"]["provider"], 45)  # three pages of 20
    council = world["clients"]["council"]

    response = post_from(council, thread, f"/discussion/{thread.id}?page=2", "Vanaf pagina 2")
    assert response.headers["HX-Redirect"] == f"/posts/{posted('Vanaf pagina 2').id}"
    assert "Vanaf pagina 2" not in response.get_data(as_text=True)
    opened = council.get(response.headers["HX-Redirect"])
    assert opened.headers["Location"] == f"/discussion/{thread.id}?page=3#post-{posted('Vanaf pagina 2').id}"
    # From page 1 without a page in the address: the same.
    assert "HX-Redirect" in post_from(council, thread, f"/discussion/{thread.id}", "Vanaf pagina 1").headers

    in_place = post_from(council, thread, f"/discussion/{thread.id}?page=3", "Vanaf pagina 3")
    assert "HX-Redirect" not in in_place.headers
    assert in_place.headers["HX-Retarget"] == "#new-posts" and "Vanaf pagina 3" in in_place.get_data(as_text=True)


def test_a_message_that_starts_a_new_page_is_not_added_to_the_full_last_one(world):
    thread = start_thread(world["clients"]["provider"])
    add_messages(thread, world["users"]["provider"], 40)  # two full pages
    response = post_from(world["clients"]["council"], thread, f"/discussion/{thread.id}?page=2", "Bericht 41")
    assert response.headers["HX-Redirect"] == f"/posts/{posted('Bericht 41').id}"


def test_a_reply_is_added_under_its_post_on_the_thread_but_opens_its_page_of_replies_elsewhere(world):
    thread = start_thread(world["clients"]["provider"])
    parent = opening(thread)
    add_replies(parent, world["users"]["provider"], 3)  # all of them shown under the post
    council = world["clients"]["council"]

    under = post_from(council, thread, f"/discussion/{thread.id}", "Onder het bericht", parent_id=str(parent.id))
    assert "HX-Redirect" not in under.headers and under.headers["HX-Retarget"] == f"#replies-{parent.id}"
    # Now the thread page shows three of the four replies and "show more" for the rest: a reply
    # added under those three would come again with the rest, so it opens on its page of replies.
    behind = post_from(council, thread, f"/discussion/{thread.id}", "Achter meer reacties", parent_id=str(parent.id))
    assert behind.headers["HX-Redirect"] == f"/posts/{posted('Achter meer reacties').id}"
    assert council.get(behind.headers["HX-Redirect"]).headers["Location"] == \
        f"/posts/{parent.id}/replies?page=1#post-{posted('Achter meer reacties').id}"
    add_replies(parent, world["users"]["provider"], 20, start=5)  # two pages of replies

    response = post_from(council, thread, f"/posts/{parent.id}/replies", "Vanaf de eerste reactiepagina",
                         parent_id=str(parent.id))
    assert response.headers["HX-Redirect"] == f"/posts/{posted('Vanaf de eerste reactiepagina').id}"
    assert council.get(response.headers["HX-Redirect"]).headers["Location"] == \
        f"/posts/{parent.id}/replies?page=2#post-{posted('Vanaf de eerste reactiepagina').id}"

    last = post_from(council, thread, f"/posts/{parent.id}/replies?page=2", "Vanaf de laatste reactiepagina",
                     parent_id=str(parent.id))
    assert "HX-Redirect" not in last.headers and last.headers["HX-Retarget"] == f"#replies-{parent.id}"
