"""Building new interchanges: envelopes padded and counted here, content given as segment specs.

The result is parsed back before it is returned, so what a builder hands out is exactly what a receiver
would read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .delimiters import DEFAULT_DELIMITERS, Delimiters
from .isa import WIDTHS
from .model import Interchange
from .parser import parse
from .writer import SegmentSpec, write_segment


@dataclass(frozen=True)
class TransactionSpec:
    """One transaction set to write: ST01, ST02 (an int is zero-padded to 4 digits) and the segments
    between ST and SE. ``implementation_reference`` is ST03 (005010 and later)."""

    set_id: str
    control_number: int | str
    segments: Sequence[SegmentSpec]
    implementation_reference: str = ""


@dataclass(frozen=True)
class GroupSpec:
    """One functional group to write. ``date`` is CCYYMMDD, ``time`` HHMM; ``version`` is GS08."""

    functional_id: str
    sender: str
    receiver: str
    date: str
    time: str
    control_number: int
    version: str
    transactions: Sequence[TransactionSpec] = field(default_factory=tuple)
    agency: str = "X"


def build_interchange(
    *,
    sender: tuple[str, str],
    receiver: tuple[str, str],
    control_number: int,
    date: str,
    time: str,
    version: str = "00401",
    usage: str = "P",
    delimiters: Delimiters = DEFAULT_DELIMITERS,
    groups: Sequence[GroupSpec] = (),
    acknowledgment_requested: bool = False,
    authorization: tuple[str, str] = ("00", ""),
    security: tuple[str, str] = ("00", ""),
    encoding: str = "utf-8",
) -> Interchange:
    """A new interchange with every ISA field at its fixed width and every count and trailer computed.

    ``sender``/``receiver`` are (qualifier, id); ``date`` is YYMMDD (a CCYYMMDD date is cut to its last six
    digits), ``time`` HHMM; ``control_number`` becomes ISA13/IEA02. ISA11 is the repetition separator from
    version 00402 on, ``U`` before. Raises ValueError for a value that does not fit its field or would
    contain a delimiter.

    >>> ix = build_interchange(sender=("ZZ", "BUYER"), receiver=("ZZ", "SELLER"), control_number=42,
    ...     date="240315", time="0930", groups=[GroupSpec("PO", "BUYER", "SELLER", "20240315", "0930", 7, "004010",
    ...     [TransactionSpec("850", 1, [["BEG", "00", "SA", "PO-1", "", "20240315"]])])])
    >>> print(ix.to_bytes().decode())  # doctest: +NORMALIZE_WHITESPACE
    ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *240315*0930*U*00401*000000042*0*P*:~
    GS*PO*BUYER*SELLER*20240315*0930*7*X*004010~
    ST*850*0001~
    BEG*00*SA*PO-1**20240315~
    SE*3*0001~
    GE*1*7~
    IEA*1*000000042~
    """
    delimiters.check()
    d = _delimiters_for(version, delimiters)
    head = [*authorization, *security, *sender, *receiver]
    isa = _isa(head, control_number, date, time, version, usage, d, acknowledgment_requested)
    lines = [d.element.join([*isa, d.component])]
    for group in groups:
        lines += _group(group, d)
    lines.append(write_segment(["IEA", str(len(groups)), isa[13]], d))
    text = "".join(line + d.segment_end for line in lines)
    return parse(text.encode(encoding))


def _delimiters_for(version: str, d: Delimiters) -> Delimiters:
    if not (len(version) == 5 and version.isascii() and version.isdigit()):
        raise ValueError("version (ISA12) must be 5 digits, e.g. 00401 or 00501")
    if version < "00402":
        return replace(d, repetition=None)
    if d.repetition is None:
        raise ValueError("ISA12 00402 and later declare a repetition separator in ISA11: give one")
    return d


def _isa(
    head: list[str],
    control_number: int,
    date: str,
    time: str,
    version: str,
    usage: str,
    d: Delimiters,
    ack: bool,
) -> list[str]:
    date = date[2:] if len(date) == 8 else date
    if not (len(date) == 6 and date.isascii() and date.isdigit()):
        raise ValueError("date must be YYMMDD (or CCYYMMDD)")
    if not (len(time) == 4 and time.isascii() and time.isdigit()):
        raise ValueError("time must be HHMM")
    if not 0 <= control_number <= 999_999_999:
        raise ValueError("control_number must fit 9 digits")
    if usage not in ("P", "T", "I"):
        raise ValueError("usage must be P, T or I")
    values = [*head, date, time, d.repetition or "U", version, f"{control_number:09d}", "1" if ack else "0", usage]
    return ["ISA", *(_pad(n, v) for n, v in enumerate(values, 1))]


def _pad(n: int, value: str) -> str:
    width = WIDTHS[n - 1]
    if len(value) > width or (n in (1, 3, 5, 7) and len(value) != width):
        raise ValueError(f"ISA{n:02d} must be {'exactly' if n in (1, 3, 5, 7) else 'at most'} {width} characters")
    if n in (6, 8) and not value.strip():
        raise ValueError(f"ISA{n:02d} (interchange {'sender' if n == 6 else 'receiver'} id) must not be blank")
    return value.ljust(width)


def _group(group: GroupSpec, d: Delimiters) -> list[str]:
    if not (len(group.date) == 8 and group.date.isdigit()):
        raise ValueError("a group's date (GS04) must be CCYYMMDD")
    gs = ["GS", group.functional_id, group.sender, group.receiver, group.date, group.time]
    gs += [str(group.control_number), group.agency, group.version]
    lines = [write_segment(gs, d)]
    numbers = [_st02(tx) for tx in group.transactions]
    if len(set(numbers)) != len(numbers):
        raise ValueError("transaction set control numbers (ST02) must be unique within a group")
    for tx in group.transactions:
        lines += _transaction(tx, d)
    lines.append(write_segment(["GE", str(len(group.transactions)), str(group.control_number)], d))
    return lines


def _st02(tx: TransactionSpec) -> str:
    return f"{tx.control_number:04d}" if isinstance(tx.control_number, int) else tx.control_number


def _transaction(tx: TransactionSpec, d: Delimiters) -> list[str]:
    number = _st02(tx)
    lines = [write_segment(["ST", tx.set_id, number, tx.implementation_reference], d)]
    lines += [write_segment(spec, d) for spec in tx.segments]
    lines.append(write_segment(["SE", str(len(lines) + 1), number], d))
    return lines
