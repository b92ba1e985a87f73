"""E-mail addresses in their one normal form, for accounts, invitations and rate limits alike."""
from __future__ import annotations


def normalise_email(email: str) -> str:
    """E-mail addresses are unique regardless of case and surrounding space."""
    return email.strip().lower()
