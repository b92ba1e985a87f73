"""Funding scenarios: how a segment could be paid for, and what it would cost each municipality."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.consultations.models import Consultation, Question
from consult.core.db import str_enum
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db
from consult.orgs.models import Organisation


class ScenarioForm(enum.StrEnum):
    PRICE_QUANTITY = "price_quantity"   # a tariff per unit × the expected volume
    LUMP_SUM = "lump_sum"               # a budget per municipality per year (task-based)
    OUTPUT = "output"                   # a price per client per year × the expected clients

    @property
    def label(self) -> str:
        return str(SCENARIO_FORM_LABELS[self])


SCENARIO_FORM_LABELS = {
    ScenarioForm.PRICE_QUANTITY: _l("Price × quantity (a tariff per unit)"),
    ScenarioForm.LUMP_SUM: _l("Task-based lump sum (a budget per municipality)"),
    ScenarioForm.OUTPUT: _l("Output-based (a price per client per year)"),
}


class TariffBasis(enum.StrEnum):
    PERCENTILE = "percentile"          # a chosen percentile of the cost prices
    WEIGHTED_MEAN = "weighted_mean"    # the mean weighted by the volume each provider expects


class FundingScenario(db.Model):
    """One way of paying for one product of a cost-price sheet, with the volumes per municipality.

    ``quantities``: municipality id (as text) -> {"volume": units per year, "amount": € per year (a lump
    sum), "clients": clients per year (output-based)}; what the form does not use is left out."""

    __tablename__ = "funding_scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    product: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    form: Mapped[ScenarioForm] = mapped_column(str_enum(ScenarioForm))
    basis: Mapped[TariffBasis] = mapped_column(str_enum(TariffBasis), default=TariffBasis.PERCENTILE)
    percentile: Mapped[int] = mapped_column(default=50)
    client_price: Mapped[float | None] = mapped_column(Float)
    indexation: Mapped[float] = mapped_column(Float, default=0.0)
    years: Mapped[int] = mapped_column(default=4)
    quantities: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    chosen: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    consultation: Mapped[Consultation] = relationship()
    question: Mapped[Question] = relationship()
    created_by: Mapped[User | None] = relationship()


class SheetQuestion(db.Model):
    """A question of the project team to one organisation about its cost-price sheet, and the reply:
    private between the two (never published, never shown to another organisation)."""

    __tablename__ = "sheet_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    consultation: Mapped[Consultation] = relationship()
    question: Mapped[Question] = relationship()
    organisation: Mapped[Organisation] = relationship()
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])
