"""Generate docs/channels.md from the config models (`python scripts/gen_channel_docs.py`).

A test checks that the committed file matches, so the reference cannot drift from the code.
"""

from __future__ import annotations

import inspect
import sys
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from suture.config.base import TlsClientConfig, TlsServerConfig
from suture.config.settings import ApiSettings, MasterDataSettings, Settings
from suture.connectors.tryton.config import TrytonErpConfig
from suture.connectors.directory.config import DirectorySourceConfig
from suture.connectors.file.config import FileSinkConfig
from suture.connectors.http.config import HttpSinkConfig, HttpSourceConfig
from suture.connectors.log.config import LogSinkConfig
from suture.connectors.mllp.config import MllpSinkConfig, MllpSourceConfig
from suture.pipeline import config as pc

OUT = Path(__file__).resolve().parent.parent / "docs" / "channels.md"

SECTIONS: list[tuple[str, list[type[BaseModel]]]] = [
    ("Engine settings (suture.yaml)", [Settings, ApiSettings, MasterDataSettings, TrytonErpConfig]),
    ("Channel file (channels/*.yaml)", [pc.ChannelConfig, pc.Route, pc.RetryPolicy]),
    ("Sources (`source.type`)", [MllpSourceConfig, HttpSourceConfig, DirectorySourceConfig, TlsServerConfig]),
    ("Sinks (`routes[].sink.type`)",
     [MllpSinkConfig, HttpSinkConfig, FileSinkConfig, LogSinkConfig, pc.MasterDataSinkConfig, TlsClientConfig]),
    ("Filters (`filters`, `routes[].filters`)", [pc.Condition, pc.AllOf, pc.AnyOf, pc.NotOf]),
    ("Transforms (`transforms`, `routes[].transforms`, by `type`)",
     [pc.SetField, pc.CopyField, pc.MapValue, pc.ClearField, pc.PythonTransform]),
]

EXAMPLE = """\
```yaml
name: hl7-inbound
source: {type: mllp, port: 2575}
filters:
  - path: MSH-9.1
    in: [ADT, DFT, RDS]
routes:
  - name: erp-charges
    filters: [{path: MSH-9.1, in: [DFT]}]
    transforms:
      - {type: set, path: MSH-5, value: ERP}
      - {type: clear, path: PID-5}
    order_by: PID-3.1
    sink: {type: http, url: "http://erp.local/charges"}
    retry: {max_attempts: 20, initial_backoff_s: 1, max_backoff_s: 300}
```
"""


def type_name(annotation: typing.Any) -> str:
    text = str(annotation) if not inspect.isclass(annotation) else annotation.__name__
    for noise in ("typing.", "suture.pipeline.config.", "suture.config.base.", "NoneType"):
        text = text.replace(noise, "" if noise != "NoneType" else "None")
    if "Annotated[" in text and "Discriminator" in text:
        return "filter"
    if "Annotated[" in text:
        text = text.split("Annotated[", 1)[1].split(",", 1)[0]
    return text.replace("|", "\\|")


def default(field: typing.Any) -> str:
    if field.default is not PydanticUndefined:
        return f"`{field.default!r}`"
    if field.default_factory is not None:
        value = field.default_factory()
        return f"`{value!r}`" if not isinstance(value, BaseModel) else "defaults"
    return "**required**"


def model_table(model: type[BaseModel]) -> str:
    doc = inspect.cleandoc(model.__doc__ or "").replace("\n", " ")
    lines = [f"### {model.__name__}", "", doc, "", "| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for name, field in model.model_fields.items():
        key = field.alias or name
        lines.append(f"| `{key}` | {type_name(field.annotation)} | {default(field)} | {field.description or ''} |")
    return "\n".join(lines) + "\n"


def render() -> str:
    parts = ["# Channel and settings reference", "",
             "_Generated from the configuration models by `scripts/gen_channel_docs.py`; do not edit by hand._", "",
             "Unknown keys are errors. `suture check-config` reports each mistake as `file:line: field: message`.",
             "Message paths look like `PID-3[2].1` (segment, optional occurrence `OBX[2]`, field, repetition,",
             "component, subcomponent).", "", "Example:", "", EXAMPLE]
    for title, models in SECTIONS:
        parts.append(f"## {title}\n")
        parts.extend(model_table(m) for m in models)
    return "\n".join(parts)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.exists() and OUT.read_text() == text else 1)
    OUT.write_text(text)
    print(f"wrote {OUT}")
