"""Divergence report: fields of the same canonical record that two systems report differently (pure)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True)
class Difference:
    canonical_id: str
    field: str
    left: Any
    right: Any


@dataclass
class DivergenceReport:
    kind: str
    left: str
    right: str
    compared: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, Any]:
        by_field = Counter(d.field for d in self.differences)
        return {"records_compared": self.compared, "records_diverging": len({d.canonical_id for d in self.differences}),
                "differences": len(self.differences), "by_field": dict(sorted(by_field.items()))}

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "left": self.left, "right": self.right, "counts": self.counts,
                "differences": [d.__dict__ for d in self.differences]}

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["canonical_id", "field", self.left, self.right])
        for d in self.differences:
            writer.writerow([d.canonical_id, d.field, _cell(d.left), _cell(d.right)])
        return out.getvalue()


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def compare(kind: str, left: str, right: str,
            pairs: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]]) -> DivergenceReport:
    """Compare the fields both systems reported for each record; a field only one side knows is skipped.

    >>> r = compare("item", "erp", "procurement", [("i1", {"price": "10", "uom": "EA"}, {"price": "9"})])
    >>> [(d.field, d.left, d.right) for d in r.differences], r.counts["records_diverging"]
    ([('price', '10', '9')], 1)
    """
    report = DivergenceReport(kind, left, right)
    for canonical_id, a, b in pairs:
        report.compared += 1
        for name in sorted(a.keys() & b.keys()):
            if _norm(a[name]) != _norm(b[name]):
                report.differences.append(Difference(canonical_id, name, a[name], b[name]))
    return report


def _norm(value: Any) -> Any:
    """Numbers compare by value ("10.00" == 10), text without surrounding blanks."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str | int | float | Decimal) and not isinstance(text, bool):
        try:
            return Decimal(str(text)).normalize()
        except InvalidOperation:
            return text
    return text
