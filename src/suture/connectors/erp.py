"""The ERP port: how Suture reads master data from an ERP and writes approved changes back.

An ERP connector (Tryton over JSON-RPC today; a flat-file drop or a REST ERP tomorrow) implements
:class:`ErpPort`. It only moves data: which fields Suture may write, what to do with a pulled record and when
to retry are decided elsewhere (the ownership matrix, the master-data store, the retry policy).

Pull is incremental by the ERP's own change stamps::

    records = await erp.pull("item", since=None)          # everything
    mark = watermark(records, previous=None)               # newest change seen, by the ERP's clock
    ...
    changed = await erp.pull("item", since=mark)           # changed at or after ``mark`` (so may repeat some)

Deletions leave no stamp to pull; ``existing_ids`` lists what still exists (ids and active flags only), and
:mod:`suture.workflows.master_data.reconcile` compares it with the crosswalk::

    alive = await erp.existing_ids("item")                 # {"17": True, "18": False, ...}

Errors follow :mod:`suture.errors`: :class:`~suture.errors.RetryableError` for an ERP that is down or
busy, :class:`~suture.errors.PermanentError` for a refused call or a field the ERP cannot hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, runtime_checkable

from suture.canonical.base import Canonical, ExternalId

ErpKind = Literal["item", "vendor", "location", "cost_center"]
ERP_KINDS: tuple[ErpKind, ...] = ("item", "vendor", "location", "cost_center")


@dataclass(frozen=True)
class ErpRecord:
    """One master-data record as the ERP has it now.

    ``erp_id``: the ERP's own key (also ``external_ids[0]``, as ``(system, kind, erp_id)``);
    ``write_date``: when the ERP last changed it (aware, UTC; the newest stamp of all its parts);
    ``record``: the canonical model (:class:`~suture.canonical.models.Item` for ``item``, ...);
    ``external_ids``: every identifier for the crosswalk (ERP key and codes, GTINs, vendor catalog numbers);
    ``links``: canonical fields that refer to another ERP record, as field -> that record's ``erp_id``
    (e.g. ``{"facility": "5"}`` for a location inside warehouse 5); the store resolves them;
    ``problem``: set (and ``record`` None) when the ERP's record cannot be a canonical one (a negative price,
    say): the fields at fault, never their values, for a person to fix in the ERP. One bad record does not
    stop the others.
    """

    kind: ErpKind
    erp_id: str
    write_date: datetime
    record: Canonical | None
    external_ids: tuple[ExternalId, ...]
    links: Mapping[str, str] = field(default_factory=dict)
    problem: str = ""


@runtime_checkable
class ErpPort(Protocol):
    """What Suture needs of an ERP. ``system`` is the name external ids carry (``ExternalId.system``)."""

    system: str

    async def kinds(self) -> frozenset[ErpKind]:
        """The kinds this ERP holds (e.g. no ``cost_center`` when analytic accounting is not set up)."""
        ...

    async def pull(self, kind: ErpKind, since: datetime | None = None) -> list[ErpRecord]:
        """Every record of ``kind`` changed at or after ``since`` (all when None), oldest change first;
        deactivated records included (their status says so)."""
        ...

    async def existing_ids(self, kind: ErpKind) -> dict[str, bool]:
        """Every record of ``kind``'s ERP table that exists now, deactivated ones included, as
        ``erp_id -> active``: only ids and the active flag are read, so asking for all is cheap.

        For telling deleted records apart (an incremental pull cannot see a row that is gone), so not
        narrowed to what ``pull`` selects: a product turned into a service, or a party no longer a
        supplier, still exists. ERP ids are never reused."""
        ...

    async def push(self, kind: ErpKind, erp_id: str, fields: Mapping[str, Any]) -> None:
        """Write canonical ``fields`` (name -> new value) to one record, touching nothing else. A field the
        ERP cannot hold, or Suture may not write, raises PermanentError before anything is written."""
        ...

    async def close(self) -> None:
        """Release connections; idempotent."""
        ...


def watermark(records: Iterable[ErpRecord], previous: datetime | None,
              overlap: timedelta = timedelta(seconds=5)) -> datetime | None:
    """The ``since`` for the next pull: the newest ``write_date`` seen, less ``overlap``.

    ERPs stamp a change when its transaction starts, so a slow transaction can commit a stamp older than
    one already seen; the overlap re-reads that window (pulled records are idempotent upserts).

    >>> from datetime import UTC
    >>> r = ErpRecord("item", "1", datetime(2026, 1, 1, 12, tzinfo=UTC), Canonical(), ())
    >>> watermark([r], None).isoformat()
    '2026-01-01T11:59:55+00:00'
    """
    stamps = [r.write_date for r in records]
    if not stamps:
        return previous
    newest = max(stamps) - overlap
    return newest if previous is None or newest > previous else previous
