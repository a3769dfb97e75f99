"""Fixtures for the X12 tests."""

from __future__ import annotations

import pytest
from x12_samples import Maker, make_interchange


@pytest.fixture
def x12() -> Maker:
    """``x12(body, **overrides) -> bytes``: see :func:`make_interchange`."""
    return make_interchange
