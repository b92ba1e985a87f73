"""A page of a list that a service counted and sliced itself (a window count, a set difference),
shaped like Flask-SQLAlchemy's pagination, so ``_macros/pagination.html`` draws its links: the
first and last page and the pages around the current one, never a link to every page."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from math import ceil
from typing import Any

from flask import request

from consult.core.converters import DATABASE_INT_MAX


def arg_page(name: str = "page", *, values=None) -> int:
    """The page number asked for in the query string (or ``values``, e.g. ``request.values`` for a
    form that posts its page too): 1 when it is missing, not a number or below 1; a number past what
    the database can count in becomes the largest one, so the list shows its last page (every page
    of a list past the end does) instead of an offset that overflows (a 500 on SQLite)."""
    raw = (request.args if values is None else values).get(name, "")
    text = raw.strip() if isinstance(raw, str) else ""
    if not (text.isascii() and text.isdigit()):
        return 1
    if len(text.lstrip("0")) > len(str(DATABASE_INT_MAX)):
        return DATABASE_INT_MAX
    return min(max(int(text), 1), DATABASE_INT_MAX)


@dataclass
class Page:
    page: int
    per_page: int
    total: int
    items: list[Any] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(ceil(self.total / self.per_page), 1) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, *, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2) -> Iterator[int | None]:
        """The page numbers to link, None where numbers are left out (as Flask-SQLAlchemy's)."""
        pages_end = self.pages + 1
        if pages_end == 1:
            return
        left_end = min(1 + left_edge, pages_end)
        yield from range(1, left_end)
        if left_end == pages_end:
            return
        mid_start = max(left_end, self.page - left_current)
        mid_end = min(self.page + right_current + 1, pages_end)
        if mid_start - left_end > 0:
            yield None
        yield from range(mid_start, mid_end)
        if mid_end == pages_end:
            return
        right_start = max(mid_end, pages_end - right_edge)
        if right_start - mid_end > 0:
            yield None
        yield from range(right_start, pages_end)
