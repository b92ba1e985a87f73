"""The registry of named permission predicates, shared by views and templates.

Each feature marks its predicates with ``@predicate`` (consult.core.predicates) in its own
``permissions.py``; this module collects them from every feature, so templates can call the same
functions the views use and a new predicate needs no second list.
"""
from __future__ import annotations

from pathlib import Path

from consult.core.predicates import collect

FEATURES = sorted(path.parent.name for path in Path(__file__).resolve().parent.glob("*/permissions.py"))

PREDICATES = collect(f"consult.{feature}.permissions" for feature in FEATURES)
