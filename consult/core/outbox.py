"""The outbox: every e-mail the application sends, stored first (``OutboundMail``) and delivered
after the transaction commits; the job functions that deliver it and how they are run.

The same functions run in both modes:

* embedded default (no REDIS_URL): mail committed during a request is delivered inline right
  after the request; retries that have come due are picked up after a later request, by
  ``flask --app consult deliver-mail`` or by ``flask --app consult worker``;
* with REDIS_URL: committed mail is enqueued on RQ and ``flask --app consult worker`` runs
  the jobs; a failed attempt enqueues its own retry after the back-off.

A mail is claimed (pending -> sending, one UPDATE that only one worker can win) before it
is handed to the mail server, so two workers never send the same message at once. Delivery is
at least once: a worker that dies between handing a mail to the server and recording it leaves
its claim, which goes stale after ``MAIL_STALE_CLAIM_SECONDS`` and is sent again, with the same
Message-ID (one per outbox row, whatever the attempt), so the receiving side can recognise it.
"""
from __future__ import annotations

import enum
import logging
import smtplib
import threading
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from flask import current_app, g, has_request_context
from sqlalchemy import JSON, ForeignKey, Index, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from consult.core import jobs
from consult.core.db import str_enum
from consult.core.mail import send_message
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db

log = logging.getLogger(__name__)


class MailStatus(enum.StrEnum):
    PENDING = "pending"    # waiting for (another) delivery attempt
    SENDING = "sending"    # claimed by one worker; nobody else touches it
    SENT = "sent"
    FAILED = "failed"      # gave up after the maximum number of attempts


class OutboundMail(db.Model):
    """One rendered e-mail in the outbox, delivered at least once and claimed so never twice."""

    __tablename__ = "outbound_mail"
    __table_args__ = (Index("ix_outbound_mail_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text, default="")
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Set for mail that may be produced more than once (digests): the second one is refused.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

# RQ keeps its schedule in whole seconds and its scheduler looks once a second, so a retry can
# start a little before its row's time: that much early still counts as due.
DUE_TOLERANCE = timedelta(seconds=2)
_last_sweep = 0.0


def stale_claim() -> timedelta:
    """A claim older than this belongs to a worker that died; the mail is tried again."""
    return timedelta(seconds=current_app.config["MAIL_STALE_CLAIM_SECONDS"])


def message_id(mail: OutboundMail) -> str:
    """The one Message-ID of an outbox row, the same on every attempt (an idempotency key)."""
    domain = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1].rpartition("@")[2] or "consult.local"
    created = int(mail.created_at.timestamp()) if mail.created_at else 0
    return f"<consult.mail.{mail.id}.{created}@{domain}>"


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1, 2, 4, 8 ... minutes, at most six hours."""
    base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def _message(mail: OutboundMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    # One Message-ID per outbox row: a receiving server can tell a resend from a new mail.
    message["Message-ID"] = message_id(mail)
    for name, value in (mail.headers or {}).items():
        message[name] = value
    message.set_content(mail.text_body)
    if mail.html_body:
        message.add_alternative(mail.html_body, subtype="html")
    return message


def _claim(mail_id: int, now: datetime) -> OutboundMail | None:
    result = db.session.execute(
        update(OutboundMail)
        .where(OutboundMail.id == mail_id, OutboundMail.status == MailStatus.PENDING,
               OutboundMail.next_attempt_at <= now + DUE_TOLERANCE)
        .values(status=MailStatus.SENDING, claimed_at=now, attempts=OutboundMail.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.get(OutboundMail, mail_id, populate_existing=True)


def deliver_mail(mail_id: int, now: datetime | None = None) -> str:
    """Job: try to deliver one mail. Returns its status afterwards ('sent', 'pending' for a
    retry later, 'failed', or 'skipped' when it was not this worker's to send)."""
    now = now or utcnow()
    mail = _claim(mail_id, now)
    if mail is None:
        return _not_claimed(mail_id, now)
    try:
        send_message(_message(mail))
    except (OSError, smtplib.SMTPException) as error:
        mail.last_error = f"{type(error).__name__}: {error}"[:500]
        if mail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            mail.status = MailStatus.FAILED
            log.error("Mail %s failed after %s attempts: %s", mail.id, mail.attempts, mail.last_error)
        else:
            mail.status = MailStatus.PENDING
            mail.next_attempt_at = now + backoff(mail.attempts)
            log.warning("Mail %s not delivered (attempt %s), retry at %s: %s",
                        mail.id, mail.attempts, mail.next_attempt_at, mail.last_error)
        db.session.commit()
        if mail.status == MailStatus.PENDING:
            _schedule_retry(mail.id, mail.next_attempt_at)
        return mail.status.value
    mail.status = MailStatus.SENT
    mail.sent_at = now
    mail.last_error = None
    db.session.commit()
    return "sent"


def _not_claimed(mail_id: int, now: datetime) -> str:
    """A retry that came too early (its row is pending but not yet due) schedules itself again
    for the row's time, so the mail never waits for a sweep; anything else was not ours to send."""
    due = db.session.scalar(select(OutboundMail.next_attempt_at).where(
        OutboundMail.id == mail_id, OutboundMail.status == MailStatus.PENDING))
    if due is None or not uses_worker():
        return "skipped"
    _schedule_retry(mail_id, due + timedelta(seconds=1))
    return "rescheduled"


def deliver_due(limit: int = 100, now: datetime | None = None) -> dict[str, int]:
    """Job: deliver every mail whose (next) attempt is due; also frees stale claims."""
    now = now or utcnow()
    db.session.execute(
        update(OutboundMail)
        .where(OutboundMail.status == MailStatus.SENDING, OutboundMail.claimed_at < now - stale_claim())
        .values(status=MailStatus.PENDING).execution_options(synchronize_session=False))
    db.session.commit()
    ids = db.session.scalars(
        select(OutboundMail.id)
        .where(OutboundMail.status == MailStatus.PENDING, OutboundMail.next_attempt_at <= now)
        .order_by(OutboundMail.next_attempt_at, OutboundMail.id).limit(limit)).all()
    counts: dict[str, int] = {}
    for mail_id in ids:
        status = deliver_mail(mail_id, now)
        counts[status] = counts.get(status, 0) + 1
    return counts


# --- dispatch: who runs the jobs -------------------------------------------------------

# New mail goes through core's one after-commit dispatcher, in its own lane: inline, a request
# delivers for at most MAIL_INLINE_SECONDS and leaves the rest to the sweep.
MAIL_LANE = jobs.lane("mail", job_timeout=None, inline_seconds_setting="MAIL_INLINE_SECONDS")
_queue = jobs.queue
uses_worker = jobs.uses_worker


def _schedule_retry(mail_id: int, at: datetime) -> None:
    if uses_worker():
        try:
            _queue().enqueue_at(at, deliver_mail, mail_id)
        except Exception:  # Redis unreachable: the row stays pending for the next sweep
            log.exception("Could not schedule retry of mail %s", mail_id)


def register_new_mail(mail: OutboundMail) -> None:
    """Remember a new outbox row; it is dispatched once its transaction has committed."""
    jobs.enqueue_after_commit(deliver_mail, jobs.IdOf(mail), lane=MAIL_LANE)


def dispatch_committed() -> int:
    """Hand committed new mail to the worker (RQ) or deliver it now (embedded default)."""
    return jobs.run_committed_jobs(MAIL_LANE)


def after_request_delivery(response):
    """Embedded default: once a minute, deliver what has come due (this request's own mail went
    through core's dispatcher, which runs before this hook)."""
    global _last_sweep
    if not has_request_context() or getattr(g, "skip_mail_dispatch", False):
        return response
    try:
        if not uses_worker() and time.monotonic() - _last_sweep > current_app.config["MAIL_SWEEP_SECONDS"]:
            _last_sweep = time.monotonic()
            if db.session.scalar(select(OutboundMail.id).where(
                    OutboundMail.status.in_([MailStatus.PENDING, MailStatus.SENDING]),
                    or_(OutboundMail.next_attempt_at <= utcnow(),
                        OutboundMail.claimed_at < utcnow() - stale_claim())).limit(1)) is not None:
                deliver_due(limit=20)
    except Exception:  # delivery never breaks the action that caused it
        log.exception("Mail delivery after request failed")
        db.session.rollback()
    return response


def _sweep_forever(app, seconds: int, stop: threading.Event) -> None:
    """Deliver what is due and recover stale claims every ``seconds``, beside the RQ worker. A thread
    of the worker itself, not an RQ scheduled job: RQ's scheduler lock outlives a worker killed with
    SIGKILL by up to two minutes, and a sweep must not wait for it."""
    while not stop.wait(seconds):
        with app.app_context():
            try:
                deliver_due()
            except Exception:
                log.exception("Mail sweep failed")
                db.session.rollback()
            finally:
                db.session.remove()


def run_worker(burst: bool = False, poll_seconds: int | None = None) -> None:
    """``flask --app consult worker``: RQ worker with scheduler, or a polling loop without Redis.
    Either way, due and stale mail is swept every MAIL_SWEEP_SECONDS, not only at start-up."""
    poll_seconds = poll_seconds or current_app.config["MAIL_SWEEP_SECONDS"]
    if uses_worker():
        from rq import SimpleWorker

        queue = _queue()
        deliver_due()  # anything left from before the worker started
        stop = threading.Event()
        if not burst:
            threading.Thread(target=_sweep_forever, name="mail-sweep", daemon=True,
                             args=(current_app._get_current_object(), poll_seconds, stop)).start()
        try:
            SimpleWorker([queue], connection=queue.connection).work(burst=burst, with_scheduler=not burst)
        finally:
            stop.set()
        return
    while True:
        deliver_due()
        if burst:
            return
        time.sleep(poll_seconds)
