"""Engine settings (``suture.yaml``) with ``SUTURE_`` environment overrides."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from suture.canonical.ownership import DEFAULT_MATRIX, OwnershipMatrix
from suture.config.base import Strict
from suture.connectors.tryton.config import TrytonErpConfig


class ApiSettings(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


class MasterDataSettings(Strict):
    """Master data governance: which system owns which object and field, and what Suture may write back."""

    ownership: OwnershipMatrix = Field(default_factory=lambda: DEFAULT_MATRIX)
    erp: TrytonErpConfig | None = Field(default=None, description="the ERP connector (Tryton 7.0 over JSON-RPC)")
    erp_poll_interval_s: float = Field(default=60.0, gt=0, description="how often to pull ERP changes")
    erp_reconcile_interval_s: float = Field(
        default=600.0, gt=0, description="how often to compare the ERP's ids with the store to find deletions")


class Settings(Strict):
    """Top-level engine settings. Relative paths are relative to the directory of ``suture.yaml``.

    Environment overrides: ``SUTURE_DATABASE_URL``, ``SUTURE_DATA_DIR``, ``SUTURE_CHANNELS_DIR``,
    ``SUTURE_API__PORT`` (double underscore for nested keys), ...
    """

    data_dir: str = Field(default="./var", description="journal, admin token and runtime files")
    database_url: str = Field(
        default="sqlite:///./var/suture.db",
        description="sqlite:///path (WAL, synchronous=FULL) or postgresql://user@host:port/db",
    )
    channels_dir: str = "./channels"
    api: ApiSettings = Field(default_factory=ApiSettings)
    admin_token_file: str = Field(default="./var/admin.token", description="created on first run, mode 0600")
    log_level: str = "INFO"
    master_data: MasterDataSettings = Field(default_factory=MasterDataSettings)
    group_commit_max: int = Field(default=256, ge=1, description="most journal writes in one transaction")
    journal_writer: Literal["auto", "loop", "thread"] = Field(
        default="auto", description="where journal commits run: loop (the event loop's thread; bulk writes "
        "go to a worker thread), thread (a writer thread), auto (loop for SQLite, thread for PostgreSQL)")
    group_commit_linger: int = Field(
        default=4, ge=0, le=64, description="loop writer: event-loop passes a commit waits for more writes when "
        "the previous commit had several (0: commit at once)")
    group_commit_linger_ms: float = Field(
        default=1.0, ge=0, le=50, description="thread writer: longest wait for as many writes as the previous "
        "commit had, when it had several (0: commit at once)")
    event_loop: Literal["auto", "uvloop", "asyncio"] = Field(
        default="auto", description="auto: uvloop where installed (Linux, macOS), else asyncio's own loop")
