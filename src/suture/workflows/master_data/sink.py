"""The master-data sink: a channel route that applies each message to the canonical store.

Bad content (wrong message type, unparseable catalog, incomplete new record) is a permanent failure: the
delivery becomes a dead letter with the reason, the envelope stays in the journal for triage and replay.

CSV files are read with the bulk importer's column layout (:mod:`suture.transforms.csv_master`), so a file
gives the same records either way; the feed is governed (the ownership matrix decides what applies) where
the bulk import is not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from suture.canonical.base import ExternalId, ObjectKind, Provenance
from suture.canonical.models import MODELS
from suture.codecs import hl7v2, x12
from suture.codecs.x12.readers import read_price_catalog
from suture.connectors.base import DeliveryResult, Outbound
from suture.errors import Location, PermanentError, RejectedInput
from suture.pipeline.config import MasterDataSinkConfig
from suture.store.masterdata import validate
from suture.store.masterdata_queries import ID_PATTERN
from suture.transforms.csv_master import CsvLayout, CsvRecord, CsvRejected, Problem, csv_to_records, record_to_update
from suture.transforms.hl7v2_mfn import mfn_to_updates
from suture.transforms.master_update import MasterUpdate
from suture.transforms.x12_832 import catalog_to_updates
from suture.workflows.master_data.service import ApplyResult, MasterDataService

Reader = Callable[[bytes, str], list[MasterUpdate]]


def _mfn(payload: bytes, system: str) -> list[MasterUpdate]:
    return mfn_to_updates(hl7v2.parse(payload), system)


def _x12_832(payload: bytes, system: str) -> list[MasterUpdate]:
    interchange = x12.parse(payload)
    updates: list[MasterUpdate] = []
    for tx in interchange.transactions:
        if tx.set_id == "832":
            updates.extend(catalog_to_updates(read_price_catalog(tx), system))
    if not updates:
        raise RejectedInput("no 832 price catalog in the interchange")
    return updates


READERS: dict[str, Reader] = {"hl7v2-mfn": _mfn, "x12-832": _x12_832}
CSV_KINDS: dict[str, ObjectKind] = {"csv-items": "item", "csv-vendors": "vendor"}
ID_RULE = "must be 1-64 letters, digits or . _ : - (starting with a letter or digit)"


@dataclass(frozen=True)
class _Row:
    """A checked CSV row: its update, the record it names or matches (None: a new one), whether that exists."""

    record: CsvRecord
    update: MasterUpdate
    target: str | None
    exists: bool


class CsvFeed:
    """Applies a CSV file through the governed service, each row meaning what it means to the bulk importer.

    A row's ``id`` is the canonical record; a row without one updates the record its first known external
    id names, else makes a new one. The update is keyed by the sender's own id
    (:func:`~suture.transforms.csv_master.record_to_update`), which is linked to the named record first (the
    record made first when the id is new), so the service finds it. Every row is checked before any applies
    (cell types; required fields and rules across fields on the merged record; ids held by other records; a
    record named twice): one bad row refuses the message, naming its line and column.
    """

    def __init__(self, kind: ObjectKind, service: MasterDataService, system: str) -> None:
        self.kind, self.service, self.system = kind, service, system

    async def apply(self, payload: bytes, message_id: str | None) -> list[ApplyResult]:
        rows = await self._plan(_decode(payload))
        return [await self._apply(row, message_id) for row in rows]

    async def _plan(self, text: str) -> list[_Row]:
        file = csv_to_records(text, self.kind)
        problems: list[Problem] = []
        named: dict[object, int] = {}  # every record id and external id named so far -> the first line naming it
        rows = []
        for record in file.records:
            row = await self._check(file.layout, record, problems)
            if row is None:
                continue
            names: list[tuple[object, str]] = [(row.target, "id")] if row.target is not None else []
            names += [((x.system, x.namespace, x.value), self._column(file.layout, record, x))
                      for x in _ids(record, row.update)]
            again = [(column, named[name]) for name, column in names if name in named]
            if again:
                problems.append((record.line, again[0][0], f"same record as line {again[0][1]}"))
            for name, _ in names:
                named.setdefault(name, record.line)
            rows.append(row)
        if problems:
            raise CsvRejected(problems, file.layout.header)
        return rows

    async def _check(self, layout: CsvLayout, record: CsvRecord, problems: list[Problem]) -> _Row | None:
        try:
            update = record_to_update(record, self.kind, self.system)
        except RejectedInput as exc:
            problems.append((record.line, "", exc.reason))
            return None
        if record.id is not None and not ID_PATTERN.match(record.id):
            problems.append((record.line, "id", ID_RULE))
            return None
        claims = [(self._column(layout, record, ext), self._holder(ext)) for ext in _ids(record, update)]
        target = record.id or next((holder for _, holder in claims if holder is not None), None)
        found = [(record.line, column, f"already claimed by {holder}") for column, holder in claims
                 if holder is not None and holder != target]
        current = await self.service.store.get(self.kind, target) if target is not None else None
        _, invalid = validate(MODELS[self.kind], {**(current.data if current else {}), **record.fields})
        found += [(record.line, layout.column(name), message) for name, message in invalid]
        problems += found
        return None if found else _Row(record, update, target, current is not None)

    def _holder(self, ext: ExternalId) -> str | None:
        return self.service.cache.resolve(self.kind, ext.system, ext.namespace, ext.value)

    @staticmethod
    def _column(layout: CsvLayout, record: CsvRecord, ext: ExternalId) -> str:
        return layout.column(f"xref:{ext.system}:{ext.namespace}") if ext in record.external_ids else "id"

    async def _apply(self, row: _Row, message_id: str | None) -> ApplyResult:
        try:
            if row.target is not None and self._holder(row.update.key) != row.target:
                await self._link(row, row.target, message_id)
            result = await self.service.apply(row.update, message_id=message_id)
        except (PermanentError, RejectedInput) as exc:  # a row that passed the checks, refused in the meantime
            raise RejectedInput(str(exc), Location(line=row.record.line)) from exc
        result.created = result.created or not row.exists
        return result

    async def _link(self, row: _Row, target: str, message_id: str | None) -> None:
        """Make the named record (when new) and link the sender's key to it, for the governed apply."""
        store = self.service.store
        if not row.exists:
            await store.put(self.kind, target, dict(row.record.fields), Provenance(system=self.system,
                                                                                    message_id=message_id))
        await store.add_xref(self.kind, target, row.update.key, system_of_caller=self.system, message_id=message_id)


def _ids(record: CsvRecord, update: MasterUpdate) -> list[ExternalId]:
    """The row's external ids in column order (the first known one names the record), then the key made
    from its ``id`` when the row has no id of the sender's own."""
    return [*record.external_ids, *(() if update.key in record.external_ids else (update.key,))]


def _decode(payload: bytes) -> str:
    try:
        return payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RejectedInput("not UTF-8 text", Location(line=payload.count(b"\n", 0, exc.start) + 1)) from None


class MasterDataSink:
    def __init__(self, name: str, config: MasterDataSinkConfig, service: MasterDataService) -> None:
        self.name, self.config, self.service = name, config, service
        kind = CSV_KINDS.get(config.format)
        self._csv = CsvFeed(kind, service, config.system) if kind is not None else None
        self._read = READERS.get(config.format)

    async def start(self) -> None:
        """Nothing to open: the service shares the engine's store."""

    async def close(self) -> None:
        """Nothing to close."""

    async def deliver(self, item: Outbound) -> DeliveryResult:
        try:
            results = await self._apply(item)
        except RejectedInput as exc:
            raise PermanentError(f"{self.config.format}: {exc}") from exc
        created = sum(r.created for r in results)
        changed = sum(bool(r.applied) and not r.created for r in results)
        requests = sum(r.change_request is not None for r in results)
        return DeliveryResult(f"{len(results)} record(s): {created} created, {changed} updated, "
                              f"{requests} change request(s)")

    async def _apply(self, item: Outbound) -> list[ApplyResult]:
        if self._csv is not None:
            return await self._csv.apply(item.payload, item.message_id)
        assert self._read is not None  # the config's format is one of READERS or CSV_KINDS
        updates = self._read(item.payload, self.config.system)
        return [await self.service.apply(update, message_id=item.message_id) for update in updates]
