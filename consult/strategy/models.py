"""The procurement-strategy draft of a consultation (seed 001, section 4.2).

Every part (the general part and each segment) is revised by saving; each save stores a
revision with the part's full content, so any two revisions can be compared and any revision
restored. Evidence links tie a part to the input behind it, with what was done with it.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.advice.models import Disposition
from consult.auth.models import User
from consult.consultations.models import Consultation, Lot
from consult.core.db import str_enum
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db
from consult.orgs.models import Organisation


class DraftStatus(enum.StrEnum):
    CONCEPT = "concept"
    SHARED = "shared"      # councils read and comment
    ADOPTED = "adopted"    # frozen as a named version

    @property
    def label(self) -> str:
        # "Adopted" of a draft is "vastgesteld"; of a piece of input (a disposition) "overgenomen".
        return str({DraftStatus.CONCEPT: _l("Draft"), DraftStatus.SHARED: _l("Shared with the councils"),
                    DraftStatus.ADOPTED: lazy_pgettext("strategy draft", "Adopted")}[self])


class OrganisationForm(enum.StrEnum):
    SUBSIDY = "subsidy"
    OPEN_HOUSE = "open_house"
    EUROPEAN_TENDER = "european_tender"
    ADMINISTRATIVE = "administrative"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str({OrganisationForm.SUBSIDY: _l("Subsidy"), OrganisationForm.OPEN_HOUSE: _l("Open house"),
                    OrganisationForm.EUROPEAN_TENDER: _l("European tender"),
                    OrganisationForm.ADMINISTRATIVE: _l("Administrative tendering (bestuurlijk aanbesteden)"),
                    OrganisationForm.OTHER: _l("Other")}[self])


class FundingForm(enum.StrEnum):
    TASK = "task"
    OUTPUT = "output"
    EFFORT = "effort"

    @property
    def label(self) -> str:
        return str({FundingForm.TASK: _l("Task-based (lump sum)"), FundingForm.OUTPUT: _l("Output-based"),
                    FundingForm.EFFORT: _l("Effort-based (PxQ)")}[self])


class ProvidersKind(enum.StrEnum):
    NUMBER = "number"
    RANGE = "range"
    UNLIMITED = "unlimited"


class StrategyDraft(db.Model):
    __tablename__ = "strategy_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), unique=True)
    status: Mapped[DraftStatus] = mapped_column(str_enum(DraftStatus), default=DraftStatus.CONCEPT)
    principles: Mapped[str] = mapped_column(Text, default="")
    change_tasks: Mapped[str] = mapped_column(Text, default="")
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    adopted_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The general part's version: raised with every save or restore of principles and change tasks.
    version: Mapped[int] = mapped_column(default=1)
    # The last revision number given out; raised in the database, so two parts saved at once
    # never draw the same number.
    revision_count: Mapped[int] = mapped_column(default=0)

    consultation: Mapped[Consultation] = relationship()
    segments: Mapped[list[Segment]] = relationship(back_populates="draft", cascade="all, delete-orphan",
                                                   order_by="Segment.position, Segment.id")


class Segment(db.Model):
    """A lot (perceel) with its organisation form, process, number of providers and funding."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("strategy_drafts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    services: Mapped[str] = mapped_column(Text, default="")
    organisation_form: Mapped[OrganisationForm | None] = mapped_column(str_enum(OrganisationForm))
    organisation_form_explanation: Mapped[str] = mapped_column(Text, default="")
    process: Mapped[str] = mapped_column(Text, default="")
    providers_kind: Mapped[ProvidersKind | None] = mapped_column(str_enum(ProvidersKind))
    providers_min: Mapped[int | None]
    providers_max: Mapped[int | None]
    funding_form: Mapped[FundingForm | None] = mapped_column(str_enum(FundingForm))
    funding_explanation: Mapped[str] = mapped_column(Text, default="")
    duration: Mapped[str] = mapped_column(String(200), default="")
    extension: Mapped[str] = mapped_column(String(200), default="")
    tariff: Mapped[str] = mapped_column(Text, default="")
    suitability: Mapped[list[str]] = mapped_column(JSON, default=list)
    award_criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    kpis: Mapped[list[str]] = mapped_column(JSON, default=list)
    rationale: Mapped[str] = mapped_column(Text, default="")
    # The lot the segment procures (none: it is not tied to one lot); a lot removed leaves it untied.
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id", ondelete="SET NULL"), index=True)
    # Per municipality, a local choice where the region leaves it open: an ordered list of
    # {"municipality": id, "name": its name then, "organisation_form": value or None,
    #  "funding_form": value or None, "note": text}; a municipality not listed follows the segment.
    local_choices: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=list)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Raised with every save, removal or restore of the segment, so a stale save is detected.
    version: Mapped[int] = mapped_column(default=1)

    draft: Mapped[StrategyDraft] = relationship(back_populates="segments")
    lot: Mapped[Lot | None] = relationship()

    @property
    def choices_in_scope(self) -> list[dict[str, Any]]:
        """The local choices of the municipalities still in the segment's scope (its lot's, else the
        consultation's), under their names now: a municipality taken out of the lot since drops out."""
        scope = self.lot.municipalities if self.lot is not None else self.draft.consultation.municipalities
        names = {m.id: m.name for m in scope}
        return [{**c, "name": names[c["municipality"]]} for c in self.local_choices or [] if c["municipality"] in names]

    def local_choice(self, municipality_id: int) -> dict[str, Any] | None:
        return next((c for c in self.choices_in_scope if c["municipality"] == municipality_id), None)

    @property
    def providers_label(self) -> str:
        if self.providers_kind == ProvidersKind.UNLIMITED:
            return str(_l("Unlimited"))
        if self.providers_kind == ProvidersKind.RANGE:
            return str(_l("%(min)s to %(max)s", min=self.providers_min, max=self.providers_max))
        if self.providers_kind == ProvidersKind.NUMBER:
            return str(self.providers_min)
        return ""


class Revision(db.Model):
    """A saved state of one part: 'general' or 'segment:<id>'."""

    __tablename__ = "strategy_revisions"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("strategy_drafts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    part: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))   # saved, created, removed, restored
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by: Mapped[User | None] = relationship()


class EvidenceLink(db.Model):
    """Input that informed a part, with what was done with it.

    A link to a segment can name the one choice of it that the input supports (``choice``, one of
    the segment's choices, for example "funding_form"); an empty ``choice`` means the part as a
    whole. The same input can support several choices of one segment, each with its own
    disposition, so the choice is part of what makes a link unique.
    """

    __tablename__ = "evidence_links"
    __table_args__ = (UniqueConstraint("draft_id", "part", "choice", "source_type", "source_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("strategy_drafts.id", ondelete="CASCADE"), index=True)
    part: Mapped[str] = mapped_column(String(40))
    # "" (the part as a whole), never NULL: a unique constraint treats every NULL as different.
    choice: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # answer (ref "<response>-<question>"), excerpt (coding id), post, qa, advice_point, synthesis
    source_type: Mapped[str] = mapped_column(String(20))
    source_ref: Mapped[str] = mapped_column(String(40))
    disposition: Mapped[Disposition] = mapped_column(str_enum(Disposition))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StrategyComment(db.Model):
    """A council's comment on a part of a shared draft; the team marks it handled with a reply."""

    __tablename__ = "strategy_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("strategy_drafts.id", ondelete="CASCADE"), index=True)
    part: Mapped[str] = mapped_column(String(40))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reply: Mapped[str] = mapped_column(Text, default="")

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    organisation: Mapped[Organisation | None] = relationship()
