"""X12 references as paths: "BEG03", "PO107", "SV101-2" (component 2), as implementation guides write them."""

from __future__ import annotations

import re
from typing import NamedTuple

_PATH = re.compile(r"([A-Z][A-Z0-9]{1,2}?)([0-9]{2})(?:-([0-9]+))?")
_CACHE: dict[str, Path] = {}


class Path(NamedTuple):
    """A compiled reference."""

    segment: str
    element: int
    component: int | None


def compile_path(path: str) -> Path:
    """Split a reference into segment id, element and component; raise ValueError when malformed.

    The element number is always two digits, so the id is what precedes them: "N104" is N1 element 4,
    "PO104" is PO1 element 4.

    >>> compile_path("N104"), compile_path("SV101-2")
    (Path(segment='N1', element=4, component=None), Path(segment='SV1', element=1, component=2))
    """
    found = _CACHE.get(path)
    if found is None:
        match = _PATH.fullmatch(path)
        if match is None or int(match.group(2)) == 0:
            raise ValueError("a path is a segment id, a 2-digit element number and an optional -component")
        seg_id, element, component = match.groups()
        found = Path(seg_id, int(element), int(component) if component else None)
        if len(_CACHE) < 1024:
            _CACHE[path] = found
    return found
