"""Background jobs: RQ on Redis when REDIS_URL is set, otherwise inline right after the request.

The same job functions serve both. A job is queued only after the transaction that created its
record has committed, so the worker always finds it.
"""
from __future__ import annotations

import contextvars
import logging

from flask import current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from consult.extensions import db

log = logging.getLogger(__name__)

# Set while inline jobs run after a request, so what the request itself costs can be told apart
# from the work it handed to a job (tests/test_page_cost.py counts the two separately).
_running_jobs = contextvars.ContextVar("consult_running_jobs", default=False)


def running_jobs() -> bool:
    """Whether the current code runs as an inline job after a request (or a command)."""
    return _running_jobs.get()


def enqueue_after_commit(func, *args) -> None:
    db.session.info.setdefault("consult_new_jobs", []).append((func, args))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    jobs = session.info.pop("consult_new_jobs", [])
    if jobs:
        session.info.setdefault("consult_committed_jobs", []).extend(jobs)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop("consult_new_jobs", None)


def run_committed_jobs() -> int:
    """Enqueue on RQ, or run now (embedded default)."""
    jobs = db.session.info.pop("consult_committed_jobs", [])
    if not jobs:
        return 0
    if current_app.config.get("REDIS_URL"):
        from consult.notify.delivery import _queue

        try:
            queue = _queue()
            for func, args in jobs:
                queue.enqueue(func, *args, job_timeout=3600)
            return len(jobs)
        except Exception:
            log.exception("Redis unreachable; running %s job(s) inline", len(jobs))
    token = _running_jobs.set(True)
    try:
        for func, args in jobs:
            try:
                func(*args)
            except Exception:  # the job records its own failure; the request is not affected
                log.exception("Background job %s failed", getattr(func, "__name__", func))
                db.session.rollback()
    finally:
        _running_jobs.reset(token)
    return len(jobs)


def after_request_jobs(response):
    if has_request_context():
        run_committed_jobs()
    return response
