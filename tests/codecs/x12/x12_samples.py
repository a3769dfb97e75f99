"""Helpers for the X12 tests: a compact way to write interchanges around a few body segments."""

from __future__ import annotations

from collections.abc import Callable, Sequence

ISA_4010 = "ISA*00*          *00*          *ZZ*HOSPITAL       *ZZ*VENDOR         *240101*1200*U*00401*000000001*0*P*>"
ISA_5010 = "ISA*00*          *00*          *ZZ*HOSPITAL       *ZZ*VENDOR         *240101*1200*^*00501*000000001*0*P*:"

Maker = Callable[..., bytes]


def make_interchange(
    body: Sequence[str] = ("BEG*00*SA*PO-1**20240101", "PO1*1*2*EA*9.50**VN*A1"),
    *,
    set_id: str = "850",
    functional_id: str = "PO",
    version: str = "004010",
    se_count: int | None = None,
    st_number: str = "0001",
    se_number: str | None = None,
    ge_count: int | None = None,
    ge_number: str = "1",
    iea_count: int = 1,
    iea_number: str = "000000001",
    isa: str | None = None,
    sets: int = 1,
    terminator: str = "~\n",
) -> bytes:
    """An interchange with one group of ``sets`` identical sets around ``body`` (``st_number`` then 0002, ...),
    with counts right unless overridden."""
    isa = isa or (ISA_5010 if version >= "005010" else ISA_4010)
    lines = [isa, f"GS*{functional_id}*HOSPITAL*VENDOR*20240101*1200*1*X*{version}"]
    for n in range(sets):
        number = st_number if n == 0 else f"{n + 1:04d}"
        lines.append(f"ST*{set_id}*{number}")
        lines += body
        count = se_count if se_count is not None else len(body) + 2
        lines.append(f"SE*{count}*{se_number if se_number is not None and n == 0 else number}")
    lines.append(f"GE*{ge_count if ge_count is not None else sets}*{ge_number}")
    lines.append(f"IEA*{iea_count}*{iea_number}")
    return "".join(line + terminator for line in lines).encode()
