"""Shared form pieces: field filters and validators used by several features."""
from __future__ import annotations


def strip(value):
    return value.strip() if isinstance(value, str) else value


def digits_only(value):
    """'12 34 56 78' → '12345678' (people type KvK numbers with spaces and dots)."""
    if isinstance(value, str):
        return "".join(ch for ch in value if not ch.isspace() and ch != ".")
    return value
