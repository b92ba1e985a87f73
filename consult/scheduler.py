"""One scheduler for every node: ``flask --app consult scheduler``.

It runs the periodic work that used to be five cron lines - closing consultations past their
deadline, sweeping the mail outbox, the daily digests, the deadline reminders and retention -
each on its own schedule. Start it on every node: before a job runs, the node takes the job's
lock (a PostgreSQL advisory lock; with SQLite a file lock in the instance folder), and a node
that finds the lock taken skips that run, so one node does each run and never two at once.
Every job is safe to run again as well (closing looks at open consultations only, a digest
has one mail per person per day, retention leaves anonymised data as it is), so a run after
another node's finished run changes nothing.
"""
from __future__ import annotations

import fcntl
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import text

from consult.core.time import to_local, utcnow
from consult.extensions import db


def close_due() -> str:
    from consult.consultations.services import close_due_consultations

    closed = close_due_consultations()
    db.session.commit()
    return f"closed {len(closed)} consultation(s)"


def deliver_mail() -> str:
    from consult.core.outbox import deliver_due

    counts = deliver_due(limit=1000)
    return ", ".join(f"{key}: {value}" for key, value in sorted(counts.items())) or "nothing due"


def send_digests() -> str:
    from consult.core.outbox import dispatch_committed
    from consult.notify.services import send_digests as queue_digests

    sent = queue_digests()
    db.session.commit()
    dispatch_committed()
    return f"queued {sent} digest(s)"


def send_reminders() -> str:
    from consult.core.outbox import dispatch_committed
    from consult.responses.notifications import send_reminders as queue_reminders

    count = queue_reminders()
    db.session.commit()
    dispatch_committed()
    return f"sent {count} reminder(s)"


def send_session_reminders() -> str:
    """Dialogue sessions (consult.sessions): remind each registrant the day before, once."""
    from consult.core.outbox import dispatch_committed
    from consult.sessions.services import send_session_reminders as queue_session_reminders

    count = queue_session_reminders()
    db.session.commit()
    dispatch_committed()
    return f"sent {count} session reminder(s)"


def retention() -> str:
    from consult.dialogue.services import purge_deleted_posts
    from consult.privacy.services import apply_retention

    done = apply_retention(to_local(utcnow()).date())
    purged = purge_deleted_posts(utcnow())
    db.session.commit()
    return f"anonymised {len(done)}, emptied {purged} deleted post(s)"


def compact_data_stamp() -> str:
    from sqlalchemy import delete

    from consult.core.datastamp import compact
    from consult.reports.models import ReportModel

    removed = compact()
    db.session.execute(delete(ReportModel))  # kept with a stamp that no longer comes back
    db.session.commit()
    return f"removed {removed} change row(s)"


@dataclass(frozen=True)
class Job:
    """A job runs every ``every`` (seconds), or once a day at ``daily_at`` (hour, Amsterdam)."""

    name: str
    run: Callable[[], str]
    every: int | None = None
    daily_at: int | None = None

    def due(self, last: datetime | None, now: datetime) -> bool:
        if self.every is not None:
            return last is None or (now - last).total_seconds() >= self.every
        local_now = to_local(now)
        if local_now.hour < self.daily_at:
            return False
        return last is None or to_local(last).date() < local_now.date()


def jobs(app: Flask) -> list[Job]:
    """The schedule; the mail sweep follows MAIL_SWEEP_SECONDS."""
    return [
        Job("close-due", close_due, every=60),
        Job("deliver-mail", deliver_mail, every=app.config["MAIL_SWEEP_SECONDS"]),
        Job("send-digests", send_digests, daily_at=7),
        Job("send-reminders", send_reminders, daily_at=8),
        Job("send-session-reminders", send_session_reminders, daily_at=9),
        Job("retention", retention, daily_at=3),
        Job("compact-data-stamp", compact_data_stamp, daily_at=4),
    ]


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(b"scheduler:" + name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Yield True while this process holds the job's lock, False when another holds it."""
    if db.engine.dialect.name == "postgresql":
        # A transaction of its own, open while the job runs, holds a transaction-scoped lock: it
        # ends with that transaction however the job ends, also behind PgBouncer in transaction
        # mode, where a session-level lock would stay on whichever server connection the pooler
        # lent (and be granted again to whoever gets that connection next). The job commits on
        # the session's connection; this transaction writes nothing and keeps no snapshot.
        with db.engine.connect() as conn:
            held = conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _lock_key(name)}).scalar()
            try:
                yield bool(held)
            finally:
                conn.rollback()
        return
    path = Path(current_app.instance_path) / f"scheduler-{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_job(job: Job) -> str | None:
    """Run the job under its lock; None when another node is running it. A failing job is
    logged and rolled back; the scheduler carries on with the next."""
    with job_lock(job.name) as held:
        if not held:
            current_app.logger.info("scheduler: %s is running on another node; skipped", job.name)
            return None
        try:
            outcome = job.run()
        except Exception:
            db.session.rollback()
            current_app.logger.exception("scheduler: %s failed", job.name)
            return "failed"
        finally:
            db.session.remove()
        current_app.logger.info("scheduler: %s: %s", job.name, outcome)
        return outcome


def run_scheduler(app: Flask, *, once: bool = False, tick: float = 5.0,
                  only: tuple[str, ...] = (), echo: Callable[[str], None] = print) -> None:
    """Run every job when due, for ever; with ``once``, run each job (or those named in
    ``only``) now, whatever its schedule, and return. Every node runs the interval jobs at
    start-up; the locks and the jobs' own checks keep that harmless."""
    schedule = [job for job in jobs(app) if not only or job.name in only]
    last: dict[str, datetime] = {}
    while True:
        for job in schedule:
            now = utcnow()
            if not once and not job.due(last.get(job.name), now):
                continue
            with app.app_context():
                outcome = run_job(job)
            last[job.name] = now
            echo(f"{job.name}: {outcome if outcome is not None else 'skipped (another node runs it)'}")
        if once:
            return
        time.sleep(tick)

