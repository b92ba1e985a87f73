"""The scheduler: every job on its schedule, one node per run. Two schedulers started at the
same moment on PostgreSQL (each its own app, engine and connections, as two nodes) close every
due consultation once and send every digest once; a job whose lock another node holds is
skipped, on PostgreSQL (advisory lock) and SQLite (file lock) alike."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Status
from consult.core.outbox import OutboundMail
from consult.extensions import db
from consult.notify.models import Frequency, Kind
from consult.notify.services import notify, set_frequency
from consult.orgs.models import OrgKind
from consult.scheduler import Job, job_lock, jobs, run_job, run_scheduler
from tests.conftest import build_app, make_org, make_user


def _seed(consultations: int = 12, people: int = 3) -> None:
    """Due and not-yet-due consultations, and people with a digest waiting."""
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    past, future = datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(days=3)
    for number in range(consultations):
        db.session.add(Consultation(slug=f"wmo-{number}", title=f"Wmo {number}", status=Status.OPEN,
                                    municipalities=[leiden], closes_at=past, principles=[]))
    db.session.add(Consultation(slug="later", title="Later", status=Status.OPEN, municipalities=[leiden],
                                closes_at=future, principles=[]))
    db.session.commit()
    users = [make_user(f"p{number}@example.org", org=make_org(f"Zorg {number}")) for number in range(people)]
    for user in users:
        set_frequency(user, Kind.QA, Frequency.DAILY)
    db.session.commit()
    for number in (1, 2):
        notify(users, Kind.QA, data={"consultation": "Wmo", "n": number, "question": f"Vraag {number}?"},
               link=f"/qa#{number}")
    db.session.commit()


def _closings() -> dict[str, int]:
    rows = db.session.execute(select(AuditEvent.object_id, func.count()).where(
        AuditEvent.action == "consultation_closed").group_by(AuditEvent.object_id)).all()
    return {str(object_id): count for object_id, count in rows}


def _statuses() -> dict[str, Status]:
    return dict(db.session.execute(select(Consultation.slug, Consultation.status)).all())


def _digests() -> list[str]:
    return sorted(db.session.scalars(select(OutboundMail.to_address).where(OutboundMail.dedupe_key.like("digest:%"))))


def test_the_schedule_names_every_job_and_its_rhythm(app):
    schedule = {job.name: (job.every, job.daily_at) for job in jobs(app)}
    assert schedule == {"close-due": (60, None), "deliver-mail": (app.config["MAIL_SWEEP_SECONDS"], None),
                        "send-digests": (None, 7), "send-reminders": (None, 8), "send-session-reminders": (None, 9),
                        "retention": (None, 3), "compact-data-stamp": (None, 4)}


def test_a_job_is_due_by_interval_or_once_a_day_after_its_hour():
    every = Job("x", lambda: "", every=60)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert (every.due(None, start), every.due(start, start + timedelta(seconds=59)),
            every.due(start, start + timedelta(seconds=60))) == (True, False, True)
    daily = Job("y", lambda: "", daily_at=7)  # 07:00 Amsterdam is 06:00 UTC in March
    assert daily.due(None, datetime(2026, 3, 2, 5, 59, tzinfo=UTC)) is False
    assert daily.due(None, datetime(2026, 3, 2, 6, 0, tzinfo=UTC)) is True
    assert daily.due(datetime(2026, 3, 2, 6, 0, tzinfo=UTC), datetime(2026, 3, 2, 22, 0, tzinfo=UTC)) is False
    assert daily.due(datetime(2026, 3, 2, 6, 0, tzinfo=UTC), datetime(2026, 3, 3, 6, 0, tzinfo=UTC)) is True


def test_the_scheduler_command_runs_each_job_once_and_a_second_run_changes_nothing(app):
    _seed(consultations=2, people=1)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["scheduler", "--once", "--job", "close-due", "--job", "send-digests"])
    assert first.exit_code == 0, first.output
    assert first.output == "close-due: closed 2 consultation(s)\nsend-digests: queued 1 digest(s)\n"
    second = runner.invoke(args=["scheduler", "--once", "--job", "close-due", "--job", "send-digests"])
    assert second.output == "close-due: closed 0 consultation(s)\nsend-digests: queued 0 digest(s)\n"
    db.session.rollback()
    assert _statuses() == {"wmo-0": Status.CLOSED, "wmo-1": Status.CLOSED, "later": Status.OPEN}
    assert sorted(_closings().values()) == [1, 1]
    assert _digests() == ["p0@example.org"]


def test_a_job_whose_lock_is_held_is_skipped_on_sqlite(app):
    _seed(consultations=1, people=1)
    close_due = next(job for job in jobs(app) if job.name == "close-due")
    with job_lock("close-due") as held:
        assert held is True
        assert run_job(close_due) is None
        assert _statuses()["wmo-0"] == Status.OPEN
    assert run_job(close_due) == "closed 1 consultation(s)"


def _node(tmp_path, url: str, name: str):
    return build_app(tmp_path / name, SQLALCHEMY_DATABASE_URI=url)


def test_two_schedulers_on_postgresql_close_each_due_consultation_once_and_send_each_digest_once(
        tmp_path, postgresql_url):
    node_a, node_b = _node(tmp_path, postgresql_url, "a"), _node(tmp_path, postgresql_url, "b")
    with node_a.app_context():
        db.create_all()
        _seed(consultations=40, people=3)
        slugs = sorted(_statuses())
    start = threading.Barrier(2)
    said: dict[str, list[str]] = {"a": [], "b": []}
    failures: list[BaseException] = []

    def scheduler(node, key: str) -> None:
        try:
            start.wait()
            run_scheduler(node, once=True, only=("close-due", "send-digests"), echo=said[key].append)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)

    threads = [threading.Thread(target=scheduler, args=(node_a, "a")),
               threading.Thread(target=scheduler, args=(node_b, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    lines = said["a"] + said["b"]
    assert "failed" not in " ".join(lines)
    # Between them the nodes closed 40 and queued 3 digests: no run was done twice.
    closed = sum(int(line.split()[2]) for line in lines if line.startswith("close-due: closed"))
    queued = sum(int(line.split()[2]) for line in lines if line.startswith("send-digests: queued"))
    assert (closed, queued) == (40, 3)
    with node_b.app_context():
        statuses = _statuses()
        assert sorted(statuses) == slugs
        assert [slug for slug, status in statuses.items() if status == Status.OPEN] == ["later"]
        closings = _closings()
        assert len(closings) == 40 and set(closings.values()) == {1}
        assert _digests() == ["p0@example.org", "p1@example.org", "p2@example.org"]
        db.session.remove()
        db.engine.dispose()
    with node_a.app_context():
        db.engine.dispose()


def test_a_job_whose_advisory_lock_another_node_holds_is_skipped_on_postgresql(tmp_path, postgresql_url):
    node_a, node_b = _node(tmp_path, postgresql_url, "a"), _node(tmp_path, postgresql_url, "b")
    with node_a.app_context():
        db.create_all()
        _seed(consultations=1, people=1)
        close_due = next(job for job in jobs(node_a) if job.name == "close-due")
        with job_lock("close-due") as held:
            assert held is True
            with node_b.app_context():
                assert run_job(close_due) is None
                assert _statuses()["wmo-0"] == Status.OPEN
                db.session.remove()
                db.engine.dispose()
        with node_b.app_context():
            assert run_job(close_due) == "closed 1 consultation(s)"
            db.engine.dispose()
        db.session.remove()
        db.engine.dispose()
