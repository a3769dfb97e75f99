"""Channel configuration: source -> filters -> transforms -> routes -> sinks.

Sources, sinks and transforms are discriminated unions on ``type``; each member builds its own runtime
object, so the runtime never compares type strings.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from suture.config.base import Strict
from suture.connectors.base import BuildContext, Sink
from suture.connectors.directory.config import DirectorySourceConfig
from suture.connectors.file.config import FileSinkConfig
from suture.connectors.http.config import HttpSinkConfig, HttpSourceConfig
from suture.connectors.log.config import LogSinkConfig
from suture.connectors.mllp.config import MllpSinkConfig, MllpSourceConfig

SourceConfig = Annotated[
    MllpSourceConfig | HttpSourceConfig | DirectorySourceConfig, Field(discriminator="type")
]


class MasterDataSinkConfig(Strict):
    """Apply each message to the canonical master data, governed by the system-of-record matrix.

    ``format``: ``hl7v2-mfn`` (MFN^M16 item master / MFN^M15 inventory items), ``x12-832`` (price catalog),
    ``csv-items`` / ``csv-vendors`` (one object per row). ``system`` names the sender in the matrix.
    """

    type: Literal["master-data"] = "master-data"
    format: Literal["hl7v2-mfn", "x12-832", "csv-items", "csv-vendors"]
    system: str = Field(min_length=1, description="the sending system, as named in the ownership matrix")

    def build(self, name: str, ctx: BuildContext) -> Sink:
        return ctx.master_data_sink(name, self)


SinkConfig = Annotated[
    MllpSinkConfig | HttpSinkConfig | FileSinkConfig | LogSinkConfig | MasterDataSinkConfig,
    Field(discriminator="type"),
]

NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"
PATH = r"^[A-Z][A-Z0-9]{2}(\[\d+\])?-\d+(\[\d+\])?(\.\d+){0,2}$"
PathStr = Annotated[str, Field(pattern=PATH, description="HL7 path such as PID-3[2].1")]


class Condition(Strict):
    """A predicate on one message path; exactly one operator.

    ``{path: MSH-9.1, in: [DFT, RDS]}``, ``{path: PV1-2, equals: I}``, ``{path: PID-3.1, exists: true}``.
    """

    path: PathStr
    equals: str | None = None
    not_equals: str | None = None
    in_: list[str] | None = Field(default=None, alias="in")
    not_in: list[str] | None = None
    matches: str | None = Field(default=None, description="regular expression, searched")
    exists: bool | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        names = ("equals", "not_equals", "in_", "not_in", "matches", "exists")
        ops = [k for k in names if getattr(self, k) is not None]
        if len(ops) != 1:
            raise ValueError("give exactly one of equals, not_equals, in, not_in, matches, exists")
        if self.matches is not None:
            re.compile(self.matches)
        return self


class AllOf(Strict):
    all: list[Filter] = Field(min_length=1)


class AnyOf(Strict):
    any: list[Filter] = Field(min_length=1)


class NotOf(Strict):
    not_: Filter = Field(alias="not")


def _filter_kind(value: Any) -> str:
    if isinstance(value, dict):
        for key in ("all", "any", "not"):
            if key in value:
                return key
        return "condition"
    kinds: dict[type, str] = {AllOf: "all", AnyOf: "any", NotOf: "not"}
    return kinds.get(type(value), "condition")


Filter = Annotated[
    Annotated[Condition, Tag("condition")] | Annotated[AllOf, Tag("all")] | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")],
    Discriminator(_filter_kind),
]


class SetField(Strict):
    """Set a path to a constant value."""

    type: Literal["set"]
    path: PathStr
    value: str


class CopyField(Strict):
    """Copy one path's value to another."""

    type: Literal["copy"]
    from_: PathStr = Field(alias="from")
    to: PathStr


class MapValue(Strict):
    """Replace a path's value through a lookup table; values not in the table keep or take ``default``."""

    type: Literal["map"]
    path: PathStr
    values: dict[str, str]
    default: str | None = None


class ClearField(Strict):
    """Empty a path (e.g. strip patient identifiers from a supply-chain flow)."""

    type: Literal["clear"]
    path: PathStr


class PythonTransform(Strict):
    """Call ``package.module:function`` (or dotted ``package.module.function``) with the parsed message.

    It returns the message (changed in place or a new one), raw ``bytes`` to send, or ``None`` to drop.
    """

    type: Literal["python"]
    callable: str = Field(pattern=r"^[A-Za-z_][\w.]*([:.][A-Za-z_]\w*)$")


Transform = Annotated[
    SetField | CopyField | MapValue | ClearField | PythonTransform, Field(discriminator="type")
]


class RetryPolicy(Strict):
    """Exponential backoff with jitter; a delivery is dead-lettered once attempts or age run out."""

    max_attempts: int | None = Field(default=10, ge=1, description="None: limited by max_age_s only")
    max_age_s: float | None = Field(default=24 * 3600, gt=0)
    initial_backoff_s: float = Field(default=1.0, gt=0)
    max_backoff_s: float = Field(default=300.0, gt=0)
    multiplier: float = Field(default=2.0, ge=1)
    jitter: float = Field(default=0.2, ge=0, le=1, description="+/- fraction of each backoff")


class Route(Strict):
    """One destination of a channel: its own filters, transforms, durable queue and retry policy."""

    name: str = Field(pattern=NAME)
    sink: SinkConfig
    filters: list[Filter] = Field(default_factory=list)
    transforms: list[Transform] = Field(default_factory=list)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    order_by: PathStr | None = Field(
        default=None, description="deliver in order per value of this path (e.g. PID-3.1); other keys go on"
    )
    concurrency: int = Field(default=16, ge=1, le=256, description="deliveries in flight for this route")


class ChannelConfig(Strict):
    """A channel: one source, shared filters/transforms, one or more routes."""

    name: str = Field(pattern=NAME)
    description: str = ""
    enabled: bool = True
    source: SourceConfig
    format: Literal["hl7v2", "raw"] = Field(
        default="hl7v2", description="hl7v2: parse, validate, ACK; raw: store and forward bytes as they are"
    )
    idempotency_key: list[PathStr] = Field(
        default_factory=lambda: ["MSH-10", "MSH-3", "MSH-4"],
        description="paths whose values identify a message; a repeat is ACKed but not processed again",
    )
    filters: list[Filter] = Field(default_factory=list)
    transforms: list[Transform] = Field(default_factory=list)
    routes: list[Route] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_routes(self) -> ChannelConfig:
        names = [r.name for r in self.routes]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"route names must be unique in a channel: {', '.join(dupes)}")
        return self


for _model in (AllOf, AnyOf, NotOf):
    _model.model_rebuild()


def json_schema() -> dict[str, Any]:
    """The channel file's JSON schema (used to generate docs/channels.md)."""
    return ChannelConfig.model_json_schema(by_alias=True)
