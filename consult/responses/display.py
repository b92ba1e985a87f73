"""Template helpers for responses: answers as text, publication choices, receipts."""
from __future__ import annotations

from typing import Any

from consult.responses.answers import display_value, format_number
from consult.responses.models import PUBLICATION_LABELS, Publication


def snapshot_value(answer: dict[str, Any]) -> str:
    """An answer from a submission's frozen copy as one line of text."""
    value = answer["value"]
    if value in (None, "", []):
        return ""
    if answer["kind"] == "multiple":
        return "; ".join(value)
    if answer["kind"] == "number":
        return f"{format_number(value)} {answer.get('unit') or ''}".strip()
    return str(value)


def publication_label(value: str | None) -> str:
    return str(PUBLICATION_LABELS[Publication(value)]) if value else ""


def register_display(app) -> None:
    from flask_login import current_user

    from consult.responses.permissions import own_response

    app.jinja_env.globals.update(display_answer=display_value, snapshot_value=snapshot_value,
                                 publication_label=publication_label,
                                 own_response=lambda org, consultation: own_response(current_user, org, consultation))
    app.jinja_env.filters["zip_self"] = lambda items: [(item, item) for item in items]
