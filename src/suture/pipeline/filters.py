"""Compile declarative filters into predicates over a parsed message."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol

from suture.pipeline.config import AllOf, AnyOf, Condition, Filter, NotOf


class PathReadable(Protocol):
    def get(self, path: str, default: str = "") -> str: ...


Predicate = Callable[[PathReadable], bool]


def compile_filter(f: Filter) -> Predicate:
    if isinstance(f, AllOf):
        parts = [compile_filter(p) for p in f.all]
        return lambda m: all(p(m) for p in parts)
    if isinstance(f, AnyOf):
        parts = [compile_filter(p) for p in f.any]
        return lambda m: any(p(m) for p in parts)
    if isinstance(f, NotOf):
        inner = compile_filter(f.not_)
        return lambda m: not inner(m)
    return _condition(f)


def _condition(c: Condition) -> Predicate:
    path = c.path
    if c.equals is not None:
        value = c.equals
        return lambda m: m.get(path) == value
    if c.not_equals is not None:
        other = c.not_equals
        return lambda m: m.get(path) != other
    if c.in_ is not None:
        allowed = frozenset(c.in_)
        return lambda m: m.get(path) in allowed
    if c.not_in is not None:
        refused = frozenset(c.not_in)
        return lambda m: m.get(path) not in refused
    if c.matches is not None:
        pattern = re.compile(c.matches)
        return lambda m: pattern.search(m.get(path)) is not None
    wanted = bool(c.exists)
    return lambda m: (m.get(path) != "") == wanted


def compile_all(filters: Sequence[Filter]) -> Predicate:
    """All filters must pass; no filters pass everything."""
    parts = [compile_filter(f) for f in filters]
    if not parts:
        return lambda m: True
    if len(parts) == 1:
        return parts[0]
    return lambda m: all(p(m) for p in parts)
