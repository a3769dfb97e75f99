"""Config for the Tryton ERP connector."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from suture.config.base import Strict

if TYPE_CHECKING:
    from suture.canonical.ownership import OwnershipMatrix
    from suture.connectors.tryton.erp import TrytonErp


class TrytonErpConfig(Strict):
    """A Tryton 7.0 server reached over JSON-RPC at ``url`` (``http://host:8000``), database ``database``."""

    type: Literal["tryton"] = "tryton"
    url: str
    database: str
    login: str = "admin"
    password: str = Field(repr=False)
    system: str = Field(default="erp", description="the system name Suture's external ids carry")
    timeout_s: float = Field(default=30.0, gt=0)
    item_types: tuple[str, ...] = Field(default=("goods", "assets"), description="template types pulled as items")
    vendor_category: str | None = Field(
        default="Supplier", description="party category that marks a supplier (besides product supplier lists)")
    page_size: int = Field(default=500, gt=0, le=10_000)

    def build(self, matrix: OwnershipMatrix | None = None) -> TrytonErp:
        from suture.connectors.tryton.client import TrytonClient
        from suture.connectors.tryton.erp import TrytonErp

        client = TrytonClient(self.url, self.database, self.login, self.password, timeout_s=self.timeout_s)
        return TrytonErp(client, system=self.system, matrix=matrix, item_types=self.item_types,
                         vendor_category=self.vendor_category, page_size=self.page_size)
