"""The examples in the X12 codec's docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "",
    ".ack",
    ".ack_reader",
    ".builder",
    ".delimiters",
    ".errors",
    ".isa",
    ".model",
    ".parser",
    ".path",
    ".problems",
    ".segment",
    ".writer",
    ".readers.price_catalog_832",
    ".readers.purchase_order_850",
    ".readers.purchase_order_ack_855",
    ".readers.ship_notice_856",
    ".readers.invoice_810",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(f"suture.codecs.x12{name}")
    result = doctest.testmod(module)
    assert result.failed == 0
