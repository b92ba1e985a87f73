"""Template helpers for responses: answers as text, publication choices, receipts."""
from __future__ import annotations

from typing import Any

from flask_babel import force_locale

from consult.responses import costprice
from consult.responses.answers import (
    canonical_number,
    composite_text,
    display_value,
    format_number,
    price_lines,
    sheet_lines,
    with_unit,
)
from consult.responses.models import PUBLICATION_LABELS, Publication


def snapshot_value(answer: dict[str, Any], shown: bool = False) -> str:
    """An answer from a submission's frozen copy as one line of text.

    By default the text that is stored and searched, the same in every language (a number reads
    '1234,50'); ``shown=True`` gives the text for a reader, with numbers in their language.
    """
    value = answer["value"]
    if value in (None, "", []):
        return ""
    if answer["kind"] == "multiple":
        return "; ".join(value)
    if answer["kind"] in ("ranking", "matrix", "price_table", "cost_price"):
        if shown:
            return composite_text(answer["kind"], value)
        with force_locale("nl"):  # the stored text is the same whoever submitted it
            return composite_text(answer["kind"], value, number=canonical_number)
    if answer["kind"] == "number":
        if shown:
            return with_unit(format_number(value), answer.get("unit"))
        return f"{canonical_number(value)} {answer.get('unit') or ''}".strip()  # as stored since 0023
    return str(value)


def shown_value(answer: dict[str, Any]) -> str:
    """An answer from a submission's frozen copy as a reader sees it (numbers in their language)."""
    return snapshot_value(answer, shown=True)


def publication_label(value: str | None) -> str:
    return str(PUBLICATION_LABELS[Publication(value)]) if value else ""


def register_display(app) -> None:
    from flask_login import current_user

    from consult.responses.permissions import own_response

    app.jinja_env.globals.update(display_answer=display_value, snapshot_value=shown_value, price_lines=price_lines,
                                 sheet_lines=sheet_lines, cost_components=costprice.COMPONENTS, cents=costprice.cents,
                                 publication_label=publication_label,
                                 own_response=lambda org, consultation: own_response(current_user, org, consultation))
    app.jinja_env.filters["zip_self"] = lambda items: [(item, item) for item in items]
