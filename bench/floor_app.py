"""The floor for bench/rush.py: the least an autosave can do on the same stack (Flask, Flask-WTF,
SQLAlchemy, Jinja, the same database, gunicorn with gunicorn.conf.py), so the app is compared with
the same kind of work rather than with an empty request.

Per save: the session cookie says who it is, the CSRF token is checked, one read and one
conditional update of a versioned row (``UPDATE ... WHERE version = :base``; on a conflict one more
read for the colleague's version, as the app does), and a small fragment is rendered by Jinja.

    DATABASE_URL=... SECRET_KEY=... gunicorn -c gunicorn.conf.py 'bench.floor_app:create_floor_app()'

Faults, to show that bench/rush.py notices them (``--self-test``):
FLOOR_FAULT_RATE=0.01 answers 500 (after a rollback) to 1 % of the saves;
FLOOR_FAULT_LOST_UPDATE=1 writes without the version check (read, then ``version = read + 1``),
the classic lost update.
"""
from __future__ import annotations

import os
import random
from datetime import UTC, datetime

from flask import Flask, abort, render_template, request, session
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from jinja2 import DictLoader
from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()


class FloorAnswer(db.Model):
    __tablename__ = "floor_answers"
    __table_args__ = (UniqueConstraint("org_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(Integer)
    value: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(20))


TEMPLATES = {
    "page.html": (
        '<!doctype html><html lang="nl"><head><meta name="csrf-token" content="{{ csrf_token() }}">'
        "<title>Vloer</title></head><body>"
        '{% for row in rows %}<input type="hidden" name="v-{{ row.question_id }}" id="v-{{ row.question_id }}" '
        'value="{{ row.version }}">{% endfor %}</body></html>'),
    "status.html": (
        '{%- if conflict %}<span class="save-status__error">Niet opgeslagen: een collega heeft intussen '
        "een andere tekst opgeslagen.</span>"
        "{%- elif saved %}Concept opgeslagen om {{ now.strftime('%H:%M') }}"
        "{%- else %}<span data-already-saved>Al opgeslagen; er is niets veranderd.</span>{% endif -%}"
        '<input type="hidden" name="v-{{ question_id }}" id="v-{{ question_id }}" value="{{ version }}" '
        'data-hx-swap-oob="true">'),
}


def create_floor_app() -> Flask:
    app = Flask(__name__)
    url = os.environ["DATABASE_URL"]
    app.config.update(SECRET_KEY=os.environ["SECRET_KEY"], SQLALCHEMY_DATABASE_URI=url,
                      SESSION_COOKIE_NAME="floor_session", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax")
    options = {"pool_pre_ping": True}
    if url.startswith("postgresql"):  # the app's pool per worker (config.py)
        options.update(pool_size=int(os.environ.get("DB_POOL_SIZE", "4")),
                       max_overflow=int(os.environ.get("DB_MAX_OVERFLOW", "4")),
                       pool_timeout=int(os.environ.get("DB_POOL_TIMEOUT", "10")))
    else:
        from consult.extensions import _sqlite_pragmas  # noqa: F401  (WAL and busy timeout, as the app)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.jinja_loader = DictLoader(TEMPLATES)
    db.init_app(app)
    csrf.init_app(app)
    fault_rate = float(os.environ.get("FLOOR_FAULT_RATE") or 0)
    lost_update = os.environ.get("FLOOR_FAULT_LOST_UPDATE") == "1"
    for name in TEMPLATES:  # compiled before gunicorn forks, as the app's templates are
        app.jinja_env.get_template(name)

    @app.get("/floor/healthz")
    def healthz():
        return "floor"

    @app.get("/floor/login")
    def login():
        """Who the simulated user is, and the versions of their organisation's rows."""
        session.clear()
        session["user"] = request.args.get("user", "")
        session["org"] = request.args.get("org", type=int)
        rows = db.session.scalars(select(FloorAnswer).where(FloorAnswer.org_id == session["org"])).all()
        return render_template("page.html", rows=rows)

    @app.post("/floor/answers/<int:question_id>")
    def autosave(question_id: int):
        if session.get("org") is None:
            abort(401)
        row = db.session.execute(
            select(FloorAnswer.id, FloorAnswer.value, FloorAnswer.version)
            .where(FloorAnswer.org_id == session["org"], FloorAnswer.question_id == question_id)).first()
        if row is None:
            abort(404)
        value = request.form.get(f"q-{question_id}", "")
        base = request.form.get(f"v-{question_id}", "")
        if not base.isdigit():
            abort(400)
        base = int(base)
        now = datetime.now(UTC)
        saved = conflict = False
        version = row.version
        if row.value != value:
            statement = update(FloorAnswer).where(FloorAnswer.id == row.id)
            if lost_update:
                statement = statement.values(version=row.version + 1)
            else:
                statement = statement.where(FloorAnswer.version == base).values(version=base + 1)
            written = db.session.execute(statement.values(value=value, updated_at=now,
                                                          updated_by=session["user"])).rowcount
            if written == 1:
                saved, version = True, (row.version + 1 if lost_update else base + 1)
            else:
                conflict = True
                version = db.session.scalar(select(FloorAnswer.version).where(FloorAnswer.id == row.id))
        body = render_template("status.html", conflict=conflict, saved=saved, now=now, question_id=question_id,
                               version=version)
        if fault_rate and random.random() < fault_rate:
            db.session.rollback()
            abort(500)
        db.session.commit()
        return body, 409 if conflict else 200

    return app


def create_floor_rows(url: str, org_ids: list[int], question_ids: list[int]) -> None:
    """The floor's table, with an empty row (version 0) for every organisation and question."""
    os.environ.setdefault("SECRET_KEY", "rush")
    os.environ["DATABASE_URL"] = url
    app = create_floor_app()
    with app.app_context():
        db.create_all()
        db.session.execute(FloorAnswer.__table__.insert(),
                           [{"org_id": o, "question_id": q, "value": None, "version": 0}
                            for o in org_ids for q in question_ids])
        db.session.commit()
        db.engine.dispose()
