"""Imports every feature's models so that the metadata (and Alembic) sees all tables."""
from consult.advice.models import Advice, AdvicePoint, AdviceRequest, CouncilComment  # noqa: F401
from consult.analysis.models import Coding, Quote, Synthesis, Tag  # noqa: F401
from consult.audit.models import AuditEvent  # noqa: F401
from consult.auth.models import AccountToken, LoginAttempt, User  # noqa: F401
from consult.consultations.models import (  # noqa: F401
    Announcement,
    Consultation,
    Document,
    DocumentVersion,
    Phase,
    Question,
    QuestionChange,
    TeamMember,
    Theme,
)
from consult.consultations.trajectory_models import JoinRequest, Trajectory, TrajectoryRound  # noqa: F401
from consult.core.datastamp import DataChange  # noqa: F401
from consult.core.outbox import OutboundMail  # noqa: F401
from consult.dialogue.models import Post, PostReport, PostRevision, Thread, ThreadFollow  # noqa: F401
from consult.drafts.models import Draft, DraftComment, DraftParagraph  # noqa: F401
from consult.orgs.models import Invitation, Membership, Organisation  # noqa: F401
from consult.privacy.models import ErasureRequest  # noqa: F401
from consult.qa.models import QaItem  # noqa: F401
from consult.reports.models import ExportJob, Report, ReportModel  # noqa: F401
from consult.responses.models import Answer, Attachment, Response, Submission, SubmittedAnswer  # noqa: F401
from consult.sessions.models import AgendaItem, DialogueSession, MinutesPoint, Registration, WrittenInput  # noqa: F401
from consult.strategy.models import EvidenceLink, Revision, Segment, StrategyComment, StrategyDraft  # noqa: F401
from consult.tariffs.models import FundingScenario, SheetQuestion  # noqa: F401
