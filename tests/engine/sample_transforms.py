"""Python transforms named by dotted path in the engine tests."""

from __future__ import annotations

from typing import Any


def tag_charge(message: Any) -> Any:
    """Mark the message for the ERP and uppercase the charge code."""
    message.set("MSH-6", "ERP-FAC")
    message.set("FT1-7.1", message.get("FT1-7.1").upper())
    return message


def drop_inpatients(message: Any) -> Any:
    return None if message.get("PV1-2") == "I" else message


def boom(message: Any) -> Any:
    raise RuntimeError("transform bug")
