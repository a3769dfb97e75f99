"""Canonical master data: the one view Suture keeps of items, vendors, locations, cost centers, contracts
and workers. Pure values; versions, history and crosswalks live in the store.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from suture.canonical.base import Canonical

Status = Literal["active", "inactive", "blocked", "discontinued"]


class UnitConversion(Canonical):
    """``1 uom = factor * base_uom`` (e.g. BX = 10 EA)."""

    uom: str = Field(min_length=1, max_length=16)
    factor: Decimal = Field(gt=0)


class ParLevel(Canonical):
    location: str  # canonical location id
    par: Decimal = Field(ge=0)
    reorder_point: Decimal | None = Field(default=None, ge=0)
    uom: str | None = None


class Substitute(Canonical):
    """An approved (or proposed) substitute item; only ``approved`` ones may be used."""

    item: str  # canonical item id
    state: Literal["proposed", "approved", "rejected", "retired"] = "proposed"
    reason: str = ""
    approved_by: str | None = None


class Item(Canonical):
    """A supply or implant item."""

    description: str = Field(min_length=1)
    clinical_description: str | None = None
    base_uom: str = Field(default="EA", min_length=1, max_length=16)
    conversions: tuple[UnitConversion, ...] = ()
    gtins: tuple[str, ...] = ()
    udi_device_identifiers: tuple[str, ...] = ()
    manufacturer: str | None = None
    manufacturer_catalog_number: str | None = None
    vendor_catalog_number: str | None = None
    implantable: bool = False
    lot_controlled: bool = False
    serial_controlled: bool = False
    chargeable: bool = False
    charge_code: str | None = None
    price: Decimal | None = Field(default=None, ge=0, description="ERP standard cost / price per base UOM")
    gl_account: str | None = None
    par_levels: tuple[ParLevel, ...] = ()
    substitutes: tuple[Substitute, ...] = ()
    status: Status = "active"

    @model_validator(mode="after")
    def _charge_code_when_chargeable(self) -> Item:
        if self.chargeable and not self.charge_code:
            raise ValueError("a chargeable item needs a charge_code")
        return self

    def factor(self, uom: str) -> Decimal:
        """How many base units one ``uom`` holds.

        >>> Item(description="x", conversions=(UnitConversion(uom="BX", factor=Decimal(10)),)).factor("BX")
        Decimal('10')
        """
        if uom == self.base_uom:
            return Decimal(1)
        for c in self.conversions:
            if c.uom == uom:
                return c.factor
        raise KeyError(f"no conversion from {uom} to {self.base_uom}")


class Vendor(Canonical):
    name: str = Field(min_length=1)
    duns: str | None = Field(default=None, pattern=r"^\d{9}$")
    gln: str | None = Field(default=None, pattern=r"^\d{13}$")
    status: Status = "active"
    payment_terms: str | None = None


class Location(Canonical):
    name: str = Field(min_length=1)
    kind: Literal["facility", "department", "inventory", "procedure_room", "dock"] = "inventory"
    facility: str | None = None  # canonical id of the facility location
    department: str | None = None
    gln: str | None = Field(default=None, pattern=r"^\d{13}$")
    status: Status = "active"


class FinancialDimensions(Canonical):
    company: str
    account: str | None = None
    department: str | None = None
    project: str | None = None


class CostCenter(Canonical):
    name: str = Field(min_length=1)
    dimensions: FinancialDimensions
    manager: str | None = None  # canonical worker id
    status: Status = "active"


class PriceTier(Canonical):
    min_quantity: Decimal = Field(ge=0)
    price: Decimal = Field(ge=0)


class ContractPrice(Canonical):
    item: str  # canonical item id
    uom: str
    price: Decimal = Field(ge=0)
    tiers: tuple[PriceTier, ...] = ()
    valid_from: date | None = None
    valid_to: date | None = None

    def price_for(self, quantity: Decimal) -> Decimal:
        """Unit price for an order quantity, taking the best tier reached."""
        best = self.price
        for tier in sorted(self.tiers, key=lambda t: t.min_quantity):
            if quantity >= tier.min_quantity:
                best = tier.price
        return best


class Contract(Canonical):
    vendor: str  # canonical vendor id
    number: str
    valid_from: date | None = None
    valid_to: date | None = None
    prices: tuple[ContractPrice, ...] = ()
    status: Status = "active"


class Worker(Canonical):
    name: str = Field(min_length=1)
    hr_id: str | None = None
    role: str | None = None
    department: str | None = None
    status: Status = "active"


MODELS: dict[str, type[Canonical]] = {
    "item": Item, "vendor": Vendor, "location": Location, "cost_center": CostCenter, "contract": Contract,
    "worker": Worker,
}
