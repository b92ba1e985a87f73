"""Where each action on an analysis question page is sent: one route per action (the bulk
tagging route still hears from its button which of its four kinds it is)."""
from __future__ import annotations

ROUTES = {"synthesis": "synthesis", "undo_bulk": "undo-bulk", "tag_selected": "bulk", "tag_filtered": "bulk",
          "untag_selected": "bulk", "untag_filtered": "bulk", "remove_coding": "remove-coding",
          "remove_quote": "remove-quote", "excerpt": "excerpt"}


def action_url(question_url: str, action: str) -> str:
    """``/consultations/x/analysis/questions/7?q=a`` and "excerpt" → ``…/questions/7/excerpt?q=a``."""
    path, sep, query = question_url.partition("?")
    return f"{path}/{ROUTES[action]}{sep}{query}"
