"""Backup and restore of everything the platform holds: the database and the uploaded files.

A backup is one .tar.gz with ``manifest.json``, the database (SQLite: a consistent copy made with
the online backup API; PostgreSQL: ``pg_dump --format=custom``) and ``uploads/``. Restoring puts
both back; the app may keep running for SQLite, but stop the workers for PostgreSQL.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from consult.core.time import utcnow
from consult.extensions import db

FORMAT_VERSION = 1


class BackupError(Exception):
    pass


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq_url() -> str:
    return _url().set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path() -> Path:
    database = _url().database
    if not database or database == ":memory:":
        raise BackupError("An in-memory database cannot be backed up.")
    return Path(database)


def row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def _uploads() -> Path:
    return Path(current_app.instance_path) / "uploads"


def backup(target: Path) -> dict:
    """Write a backup to ``target`` (a .tar.gz file) and return its manifest."""
    dialect = _url().get_backend_name()
    manifest = {"format": FORMAT_VERSION, "created_at": utcnow().isoformat(), "database": dialect,
                "rows": row_counts()}
    db.session.remove()
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        if dialect == "sqlite":
            source = sqlite3.connect(_sqlite_path())
            copy = sqlite3.connect(work_dir / "database.sqlite3")
            with copy:
                source.backup(copy)
            source.close()
            copy.close()
            database_file = "database.sqlite3"
        elif dialect == "postgresql":
            subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                            "--file", str(work_dir / "database.dump"), "--dbname", _libpq_url()],
                           check=True, capture_output=True)
            database_file = "database.dump"
        else:
            raise BackupError(f"Backups of {dialect} databases are not supported.")
        manifest["database_file"] = database_file
        (work_dir / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(target, "w:gz") as archive:
            archive.add(work_dir / "manifest.json", arcname="manifest.json")
            archive.add(work_dir / database_file, arcname=database_file)
            if _uploads().exists():
                archive.add(_uploads(), arcname="uploads")
    return manifest


def restore(source: Path) -> dict:
    """Replace the database and the uploaded files with those in the backup at ``source``."""
    dialect = _url().get_backend_name()
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        with tarfile.open(source, "r:gz") as archive:
            if not hasattr(tarfile, "data_filter"):  # Python < 3.11.4
                raise BackupError("Restoring needs Python 3.11.4 or newer (safe archive extraction).")
            archive.extractall(work_dir, filter="data")  # no absolute paths, no links outside
        manifest = json.loads((work_dir / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION or manifest.get("database") != dialect:
            raise BackupError(f"This backup is for {manifest.get('database')}, not for {dialect}.")
        db.session.remove()
        db.engine.dispose()
        database_file = work_dir / manifest["database_file"]
        if dialect == "sqlite":
            backup_db = sqlite3.connect(database_file)
            live = sqlite3.connect(_sqlite_path())
            with live:
                backup_db.backup(live)
            backup_db.close()
            live.close()
        else:
            subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                            "--single-transaction", "--dbname", _libpq_url(), str(database_file)],
                           check=True, capture_output=True)
        uploads = _uploads()
        if uploads.exists():
            shutil.rmtree(uploads)
        if (work_dir / "uploads").exists():
            shutil.copytree(work_dir / "uploads", uploads)
        else:
            uploads.mkdir(parents=True, exist_ok=True)
    return manifest
