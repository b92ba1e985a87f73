"""Backup and restore: back up, wipe, restore; every row, file and receipt is back."""
from __future__ import annotations

import shutil
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from consult.consultations.models import DocumentVersion
from consult.core.backup import row_counts
from consult.extensions import db
from consult.responses.models import Submission
from consult.responses.services import verify_receipt
from tests.conftest import empty_database


def test_backup_wipe_restore_brings_everything_back(app, demo, tmp_path):
    before = row_counts()
    codes = db.session.scalars(select(Submission.receipt_code)).all()
    files = db.session.scalars(select(DocumentVersion.stored_name)).all()
    assert len(codes) == 15 and len(files) == 1 and before["posts"] > 20  # 3 of the sounding-board round
    runner = app.test_cli_runner()
    archive = tmp_path / "backup.tar.gz"
    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Backup written to {archive} ({sum(before.values())} rows).\n"

    empty_database()
    uploads = Path(current_app.instance_path) / "uploads"
    shutil.rmtree(uploads)
    assert sum(row_counts().values()) == 0

    refused = runner.invoke(args=["restore", str(archive)])
    assert refused.exit_code != 0 and "add --yes to confirm" in refused.output
    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert row_counts() == before
    assert [verify_receipt(code).status for code in codes] == ["valid"] * len(codes)
    assert all((uploads / name).exists() for name in files)
