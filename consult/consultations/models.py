"""A consultation with its team, planning, documents, themes and questions."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from consult.auth.models import User
from consult.core.db import str_enum
from consult.core.storage import StoredFileMixin
from consult.core.time import UTCDateTime, to_local, utcnow
from consult.extensions import db
from consult.orgs.models import Organisation


class ParticipantAudience(enum.StrEnum):
    """Who may take part in a session or comment on a draft: care providers, advisory councils,
    both, or only the organisations the consultation invited (as set on its access page)."""

    PROVIDERS = "providers"
    COUNCILS = "councils"
    BOTH = "both"
    INVITED = "invited"

    @property
    def label(self) -> str:
        return str(PARTICIPANT_AUDIENCE_LABELS[self])


PARTICIPANT_AUDIENCE_LABELS = {
    ParticipantAudience.PROVIDERS: _l("Care providers"),
    ParticipantAudience.COUNCILS: _l("Advisory councils"),
    ParticipantAudience.BOTH: _l("Care providers and advisory councils"),
    ParticipantAudience.INVITED: _l("Invited organisations only"),
}


class Status(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"  # closed, and the consultation report is public

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def is_closed(self) -> bool:
        return self in (Status.CLOSED, Status.PUBLISHED)


STATUS_LABELS = {Status.DRAFT: _l("Draft"), Status.OPEN: _l("Open"), Status.CLOSED: _l("Closed"),
                 Status.PUBLISHED: _l("Report published")}


class TeamRole(enum.StrEnum):
    EDITOR = "editor"
    ANALYST = "analyst"

    @property
    def label(self) -> str:
        return str(TEAM_ROLE_LABELS[self])


TEAM_ROLE_LABELS = {TeamRole.EDITOR: _l("Editor"), TeamRole.ANALYST: _l("Analyst")}


class QuestionKind(enum.StrEnum):
    OPEN = "open"
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"
    NUMBER = "number"
    FILE = "file"
    RANKING = "ranking"          # put the options in order
    MATRIX = "matrix"            # rows, each on the same scale of 1 to 5
    PRICE_TABLE = "price_table"  # rows of products: a price per unit and a volume each, with totals
    COST_PRICE = "cost_price"    # per product the build-up of an integral cost price (always confidential)

    @property
    def label(self) -> str:
        return str(QUESTION_KIND_LABELS[self])

    @property
    def has_options(self) -> bool:
        """The team lists options (choices, items to rank, a matrix's or price table's rows)."""
        return self in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING, QuestionKind.MATRIX,
                        QuestionKind.PRICE_TABLE, QuestionKind.COST_PRICE)

    @property
    def has_scale(self) -> bool:
        return self in (QuestionKind.SCALE, QuestionKind.MATRIX)

    @property
    def composite(self) -> bool:
        """An answer of several fields (one per option or row), stored as a list or a mapping."""
        return self in (QuestionKind.RANKING, QuestionKind.MATRIX, QuestionKind.PRICE_TABLE, QuestionKind.COST_PRICE)

    @property
    def has_rows(self) -> bool:
        """The options are products with their unit ("Individuele begeleiding | uur")."""
        return self in (QuestionKind.PRICE_TABLE, QuestionKind.COST_PRICE)

    @property
    def aggregates(self) -> bool:
        """Answers of this kind are published as statistics (counts or rounded figures), not as text."""
        return self in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE, QuestionKind.NUMBER)


QUESTION_KIND_LABELS = {
    QuestionKind.OPEN: _l("Open text"),
    QuestionKind.SINGLE: _l("Single choice"),
    QuestionKind.MULTIPLE: _l("Multiple choice"),
    QuestionKind.SCALE: _l("Scale 1 to 5"),
    QuestionKind.NUMBER: _l("Number with unit"),
    QuestionKind.FILE: _l("File upload"),
    QuestionKind.RANKING: _l("Ranking (put the options in order)"),
    QuestionKind.MATRIX: _l("Matrix (rows on a scale of 1 to 5)"),
    QuestionKind.PRICE_TABLE: _l("Price table (price per unit and volume per product)"),
    QuestionKind.COST_PRICE: _l("Cost-price sheet (the build-up of a fair price per product, always confidential)"),
}


class Audience(enum.StrEnum):
    PROVIDERS = "providers"
    COUNCILS = "councils"
    BOTH = "both"

    @property
    def label(self) -> str:
        return str(AUDIENCE_LABELS[self])

    def includes(self, audience: Audience) -> bool:
        return self == Audience.BOTH or self == audience


AUDIENCE_LABELS = {
    Audience.PROVIDERS: _l("Care providers"),
    Audience.COUNCILS: _l("Advisory councils"),
    Audience.BOTH: _l("Care providers and advisory councils"),
}

consultation_municipalities = Table(
    "consultation_municipalities",
    db.metadata,
    Column("consultation_id", ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)

# The circle of a closed (invited-only) consultation: the provider and council organisations invited.
consultation_invited_organisations = Table(
    "consultation_invited_organisations",
    db.metadata,
    Column("consultation_id", ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)


# The municipalities taking part in one lot (a subset of the consultation's, which may differ per lot).
lot_municipalities = Table(
    "lot_municipalities",
    db.metadata,
    Column("lot_id", ForeignKey("lots.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)


class Lot(db.Model):
    """A lot (perceel) of the procurement: one service, such as begeleiding or hulpmiddelen, with the
    municipalities that procure it together. A care provider says which lots it offers and where;
    a question scoped to a lot or a municipality is asked only of those who offer it there."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("consultation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    consultation: Mapped[Consultation] = relationship(back_populates="lots")
    municipalities: Mapped[list[Organisation]] = relationship(secondary=lot_municipalities,
                                                              order_by=Organisation.name)

    def covers(self, question: Question) -> bool:
        """Whether this lot's report covers the question: one asked of everyone, of those who offer this
        lot, or of those who work in one of its municipalities."""
        return (question.lot_id in (None, self.id)
                and (question.municipality_id is None or question.municipality_id in {m.id for m in self.municipalities}))


class OfferedLot(db.Model):
    """One lot a care provider offers in one municipality (a row of its response, kept here with the
    lots so that changing a lot can change what is offered of it). Its answers to questions scoped to other
    lots or municipalities are kept but not asked (nor submitted) while it does not offer them."""

    __tablename__ = "offered_lots"

    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"), primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)

    lot: Mapped[Lot] = relationship(lazy="joined")
    municipality: Mapped[Organisation] = relationship(lazy="joined")


class Consultation(db.Model):
    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    introduction: Mapped[str] = mapped_column(Text, default="")
    principles: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[Status] = mapped_column(str_enum(Status), default=Status.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Raised on every change to the questions after publication; responses record it.
    question_set_version: Mapped[int] = mapped_column(default=1)
    # Dialogue settings: threads readable by anyone (read-only), posts approved before shown.
    threads_public: Mapped[bool] = mapped_column(default=False)
    premoderation: Mapped[bool] = mapped_column(default=False)
    # Public by default: anyone reads what is published. Closed (invited-only): only the team and the
    # members of the invited organisations see any of it (consult.consultations.permissions).
    invited_only: Mapped[bool] = mapped_column(default=False)
    # Retention of personal data: until the procurement ends plus a configured period,
    # unless the team sets a date; `flask retention` anonymises after it.
    procurement_ends_on: Mapped[date | None] = mapped_column()
    # The procurement this consultation prepared, once announced: its notice number (TenderNed or TED)
    # and the notice's address; the open data joins the consultation to the tender by them.
    procurement_notice: Mapped[str] = mapped_column(String(40), default="", server_default="")
    procurement_notice_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    retention_until: Mapped[date | None] = mapped_column()
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    municipalities: Mapped[list[Organisation]] = relationship(
        secondary=consultation_municipalities, order_by=Organisation.name)
    invited: Mapped[list[Organisation]] = relationship(
        secondary=consultation_invited_organisations, order_by=Organisation.name)
    team: Mapped[list[TeamMember]] = relationship(back_populates="consultation",
                                                  cascade="all, delete-orphan")
    phases: Mapped[list[Phase]] = relationship(back_populates="consultation",
                                               cascade="all, delete-orphan",
                                               order_by="Phase.starts_on, Phase.id")
    documents: Mapped[list[Document]] = relationship(back_populates="consultation",
                                                     cascade="all, delete-orphan",
                                                     order_by="Document.position, Document.id")
    themes: Mapped[list[Theme]] = relationship(back_populates="consultation",
                                               cascade="all, delete-orphan",
                                               order_by="Theme.position, Theme.id")
    announcements: Mapped[list[Announcement]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan",
        order_by="Announcement.created_at.desc()")
    lots: Mapped[list[Lot]] = relationship(back_populates="consultation", cascade="all, delete-orphan",
                                           order_by="Lot.position, Lot.id")

    def accepts_responses(self, now: datetime | None = None) -> bool:
        """Open and before the deadline, to the second (server clock)."""
        now = now or utcnow()
        return (self.status == Status.OPEN and self.closes_at is not None and now < self.closes_at
                and (self.opens_at is None or self.opens_at <= now))

    def retention_date(self, years: int) -> date | None:
        """The day after which personal data of this consultation is anonymised."""
        if self.retention_until is not None:
            return self.retention_until
        end = self.procurement_ends_on or (to_local(self.closes_at).date() if self.closes_at else None)
        if end is None:
            return None
        try:
            return end.replace(year=end.year + years)
        except ValueError:  # 29 February
            return end.replace(year=end.year + years, day=28)

    def __repr__(self) -> str:
        return f"<Consultation {self.slug}>"


class TeamMember(db.Model):
    """A person on the consultation's project team; rights are per consultation."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("consultation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[TeamRole] = mapped_column(str_enum(TeamRole))

    consultation: Mapped[Consultation] = relationship(back_populates="team")
    user: Mapped[User] = relationship()


class Phase(db.Model):
    __tablename__ = "phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]

    consultation: Mapped[Consultation] = relationship(back_populates="phases")


class Document(db.Model):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    consultation: Mapped[Consultation] = relationship(back_populates="documents")
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", cascade="all, delete-orphan",
        order_by="DocumentVersion.uploaded_at.desc(), DocumentVersion.id.desc()")

    @property
    def current(self) -> DocumentVersion:
        return self.versions[0]


class DocumentVersion(StoredFileMixin, db.Model):
    """One uploaded file; replacing a document adds a version and keeps the old one."""

    __tablename__ = "document_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    document: Mapped[Document] = relationship(back_populates="versions")


class Theme(db.Model):
    __tablename__ = "themes"
    # Two themes of one title would be one theme twice (a form sent twice): refused, also at once.
    __table_args__ = (Index("uq_themes_consultation_id_title", "consultation_id", "title", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 index=True)
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # Raised with every save of title or introduction, so a stale save in the editor is detected.
    version: Mapped[int] = mapped_column(default=1)
    # Asked only when this holds (consult.consultations.conditions): a short version of a theme for
    # small organisations, a theme only for those who offer a lot or answered an earlier question so.
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))

    consultation: Mapped[Consultation] = relationship(back_populates="themes")
    questions: Mapped[list[Question]] = relationship(back_populates="theme",
                                                     cascade="all, delete-orphan",
                                                     order_by="Question.position, Question.id")


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    help_text: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind))
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    scale_low_label: Mapped[str] = mapped_column(String(100), default="")
    scale_high_label: Mapped[str] = mapped_column(String(100), default="")
    unit: Mapped[str] = mapped_column(String(40), default="")
    min_value: Mapped[float | None] = mapped_column(Numeric(14, 2, asdecimal=False))
    max_value: Mapped[float | None] = mapped_column(Numeric(14, 2, asdecimal=False))
    audience: Mapped[Audience] = mapped_column(str_enum(Audience), default=Audience.PROVIDERS)
    required: Mapped[bool] = mapped_column(default=False)
    required_reason: Mapped[str] = mapped_column(Text, default="")
    confidential_default: Mapped[bool] = mapped_column(default=False)
    # May a confidential answer count in published rounded aggregates (of at least ANALYSIS_MIN_GROUP
    # organisations)? Chosen before publishing; the answer form tells the respondent which it is.
    confidential_in_totals: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    # Raised with every save in the questions editor, so a stale save is detected.
    version: Mapped[int] = mapped_column(default=1)
    # The same question in an earlier round of the consultation's trajectory: a provider may copy
    # its submitted answer to it (consult.responses.prefill).
    same_as_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    # Asked only of care providers that offer this lot, or work in this municipality (or both);
    # none: asked of everyone in the audience. A lot in use cannot be removed (see delete_lot).
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # Asked only when this holds, on earlier answers or the organisation's profile
    # (consult.consultations.conditions); not asked, it is never required and its answer not sent.
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # Whether a question of this one's theme has a condition, where the query asked it (an autosave):
    # only then can an answer change which questions the page shows. None where not asked.
    theme_has_conditions: Mapped[bool | None] = query_expression()

    theme: Mapped[Theme] = relationship(back_populates="questions")
    # Joined: every page that lists questions names a question's scope, and a lot is one short row.
    lot: Mapped[Lot | None] = relationship(lazy="joined")
    municipality: Mapped[Organisation | None] = relationship(lazy="joined")

    @property
    def scoped(self) -> bool:
        return self.lot_id is not None or self.municipality_id is not None

    @property
    def rows(self) -> list[tuple[str, str]]:
        """A price table's products with their unit: an option "Individuele begeleiding | uur" is the
        product and its unit; without "|", the question's unit."""
        rows = []
        for option in self.options:
            product, _sep, unit = option.partition("|")
            rows.append((product.strip(), unit.strip() or self.unit))
        return rows


class QuestionChange(db.Model):
    """A change to the questions of a published consultation, with the editor's reason.

    Participants who started a response are told of every change (notifications).
    """

    __tablename__ = "question_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 index=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Announcement(db.Model):
    """A notice on the consultation page for everyone (e.g. an extended deadline).

    Stored as a kind with data, so each reader sees it in their own language.
    """

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 index=True)
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    consultation: Mapped[Consultation] = relationship(back_populates="announcements")
