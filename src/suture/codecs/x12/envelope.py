"""Assembling segments into groups and transaction sets, and telling fatal envelope errors (no 997/999 can
answer them: the interchange is rejected whole) from problems a 997/999 reports.

Fatal: a missing IEA (truncated input) and any segment outside the envelope it needs (ST before GS, a body
segment between SE and ST, ISA before IEA): the structure itself is in doubt. Reported: IEA01/IEA02 that
disagree with the contents (interchange-level problems, for a TA1: the groups inside are intact), a
missing SE or GE (the next envelope segment closes the set or group), counts and control numbers in SE and
GE, and everything ``checks`` finds inside a set.
"""

from __future__ import annotations

from typing import NoReturn

from suture.errors import Location

from . import errors as e
from .checks import check_group, same_number
from .model import FunctionalGroup, Interchange, Transaction
from .problems import Problem

_ENVELOPE = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})


def assemble(ix: Interchange, controls: bool) -> None:
    """Fill ``ix.groups`` from the interchange's segments and run the checks. ``controls`` says whether the
    text holds control characters worth looking for."""
    ids = ix._ids
    last = len(ids) - 1
    group: FunctionalGroup | None = None
    tx: Transaction | None = None
    seen_groups: set[str] = set()
    for i in range(1, last):
        seg_id = ids[i]
        if seg_id not in _ENVELOPE:
            if tx is None:
                _outside(ix, i, group is not None)
            continue
        if tx is not None and seg_id != "SE":
            _close(tx, i - 1, trailer=False)
            tx = None
        if seg_id == "ST":
            if group is None:
                _fail(ix, i, "ST is outside a functional group: no GS before it", e.INVALID_CONTENT)
            tx = Transaction(group, i)
            group.transactions.append(tx)
        elif seg_id == "SE":
            if tx is None:
                _fail(ix, i, "SE without an ST before it", e.INVALID_CONTENT)
            _close(tx, i, trailer=True)
            tx = None
        elif seg_id == "GS":
            if group is not None:
                check_group(group, seen_groups, controls)
            group = FunctionalGroup(ix, i)
            ix.groups.append(group)
        elif seg_id == "GE":
            if group is None:
                _fail(ix, i, "GE without a GS before it", e.INVALID_CONTENT)
            group.end = i
            check_group(group, seen_groups, controls)
            group = None
        else:  # ISA: the cut stops at the first IEA, so this ISA's interchange never closed
            _fail(ix, i, "ISA before the IEA of the interchange that precedes it", e.INVALID_CONTROL_STRUCTURE)
    _finish(ix, last, group, tx, seen_groups, controls)


def _finish(
    ix: Interchange,
    last: int,
    group: FunctionalGroup | None,
    tx: Transaction | None,
    seen_groups: set[str],
    controls: bool,
) -> None:
    if ix._ids[last] != "IEA":
        _fail(ix, last, "interchange has no IEA: the input ends early (truncated?)", e.PREMATURE_END)
    if tx is not None:
        _close(tx, last - 1, trailer=False)
    if group is not None:
        check_group(group, seen_groups, controls)
    iea = ix.trailer
    count = iea.get(1)
    if not (count.isascii() and count.isdigit()) or int(count) != len(ix.groups):
        reason = f"IEA01 does not match the {len(ix.groups)} functional group(s) the interchange holds"
        ix.envelope_problems.append(Problem(reason, "interchange", e.INVALID_GROUP_COUNT, "IEA", None, iea.line, 1))
    if not same_number(iea.get(2), ix.control_number):
        reason = "IEA02 does not match ISA13 (interchange control number)"
        ix.envelope_problems.append(Problem(reason, "interchange", e.CONTROL_NUMBER_MISMATCH, "IEA", None, iea.line, 2))


def _close(tx: Transaction, end: int, trailer: bool) -> None:
    tx.end = end
    tx.has_trailer = trailer


def _outside(ix: Interchange, index: int, in_group: bool) -> NoReturn:
    where = "a transaction set (no ST before it)" if in_group else "a functional group (no GS before it)"
    _fail(ix, index, f"segment is outside {where}", e.INVALID_CONTENT)


def _fail(ix: Interchange, index: int, reason: str, code: str, element: int | None = None) -> NoReturn:
    seg_id = ix._ids[index]
    known = 2 <= len(seg_id) <= 3 and seg_id.isascii() and seg_id.isalnum()
    where = Location(segment=seg_id if known else None, segment_index=index + 1, field=element, line=ix.line_of(index))
    raise e.X12ParseError(reason, where, code)
