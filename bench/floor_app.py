"""The floor for bench/rush.py: the same stack (Flask, SQLAlchemy, the same database, gunicorn)
doing the least a save can do: insert one row. No templates, no login, no CSRF.

    gunicorn -c gunicorn.conf.py 'bench.floor_app:create_floor_app()'
"""
from __future__ import annotations

import os

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class FloorRow(db.Model):
    __tablename__ = "floor_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


def create_floor_app() -> Flask:
    app = Flask(__name__)
    url = os.environ["DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options.update(pool_size=4, max_overflow=4)
    else:
        from consult.extensions import _sqlite_pragmas  # noqa: F401  (WAL and busy timeout)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    with app.app_context():
        db.create_all()

    @app.post("/floor")
    def save():
        db.session.add(FloorRow(value=request.form.get("value", "")[:200]))
        db.session.commit()
        return "ok"

    return app
