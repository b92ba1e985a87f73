"""The disclosure gate: the one place that decides which piece of input may appear in which output.

Access control (each feature's ``permissions.py``) answers "may this person open this object". The gate
answers "may this piece of input appear in this output, for this audience". Every output that leaves the
project team asks it: the published report in every format, published statistics, key quotes, the Q&A as
published, published advice and replies, public CSV/XLSX, the receipt check, notifications and e-mails
about other people's input. No template or exporter decides this on its own.

Each protected kind of input is named here once (:class:`Protected`); the rules per kind live in the
submodules:

* :mod:`consult.disclosure.answers` — answers and responses (confidential answers, publication choices);
* :mod:`consult.disclosure.statistics` — numbers under statistical disclosure control;
* :mod:`consult.disclosure.posts` — discussion posts and threads (hidden, deleted, awaiting moderation);
* :mod:`consult.disclosure.qa` — the identity of whoever asked a question.
* :mod:`consult.disclosure.advice` — council advice before submission and the municipality's reply before
  publication.
* :mod:`consult.disclosure.comments` — comments on drafts open for comment (confidential, not published,
  without name; nothing of another organisation before the comment period ends).
* :mod:`consult.disclosure.sessions` — dialogue sessions: an organisation is named with a minutes point,
  a comment or a quote of its written input only where it agreed.
"""
from __future__ import annotations

import enum


class Protected(enum.StrEnum):
    """The kinds of input that never leave the project team (or leave it only in a reduced form)."""

    CONFIDENTIAL_ANSWER = "confidential_answer"      # only in rounded aggregates, if the question allows it
    UNPUBLISHED_RESPONSE = "unpublished_response"    # "do not publish our answers": nothing public, not even counts
    UNNAMED_RESPONSE = "unnamed_response"            # published only without the organisation's name
    HIDDEN_POST = "hidden_post"                      # hidden by a moderator: moderators only
    DELETED_POST = "deleted_post"                    # deleted by its author: moderators only, then purged
    PENDING_POST = "pending_post"                    # post or thread awaiting moderation: author and moderators
    QA_ASKER = "qa_asker"                            # who asked a question: the asker's organisation and the team
    CONFIDENTIAL_COMMENT = "confidential_comment"    # a confidential comment on a draft: its organisation and the team
    UNPUBLISHED_COMMENT = "unpublished_comment"      # a draft comment "do not publish": its organisation and the team
    UNNAMED_COMMENT = "unnamed_comment"              # a draft comment published without the organisation's name


class Audience(enum.StrEnum):
    """Who an output is for."""

    TEAM = "team"                # the consultation's project team: sees everything, protected input marked
    PARTICIPANT = "participant"  # a logged-in provider or council member (outside the team)
    PUBLIC = "public"            # anyone: published pages, downloads and open data
