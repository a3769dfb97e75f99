"""The examples in the UDI codec's docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["dates", "hibcc", "iccbba", "gs1", "model", "parse"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(f"suture.codecs.udi.{name}")
    result = doctest.testmod(module)
    assert result.failed == 0
