"""The outbox is delivered at least once, with one Message-ID per mail whatever the attempt: a real
SMTP server that goes down and comes back, and a real RQ worker process killed mid-delivery."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from consult.core.mail import queue_mail
from consult.core.outbox import MailStatus, OutboundMail, deliver_due, deliver_mail, dispatch_committed, message_id
from consult.core.time import utcnow
from consult.extensions import db
from tests.test_notify import SmtpServer, free_port, smtp  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]


def one_mail(to="a@example.org") -> OutboundMail:
    mail = queue_mail(to, "Onderwerp", "Tekst")
    db.session.commit()
    return mail


def test_every_attempt_of_a_mail_carries_the_same_message_id(app, smtp):
    mail = one_mail()
    smtp.stop()
    assert deliver_mail(mail.id) == "pending"
    smtp.start()
    due = db.session.get(OutboundMail, mail.id, populate_existing=True).next_attempt_at
    assert deliver_mail(mail.id, now=due) == "sent"
    assert [m["Message-ID"] for m in smtp.recorder.messages] == [message_id(mail)]
    assert message_id(mail) == f"<consult.mail.{mail.id}.{int(mail.created_at.timestamp())}@example.org>"
    other = one_mail("b@example.org")
    assert message_id(other) != message_id(mail)


def test_a_claim_of_a_worker_that_died_is_recovered_within_a_minute(app, smtp):
    mail = one_mail()
    mail.status, mail.claimed_at = MailStatus.SENDING, utcnow()
    db.session.commit()
    assert deliver_due(now=utcnow() + timedelta(seconds=30)) == {}
    assert deliver_due(now=utcnow() + timedelta(seconds=61)) == {"sent": 1}
    assert [m["Message-ID"] for m in smtp.recorder.messages] == [message_id(mail)]


def test_a_retry_that_starts_early_is_sent_or_schedules_itself_again(app, smtp, rq_queue):
    mail = one_mail()
    smtp.stop()
    assert deliver_mail(mail.id) == "pending"
    due = db.session.get(OutboundMail, mail.id, populate_existing=True).next_attempt_at
    rq_queue.scheduled_job_registry.remove(rq_queue.scheduled_job_registry.get_job_ids()[0], delete_job=True)
    smtp.start()
    # Ten seconds early: not sent, and a new retry waits in RQ's schedule for the row's time.
    assert deliver_mail(mail.id, now=due - timedelta(seconds=10)) == "rescheduled"
    (job_id,) = rq_queue.scheduled_job_registry.get_job_ids()
    job = rq_queue.fetch_job(job_id)
    assert (job.func_name, job.args) == ("consult.core.outbox.deliver_mail", (mail.id,))
    scheduled = rq_queue.scheduled_job_registry.get_scheduled_time(job_id)
    assert due <= scheduled <= due + timedelta(seconds=2)
    assert smtp.recorder.messages == []
    # A second early (RQ's whole seconds): counted as due, and sent.
    assert deliver_mail(mail.id, now=due - timedelta(seconds=1)) == "sent"
    assert len(smtp.recorder.messages) == 1


class SlowFirstRecorder:
    """An SMTP handler that keeps every message, holding the first one for a while (a slow server)."""

    def __init__(self):
        self.messages = []
        self.first_started = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        message = message_from_bytes(envelope.content, policy=policy.default)
        if not self.first_started.is_set():
            self.first_started.set()
            await asyncio.sleep(4)
        self.messages.append(message)
        return "250 Message accepted"


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "consult", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _statuses() -> list[MailStatus]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundMail.status).order_by(OutboundMail.id)))


def test_outage_early_retries_and_a_killed_worker_lose_no_mail_and_never_change_its_message_id(app, rq_queue, tmp_path):
    port = free_port()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite://") and ":memory:" in url or url == "sqlite://":
        pytest.fail("this test needs a database file or server the worker process can share")
    env = {**{k: v for k, v in os.environ.items() if k not in {"CONSULT_ENV", "FLASK_RUN_FROM_CLI"}},
           "INSTANCE_DIR": str(tmp_path), "DATABASE_URL": url, "REDIS_URL": "redis://127.0.0.1:6379/0",
           "RQ_QUEUE": rq_queue.name, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "MAIL_TIMEOUT": "10",
           "MAIL_RETRY_BASE_SECONDS": "1", "MAIL_SWEEP_SECONDS": "2", "MAIL_STALE_CLAIM_SECONDS": "5",
           "MAIL_MAX_ATTEMPTS": "30", "LOG_LEVEL": "WARNING"}
    mails = [queue_mail(f"p{n}@example.org", f"Bericht {n}", "Tekst") for n in range(8)]
    db.session.commit()
    expected = {message_id(mail) for mail in mails}
    assert dispatch_committed() == 8 and rq_queue.count == 8

    recorder = SlowFirstRecorder()
    worker = _worker(env)  # the SMTP server is down: every first attempt fails and is retried
    server = None
    try:
        deadline = time.monotonic() + 60
        while any(status == MailStatus.PENDING for status in _statuses()) is False or \
                db.session.scalar(select(OutboundMail.attempts).order_by(OutboundMail.attempts).limit(1)) < 1:
            assert time.monotonic() < deadline and worker.poll() is None, "the worker made no attempt"
            time.sleep(0.2)
        server = Controller(recorder, hostname="127.0.0.1", port=port)
        server.start()
        back_at = time.monotonic()
        assert recorder.first_started.wait(60), "no delivery started after the server came back"
        os.killpg(worker.pid, signal.SIGKILL)  # mid-delivery: the server has the message, the row says 'sending'
        worker.wait(10)
        worker = _worker(env)
        deadline = time.monotonic() + 90
        while _statuses() != [MailStatus.SENT] * 8:
            assert time.monotonic() < deadline, f"not all mail sent: {_statuses()}"
            assert worker.poll() is None, "the restarted worker stopped"
            time.sleep(0.3)
        took = time.monotonic() - back_at
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
        if server is not None:
            server.stop()
    received = [m["Message-ID"] for m in recorder.messages]
    # Every mail arrived; a resend after the kill carries the Message-ID of its first sending.
    assert set(received) == expected
    assert len(received) - len(set(received)) <= 1  # at most the one held when the worker was killed
    by_address = {}
    for message in recorder.messages:
        by_address.setdefault(message["To"], set()).add(message["Message-ID"])
    assert all(len(ids) == 1 for ids in by_address.values())
    # Within the stated time after the server returned: back-off (≤ 16 s at this base) plus a stale claim (5 s).
    assert took < 60, took
