"""Where personal data lives, and what happens to it on export, erasure and retention.

Every column that points at a person (a foreign key to ``users``) and every column that
holds personal data by itself is listed here; ``tests/test_privacy.py`` fails when a model
gains such a column without an entry. Export, erasure and retention are driven by this table,
so an entry is all a new feature needs.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class OnErasure(enum.StrEnum):
    KEEP = "keep"      # a contribution: it stays and shows "deleted user"
    DELETE = "delete"  # about the person only: the rows go


class OnRetention(enum.StrEnum):
    DETACH = "detach"    # the link to the person is cleared; the content stays
    DELETE = "delete"    # the rows of the consultation go
    ACCOUNT = "account"  # account or security data, not part of a consultation


@dataclass(frozen=True)
class Link:
    erasure: OnErasure
    retention: OnRetention


K, D = OnErasure.KEEP, OnErasure.DELETE
DETACH, GONE, ACCOUNT = OnRetention.DETACH, OnRetention.DELETE, OnRetention.ACCOUNT

# (table, column) of every foreign key to users.id.
USER_LINKS: dict[tuple[str, str], Link] = {
    ("account_tokens", "user_id"): Link(D, ACCOUNT),
    ("recovery_codes", "user_id"): Link(D, ACCOUNT),
    ("external_identities", "user_id"): Link(D, ACCOUNT),  # the person's accounts at identity providers
    ("memberships", "user_id"): Link(D, ACCOUNT),
    ("notification_preferences", "user_id"): Link(D, ACCOUNT),
    ("visits", "user_id"): Link(D, ACCOUNT),
    ("outbound_mail", "user_id"): Link(D, ACCOUNT),
    ("invitations", "invited_by_id"): Link(K, ACCOUNT),
    ("invitations", "accepted_by_id"): Link(K, ACCOUNT),
    ("erasure_requests", "user_id"): Link(K, ACCOUNT),
    ("erasure_requests", "decided_by_id"): Link(K, ACCOUNT),
    # The audit trail is append-only: it keeps the id, the person's name and address go.
    ("audit_events", "actor_id"): Link(K, ACCOUNT),
    ("team_members", "user_id"): Link(D, GONE),
    ("notifications", "user_id"): Link(D, GONE),
    ("thread_follows", "user_id"): Link(D, GONE),
    ("export_jobs", "user_id"): Link(D, GONE),
    ("bulk_taggings", "user_id"): Link(D, GONE),  # the undo record of a person's last bulk tagging
    ("session_registrations", "user_id"): Link(D, GONE),  # a person's registration for a dialogue session
    ("document_versions", "uploaded_by_id"): Link(K, DETACH),
    ("question_changes", "changed_by_id"): Link(K, DETACH),
    ("answers", "updated_by_id"): Link(K, DETACH),
    ("attachments", "uploaded_by_id"): Link(K, DETACH),
    ("submissions", "submitted_by_id"): Link(K, DETACH),
    ("threads", "author_id"): Link(K, DETACH),
    ("threads", "hidden_by_id"): Link(K, DETACH),
    ("posts", "author_id"): Link(K, DETACH),
    ("posts", "hidden_by_id"): Link(K, DETACH),
    ("post_reports", "reporter_id"): Link(K, DETACH),
    ("post_reports", "resolved_by_id"): Link(K, DETACH),
    ("qa_items", "asked_by_id"): Link(K, DETACH),
    ("qa_items", "published_by_id"): Link(K, DETACH),
    ("advice_requests", "created_by_id"): Link(K, DETACH),
    ("advices", "updated_by_id"): Link(K, DETACH),
    ("advices", "submitted_by_id"): Link(K, DETACH),
    ("advices", "published_by_id"): Link(K, DETACH),
    ("advice_points", "replied_by_id"): Link(K, DETACH),
    ("council_comments", "author_id"): Link(K, DETACH),
    ("codings", "created_by_id"): Link(K, DETACH),
    ("quotes", "created_by_id"): Link(K, DETACH),
    ("syntheses", "updated_by_id"): Link(K, DETACH),
    ("strategy_revisions", "created_by_id"): Link(K, DETACH),
    ("strategy_comments", "author_id"): Link(K, DETACH),
    ("strategy_comments", "handled_by_id"): Link(K, DETACH),
    ("funding_scenarios", "created_by_id"): Link(K, DETACH),
    ("sheet_questions", "asked_by_id"): Link(K, DETACH),
    ("sheet_questions", "replied_by_id"): Link(K, DETACH),
    ("evidence_links", "created_by_id"): Link(K, DETACH),
    ("reports", "updated_by_id"): Link(K, DETACH),
    ("reports", "published_by_id"): Link(K, DETACH),
    ("dialogue_sessions", "created_by_id"): Link(K, DETACH),
    ("join_requests", "requested_by_id"): Link(K, DETACH),  # the organisation asked; its request stays
    ("join_requests", "decided_by_id"): Link(K, DETACH),
    ("session_written_inputs", "author_id"): Link(K, DETACH),  # the organisation's input stays, as answers do
    ("drafts", "created_by_id"): Link(K, DETACH),
    ("draft_comments", "author_id"): Link(K, DETACH),  # the organisation's comment on a draft stays
    ("draft_comments", "replied_by_id"): Link(K, DETACH),
    ("session_minutes_comments", "author_id"): Link(K, DETACH),  # the organisation's comment stays
    ("session_minutes_comments", "replied_by_id"): Link(K, DETACH),
}

# Columns holding personal data themselves, found by the person's e-mail address
# ("email"), replaced on the user ("user"), cleared at retention ("consultation"), or kept
# in the security log ("security").
PERSONAL_COLUMNS: dict[tuple[str, str], str] = {
    ("users", "name"): "user",
    ("users", "email"): "user",
    ("users", "email_verified_at"): "user",
    ("login_attempts", "email"): "email",
    ("login_attempts", "ip"): "security",
    ("invitations", "email"): "email",
    ("outbound_mail", "to_address"): "email",
    ("audit_events", "ip"): "security",
    ("consultations", "contact_name"): "consultation",
    ("consultations", "contact_email"): "consultation",
    ("consultations", "contact_phone"): "consultation",
}

# Tables of documents kept as built from a consultation's data (which may name its contact person):
# retention removes the consultation's rows; they are built anew from the anonymised data if needed.
DERIVED_COPIES = ("report_models",)

# Columns whose names look personal but are not, with the reason.
NOT_PERSONAL: dict[tuple[str, str], str] = {
    ("organisations", "name"): "an organisation's name",
    ("phases", "name"): "a planning phase",
    ("lots", "name"): "a lot (service) of the procurement",
    ("tags", "name"): "an analysis tag",
    ("segments", "name"): "a market segment",
    ("funding_scenarios", "name"): "a funding scenario",
    ("strategy_drafts", "adopted_name"): "the name of the adopted strategy version",
    ("posts", "author_role"): "the kind of participant (provider, council, team)",
    ("advice_files", "original_name"): "a document's file name",
    ("advice_files", "stored_name"): "a random storage name",
    ("document_versions", "original_name"): "a document's file name",
    ("document_versions", "stored_name"): "a random storage name",
    ("attachments", "original_name"): "a document's file name",
    ("attachments", "stored_name"): "a random storage name",
    ("export_jobs", "stored_name"): "a random storage name",
    ("report_files", "stored_name"): "a random storage name",
    ("users", "erased_at"): "when the person was erased",
    ("dialogue_sessions", "address"): "where a dialogue session takes place (a meeting venue)",
    ("session_registrations", "may_name_organisation"): "whether the organisation may be named in the minutes",
}

# Never exported, not even to the person themselves: secrets and their hashes.
SECRET_COLUMNS = {"password_hash", "session_token", "totp_secret", "token_hash", "code_hash"}

# A column is looked at when its name suggests personal data.
PERSONAL_NAME_PATTERN = r"e?mail|name|(^|_)ip$|phone|address|author"
