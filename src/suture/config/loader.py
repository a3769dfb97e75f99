"""Load ``suture.yaml`` and ``channels/*.yaml`` into typed models, reporting file, line and field.

YAML is composed into nodes first so that every validation error can be pinned to the line of the
offending key: ``channels/adt.yaml:12: routes.0.sink.port: Input should be less than or equal to 65535``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from suture.config.settings import Settings
from suture.errors import ConfigError
from suture.pipeline.config import ChannelConfig

Problem = tuple[str, int | None, str, str]
M = TypeVar("M", bound=BaseModel)
ENV_PREFIX = "SUTURE_"


@dataclass
class Config:
    """Everything the engine needs: settings, channels, and where they came from."""

    settings: Settings
    channels: list[ChannelConfig]
    base_dir: Path
    channel_files: dict[str, Path] = field(default_factory=dict)

    def path(self, value: str) -> Path:
        """Resolve a settings path relative to the config directory."""
        p = Path(value)
        return p if p.is_absolute() else (self.base_dir / p).resolve()


def _to_python(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _to_python(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(v, (*path, i), lines) for i, v in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def read_yaml(path: Path) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse one YAML file; returns the data and a map from key path to line number."""
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError([(str(path), line, "", f"invalid YAML: {getattr(exc, 'problem', exc)}")]) from exc
    lines: dict[tuple[Any, ...], int] = {}
    data = {} if node is None else _to_python(node, (), lines)
    return data, lines


def _line_for(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    # pydantic adds union member tags (e.g. 'mllp', 'Condition') to loc; drop parts the YAML doesn't have.
    best: int | None = lines.get(())
    path: tuple[Any, ...] = ()
    for part in loc:
        if (*path, part) in lines:
            path = (*path, part)
            best = lines[path]
    return best


def _yaml_loc(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> tuple[Any, ...]:
    """The loc without pydantic's union tags: keep parts present in the YAML, and the last part."""
    path: tuple[Any, ...] = ()
    for i, part in enumerate(loc):
        if (*path, part) in lines or i == len(loc) - 1:
            path = (*path, part)
    return path


def _problems(exc: ValidationError, file: str, lines: dict[tuple[Any, ...], int]) -> list[Problem]:
    out: list[Problem] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        shown = ".".join(str(p) for p in _yaml_loc(loc, lines))
        msg = err["msg"] if err["type"] != "extra_forbidden" else "unknown key"
        out.append((file, _line_for(loc, lines), shown, msg))
    return out


def _validate(model: type[M], data: Any, file: Path, lines: dict[tuple[Any, ...], int]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, str(file), lines)) from exc


def _set_nested(data: dict[str, Any], keys: list[str], value: str) -> None:
    for key in keys[:-1]:
        data = data.setdefault(key, {})
    data[keys[-1]] = value


def apply_env(data: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    """Overlay ``SUTURE_FOO=1`` and ``SUTURE_API__PORT=9090`` onto settings data."""
    out = dict(data)
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX) and name not in {"SUTURE_CONFIG", "SUTURE_CORPUS"}:
            keys = name[len(ENV_PREFIX):].lower().split("__")
            if keys[0] in Settings.model_fields:
                _set_nested(out, keys, value)
    return out


def load_settings(config_file: Path | None, environ: dict[str, str] | None = None) -> tuple[Settings, Path]:
    env = dict(os.environ if environ is None else environ)
    data: Any = {}
    lines: dict[tuple[Any, ...], int] = {}
    if config_file is not None and config_file.exists():
        data, lines = read_yaml(config_file)
        if not isinstance(data, dict):
            raise ConfigError([(str(config_file), 1, "", "expected a mapping of settings")])
    base = (config_file.parent if config_file is not None else Path.cwd()).resolve()
    file = config_file or Path("suture.yaml")
    return _validate(Settings, apply_env(data, env), file, lines), base


def load_channels(channels_dir: Path) -> tuple[list[ChannelConfig], dict[str, Path]]:
    """Every ``*.yaml``/``*.yml`` in the directory is one channel; all mistakes are reported together."""
    problems: list[Problem] = []
    channels: list[ChannelConfig] = []
    files: dict[str, Path] = {}
    if not channels_dir.is_dir():
        return channels, files
    for path in sorted([*channels_dir.glob("*.yaml"), *channels_dir.glob("*.yml")]):
        try:
            data, lines = read_yaml(path)
            channel = _validate(ChannelConfig, data, path, lines)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(_callable_problems(channel, path, lines))
        if channel.name in files:
            where = lines.get(("name",))
            problems.append((str(path), where, "name", f"channel name also used in {files[channel.name]}"))
            continue
        channels.append(channel)
        files[channel.name] = path
    problems.extend(_port_clashes(channels, files))
    if problems:
        raise ConfigError(problems)
    return channels, files


def _callable_problems(channel: ChannelConfig, path: Path, lines: dict[tuple[Any, ...], int]) -> list[Problem]:
    """Python transforms must import now, not fail on the first message."""
    from suture.pipeline.config import PythonTransform
    from suture.pipeline.transforms import load_callable

    chains: list[tuple[tuple[Any, ...], list[Any]]] = [(("transforms",), list(channel.transforms))]
    chains += [(("routes", i, "transforms"), list(r.transforms)) for i, r in enumerate(channel.routes)]
    out: list[Problem] = []
    for prefix, chain in chains:
        for i, step in enumerate(chain):
            if isinstance(step, PythonTransform):
                try:
                    load_callable(step.callable)
                except ConfigError as exc:
                    loc = (*prefix, i, "callable")
                    out.append((str(path), _line_for(loc, lines), ".".join(map(str, loc)), exc.problems[0][3]))
    return out


def _port_clashes(channels: list[ChannelConfig], files: dict[str, Path]) -> list[Problem]:
    seen: dict[tuple[str, int], str] = {}
    out: list[Problem] = []
    for ch in channels:
        port = getattr(ch.source, "port", None)
        if not port:
            continue
        key = (getattr(ch.source, "host", ""), port)
        if key in seen:
            out.append((str(files[ch.name]), None, "source.port", f"port {port} is also used by channel {seen[key]}"))
        seen[key] = ch.name
    return out


def load_config(config_file: Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Load settings and channels; raises ConfigError listing every problem with file and line."""
    settings, base = load_settings(config_file, environ)
    cfg = Config(settings=settings, channels=[], base_dir=base)
    cfg.channels, cfg.channel_files = load_channels(cfg.path(settings.channels_dir))
    return cfg
