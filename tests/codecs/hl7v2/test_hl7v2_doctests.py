"""The examples in the HL7 v2 codec's docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "",
    ".ack",
    ".batch",
    ".charset",
    ".errors",
    ".escape",
    ".lines",
    ".message",
    ".nak",
    ".parser",
    ".path",
    ".segment",
    ".separators",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(f"suture.codecs.hl7v2{name}")
    result = doctest.testmod(module)
    assert result.failed == 0
