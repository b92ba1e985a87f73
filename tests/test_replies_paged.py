"""Replies are paged: the thread page shows a post's first three replies and "Toon meer reacties"
(htmx adds the next twenty in place; without JavaScript a link to the post's own page of replies);
a post with 3,000 replies costs what one with four costs."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from consult.core.time import utcnow
from consult.dialogue.models import AuthorRole, Post, PostStatus
from consult.extensions import db
from tests.conftest import csrf_token_from, text_of
from tests.test_dialogue import post_reply, start_thread, world  # noqa: F401 - the fixture
from tests.test_page_cost import StatementCounter


def add_replies(post: Post, author, count: int, *, start: int = 0) -> None:
    """``count`` published replies under ``post``, a second apart, written in bulk."""
    org = author.memberships[0].organisation
    when = utcnow() - timedelta(days=1)
    db.session.execute(Post.__table__.insert(), [
        {"thread_id": post.thread_id, "parent_id": post.id, "author_id": author.id, "organisation_id": org.id,
         "author_role": AuthorRole.PROVIDER, "body": f"Reactie {n + 1}", "status": PostStatus.PUBLISHED,
         "created_at": when + timedelta(seconds=n)} for n in range(start, start + count)])
    db.session.commit()


def opening(thread) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.parent_id.is_(None)))


def replies_shown(html: str) -> list[str]:
    return re.findall(r"<p>(Reactie \d+)</p>", html)


def test_a_post_with_3000_replies_shows_three_and_costs_what_four_cost(world):
    client = world["clients"]["provider2"]
    counts, sizes = [], []
    for count in (4, 3000):
        thread = start_thread(world["clients"]["provider"], title=f"Reacties {count}")
        add_replies(opening(thread), world["users"]["provider"], count)
        client.get(f"/discussion/{thread.id}")  # warm up
        with StatementCounter(db.engine) as counter:
            page = client.get(f"/discussion/{thread.id}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        counts.append(counter.count)
        sizes.append(len(html))
        assert replies_shown(html) == ["Reactie 1", "Reactie 2", "Reactie 3"]
        more = "1" if count == 4 else "2.997"
        assert f"Toon meer reacties ({more} meer)" in text_of(page)
    assert counts[0] == counts[1]
    assert sizes[1] - sizes[0] < 100  # the longer number in the link, nothing more


def test_show_more_adds_the_next_twenty_in_place(world):
    thread = start_thread(world["clients"]["provider"])
    post = opening(thread)
    add_replies(post, world["users"]["provider"], 45)
    client = world["clients"]["provider2"]
    page = client.get(f"/discussion/{thread.id}").get_data(as_text=True)
    link = re.search(r'<a class="utrecht-link" href="([^"]+)" data-hx-get="([^"]+)" '
                     rf'data-hx-target="#replies-{post.id}" data-hx-swap="beforeend">', page)
    assert link.group(1).replace("&amp;", "&") == f"/posts/{post.id}/replies?page=1#post-{post.id}-replies"
    assert link.group(2) == f"/posts/{post.id}/replies?start=3"
    more = client.get(link.group(2), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert replies_shown(more) == [f"Reactie {n}" for n in range(4, 24)]
    assert f'id="more-replies-{post.id}" data-hx-swap-oob="true"' in more
    assert f"/posts/{post.id}/replies?start=23" in more and "(22 meer)" in more
    assert 'tabindex="-1" data-autofocus' in more.split("Reactie 4")[0]  # focus goes to the first new one
    last = client.get(f"/posts/{post.id}/replies?start=43", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert replies_shown(last) == ["Reactie 44", "Reactie 45"]
    assert "Toon meer reacties" not in last and f'id="more-replies-{post.id}"' in last


def test_without_javascript_the_replies_have_pages_of_their_own(world):
    thread = start_thread(world["clients"]["provider"], title="Drukte")
    post = opening(thread)
    add_replies(post, world["users"]["provider"], 3000)
    client = world["clients"]["council"]
    first = client.get(f"/posts/{post.id}/replies")
    assert first.status_code == 200
    assert replies_shown(first.get_data(as_text=True)) == [f"Reactie {n}" for n in range(1, 21)]
    words = text_of(first)
    assert "Reacties op Anna Aanbieder" in words and "3.000 reacties" in words
    html = first.get_data(as_text=True)
    # The site's pager, short: this page, its neighbours, the last page, and the next one.
    pager = re.findall(rf'href="/posts/{post.id}/replies\?page=(\d+)#post-{post.id}-replies"[^>]*>([^<]+)</a>', html)
    assert pager == [("1", "Pagina 1"), ("2", "2"), ("3", "3"), ("150", "150"), ("2", "Volgende")]
    last = client.get(f"/posts/{post.id}/replies?page=150").get_data(as_text=True)
    assert replies_shown(last) == [f"Reactie {n}" for n in range(2981, 3001)]
    assert re.search(r'aria-current="page" href="[^"]*page=150#post-\d+-replies">Pagina 150<', last)
    beyond = client.get(f"/posts/{post.id}/replies?page=999").get_data(as_text=True)
    assert replies_shown(beyond) == replies_shown(last)
    # A reply's own address leads to the replies of its post.
    a_reply = db.session.scalar(select(Post).where(Post.parent_id == post.id).order_by(Post.id))
    assert client.get(f"/posts/{a_reply.id}/replies").headers["Location"] == f"/posts/{post.id}/replies"


def test_a_reply_without_javascript_lands_on_the_last_page_of_its_posts_replies(world):
    thread = start_thread(world["clients"]["provider"])
    post = opening(thread)
    add_replies(post, world["users"]["provider"], 41)
    sent = post_reply(world["clients"]["provider2"], thread, "Mijn reactie", parent_id=str(post.id))
    new = db.session.scalar(select(Post).where(Post.body == "Mijn reactie"))
    assert sent.headers["Location"] == f"/posts/{post.id}/replies?page=3#post-{new.id}"
    page = world["clients"]["provider2"].get(f"/posts/{post.id}/replies?page=3").get_data(as_text=True)
    assert replies_shown(page) == ["Reactie 41"] and "Mijn reactie" in page


def test_the_gate_decides_which_replies_count_and_show(world):
    """A reply waiting for approval is neither shown nor counted for others; a hidden one keeps its
    place as a notice without its text."""
    thread = start_thread(world["clients"]["provider"])
    post = opening(thread)
    add_replies(post, world["users"]["provider"], 5)
    replies = db.session.scalars(select(Post).where(Post.parent_id == post.id).order_by(Post.id)).all()
    replies[0].status = PostStatus.PENDING
    replies[1].hidden_at, replies[1].hidden_reason = utcnow(), "Persoonsgegevens"
    db.session.commit()
    other = world["clients"]["council"].get(f"/discussion/{thread.id}")
    assert replies_shown(other.get_data(as_text=True)) == ["Reactie 3", "Reactie 4"]
    assert "Verborgen door moderator: Persoonsgegevens" in text_of(other)
    assert "Toon meer reacties (1 meer)" in text_of(other)
    moderator = world["clients"]["editor"].get(f"/discussion/{thread.id}")
    assert "Toon meer reacties (2 meer)" in text_of(moderator)
    more = world["clients"]["council"].get(f"/posts/{post.id}/replies?start=0", headers={"HX-Request": "true"})
    assert replies_shown(more.get_data(as_text=True)) == ["Reactie 3", "Reactie 4", "Reactie 5"]


def test_a_reply_posted_with_htmx_still_goes_under_its_post(world):
    thread = start_thread(world["clients"]["provider"])
    post = opening(thread)
    add_replies(post, world["users"]["provider"], 10)
    client = world["clients"]["provider2"]
    token = csrf_token_from(client.get(f"/discussion/{thread.id}").get_data(as_text=True))
    sent = client.post(f"/discussion/{thread.id}/posts", data={"csrf_token": token, "body": "Via htmx",
                                                               "parent_id": str(post.id)},
                       headers={"HX-Request": "true"})
    assert sent.status_code == 200
    assert sent.headers["HX-Retarget"] == f"#replies-{post.id}"
    assert "Via htmx" in sent.get_data(as_text=True)
