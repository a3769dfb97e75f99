"""The checks that turn into 997/999 content: per transaction set (ST..SE) and per group (GS..GE).

They run once per set at parse time and cost a few set lookups when everything is fine; the slow paths
(finding which segment or element is wrong) run only when a fast check fails.
"""

from __future__ import annotations

import re

from . import problems as p
from .dictionary import FUNCTIONAL_IDS, SETS, SetInfo
from .model import FunctionalGroup, Transaction
from .problems import Problem
from .segment import Segment

_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_VALID_IDS: set[str] = set()  # ids already found well-formed: most sets check in one C-level call
_VALID_IDS_LIMIT = 4096
_DATE = re.compile(r"[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])")  # after the century, if any
_TIME = re.compile(r"([01][0-9]|2[0-3])[0-5][0-9](?:[0-5][0-9][0-9]{0,2})?")
OLDEST_VERSION = 3010  # GS08 releases before 003010 (1990s-era version 2) are not supported


def version_number(gs08: str) -> int | None:
    """The release as a number from GS08 (``004010VICS`` -> 4010), or None when it does not start with six
    digits."""
    head = gs08[:6]
    return int(head) if len(head) == 6 and head.isascii() and head.isdigit() else None


_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def has_control_characters(data: bytes) -> bool:
    """True when ``data`` holds control characters other than tab, CR and LF (one C-level pass; in UTF-8
    and Latin-1 alike these are single bytes that no multi-byte sequence contains)."""
    return len(data.translate(None, _CONTROL_BYTES)) != len(data)


def same_number(a: str, b: str) -> bool:
    """Control numbers agree: equal as numbers when both are digits (leading zeros do not count), else equal."""
    if a.isascii() and a.isdigit() and b.isascii() and b.isdigit():
        return int(a) == int(b)
    return a == b


def check_group(group: FunctionalGroup, seen_numbers: set[str], controls: bool) -> None:
    """Check ``group`` and each of its sets; ``seen_numbers`` holds the GS06 values met so far."""
    gs = group.header
    number, functional_id = gs.get(6), gs.get(1)
    version = version_number(gs.get(8))
    if not (number.isascii() and number.isdigit() and len(number) <= 9):
        _group(group, "GS06 (group control number) must be 1 to 9 digits", p.GROUP_CONTROL_NUMBER_INVALID, gs, 6)
    elif number in seen_numbers:
        _group(group, "GS06 repeats the control number of an earlier group", p.GROUP_CONTROL_NUMBER_INVALID, gs, 6)
    seen_numbers.add(number)
    if version is None or version < OLDEST_VERSION:
        reason = "GS08 (version) is not supported: releases 003010 and later are"
        _group(group, reason, p.GROUP_VERSION_NOT_SUPPORTED, gs, 8)
    _check_trailer(group, number)
    seen_sets: set[str] = set()
    for tx in group.transactions:
        check_transaction(tx, version or 0, seen_sets, controls, functional_id)


def _check_trailer(group: FunctionalGroup, number: str) -> None:
    ge = group.trailer
    if ge is None:
        _group(group, "GS has no GE: the functional group trailer is missing", p.GROUP_TRAILER_MISSING, group.header)
        return
    count = ge.get(1)
    if not (count.isascii() and count.isdigit()) or int(count) != len(group.transactions):
        reason = f"GE01 does not match the {len(group.transactions)} transaction set(s) the group holds"
        _group(group, reason, p.GROUP_COUNT_MISMATCH, ge, 1)
    if not same_number(ge.get(2), number):
        _group(group, "GE02 does not match GS06 (group control number)", p.GROUP_CONTROL_NUMBER_MISMATCH, ge, 2)


def _group(group: FunctionalGroup, reason: str, code: str, seg: Segment, element: int | None = None) -> None:
    group.problems.append(Problem(reason, "group", code, seg.id, None, seg.line, element=element))


def check_transaction(tx: Transaction, version: int, seen: set[str], controls: bool, functional_id: str) -> None:
    """Check one set: envelope (ST/SE), segment ids, and what the dictionary knows of its kind.
    ``functional_id`` is its group's GS01."""
    set_id, number = _check_header(tx, version, seen)
    _check_trailer_of(tx, number)
    ids = tx.ids
    body = ids[1:-1] if tx.has_trailer else ids[1:]
    if not _VALID_IDS.issuperset(body):
        _check_ids(tx, body)
    info = SETS.get(set_id) if version >= OLDEST_VERSION else None  # no tables for older releases
    if info is not None:
        _check_kind(tx, set_id, info, body, version, functional_id)
    elif set_id in FUNCTIONAL_IDS and functional_id != FUNCTIONAL_IDS[set_id]:
        _wrong_functional_id(tx, set_id, FUNCTIONAL_IDS[set_id])
    if controls:
        _check_characters(tx)


def _check_header(tx: Transaction, version: int, seen: set[str]) -> tuple[str, str]:
    st = tx.header
    set_id, number = st.get(1), st.get(2)
    if not (len(set_id) == 3 and set_id.isascii() and set_id.isdigit()):
        _tx(tx, "ST01 (transaction set identifier) must be 3 digits", p.SET_IDENTIFIER_INVALID, st, 1, "143")
    if not (4 <= len(number) <= 9 and number.isascii() and number.isalnum()):
        reason = "ST02 (transaction set control number) must be 4 to 9 letters or digits"
        _tx(tx, reason, p.SET_CONTROL_NUMBER_INVALID, st, 2, "329")
    elif number in seen:
        code = p.SET_CONTROL_NUMBER_NOT_UNIQUE if version >= 5010 else p.SET_CONTROL_NUMBER_INVALID
        _tx(tx, "ST02 repeats the control number of an earlier set in the group", code, st, 2, "329")
    seen.add(number)
    return set_id, number


def _check_trailer_of(tx: Transaction, number: str) -> None:
    se = tx.trailer
    if se is None:
        last = tx.at(len(tx))
        reason = "ST has no SE: the transaction set trailer is missing"
        tx.problems.append(Problem(reason, "transaction", p.SET_TRAILER_MISSING, "SE", len(tx) + 1, last.line))
        return
    count = se.get(1)
    if not (count.isascii() and count.isdigit()) or int(count) != len(tx):
        reason = f"SE01 does not match the {len(tx)} segments from ST to SE"
        _tx(tx, reason, p.SET_SEGMENT_COUNT_MISMATCH, se, 1, "96")
    if se.get(2) != number:
        _tx(
            tx, "SE02 does not match ST02 (transaction set control number)", p.SET_CONTROL_NUMBER_MISMATCH, se, 2, "329"
        )


def _tx(tx: Transaction, reason: str, code: str, seg: Segment, element: int, ref: str, rejects: bool = True) -> None:
    problem = Problem(
        reason, "transaction", code, seg.id, seg.position, seg.line, element, element_ref=ref, rejects=rejects
    )
    tx.problems.append(problem)


def _check_ids(tx: Transaction, body: list[str]) -> None:
    for position, seg_id in enumerate(body, 2):
        if seg_id in _VALID_IDS:
            continue
        if _SEGMENT_ID.fullmatch(seg_id):
            if len(_VALID_IDS) < _VALID_IDS_LIMIT:
                _VALID_IDS.add(seg_id)
            continue
        line = tx.at(position).line
        reason = "invalid segment id: expected 2 or 3 uppercase letters or digits, starting with a letter"
        # an id as written is structure, not data: echo it in AK301/IK301 when it is short and printable
        shown = (
            seg_id if 0 < len(seg_id) <= 3 and seg_id.isascii() and seg_id.isprintable() and " " not in seg_id else None
        )
        tx.problems.append(Problem(reason, "segment", p.SEGMENT_UNRECOGNIZED, shown, position, line))


def _check_kind(tx: Transaction, set_id: str, info: SetInfo, body: list[str], version: int, functional_id: str) -> None:
    if functional_id != info.functional_id:
        _wrong_functional_id(tx, set_id, info.functional_id)
    if not body or body[0] != info.beginning:
        line = tx.at(2).line if len(tx) > 1 else tx.header.line
        reason = f"{set_id} must begin with {info.beginning} right after ST"
        tx.problems.append(Problem(reason, "segment", p.SEGMENT_MANDATORY_MISSING, info.beginning, 2, line))
    else:
        _check_beginning(tx, info, 8 if version >= 4010 else 6)
    if not info.segments.issuperset(body):
        for position, seg_id in enumerate(body, 2):
            if seg_id not in info.segments and _SEGMENT_ID.fullmatch(seg_id):
                reason = f"segment is not part of transaction set {set_id}"
                line = tx.at(position).line
                problem = Problem(reason, "segment", p.SEGMENT_NOT_IN_SET, seg_id, position, line, rejects=False)
                tx.problems.append(problem)


def _wrong_functional_id(tx: Transaction, set_id: str, expected: str) -> None:
    reason = f"GS01 should be {expected} for a group holding transaction set {set_id}"
    _tx(tx, reason, p.SET_IDENTIFIER_INVALID, tx.header, 1, "143", rejects=False)


def _check_beginning(tx: Transaction, info: SetInfo, date_length: int) -> None:
    """Mandatory elements of the beginning segment, and the shape of its dates (CCYYMMDD from 004010 on,
    YYMMDD before) and times."""
    seg = tx.at(2)
    for n in info.mandatory:
        value = seg.get(n)
        if not value.strip():
            _element(tx, seg, n, f"{seg.id}{n:02d} is mandatory and empty", p.ELEMENT_MANDATORY_MISSING)
        elif n in info.dates and not _is_date(value, date_length):
            shape = "CCYYMMDD" if date_length == 8 else "YYMMDD"
            _element(tx, seg, n, f"{seg.id}{n:02d} is not a valid date ({shape})", p.ELEMENT_INVALID_DATE)
        elif n in info.times and not _TIME.fullmatch(value):
            _element(tx, seg, n, f"{seg.id}{n:02d} is not a valid time (HHMM[SS[D..]])", p.ELEMENT_INVALID_TIME)


def _is_date(value: str, length: int) -> bool:
    return len(value) == length and value.isascii() and value.isdigit() and _DATE.fullmatch(value[-6:]) is not None


def _element(tx: Transaction, seg: Segment, n: int, reason: str, code: str) -> None:
    tx.problems.append(Problem(reason, "element", code, seg.id, seg.position, seg.line, n))


def _check_characters(tx: Transaction) -> None:
    for seg in tx.segments:
        if _CONTROL.search(seg.text) is None:
            continue
        for n in range(1, len(seg) + 1):
            if _CONTROL.search(seg.raw(n)):
                reason = f"{seg.id}{n:02d} holds a control character"
                _element(tx, seg, n, reason, p.ELEMENT_INVALID_CHARACTER)
