"""The demo data grown ``factor`` times, every kind of it: used by ``bench/scale.py`` and by
``tests/test_page_cost.py``.

Growing by a factor adds ``factor - 1`` times the demo's own amount of: provider organisations with a
user and a submitted response (in the open and in the closed consultation), messages and replies in
every thread, published questions and answers, tags, tagged answers, excerpts, evidence links, advice
points and council comments, strategy comments, notifications per person and audit events. With
``crowd`` one thread of the open consultation also gets ``33 x factor`` messages and its opening post
``30 x factor`` replies (3,300 and 3,000 at 100x), the discussion at its busiest.

Responses are written through the services (the same rows and receipts as a real submission); the
rest is inserted in bulk, copying the demo's rows, so a 100x database is built in minutes.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select, update

from consult.advice.models import AdvicePoint, CouncilComment
from consult.analysis.models import Coding, Quote, Tag
from consult.audit.models import AuditEvent
from consult.audit.services import seal_events
from consult.auth.models import User
from consult.consultations.conditions import SIZE_BANDS
from consult.consultations.models import Consultation, Status
from consult.core.time import utcnow
from consult.dialogue.models import AuthorRole, Post, PostStatus, Thread
from consult.extensions import db
from consult.notify.models import Notification
from consult.orgs.models import MemberRole, Membership, Organisation, OrgKind
from consult.qa.models import QaItem, QaStatus
from consult.responses.models import Publication
from consult.responses.services import (
    lot_pairs,
    needs_offer,
    needs_size,
    questions_for,
    save_answer,
    set_offer,
    set_publication,
    start_response,
    submit,
)
from consult.strategy.models import EvidenceLink, StrategyComment

OPEN = "marktconsultatie-wmo-leidse-regio"
CLOSED = "dialoog-dagbesteding-2025"


def _rows(model, *where) -> list[dict]:
    table = model.__table__
    return [dict(row._mapping) for row in db.session.execute(select(table).where(*where)).all()]


def _copy(model, rows: list[dict], times: int, change=None) -> int:
    """Insert ``times`` copies of ``rows`` (new ids), each passed through ``change(row, copy_number)``."""
    copies = []
    for k in range(1, times + 1):
        for row in rows:
            copy = {key: value for key, value in row.items() if key != "id"}
            copies.append(change(copy, k) if change else copy)
    for start in range(0, len(copies), 2000):
        db.session.execute(insert(model.__table__), copies[start:start + 2000])
    return len(copies)


def _spread(grown: list, rows: list[dict], change, text_key: str):
    """A ``_copy`` change that moves copy ``k`` of a coding or quote of a demo answer to a new
    answer to the same question (its excerpt taken from that answer's text), and of a demo message
    to a new message in the same thread, so copies are spread over the grown data instead of piling
    onto the demo's few answers and messages."""
    from consult.responses.models import Answer

    answered = sorted({row["response_id"] for row in rows if row["response_id"]})
    posts = sorted({row["post_id"] for row in rows if row["post_id"]})
    thread_of = dict(db.session.execute(select(Post.id, Post.thread_id).where(Post.id.in_(posts))).all())
    grown_posts = {thread: db.session.execute(select(Post.id, Post.body).where(
        Post.thread_id == thread, Post.body.like("Bijdrage %")).order_by(Post.id)).all()
        for thread in set(thread_of.values())}

    def move(row: dict, k: int) -> dict:
        row = {**row, **change(row, k)}
        if row["response_id"] and grown:
            response = grown[((k - 1) * len(answered) + answered.index(row["response_id"])) % len(grown)]
            answer = db.session.execute(select(Answer.value).where(
                Answer.response_id == response.id, Answer.question_id == row["question_id"])).first()
            if answer is None:  # not asked of the new organisation (a confidential demo answer): stays
                return row
            row["response_id"], text = response.id, answer.value
            if row["start"] is not None and isinstance(text, str):
                row["start"], row["end"], row[text_key] = 0, min(len(text), 40), text[:40]
        elif row["post_id"] and grown_posts.get(thread_of[row["post_id"]]):
            candidates = grown_posts[thread_of[row["post_id"]]]
            post_id, body = candidates[((k - 1) * len(posts) + posts.index(row["post_id"])) % len(candidates)]
            row["post_id"] = post_id
            if row["start"] is not None:
                row["start"], row["end"], row[text_key] = 0, min(len(body), 40), body[:40]
        return row
    return move


def _providers(count: int, prefix: str, when) -> list[tuple[Organisation, User]]:
    made = []
    for n in range(count):
        org = Organisation(kind=OrgKind.PROVIDER, name=f"{prefix} zorg {n:04d}", kvk_number=f"{60000000 + n}")
        user = User(email=f"{prefix.lower()}{n}@example.org", name=f"{prefix} {n}", password_hash="x",
                    email_verified_at=when)
        db.session.add_all([org, user, Membership(user=user, organisation=org, role=MemberRole.CONTACT)])
        made.append((org, user))
    db.session.flush()
    return made


def _respond(consultation: Consultation, people, when, label: str) -> list:
    """A submitted response of each organisation in ``people``, answering every question it is asked."""
    status, closes_at = consultation.status, consultation.closes_at
    consultation.status, consultation.closes_at = Status.OPEN, utcnow() + timedelta(days=30)  # as while it ran
    db.session.flush()
    responses = []
    for n, (org, user) in enumerate(people):
        response = start_response(consultation, org, by=user, now=when)
        if needs_offer(response):  # every lot, everywhere, and sizes of every band
            set_offer(response, lot_pairs(consultation), size=SIZE_BANDS[n % len(SIZE_BANDS)] if needs_size(response) else None,
                      by=user, now=when)
        for _theme, questions in questions_for(response):
            for question in questions:
                value = {"open": f"{label} {n}: reistijd en wachttijden in de wijk",
                         "single": (question.options or [None])[0], "multiple": (question.options or [])[:2] or None,
                         "scale": 1 + n % 5, "number": 40.0 + n % 50}.get(question.kind.value)
                if value is not None:  # confidential answers stay the demo's own (a page's audit stays alike)
                    save_answer(response, question, value, False, None, by=user, now=when)
        set_publication(response, Publication.NAMED if n % 3 else Publication.ANONYMOUS, by=user, now=when)
        submit(response, by=user, now=when, notify=False)
        responses.append(response)
        if n % 50 == 49:
            db.session.flush()
    consultation.status, consultation.closes_at = status, closes_at
    db.session.flush()
    return responses


def _discussion(consultation: Consultation, people, extra: int, when) -> int:
    """In every thread, ``extra`` times its posts: top-level messages with a reply each."""
    added = 0
    for thread in db.session.scalars(select(Thread).where(Thread.consultation_id == consultation.id)):
        existing = db.session.scalar(select(func.count()).select_from(Post).where(Post.thread_id == thread.id))
        added += _posts(thread, people, existing * extra, when)
    return added


def _posts(thread: Thread, people, count: int, when, parent_id: int | None = None) -> int:
    if not count or not people:
        return 0
    rows = []
    for n in range(count):
        org, user = people[n % len(people)]
        rows.append({"thread_id": thread.id, "parent_id": parent_id, "author_id": user.id, "organisation_id": org.id,
                     "author_role": AuthorRole.PROVIDER, "body": f"Bijdrage {n}: hoe lang wachten inwoners?",
                     "status": PostStatus.PUBLISHED, "created_at": when + timedelta(seconds=n)})
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Post.__table__), rows[start:start + 2000])
    db.session.execute(update(Thread).where(Thread.id == thread.id).values(
        post_count=Thread.post_count + count, last_post_at=when + timedelta(seconds=count))
        .execution_options(synchronize_session=False))
    return count


def grow(factor: int, *, crowd: bool = False) -> dict[str, int]:
    """Add ``factor - 1`` times the demo's data of every kind (see the module's docstring); returns
    how many rows of each kind were added. ``load_demo()`` must have run and been committed."""
    added: dict[str, int] = {}
    if factor <= 1:
        return added
    extra = factor - 1
    when = utcnow() - timedelta(days=3)
    open_, closed = (db.session.scalar(select(Consultation).where(Consultation.slug == slug)) for slug in (OPEN, CLOSED))
    # The demo's own trail and notifications, copied at the end (not what growing itself writes).
    demo_events = _rows(AuditEvent)
    demo_notifications = _rows(Notification)
    # Organisations with submitted responses, in both consultations.
    people = _providers(6 * extra, "Extra", when)
    open_responses = _respond(open_, people, when, "Antwoord")
    added["responses (open)"] = len(open_responses)
    closed_responses = _respond(closed, people, when, "Ervaring")
    added["responses (closed)"] = len(closed_responses)
    added["organisations"] = len(people)
    # Discussion: every thread grows; one thread and one post at their busiest.
    added["posts"] = _discussion(open_, people, extra, when) + _discussion(closed, people, extra, when)
    if crowd:
        busy = db.session.scalar(select(Thread).where(Thread.consultation_id == open_.id).order_by(Thread.id))
        opening = db.session.scalar(select(Post).where(Post.thread_id == busy.id, Post.parent_id.is_(None))
                                    .order_by(Post.created_at, Post.id))
        added["posts in the busiest thread"] = _posts(busy, people, 33 * factor, when)
        added["replies to one post"] = _posts(busy, people, 30 * factor, when, parent_id=opening.id)
    # Published questions and answers, numbered on.
    for consultation in (open_, closed):
        items = _rows(QaItem, QaItem.consultation_id == consultation.id, QaItem.status == QaStatus.PUBLISHED)
        top = db.session.scalar(select(func.max(QaItem.number)).where(QaItem.consultation_id == consultation.id)) or 0
        numbers = iter(range(top + 1, top + 1 + len(items) * extra))
        added["Q&A items"] = added.get("Q&A items", 0) + _copy(
            QaItem, items, extra, lambda row, k, numbers=numbers: {**row, "number": next(numbers)})
    # Analysis: tags, tagged answers and messages, excerpts.
    # Copy k of the demo's codings uses copy k of their tags and the new answers and messages, so
    # every tag is on an answer at most once, as the services keep it (see _spread).
    for consultation, grown in ((open_, open_responses), (closed, closed_responses)):
        tags = _rows(Tag, Tag.consultation_id == consultation.id)
        added["tags"] = added.get("tags", 0) + _copy(Tag, tags, extra, lambda row, k: {**row, "name": f"{row['name']} {k + 1}"})
        copies = dict(db.session.execute(select(Tag.name, Tag.id).where(Tag.consultation_id == consultation.id)).all())
        names = {row["id"]: row["name"] for row in tags}
        codings = _rows(Coding, Coding.tag_id.in_(list(names)))
        def retag(row, k, copies=copies, names=names):
            return {"tag_id": copies[f"{names[row['tag_id']]} {k + 1}"]}
        added["codings"] = added.get("codings", 0) + _copy(Coding, codings, extra, _spread(grown, codings, retag, "excerpt"))
        quotes = _rows(Quote, Quote.consultation_id == consultation.id)
        added["excerpts"] = added.get("excerpts", 0) + _copy(Quote, quotes, extra, _spread(
            grown, quotes, lambda row, k: {}, "text"))
    # Strategy: evidence links to the new answers (each part as often as in the demo), comments.
    links = _rows(EvidenceLink)
    open_question = next(q for theme in closed.themes for q in theme.questions if q.kind.value == "open")
    answers = iter(f"{response.id}-{open_question.id}" for response in closed_responses)
    new_links = []
    for _ in range(extra):
        for link in links:
            source = next(answers, None)
            if source is None:
                break
            new_links.append({**{k: v for k, v in link.items() if k != "id"}, "source_type": "answer",
                              "source_ref": source, "choice": ""})
    unique = {(r["draft_id"], r["part"], r["choice"], r["source_type"], r["source_ref"]): r for r in new_links}
    existing = {(r["draft_id"], r["part"], r["choice"], r["source_type"], r["source_ref"]) for r in links}
    fresh = [r for key, r in unique.items() if key not in existing]
    if fresh:
        db.session.execute(insert(EvidenceLink.__table__), fresh)
    added["evidence links"] = len(fresh)
    added["strategy comments"] = _copy(StrategyComment, _rows(StrategyComment), extra)
    # Advice: more points in every advice, more informal comments of the councils.
    added["advice points"] = _copy(AdvicePoint, _rows(AdvicePoint), extra,
                                   lambda row, k: {**row, "position": row["position"] + 100 * k})
    added["council comments"] = _copy(CouncilComment, _rows(CouncilComment), extra)
    # Every person's notifications, and the audit trail.
    added["notifications"] = _copy(Notification, demo_notifications, extra,
                                   lambda row, k: {**row, "dedupe_key": None, "mail_id": None})
    db.session.commit()
    added["audit events"] = _copy(AuditEvent, demo_events, extra,
                                  lambda row, k: {**row, "seq": None, "prev_hash": None, "hash": None})
    db.session.commit()
    seal_events()
    return added
