"""Path syntax ``SEG[occurrence]-FIELD[repetition].COMPONENT.SUBCOMPONENT``, compiled once per string."""

from __future__ import annotations

import re
from typing import NamedTuple

_PATH = re.compile(r"([A-Z0-9]{3})(?:\[(\d+)\])?-(\d+)(?:\[(\d+)\])?(?:\.(\d+)(?:\.(\d+))?)?", re.ASCII)
_CACHE_LIMIT = 4096


class Path(NamedTuple):
    """A compiled path; every number is 1-based; component/subcomponent None means "the whole thing"."""

    segment: str
    occurrence: int
    field: int
    repetition: int
    component: int | None
    subcomponent: int | None


_CACHE: dict[str, Path] = {}


def compile_path(path: str) -> Path:
    """Parse ``path``; the same string is parsed only once.

    >>> compile_path("OBX[2]-5[3].1.2")
    Path(segment='OBX', occurrence=2, field=5, repetition=3, component=1, subcomponent=2)
    """
    compiled = _CACHE.get(path)
    if compiled is None:
        compiled = _compile(path)
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[path] = compiled
    return compiled


def _compile(path: str) -> Path:
    match = _PATH.fullmatch(path)
    if match is None:
        raise ValueError(
            f"invalid HL7 path {path!r}: expected SEG[occurrence]-FIELD[repetition].COMPONENT.SUBCOMPONENT, "
            "e.g. 'PID-3', 'OBX[2]-5.1', 'PID-3[2].4.1'"
        )
    seg, occ, field, rep, comp, sub = match.groups()
    numbers = [int(n) for n in (occ or "1", field, rep or "1", comp or "1", sub or "1")]
    if min(numbers) < 1:
        raise ValueError(f"invalid HL7 path {path!r}: positions are 1-based, 0 is not allowed")
    return Path(
        seg,
        numbers[0],
        numbers[1],
        numbers[2],
        None if comp is None else numbers[3],
        None if sub is None else numbers[4],
    )
