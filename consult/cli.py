"""Command-line commands: ``flask --app consult demo`` and friends."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import func, select

from consult.extensions import db


def _moment(today: datetime | None) -> datetime:
    """The start of ``today`` in Amsterdam as aware UTC, or now."""
    from consult.core.time import AMSTERDAM, utcnow

    if today is None:
        return utcnow()
    return today.replace(tzinfo=AMSTERDAM).astimezone(UTC)


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Only load when the database has no users.")
    def demo_command(if_empty: bool) -> None:
        """Load the demo region, organisations and accounts."""
        from consult.auth.models import User
        from consult.demo import load_demo

        if if_empty and db.session.scalar(select(func.count()).select_from(User)):
            click.echo("Database already has data; demo not loaded.")
            return
        users = load_demo()
        if app.config["TWO_FACTOR_REQUIRED"]:
            from consult.demo import enrol_demo_two_factor

            enrol_demo_two_factor(users)
        db.session.commit()
        # What the demo's actions queued (the published report's files, sealing the audit trail) is
        # done now, or handed to the worker, as after a request: the first visitor finds it ready.
        from consult.core.jobs import run_all_committed_jobs

        run_all_committed_jobs()
        click.echo("Demo data loaded. Password for every demo account: consult-demo-2026")
        if app.config["TWO_FACTOR_REQUIRED"]:
            click.echo("The admin and team accounts use two-step login; print their current code "
                       "with: flask --app consult demo-code EMAIL")

    @app.cli.command("demo-code")
    @click.argument("email")
    def demo_code_command(email: str) -> None:
        """Print the current two-step login code of a demo account (demo accounts only)."""
        import pyotp

        from consult.auth.services import get_user_by_email
        from consult.demo import DEMO_TOTP_SECRET

        user = get_user_by_email(email)
        if user is None or user.totp_secret != DEMO_TOTP_SECRET:
            raise click.ClickException("Not a demo account with the demo two-step login key.")
        click.echo(pyotp.TOTP(DEMO_TOTP_SECRET).now())

    @app.cli.command("make-admin")
    @click.argument("email")
    def make_admin_command(email: str) -> None:
        """Make a registered account a platform administrator (the first one, after installing).

        The person registers on the site first; their next login asks them to set up two-step login."""
        from consult.auth.services import get_user_by_email, set_admin
        from consult.core.time import utcnow

        user = get_user_by_email(email)
        if user is None or not user.active:
            raise click.ClickException(f"No active account for {email}: register it on the site first.")
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()  # the operator vouches for the address
        set_admin(user, True, by=None)
        db.session.commit()
        click.echo(f"{email} is an administrator.")

    @app.cli.command("close-due")
    def close_due_command() -> None:
        """Close every open consultation whose deadline has passed (run it every minute)."""
        from consult.consultations.services import close_due_consultations

        closed = close_due_consultations()
        db.session.commit()
        click.echo(f"Closed {len(closed)} consultation(s).")

    @app.cli.command("scheduler")
    @click.option("--once", is_flag=True, help="Run every job (or those named) once now, then stop.")
    @click.option("--job", "only", multiple=True,
                  help="Only this job (close-due, deliver-mail, send-digests, send-reminders, send-session-reminders, "
                       "retention).")
    @click.option("--tick", type=float, default=5.0, show_default=True, help="Seconds between looks at the schedule.")
    def scheduler_command(once: bool, only: tuple[str, ...], tick: float) -> None:
        """Run the scheduled jobs on their schedules; safe to start on every node (one node does each run)."""
        from consult.scheduler import run_scheduler

        run_scheduler(app, once=once, only=only, tick=tick, echo=click.echo)

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Deliver what is due, then stop.")
    def worker_command(burst: bool) -> None:
        """Deliver the outbox: an RQ worker when REDIS_URL is set, else a polling loop."""
        from consult.core.outbox import run_worker

        run_worker(burst=burst)

    @app.cli.command("deliver-mail")
    def deliver_mail_command() -> None:
        """Deliver every mail in the outbox whose (next) attempt is due."""
        from consult.core.outbox import deliver_due

        counts = deliver_due(limit=1000)
        click.echo(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "Nothing due.")

    @app.cli.command("send-digests")
    def send_digests_command() -> None:
        """Send the daily digests (once a day; running it again the same day sends nothing)."""
        from consult.core.outbox import dispatch_committed
        from consult.notify.services import send_digests

        sent = send_digests()
        db.session.commit()
        dispatch_committed()
        click.echo(f"Queued {sent} digest(s).")

    @app.cli.command("send-reminders")
    def send_reminders_command() -> None:
        """Remind organisations with an unsubmitted draft 7 days and 1 day before the deadline."""
        from consult.core.outbox import dispatch_committed
        from consult.responses.notifications import send_reminders

        count = send_reminders()
        db.session.commit()
        dispatch_committed()
        click.echo(f"Sent {count} reminder(s).")

    @app.cli.command("send-session-reminders")
    def send_session_reminders_command() -> None:
        """Remind everyone registered for a dialogue session that starts tomorrow (once per registration)."""
        from consult.scheduler import send_session_reminders

        click.echo(send_session_reminders())

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(path: Path) -> None:
        """Back up the database and the uploaded files to PATH (a .tar.gz file)."""
        from consult.core.backup import backup

        manifest = backup(path)
        click.echo(f"Backup written to {path} ({sum(manifest['rows'].values())} rows).")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Confirm that the current data may be replaced.")
    def restore_command(path: Path, yes: bool) -> None:
        """Replace the database and the uploaded files with the backup at PATH."""
        from consult.core.backup import BackupError, restore

        if not yes:
            raise click.UsageError("Restoring replaces all current data; add --yes to confirm.")
        try:
            manifest = restore(path)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Restored the backup of {manifest['created_at']}.")

    @app.cli.command("audit-verify")
    def audit_verify_command() -> None:
        """Check the audit trail's hash chain; name the first broken link (exit status 1)."""
        from consult.audit.services import verify_chain

        outcome = verify_chain()
        if not outcome.ok:
            raise click.ClickException(f"Audit trail broken: {outcome.message}")
        click.echo(f"Audit trail intact: {outcome.message}.")

    @app.cli.command("retention")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Act as if it were this day (YYYY-MM-DD); default: today.")
    def retention_command(today) -> None:
        """Anonymise the personal data of consultations past their retention date and empty the text of
        posts deleted more than DELETED_POST_PURGE_DAYS ago (run daily)."""
        from consult.core.time import to_local, utcnow
        from consult.dialogue.services import purge_deleted_posts
        from consult.privacy.services import apply_retention

        day = today.date() if today else to_local(utcnow()).date()
        done = apply_retention(day)
        purged = purge_deleted_posts(_moment(today))
        db.session.commit()
        if done:
            click.echo(f"Anonymised: {', '.join(done)}.")
        else:
            click.echo("Nothing to anonymise.")
        if purged:
            click.echo(f"Emptied the text of {purged} deleted post(s).")

    @app.cli.command("purge-deleted-posts")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Act as if it were the start of this day (YYYY-MM-DD, Amsterdam); default: now.")
    def purge_deleted_posts_command(today) -> None:
        """Empty the text of posts deleted more than DELETED_POST_PURGE_DAYS ago (run daily; also part of
        'retention'). Running it again changes nothing."""
        from consult.dialogue.services import purge_deleted_posts

        purged = purge_deleted_posts(_moment(today))
        db.session.commit()
        click.echo(f"Emptied the text of {purged} deleted post(s).")
