"""The one form of a config error: ValueError('config.<field>: <message>'), naming the field and,
for a value out of range, the allowed range (shared by `objects` and `front_end_config`)."""
from __future__ import annotations

from typing import Any


def config_error(field: str, message: str) -> ValueError:
    """ValueError('config.<field>: message')."""
    return ValueError(f"config.{field}: {message}")


def require(condition: bool, field: str, allowed: str, value: Any) -> None:
    """Raise config_error(field, '<value> is out of range: allowed <allowed>') unless condition."""
    if not condition:
        raise config_error(field, f"{value!r} is out of range: allowed {allowed}")
