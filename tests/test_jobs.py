"""One after-commit dispatcher (core/jobs): background jobs and the outbox's mail are handed over
by the same commit hooks and the same after-request hook, in lanes that run in a fixed order."""
from __future__ import annotations

import ast
from pathlib import Path

from consult.core import jobs
from consult.core.mail import queue_mail
from consult.core.outbox import MAIL_LANE, MailStatus, OutboundMail, dispatch_committed
from consult.extensions import db

ran: list[tuple] = []


def remember(*args) -> None:
    ran.append(args)


def new_mail_in_a_job(to: str) -> None:
    """A job that itself creates mail, as telling followers does."""
    queue_mail(to, "Uit een taak", "Tekst")
    db.session.commit()


def test_jobs_and_mail_run_only_after_their_transaction_commits(app, mail):
    ran.clear()
    jobs.enqueue_after_commit(remember, "weg")
    queue_mail("weg@example.org", "Onderwerp", "Tekst")
    db.session.rollback()
    assert jobs.run_all_committed_jobs() == 0 and ran == [] and mail == []

    jobs.enqueue_after_commit(remember, "blijft", 2)
    sent = queue_mail("blijft@example.org", "Onderwerp", "Tekst")
    db.session.commit()
    assert ran == [] and mail == []  # committed, not yet dispatched
    assert jobs.run_all_committed_jobs() == 2
    assert ran == [("blijft", 2)]
    assert [message["To"] for message in mail] == ["blijft@example.org"]
    assert db.session.get(OutboundMail, sent.id).status == MailStatus.SENT
    assert jobs.run_all_committed_jobs() == 0  # handed over once


def test_mail_a_job_creates_is_delivered_in_the_same_round(app, mail):
    jobs.enqueue_after_commit(new_mail_in_a_job, "volger@example.org")
    db.session.commit()
    assert jobs.run_all_committed_jobs() == 2  # the job, then its mail in the later lane
    assert [message["To"] for message in mail] == ["volger@example.org"]


def test_the_outbox_is_a_lane_of_the_one_dispatcher(app, mail):
    assert MAIL_LANE.name == "mail" and MAIL_LANE.inline_seconds_setting == "MAIL_INLINE_SECONDS"
    assert list(jobs._lanes) == ["jobs", "mail"]
    queue_mail("a@example.org", "Onderwerp", "Tekst")
    db.session.commit()
    assert jobs.run_committed_jobs() == 0  # the default lane has nothing
    assert dispatch_committed() == 1 and len(mail) == 1


def test_a_row_that_was_never_flushed_gives_no_job(app):
    ran.clear()
    jobs.enqueue_after_commit(remember, jobs.IdOf(OutboundMail(to_address="x@example.org")))
    db.session.commit()
    assert jobs.run_all_committed_jobs() == 0 and ran == []


def test_core_jobs_imports_no_feature():
    source = Path(jobs.__file__).read_text()
    imported = {node.module for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)}
    assert {module for module in imported if module and module.startswith("consult.")} == {"consult.extensions"}
