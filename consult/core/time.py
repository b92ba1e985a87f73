"""Time: stored in UTC, shown in Europe/Amsterdam."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the server clock is the only clock)."""
    return datetime.now(UTC)


def to_local(value: datetime) -> datetime:
    """Convert an aware datetime to Europe/Amsterdam."""
    return value.astimezone(AMSTERDAM)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and always returned as aware UTC.

    SQLite keeps no time zone, PostgreSQL's timestamptz would convert on the way out;
    storing naive UTC behaves the same on both.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def combine_local(day, clock) -> datetime | None:
    """A date and a wall-clock time in Europe/Amsterdam, as aware UTC (None if either is missing)."""
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, tzinfo=AMSTERDAM).astimezone(UTC)
