"""Threads and posts, reports, follows."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DDL, ForeignKey, Index, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.consultations.models import Consultation, Theme
from consult.core.db import str_enum
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db
from consult.orgs.models import Organisation


class AuthorRole(enum.StrEnum):
    PROVIDER = "provider"
    COUNCIL = "council"
    TEAM = "team"

    @property
    def label(self) -> str:
        return str(AUTHOR_ROLE_LABELS[self])


AUTHOR_ROLE_LABELS = {AuthorRole.PROVIDER: _l("Provider"), AuthorRole.COUNCIL: _l("Advisory council"),
                      AuthorRole.TEAM: _l("Municipality")}


class PostStatus(enum.StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"      # waiting for a moderator (pre-moderation)
    REJECTED = "rejected"


# The text search configuration of the discussion search, as a constant the index of posts below and
# the search's query both name (PostgreSQL uses an expression index only for the same expression).
SEARCH_CONFIG = "'dutch'::regconfig"


class Thread(db.Model):
    """A discussion. Who may see it (title included) is decided by :mod:`consult.disclosure.posts`."""

    __tablename__ = "threads"
    __table_args__ = (Index("ix_threads_consultation_last", "consultation_id", "last_post_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    post_count: Mapped[int] = mapped_column(default=0)
    locked: Mapped[bool] = mapped_column(default=False)
    pinned: Mapped[bool] = mapped_column(default=False)
    # The moderation state of the opening post: a thread is pending (or rejected) with it.
    status: Mapped[PostStatus] = mapped_column(str_enum(PostStatus), default=PostStatus.PUBLISHED)
    # Hidden by a moderator: title and posts for moderators only.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    consultation: Mapped[Consultation] = relationship()
    theme: Mapped[Theme | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class Post(db.Model):
    """A message in a thread. Who may read its text is decided by :mod:`consult.disclosure.posts`."""

    __tablename__ = "posts"
    # The thread's top-level posts in order (thread_id, parent_id IS NULL, created_at) and one post's
    # replies in order (parent_id, created_at, id): a page, the first replies of a post and a count
    # walk an index, never every post of the thread.
    __table_args__ = (Index("ix_posts_thread_parent_created", "thread_id", "parent_id", "created_at"),
                      Index("ix_posts_parent_created", "parent_id", "created_at", "id"),
                      # The discussion search on PostgreSQL (Dutch full text) finds posts in this index
                      # instead of making every post's text into a search document per search.
                      Index("ix_posts_body_search", text(f"to_tsvector({SEARCH_CONFIG}, body)"),
                            postgresql_using="gin").ddl_if(dialect="postgresql"))

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    # One level of replies: a reply always hangs under a top-level post.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    quote_of_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    author_role: Mapped[AuthorRole] = mapped_column(str_enum(AuthorRole))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[PostStatus] = mapped_column(str_enum(PostStatus), default=PostStatus.PUBLISHED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    thread: Mapped[Thread] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    organisation: Mapped[Organisation | None] = relationship()
    replies: Mapped[list[Post]] = relationship(foreign_keys=[parent_id], order_by="Post.created_at, Post.id",
                                               viewonly=True)
    quote_of: Mapped[Post | None] = relationship(foreign_keys=[quote_of_id], remote_side=[id])
    revisions: Mapped[list[PostRevision]] = relationship(back_populates="post", cascade="all, delete-orphan",
                                                         order_by="PostRevision.replaced_at")


# The discussion search on SQLite: a full-text index of trigrams over the posts' text (FTS5, external
# content), kept by triggers, so a search reads the posts whose text holds the words instead of every
# post of the database. Created with the posts table (and by migration 0042); a migration that copies
# the posts table on SQLite (batch mode) drops the triggers with it and must create them again.
SQLITE_POST_SEARCH = (
    "DROP TRIGGER IF EXISTS posts_fts_insert",
    "DROP TRIGGER IF EXISTS posts_fts_delete",
    "DROP TRIGGER IF EXISTS posts_fts_update",
    "DROP TABLE IF EXISTS posts_fts",
    "CREATE VIRTUAL TABLE posts_fts USING fts5(body, content='posts', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN "
    "INSERT INTO posts_fts (rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN "
    "INSERT INTO posts_fts (posts_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER posts_fts_update AFTER UPDATE OF body ON posts BEGIN "
    "INSERT INTO posts_fts (posts_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO posts_fts (rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO posts_fts (posts_fts) VALUES ('rebuild')",
)
for _statement in SQLITE_POST_SEARCH:
    event.listen(Post.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
# Dropping the posts deletes them first where foreign keys are on (replies cascade): the triggers go before the index.
for _statement in ("DROP TRIGGER IF EXISTS posts_fts_insert", "DROP TRIGGER IF EXISTS posts_fts_delete",
                   "DROP TRIGGER IF EXISTS posts_fts_update", "DROP TABLE IF EXISTS posts_fts"):
    event.listen(Post.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))


class PostRevision(db.Model):
    """The text a post had before an edit; visible to moderators."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    post: Mapped[Post] = relationship(back_populates="revisions")


class PostReport(db.Model):
    __tablename__ = "post_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    post: Mapped[Post] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])


class ThreadFollow(db.Model):
    __tablename__ = "thread_follows"
    __table_args__ = (UniqueConstraint("user_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    thread: Mapped[Thread] = relationship()
