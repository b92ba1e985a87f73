"""Column helpers shared by the feature models."""
from __future__ import annotations

from sqlalchemy import Enum


def str_enum(cls) -> Enum:
    """A Python StrEnum stored as its value in a plain string column (no native DB enum, no
    CHECK constraint), so adding a member needs no schema change on SQLite or PostgreSQL."""
    return Enum(cls, native_enum=False, create_constraint=False, length=20,
                values_callable=lambda members: [member.value for member in members])
