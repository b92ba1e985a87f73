"""Command-line commands: ``flask --app consult demo`` and friends."""
from __future__ import annotations

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
