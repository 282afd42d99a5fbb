"""A tool's return value as the text a model reads."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import uuid
from collections.abc import Set
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel


def serialize_result(value: Any) -> str:
    """Return ``value`` as model-facing text.

    A ``str`` is returned as is; a pydantic model as its compact JSON; anything
    else (dicts, lists, dataclasses, numbers, ``None``) as compact JSON through
    ``json.dumps``, with datetimes in ISO 8601, ``Decimal`` and ``UUID`` as
    strings, enums as their values, sets as (sorted) lists and nested pydantic models and
    dataclasses as objects. Non-ASCII text stays as is. Raises ``TypeError`` for a
    value with no JSON form.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Shallow on purpose: json.dumps recurses into the fields itself, whereas
        # dataclasses.asdict would deep-copy every nested value first.
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal | uuid.UUID | PurePath):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Set):
        # Sorted where possible so the same set always reads the same.
        try:
            return sorted(value)
        except TypeError:
            return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
