"""Command-line commands: ``flask --app consult demo`` and friends."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy import func, select

from consult.extensions import db


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
        load_demo()
        db.session.commit()
        click.echo("Demo data loaded. Password for every demo account: consult-demo-2026")

    @app.cli.command("close-due")
    def close_due_command() -> None:
        """Close every open consultation whose deadline has passed (run it every minute)."""
        from consult.consultations.services import close_due_consultations

        closed = close_due_consultations()
        db.session.commit()
        click.echo(f"Closed {len(closed)} consultation(s).")

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
