"""Compile declarative field mappings and named Python callables into message transforms.

A transform takes the parsed message and returns it (changed in place or a new one), raw ``bytes`` to send
as they are, or ``None`` to drop the message for this route.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from suture.errors import ConfigError
from suture.pipeline.config import ClearField, CopyField, MapValue, PythonTransform, SetField, Transform

Step = Callable[[Any], Any]


def load_callable(ref: str) -> Callable[..., Any]:
    """``pkg.mod:func`` or ``pkg.mod.func`` -> the function."""
    module, _, attr = ref.partition(":") if ":" in ref else ref.rpartition(".")
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError([("", None, "transforms.callable", f"cannot import {ref}: {type(exc).__name__}")]) from exc
    if not callable(fn):
        raise ConfigError([("", None, "transforms.callable", f"{ref} is not callable")])
    return fn  # type: ignore[no-any-return]


def compile_transform(t: Transform) -> Step:
    if isinstance(t, SetField):
        return _set(t.path, t.value)
    if isinstance(t, CopyField):
        return _copy(t.from_, t.to)
    if isinstance(t, MapValue):
        return _map(t)
    if isinstance(t, ClearField):
        return _set(t.path, "")
    if isinstance(t, PythonTransform):
        return load_callable(t.callable)
    raise TypeError(type(t).__name__)


def _set(path: str, value: str) -> Step:
    def step(m: Any) -> Any:
        m.set(path, value)
        return m

    return step


def _copy(src: str, dst: str) -> Step:
    def step(m: Any) -> Any:
        m.set(dst, m.get(src))
        return m

    return step


def _map(t: MapValue) -> Step:
    table, default, path = dict(t.values), t.default, t.path

    def step(m: Any) -> Any:
        value = m.get(path)
        new = table.get(value, value if default is None else default)
        if new != value:
            m.set(path, new)
        return m

    return step


def compile_chain(transforms: Sequence[Transform]) -> list[Step]:
    return [compile_transform(t) for t in transforms]


def run_chain(steps: Sequence[Step], message: Any) -> Any:
    """Apply steps in order; stops early at ``None`` (dropped) or ``bytes`` (final payload)."""
    for step in steps:
        message = step(message)
        if message is None or isinstance(message, bytes | bytearray):
            return message
    return message
