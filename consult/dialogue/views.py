"""Discussion pages: threads per theme, posting with htmx (and without JavaScript), moderation.

Views: load (404) → authorise (named predicate) → act (service) → respond (page or fragment).
What of a thread or post each person may see is decided by the disclosure gate
(:mod:`consult.disclosure.posts`): the loaders, the queries and the templates all ask it.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import aliased, joinedload, selectinload

from consult.consultations.loaders import load_consultation
from consult.consultations.permissions import can_edit_consultation
from consult.consultations.services import ChangeRefused, update_details
from consult.core.access import deny_hidden
from consult.core.forms import arg_int, db_int
from consult.core.htmx import current_url, htmx_redirect, is_htmx, retarget
from consult.core.paging import arg_page
from consult.core.refused import refuse_on
from consult.core.time import utcnow
from consult.dialogue import bp
from consult.dialogue.forms import EditPostForm, PostForm, PremoderationForm, ReasonForm, ThreadForm
from consult.dialogue.models import Post, PostReport, PostStatus, Thread
from consult.dialogue.permissions import (
    can_delete_post,
    can_edit_post,
    can_moderate,
    can_read_threads,
    can_reply,
    can_report_post,
    can_see_post,
    can_start_thread,
)
from consult.dialogue.services import (
    QUOTE_REFUSED,
    REPLY_REFUSED,
    PostingRefused,
    approve_post,
    create_thread,
    delete_post,
    dismiss_reports,
    edit_post,
    follow,
    hide_post,
    hide_thread,
    is_following,
    reject_post,
    reply,
    report_post,
    restore_post,
    search_posts,
    set_locked,
    set_pinned,
    unfollow,
    unhide_thread,
)
from consult.disclosure import Protected
from consult.disclosure.posts import (
    listed_posts,
    may_show_thread,
    post_protection,
    post_withheld,
    quotable,
    shown_body,
    shown_title,
    thread_protection,
    visible_threads,
)
from consult.extensions import db

POSTS_PER_PAGE = 20
REPLIES_SHOWN = 3       # under each post on the thread page; "show more" loads the next ones
REPLIES_PER_PAGE = 20   # on the page of one post's replies, and per "show more"
SEARCH_PER_PAGE = 20


@bp.context_processor
def _disclosure():
    """The gate's answers for the dialogue templates: they show nothing it has not allowed."""
    return {"shown_body": shown_body, "shown_title": shown_title, "post_withheld": post_withheld,
            "post_protection": post_protection, "thread_protection": thread_protection, "Protected": Protected,
            "reply_preview": reply_preview, "replies_per_page": REPLIES_PER_PAGE}


def _require_read(consultation):
    if not can_read_threads(current_user, consultation):
        deny_hidden()


def load_thread(thread_id: int) -> Thread:
    """The thread, or 404 for whoever may not see it (a hidden or unapproved thread does not
    exist for them, title included)."""
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        abort(404)
    _require_read(thread.consultation)
    if not may_show_thread(thread, current_user):
        deny_hidden()
    return thread


def load_post(post_id: int) -> Post:
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    _require_read(post.thread.consultation)
    if not can_see_post(current_user, post):
        deny_hidden()
    return post


# --- the list of threads ------------------------------------------------------------------

@bp.route("/consultations/<slug>/discussion", methods=["GET", "POST"])
def index(slug: str):
    consultation = load_consultation(slug)
    _require_read(consultation)
    form = ThreadForm()
    form.theme.choices = [(0, _("General"))] + [(t.id, t.title) for t in consultation.themes]
    if request.method == "POST":
        if not can_start_thread(current_user, consultation):
            abort(403)
        if form.validate_on_submit():
            theme = next((t for t in consultation.themes if t.id == form.theme.data), None)
            try:
                thread = create_thread(consultation, theme, form.title.data, form.body.data, by=current_user)
            except PostingRefused as refused:
                refuse_on(form.body, refused)
            else:
                db.session.commit()
                flash(_("Your discussion has been started."), "ok")
                return redirect(url_for("dialogue.thread", thread_id=thread.id))
    threads = db.session.scalars(
        visible_threads(select(Thread), current_user, consultation, thread=Thread)
        .options(selectinload(Thread.author)).order_by(Thread.pinned.desc(), Thread.last_post_at.desc())
    ).all()
    groups = [(None, [t for t in threads if t.theme_id is None])]
    groups += [(theme, [t for t in threads if t.theme_id == theme.id]) for theme in consultation.themes]
    return render_template("dialogue/index.html", consultation=consultation, groups=groups, form=form,
                           can_start=can_start_thread(current_user, consultation),
                           moderator=can_moderate(current_user, consultation))


@bp.route("/consultations/<slug>/discussion/search")
def search(slug: str):
    """The messages whose text the reader may read that match ``q``, newest first, paged."""
    consultation = load_consultation(slug)
    _require_read(consultation)
    q = request.args.get("q", "").strip()[:200]
    results = _page_of(search_posts(consultation, q, current_user), arg_page(),
                       SEARCH_PER_PAGE) if q else None
    return render_template("dialogue/search.html", consultation=consultation, q=q, results=results)


# --- one thread -------------------------------------------------------------------------------

def _post_options(entity=Post, *, moderator: bool) -> list:
    """Many-to-one relations joined into the same query; edit history only for moderators."""
    return [joinedload(entity.author), joinedload(entity.organisation),
            joinedload(entity.quote_of).joinedload(Post.author),
            *([selectinload(entity.revisions)] if moderator else [])]


def _top_level(thread: Thread):
    return listed_posts(select(Post).where(Post.thread_id == thread.id, Post.parent_id.is_(None)),
                        current_user, thread.consultation, post=Post, thread=Thread)


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def _page_count(query, per_page: int) -> int:
    return max(1, -(-_count(query) // per_page))


def _page_of(query, page: int | None, per_page: int):
    """``db.paginate`` over ``query``; a page past the end (an old link) shows the last page. Counted
    first and once, so the last page is read once too (not first past the end, then again)."""
    total = _count(query)
    last = max(1, -(-total // per_page))
    result = db.paginate(query, page=min(max(page or 1, 1), last), per_page=per_page, max_per_page=None,
                         error_out=False, count=False)
    result.total = total
    return result


def _posts_page(listed, page: int | None, per_page: int, *, moderator: bool):
    """One page of the posts ``listed`` selects (already narrowed by the gate), in their order,
    with what a post shows (:func:`_post_options`); a page past the end shows the last page.

    ``db.paginate`` counts and pages the posts' ids; the page's posts are then loaded by id. The
    discussion's lists are offset lists on purpose: their pagers number the pages (and a reply
    posted without JavaScript lands on its page), which a keyset cannot do. They stay cheap at
    depth because the offset walks an index in the list's order, without sorting and without
    joining the skipped posts' authors: the thread's top-level posts
    (``ix_posts_thread_parent_created``) and one post's replies (``ix_posts_parent_created``),
    about 3,000 entries for the last page of the busiest post."""
    result = _page_of(listed.with_only_columns(Post.id).order_by(Post.created_at, Post.id), page, per_page)
    result.items = _posts_by_id(result.items, moderator=moderator)
    return result


def _posts_by_id(ids, *, moderator: bool) -> list[Post]:
    """The posts ``ids`` names (a list, or a query of ids: an offset walked on an index without
    joining anything), in their order, with what a post shows (:func:`_post_options`). Asked also
    for no ids, so a page runs the same statements whether or not it lists posts."""
    return list(db.session.scalars(select(Post).where(Post.id.in_(ids)).options(*_post_options(moderator=moderator))
                                   .order_by(Post.created_at, Post.id)).unique())


def _thread_page(thread: Thread, page: int | None):
    """One page of the thread's top-level posts, each with its first replies (the rest are paged
    on their own, :func:`replies`). The number of statements stays the same however long the
    thread and however many replies a post has."""
    consultation = thread.consultation
    moderator = can_moderate(current_user, consultation)
    result = _posts_page(_top_level(thread), page, POSTS_PER_PAGE, moderator=moderator)
    g.reply_previews = first_replies(result.items, consultation, moderator=moderator)
    return result


def _replies_of(parent_ids, consultation):
    """The replies under ``parent_ids`` that have a place for the reader (the gate, in SQL)."""
    return listed_posts(select(Post).where(Post.parent_id.in_(parent_ids)), current_user, consultation,
                        post=Post, thread=Thread)


def first_replies(parents, consultation, *, moderator: bool) -> dict[int, tuple[list[Post], int]]:
    """Per top-level post: its first :data:`REPLIES_SHOWN` replies the reader may see, and how many
    there are in all. Two queries, however many replies there are: the first replies of each post
    (a subquery per post that stops after :data:`REPLIES_SHOWN` on ``ix_posts_parent_created``),
    and the counts (on the same index)."""
    ids = [post.id for post in parents if post.parent_id is None]
    if not ids:
        return {}
    parent, shown = aliased(Post), aliased(Post)
    first = (listed_posts(select(Post.id).where(Post.parent_id == parent.id), current_user, consultation,
                          post=Post, thread=Thread)
             .order_by(Post.created_at, Post.id).limit(REPLIES_SHOWN).correlate(parent))
    # Reached through the ids each subquery returns, never by walking every reply of the post:
    # PostgreSQL joins the subquery laterally; SQLite (no LATERAL) looks the ids up per post.
    if db.session.get_bind().dialect.name == "postgresql":
        lateral = first.lateral()
        query = select(shown).join_from(parent, lateral, true()).join(shown, shown.id == lateral.c.id)
    else:
        query = select(shown).join_from(parent, shown, shown.id.in_(first))
    rows = db.session.scalars(
        query.where(parent.id.in_(ids))
        .options(*_post_options(shown, moderator=moderator)).order_by(shown.created_at, shown.id)
    ).unique().all()
    totals = dict(db.session.execute(
        _replies_of(ids, consultation).with_only_columns(Post.parent_id, func.count()).group_by(Post.parent_id)
    ).all())
    previews: dict[int, tuple[list[Post], int]] = {post_id: ([], totals.get(post_id, 0)) for post_id in ids}
    for reply_post in rows:
        previews[reply_post.parent_id][0].append(reply_post)
    return previews


def reply_preview(post: Post) -> tuple[list[Post], int]:
    """For the templates: the first replies of ``post`` and their number, from the page's one query,
    or for a post rendered on its own (after an edit) from a query for it alone."""
    previews = g.get("reply_previews") or {}
    if post.id not in previews:
        consultation = post.thread.consultation
        previews.update(first_replies([post], consultation, moderator=can_moderate(current_user, consultation)))
        g.reply_previews = previews
    return previews.get(post.id, ([], 0))


def _post_context(thread: Thread) -> dict:
    consultation = thread.consultation
    return {"thread": thread, "consultation": consultation, "now": utcnow(),
            "moderator": can_moderate(current_user, consultation),
            "may_reply": can_reply(current_user, thread)}


@bp.route("/discussion/<int:thread_id>")
def thread(thread_id: int):
    thread = load_thread(thread_id)
    page = _thread_page(thread, arg_page())
    return render_template("dialogue/thread.html", posts=page.items, page=page,
                           form=PostForm(formdata=None), following=is_following(thread, current_user),
                           **_post_context(thread))


def _place_of(post: Post) -> str:
    """Where a just-posted message is shown: the last page of the thread, or for a reply the last
    page of its post's replies."""
    if post.parent_id is None:
        return url_for("dialogue.thread", thread_id=post.thread_id,
                       page=_page_count(_top_level(post.thread), POSTS_PER_PAGE))
    pages = _page_count(_replies_of([post.parent_id], post.thread.consultation), REPLIES_PER_PAGE)
    return url_for("dialogue.replies", post_id=post.parent_id, page=pages)


def _page_in(address) -> str:
    return (parse_qs(address.query).get("page") or ["1"])[0]


def _posted_from_its_place(post: Post) -> bool:
    """Whether the page an htmx post came from lists ``post`` (just posted) at its end, so it can be
    added there in place: the last page of the thread (of its post's replies), or for a reply the
    thread page while it shows every earlier reply of that post. When the thread page shows only a
    post's first replies (the rest behind "show more", which continues counting from there), a new
    reply added under them would come again with the rest and stand out of order: it is opened on
    its own page instead."""
    if not request.headers.get("HX-Current-URL"):
        return True  # the page it came from is not known: as before, in place
    here = urlsplit(current_url())
    if post.parent_id is not None and here.path == url_for("dialogue.thread", thread_id=post.thread_id):
        listed = _replies_of([post.parent_id], post.thread.consultation)
        return db.session.scalar(listed.with_only_columns(func.count())) - 1 <= REPLIES_SHOWN
    place = urlsplit(_place_of(post))
    return here.path == place.path and _page_in(here) == _page_in(place)


@bp.route("/posts/<int:post_id>/replies")
def replies(post_id: int):
    """The replies to one post, paged: a page of its own without JavaScript; with htmx ("show
    more" under the post on the thread page) the next replies after ``start``, added in place."""
    parent = load_post(post_id)
    if parent.parent_id is not None:
        return redirect(url_for("dialogue.replies", post_id=parent.parent_id))
    thread = parent.thread
    consultation = thread.consultation
    listed = _replies_of([parent.id], consultation)
    moderator = can_moderate(current_user, consultation)
    start = arg_int("start")  # an offset; a number no list reaches reads as none (the whole page)
    if is_htmx() and start is not None:
        total = db.session.scalar(listed.with_only_columns(func.count()))
        shown = _posts_by_id(listed.with_only_columns(Post.id).order_by(Post.created_at, Post.id)
                             .offset(start).limit(REPLIES_PER_PAGE), moderator=moderator)
        return render_template("dialogue/_more_replies.html", parent=parent, replies=shown, start=start,
                               total=total, **_post_context(thread))
    page = _posts_page(listed, arg_page(), REPLIES_PER_PAGE, moderator=moderator)
    return render_template("dialogue/replies.html", parent=parent, replies=page.items, page=page,
                           total=page.total, form=PostForm(formdata=None), **_post_context(thread))


@bp.route("/posts/<int:post_id>")
def message(post_id: int):
    """A message's own address: the page of the discussion that shows it (for a reply, the page
    of its post's replies), scrolled to it. Search results, the moderation queue and the analysis
    link here, so a message deep in a long discussion is found on its page."""
    found = load_post(post_id)
    if found.parent_id is None:
        listed, per_page = _top_level(found.thread), POSTS_PER_PAGE
    else:
        listed, per_page = _replies_of([found.parent_id], found.thread.consultation), REPLIES_PER_PAGE
    earlier = listed.where(or_(Post.created_at < found.created_at,
                               and_(Post.created_at == found.created_at, Post.id < found.id)))
    page = db.session.scalar(select(func.count()).select_from(earlier.subquery())) // per_page + 1
    if found.parent_id is None:
        place = url_for("dialogue.thread", thread_id=found.thread_id, page=page)
    else:
        place = url_for("dialogue.replies", post_id=found.parent_id, page=page)
    return redirect(f"{place}#post-{found.id}")


@bp.route("/discussion/<int:thread_id>/posts", methods=["POST"])
@login_required
def post(thread_id: int):
    thread = load_thread(thread_id)
    if not can_reply(current_user, thread):
        abort(403)
    form = PostForm()
    parent = _same_thread_post(thread, form.parent_id.data)
    quote = _same_thread_post(thread, form.quote_of_id.data)
    # Where an inline form sits: under its top-level post, also once that post is refused.
    slot = request.form.get("slot", type=int) or ((parent.parent_id or parent.id) if parent else None)
    if form.validate_on_submit():
        try:
            new = reply(thread, form.body.data, by=current_user, parent=parent, quote=quote)
        except PostingRefused as refused:
            refuse_on(form.body, refused)
            # What may not be replied to or quoted leaves the form; the text stays.
            parent = parent if parent is not None and quotable(parent) else None
            quote = quote if quote is not None and quotable(quote) else None
        else:
            db.session.commit()
            if is_htmx() and not _posted_from_its_place(new):
                # Sent from a page that does not list it (page 2 of 5): open the page that does, at it.
                return htmx_redirect(url_for("dialogue.message", post_id=new.id))
            if is_htmx():
                html = render_template("dialogue/_post_added.html", post=new, form=PostForm(formdata=None),
                                       slot=slot, **_post_context(thread))
                return retarget(html, f"#replies-{new.parent_id}" if new.parent_id else "#new-posts", "beforeend")
            return redirect(_place_of(new) + f"#post-{new.id}")
    if is_htmx():
        return render_template("dialogue/_post_form_inner.html", form=form, parent=parent, quote=quote,
                               slot=slot, **_post_context(thread))
    return render_template("dialogue/reply.html", form=form, parent=parent, quote=quote, slot=slot,
                           **_post_context(thread))


def _same_thread_post(thread: Thread, raw: str | None) -> Post | None:
    """A post of this thread named in the request, or 404 when it has no place for the user."""
    if db_int(raw) is None:  # none, not a number, or one no post has
        return None
    found = db.session.get(Post, db_int(raw))
    if found is None or found.thread_id != thread.id or not can_see_post(current_user, found):
        abort(404)
    return found


@bp.route("/discussion/<int:thread_id>/reply")
@login_required
def reply_form(thread_id: int):
    """The form to reply to (or quote) one post: inline for htmx, a page without JavaScript."""
    thread = load_thread(thread_id)
    if not can_reply(current_user, thread):
        abort(403)
    parent = _same_thread_post(thread, request.args.get("parent"))
    quote = _same_thread_post(thread, request.args.get("quote"))
    form = PostForm(formdata=None)
    slot = (parent.parent_id or parent.id) if parent else None
    # A hidden, deleted or unapproved post cannot be replied to or quoted: say so, show none of it.
    if quote is not None and not quotable(quote):
        form.body.errors = [str(QUOTE_REFUSED)]
        quote = None
    if parent is not None and not quotable(parent):
        form.body.errors = [str(REPLY_REFUSED)]
        parent = quote = None
    template = "dialogue/_post_form.html" if is_htmx() else "dialogue/reply.html"
    return render_template(template, form=form, parent=parent, quote=quote, slot=slot, inline=True,
                           **_post_context(thread))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = load_post(post_id)
    if not can_edit_post(current_user, post, utcnow()):
        abort(403)
    form = EditPostForm(obj=post)
    if form.validate_on_submit():
        try:
            edit_post(post, form.body.data, by=current_user)
        except PostingRefused as refused:
            refuse_on(form.body, refused)
        else:
            db.session.commit()
            if is_htmx():
                return render_template("dialogue/_post.html", post=post, focus_post=post.id,
                                       **_post_context(post.thread))
            return redirect(url_for("dialogue.thread", thread_id=post.thread_id) + f"#post-{post.id}")
    template = "dialogue/_edit_form.html" if is_htmx() else "dialogue/edit.html"
    return render_template(template, post=post, form=form, **_post_context(post.thread))


@bp.route("/posts/<int:post_id>/delete", methods=["POST"])
@login_required
def delete(post_id: int):
    post = load_post(post_id)
    if not can_delete_post(current_user, post):
        abort(403)
    delete_post(post, by=current_user)  # CSRF is checked for every POST by CSRFProtect
    db.session.commit()
    if is_htmx():
        return render_template("dialogue/_post.html", post=post, focus_post=post.id, **_post_context(post.thread))
    return redirect(url_for("dialogue.thread", thread_id=post.thread_id) + f"#post-{post.id}")


@bp.route("/posts/<int:post_id>/report", methods=["GET", "POST"])
@login_required
def report(post_id: int):
    post = load_post(post_id)
    if not can_report_post(current_user, post):
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            report_post(post, form.reason.data, by=current_user)
        except PostingRefused as refused:  # a reason of nothing but spaces
            refuse_on(form.reason, refused)
        else:
            db.session.commit()
            flash(_("Thank you. The moderators will look at your report."), "ok")
            return redirect(url_for("dialogue.thread", thread_id=post.thread_id) + f"#post-{post.id}")
    return render_template("dialogue/reason.html", post=post, form=form, heading=_("Report a message"),
                           action=url_for("dialogue.report", post_id=post.id), button=_("Send report"),
                           **_post_context(post.thread))


@bp.route("/discussion/<int:thread_id>/follow", methods=["POST"])
@login_required
def follow_view(thread_id: int):
    thread = load_thread(thread_id)
    if request.form.get("follow") == "1":
        follow(thread, current_user)
        message = _("You follow this discussion.")
    else:
        unfollow(thread, current_user)
        message = _("You no longer follow this discussion.")
    db.session.commit()
    flash(message, "ok")
    return redirect(url_for("dialogue.thread", thread_id=thread.id))


# --- moderation -------------------------------------------------------------------------------

def _moderated_post(post_id: int) -> Post:
    post = load_post(post_id)
    if not can_moderate(current_user, post.thread.consultation):
        abort(403)
    return post


@bp.route("/posts/<int:post_id>/hide", methods=["GET", "POST"])
@login_required
def hide(post_id: int):
    post = _moderated_post(post_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            hide_post(post, form.reason.data, by=current_user)
        except PostingRefused as refused:  # a reason of nothing but spaces
            refuse_on(form.reason, refused)
        else:
            db.session.commit()
            flash(_("The message has been hidden."), "ok")
            return _back(post)
    return render_template("dialogue/reason.html", post=post, form=form, heading=_("Hide a message"),
                           action=url_for("dialogue.hide", post_id=post.id), button=_("Hide message"),
                           hint=_("The reason is shown instead of the message, to everyone."),
                           **_post_context(post.thread))


@bp.route("/posts/<int:post_id>/<action>", methods=["POST"])
@login_required
def moderate(post_id: int, action: str):
    post = _moderated_post(post_id)
    actions = {"restore": lambda: restore_post(post, by=current_user),
               "approve": lambda: approve_post(post, by=current_user),
               "reject": lambda: reject_post(post, request.form.get("reason", ""), by=current_user),
               "dismiss": lambda: dismiss_reports(post, by=current_user)}
    if action not in actions:
        abort(404)
    actions[action]()
    db.session.commit()
    return _back(post)


def _back(post: Post):
    """Moderators act from the queue or from the thread; go back where they came from."""
    if request.values.get("next") == "queue":
        return redirect(url_for("dialogue.moderation", slug=post.thread.consultation.slug))
    return redirect(url_for("dialogue.thread", thread_id=post.thread_id) + f"#post-{post.id}")


def _moderated_thread(thread_id: int) -> Thread:
    thread = load_thread(thread_id)
    if not can_moderate(current_user, thread.consultation):
        abort(403)
    return thread


@bp.route("/discussion/<int:thread_id>/hide", methods=["GET", "POST"])
@login_required
def hide_thread_view(thread_id: int):
    """Hide a whole thread, title included, with a reason (moderators)."""
    thread = _moderated_thread(thread_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            hide_thread(thread, form.reason.data, by=current_user)
        except PostingRefused as refused:
            refuse_on(form.reason, refused)
        else:
            db.session.commit()
            flash(_("The discussion has been hidden."), "ok")
            if request.values.get("next") == "queue":
                return redirect(url_for("dialogue.moderation", slug=thread.consultation.slug))
            return redirect(url_for("dialogue.thread", thread_id=thread.id))
    return render_template("dialogue/reason.html", post=None, form=form, heading=_("Hide a discussion"),
                           action=url_for("dialogue.hide_thread_view", thread_id=thread.id),
                           button=_("Hide discussion"),
                           hint=_("Only moderators can see a hidden discussion, title included. The reason is "
                                  "sent to whoever started it."),
                           **_post_context(thread))


@bp.route("/discussion/<int:thread_id>/<action>", methods=["POST"])
@login_required
def thread_action(thread_id: int, action: str):
    thread = _moderated_thread(thread_id)
    actions = {"lock": lambda: set_locked(thread, True, by=current_user),
               "unlock": lambda: set_locked(thread, False, by=current_user),
               "pin": lambda: set_pinned(thread, True, by=current_user),
               "unpin": lambda: set_pinned(thread, False, by=current_user),
               "unhide": lambda: unhide_thread(thread, by=current_user)}
    if action not in actions:
        abort(404)
    actions[action]()
    db.session.commit()
    if action == "unhide":
        flash(_("The discussion can be seen again."), "ok")
        if request.values.get("next") == "queue":
            return redirect(url_for("dialogue.moderation", slug=thread.consultation.slug))
    return redirect(url_for("dialogue.thread", thread_id=thread.id))


def _moderation_page(consultation, form: PremoderationForm | None = None):
    pending = db.session.scalars(
        select(Post).join(Post.thread).where(Thread.consultation_id == consultation.id,
                                             Post.status == PostStatus.PENDING, Post.deleted_at.is_(None))
        .options(selectinload(Post.author), selectinload(Post.thread)).order_by(Post.created_at)).all()
    reports = db.session.scalars(
        select(PostReport).join(PostReport.post).join(Post.thread)
        .where(Thread.consultation_id == consultation.id, PostReport.resolved_at.is_(None))
        .options(selectinload(PostReport.post).selectinload(Post.author), selectinload(PostReport.reporter))
        .order_by(PostReport.created_at)).all()
    hidden_threads = db.session.scalars(
        select(Thread).where(Thread.consultation_id == consultation.id, Thread.hidden_at.is_not(None))
        .order_by(Thread.hidden_at.desc())).all()
    form = form or PremoderationForm(formdata=None, premoderation="on" if consultation.premoderation else "off")
    return render_template("dialogue/moderation.html", consultation=consultation, pending=pending,
                           reports=reports, hidden_threads=hidden_threads, now=utcnow(), form=form)


def _moderated_consultation(slug: str):
    consultation = load_consultation(slug)
    if not can_moderate(current_user, consultation):
        abort(404 if not can_read_threads(current_user, consultation) else 403)
    return consultation


@bp.route("/consultations/<slug>/moderation")
@login_required
def moderation(slug: str):
    return _moderation_page(_moderated_consultation(slug))


@bp.route("/consultations/<slug>/moderation/premoderation", methods=["POST"])
@login_required
def premoderation(slug: str):
    """Switch approval before publication on or off, where a moderator looks for it (editors,
    as on the consultation's details page)."""
    consultation = _moderated_consultation(slug)
    if not can_edit_consultation(current_user, consultation):
        abort(403)
    form = PremoderationForm()
    if form.validate_on_submit():
        switched_on = form.premoderation.data == "on"
        try:
            # A closed consultation is refused here with its reason (can_switch_premoderation no
            # longer offers the switch then, but a page opened before the close still sends it).
            update_details(consultation, by=current_user, premoderation=switched_on)
        except ChangeRefused as refused:
            refuse_on(form.premoderation, refused)
        else:
            db.session.commit()
            flash(_("Messages now wait for a moderator's approval before others see them.") if switched_on
                  else _("Messages are now shown at once."), "ok")
            return redirect(url_for("dialogue.moderation", slug=consultation.slug) + "#premoderation-title")
    return _moderation_page(consultation, form)
