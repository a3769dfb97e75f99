"""997 and 999 acknowledgments for a received functional group, from the problems found at parse time.

One acknowledgment transaction set per acknowledged group, in one FA group, in a new interchange whose
sender and receiver are the received interchange's, swapped. The received interchange's delimiters and
line-break style are reused unless others are given.

Status rules (AK5/IK5 per set, AK9 per group):

* a set is R when one of its problems rejects it, E when it has only noted problems, else A;
* a group is R when one of its own problems rejects it (then no set counts as accepted) or every set is
  rejected, P when some are, E when sets or the group carry noted problems, else A.

Problems point at segments by their position in the set (ST = 1). Bad values are never copied into
AK404/IK404: they may be PHI or commercially sensitive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

from .builder import GroupSpec, TransactionSpec, build_interchange
from .checks import version_number
from .delimiters import Delimiters
from .model import FunctionalGroup, Interchange, Transaction
from .problems import Problem
from .writer import Element, SegmentSpec

AckKind = Literal["997", "999"]
_SPARE_REPETITION = "^|!`{}"


def build_997(
    interchange: Interchange,
    group: FunctionalGroup | None = None,
    *,
    control_number: int,
    date: str,
    time: str,
    group_control_number: int | None = None,
    version: str | None = None,
    interchange_version: str | None = None,
    usage: str | None = None,
    delimiters: Delimiters | None = None,
    include_accepted: bool = True,
) -> Interchange:
    """A 997 interchange acknowledging ``group`` (every group of ``interchange`` when None).

    ``date`` is CCYYMMDD (GS04; ISA09 takes its last six digits), ``time`` HHMM. ``control_number`` is
    ISA13 and, unless ``group_control_number`` is given, GS06. ``version`` is the 997's GS08 (default: the
    received group's release, e.g. 004010); ``interchange_version`` its ISA12 (default: the received one).
    With ``include_accepted=False`` only sets with problems get an AK2 loop.

    >>> from suture.codecs.x12 import parse
    >>> received = parse(b"ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *240101*1200*U*00401*"
    ...     b"000000001*0*P*>~GS*PO*BUYER*SELLER*20240101*1200*1*X*004010~ST*850*0001~BEG*00*SA*7**20240101~"
    ...     b"SE*9*0001~GE*1*1~IEA*1*000000001~")
    >>> ack = build_997(received, control_number=5, date="20240102", time="0800")
    >>> print(ack.to_bytes().decode().replace("~", "~\\n"))  # doctest: +ELLIPSIS
    ISA*00*          *00*          *ZZ*SELLER         *ZZ*BUYER          *240102*0800*U*00401*000000005*0*P*>~
    GS*FA*SELLER*BUYER*20240102*0800*5*X*004010~
    ST*997*0001~
    AK1*PO*1~
    AK2*850*0001~
    AK5*R*4~
    AK9*R*1*1*0~
    SE*6*0001~
    GE*1*5~
    IEA*1*000000005~
    <BLANKLINE>
    """
    return _build(
        "997", interchange, group, control_number, date, time, group_control_number, version,
        interchange_version, usage, delimiters, include_accepted,
    )  # fmt: skip


def build_999(
    interchange: Interchange,
    group: FunctionalGroup | None = None,
    *,
    control_number: int,
    date: str,
    time: str,
    group_control_number: int | None = None,
    version: str | None = None,
    interchange_version: str | None = None,
    usage: str | None = None,
    delimiters: Delimiters | None = None,
    include_accepted: bool = True,
) -> Interchange:
    """A 999 interchange acknowledging ``group`` (every group when None); as :func:`build_997`, with IK3,
    IK4 (element position, component and repetition) and IK5. ``version`` defaults to 005010X231A1 and
    ``interchange_version`` to the received ISA12 or 00501, whichever is later."""
    return _build(
        "999", interchange, group, control_number, date, time, group_control_number, version,
        interchange_version, usage, delimiters, include_accepted,
    )  # fmt: skip


def _build(
    kind: AckKind,
    ix: Interchange,
    group: FunctionalGroup | None,
    control_number: int,
    date: str,
    time: str,
    group_control_number: int | None,
    version: str | None,
    interchange_version: str | None,
    usage: str | None,
    delimiters: Delimiters | None,
    include_accepted: bool,
) -> Interchange:
    groups = ix.groups if group is None else [group]
    if not groups:
        raise ValueError("the interchange holds no functional group to acknowledge")
    if not (len(date) == 8 and date.isascii() and date.isdigit()):
        raise ValueError("date must be CCYYMMDD (GS04); ISA09 takes its last six digits")
    isa_version = interchange_version or _default_isa_version(kind, ix.version)
    gs_version = version or _default_version(kind, groups[0])
    full = (version_number(gs_version) or 0) >= 5010
    sets = [
        TransactionSpec(kind, n, ack_segments(kind, g, include_accepted=include_accepted, full=full))
        for n, g in enumerate(groups, 1)
    ]
    first = groups[0]
    spec = GroupSpec(
        "FA", first.application_receiver, first.application_sender, date, time,
        group_control_number if group_control_number is not None else control_number, gs_version, sets,
    )  # fmt: skip
    return build_interchange(
        sender=ix.receiver,
        receiver=ix.sender,
        control_number=control_number,
        date=date,
        time=time,
        version=isa_version,
        usage=usage or ix.usage,
        delimiters=_ack_delimiters(delimiters or ix.delimiters, isa_version),
        groups=[spec],
        encoding=ix.encoding,
    )


def _default_isa_version(kind: AckKind, received: str) -> str:
    return max(received, "00501") if kind == "999" else received


def _default_version(kind: AckKind, group: FunctionalGroup) -> str:
    if kind == "999":
        return "005010X231A1"
    number = version_number(group.version)
    return f"{number:06d}" if number is not None and number >= 3010 else "004010"


def _ack_delimiters(d: Delimiters, isa_version: str) -> Delimiters:
    """The received delimiters, with a repetition separator picked when the ack's ISA12 needs one."""
    if isa_version < "00402" or d.repetition is not None:
        return d
    used = {d.element, d.component, d.segment}
    spare = next(c for c in _SPARE_REPETITION if c not in used)
    return replace(d, repetition=spare)


def ack_segments(
    kind: AckKind, group: FunctionalGroup, *, include_accepted: bool = True, full: bool
) -> list[SegmentSpec]:
    """The segments of one 997/999 set (between ST and SE) for ``group``. ``full`` adds the 005010 elements
    AK103 (GS08) and AK203 (ST03)."""
    segments: list[SegmentSpec] = [["AK1", group.functional_id, group.control_number, group.version if full else ""]]
    group_rejects = any(p.rejects for p in group.problems)
    accepted = 0
    statuses: list[str] = []
    for tx in group.transactions:
        status, codes = set_status(tx)
        statuses.append(status)
        accepted += status in ("A", "E")
        if status != "A" or include_accepted:
            segments += _set_loop(kind, tx, status, codes, full)
    if group_rejects:
        accepted = 0
    segments.append(_ak9(group, statuses, accepted, group_rejects))
    return segments


def set_status(tx: Transaction) -> tuple[str, list[str]]:
    """(AK501/IK501 status, AK502..506 codes) for one transaction set."""
    codes = [p.code for p in tx.problems if p.level == "transaction"]
    if any(p.level in ("segment", "element") for p in tx.problems):
        codes.append("5")
    status = "R" if any(p.rejects for p in tx.problems) else "E" if tx.problems else "A"
    return status, list(dict.fromkeys(codes))[:5]


def _set_loop(kind: AckKind, tx: Transaction, status: str, codes: list[str], full: bool) -> list[SegmentSpec]:
    loop: list[SegmentSpec] = [["AK2", tx.set_id, tx.control_number, tx.implementation_reference if full else ""]]
    seg_tag, elem_tag, end_tag = ("AK3", "AK4", "AK5") if kind == "997" else ("IK3", "IK4", "IK5")
    for (seg_id, position), found in _by_segment(tx.problems):
        segment_codes = [p.code for p in found if p.level == "segment"] or ["8"]
        elements = [p for p in found if p.level == "element"]
        for code in dict.fromkeys(segment_codes):
            loop.append([seg_tag, seg_id, str(position), "", code])
        for p in elements:
            loop.append([elem_tag, _element_position(kind, p), p.element_ref or "", p.code])
    loop.append([end_tag, status, *codes])
    return loop


def _by_segment(problems: Sequence[Problem]) -> list[tuple[tuple[str, int], list[Problem]]]:
    """Segment and element problems grouped by (segment id, position), in position order."""
    grouped: dict[tuple[str, int], list[Problem]] = {}
    for p in problems:
        if p.level in ("segment", "element") and p.position is not None:
            grouped.setdefault((p.segment or "", p.position), []).append(p)
    return sorted(grouped.items(), key=lambda item: item[0][1])


def _element_position(kind: AckKind, p: Problem) -> Element:
    parts = [str(p.element or ""), str(p.component or "")]
    if kind == "999":
        parts.append(str(p.repetition or ""))
    return tuple(parts)


def _ak9(group: FunctionalGroup, statuses: list[str], accepted: int, group_rejects: bool) -> SegmentSpec:
    received = len(statuses)
    declared = group.trailer.get(1) if group.trailer is not None else ""
    included = declared if declared.isascii() and declared.isdigit() else str(received)
    if group_rejects or (received and accepted == 0):
        status = "R"
    elif accepted < received:
        status = "P"
    elif "E" in statuses or group.problems:
        status = "E"
    else:
        status = "A"
    codes = list(dict.fromkeys(p.code for p in group.problems))[:5]
    return ["AK9", status, included, str(received), str(accepted), *codes]
