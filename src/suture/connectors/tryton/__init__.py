"""Tryton ERP over JSON-RPC: :class:`TrytonClient` and the :class:`TrytonErp` connector."""

from suture.connectors.tryton.client import TrytonClient, TrytonError
from suture.connectors.tryton.erp import TrytonErp

__all__ = ["TrytonClient", "TrytonErp", "TrytonError"]
