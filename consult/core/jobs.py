"""Background jobs: the one after-commit dispatcher.

RQ on Redis when REDIS_URL is set, otherwise inline right after the request (or the command).
A job is handed over only after the transaction that created its record has committed, so the
worker always finds it; a rolled-back transaction's jobs are dropped.

Jobs go in lanes. The default lane runs first; a feature whose jobs differ in how they run
inline (the outbox: a time budget per request, the rest left to its sweep) declares its own
lane with :func:`lane` and still goes through the same queue, the same commit hooks and the
same after-request hook.
"""
from __future__ import annotations

import contextvars
import logging
import time
from dataclasses import dataclass

from flask import current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from consult.extensions import db

log = logging.getLogger(__name__)

# Set while inline jobs run after a request, so what the request itself costs can be told apart
# from the work it handed to a job (tests/test_page_cost.py counts the two separately).
_running_jobs = contextvars.ContextVar("consult_running_jobs", default=False)


@dataclass(frozen=True)
class Lane:
    name: str
    job_timeout: int | None = 3600  # on RQ; None: RQ's default
    inline_seconds_setting: str | None = None  # config key: inline, stop starting jobs after this long

    @property
    def new_key(self) -> str:
        return f"consult_new_{self.name}"

    @property
    def committed_key(self) -> str:
        return f"consult_committed_{self.name}"


_lanes: dict[str, Lane] = {}


def lane(name: str, *, job_timeout: int | None = 3600, inline_seconds_setting: str | None = None) -> Lane:
    """Declare a lane (once, at import). Lanes are dispatched in the order they were declared."""
    declared = Lane(name, job_timeout, inline_seconds_setting)
    if _lanes.setdefault(name, declared) != declared:
        raise ValueError(f"Lane {name!r} is already declared differently")
    return declared


DEFAULT = lane("jobs")


@dataclass(frozen=True)
class IdOf:
    """A job argument that is a new row's id, known once the transaction has flushed it."""

    row: object


def running_jobs() -> bool:
    """Whether the current code runs as an inline job after a request (or a command)."""
    return _running_jobs.get()


def uses_worker() -> bool:
    return bool(current_app.config.get("REDIS_URL"))


def queue():
    """The RQ queue (only with REDIS_URL)."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(current_app.config["REDIS_URL"])
    return Queue(current_app.config["RQ_QUEUE"], connection=connection)


def enqueue_after_commit(func, *args, lane: Lane = DEFAULT) -> None:
    """Run ``func(*args)`` once the current transaction has committed (never if it rolls back)."""
    db.session.info.setdefault(lane.new_key, []).append((func, args))


def _resolved(args: tuple) -> tuple | None:
    values = []
    for arg in args:
        if isinstance(arg, IdOf):
            arg = getattr(arg.row, "id", None)
            if arg is None:  # never flushed: nothing to run
                return None
        values.append(arg)
    return tuple(values)


def _runnable(jobs: list[tuple]) -> list[tuple]:
    """``jobs`` with the ids of new rows in place of their ``IdOf``, leaving out those whose row was
    never flushed."""
    return [(func, args) for func, args in ((f, _resolved(a)) for f, a in jobs) if args is not None]


def pending_jobs(session: Session) -> dict[str, list[tuple]]:
    """The jobs the session holds for its commit, per lane (by its session key), as a commit after
    the last flush would hand them over."""
    pending = {}
    for declared in _lanes.values():
        jobs = _runnable(session.info.get(declared.new_key, []))
        if jobs:
            pending[declared.new_key] = jobs
    return pending


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for declared in _lanes.values():
        committed = _runnable(session.info.pop(declared.new_key, []))
        if committed:
            session.info.setdefault(declared.committed_key, []).extend(committed)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    for declared in _lanes.values():
        session.info.pop(declared.new_key, None)


def run_committed_jobs(lane: Lane = DEFAULT) -> int:
    """Enqueue one lane's committed jobs on RQ, or run them now (embedded default)."""
    jobs = db.session.info.pop(lane.committed_key, [])
    if not jobs:
        return 0
    if uses_worker():
        try:
            rq_queue = queue()
            for func, args in jobs:
                rq_queue.enqueue(func, *args, job_timeout=lane.job_timeout)
            return len(jobs)
        except Exception:
            log.exception("Redis unreachable; running %s %s job(s) inline", len(jobs), lane.name)
    budget = None
    if lane.inline_seconds_setting:
        budget = time.monotonic() + current_app.config[lane.inline_seconds_setting]
    token = _running_jobs.set(True)
    try:
        for func, args in jobs:
            if budget is not None and time.monotonic() > budget:  # the rest waits for the lane's sweep
                break
            try:
                func(*args)
            except Exception:  # the job records its own failure; the request is not affected
                log.exception("Background job %s failed", getattr(func, "__name__", func))
                db.session.rollback()
    finally:
        _running_jobs.reset(token)
    return len(jobs)


def run_all_committed_jobs() -> int:
    """Every lane in declaration order; jobs that commit new work in a later lane see it run too."""
    return sum(run_committed_jobs(declared) for declared in list(_lanes.values()))


def after_request_jobs(response):
    if has_request_context():
        try:
            run_all_committed_jobs()
        except Exception:  # a job never breaks the action that caused it
            log.exception("Jobs after request failed")
            db.session.rollback()
    return response
