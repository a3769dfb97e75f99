"""The master-data sink: a channel route that applies each message to the canonical store.

Bad content (wrong message type, unparseable catalog, incomplete new record) is a permanent failure: the
delivery becomes a dead letter with the reason, the envelope stays in the journal for triage and replay.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from suture.canonical.base import ExternalId
from suture.codecs import hl7v2, x12
from suture.codecs.x12.readers import read_price_catalog
from suture.connectors.base import DeliveryResult, Outbound
from suture.errors import Location, PermanentError, RejectedInput
from suture.pipeline.config import MasterDataSinkConfig
from suture.transforms.hl7v2_mfn import mfn_to_updates
from suture.transforms.master_update import MasterUpdate
from suture.transforms.x12_832 import catalog_to_updates
from suture.workflows.master_data.service import MasterDataService

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


def _csv(kind: str, key_column: str) -> Reader:
    def read(payload: bytes, system: str) -> list[MasterUpdate]:
        rows = list(csv.DictReader(io.StringIO(payload.decode("utf-8-sig"))))
        out = []
        for line, row in enumerate(rows, start=2):
            key = (row.pop(key_column, "") or "").strip()
            if not key:
                raise RejectedInput(f"row without {key_column}", Location(line=line))
            fields = {k: v for k, v in row.items() if k and v not in (None, "")}
            out.append(MasterUpdate(kind, ExternalId(system=system, namespace=kind, value=key), fields))  # type: ignore[arg-type]
        return out

    return read


READERS: dict[str, Reader] = {"hl7v2-mfn": _mfn, "x12-832": _x12_832, "csv-items": _csv("item", "id"),
                              "csv-vendors": _csv("vendor", "id")}


class MasterDataSink:
    def __init__(self, name: str, config: MasterDataSinkConfig, service: MasterDataService) -> None:
        self.name, self.config, self.service = name, config, service
        self._read = READERS[config.format]

    async def start(self) -> None:
        """Nothing to open: the service shares the engine's store."""

    async def close(self) -> None:
        """Nothing to close."""

    async def deliver(self, item: Outbound) -> DeliveryResult:
        try:
            updates = self._read(item.payload, self.config.system)
        except RejectedInput as exc:
            raise PermanentError(f"{self.config.format}: {exc}") from exc
        created = changed = requests = 0
        for update in updates:
            result = await self.service.apply(update, message_id=item.message_id)
            created += result.created
            changed += bool(result.applied) and not result.created
            requests += result.change_request is not None
        return DeliveryResult(f"{len(updates)} record(s): {created} created, {changed} updated, "
                              f"{requests} change request(s)")
