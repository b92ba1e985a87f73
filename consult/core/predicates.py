"""Permission predicates: the named yes/no questions views and templates both ask.

A feature marks each predicate in its ``permissions.py`` with :func:`predicate`; the application
collects every marked function (consult/permissions.py) and hands them to the templates, so a
template asks ``can_write_strategy(current_user, consultation, draft)`` instead of receiving a flag.
"""
from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable

_MARK = "_consult_predicate"


def predicate(func: Callable) -> Callable:
    """Mark ``func`` as a permission predicate available to templates under its own name."""
    setattr(func, _MARK, True)
    return func


def is_predicate(func: object) -> bool:
    return callable(func) and getattr(func, _MARK, False)


def collect(module_names: Iterable[str]) -> dict[str, Callable]:
    """Every predicate defined in the given modules, by name; two different ones of the same name
    are a mistake (a template could only see one of them)."""
    found: dict[str, Callable] = {}
    for module_name in module_names:
        module = importlib.import_module(module_name)
        for name, func in inspect.getmembers(module, is_predicate):
            if func.__module__ != module.__name__:
                continue  # imported from another feature: collected there
            if found.setdefault(name, func) is not func:
                raise RuntimeError(f"Two permission predicates are named {name}: "
                                   f"{found[name].__module__} and {module_name}")
    return found
