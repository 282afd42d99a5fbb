"""Engines run agents durably: ``local`` (asyncio + SQLite journal) now, Temporal later."""

from keel.engine.ids import new_id, new_run_id
from keel.engine.local import LocalEngine

__all__ = ["LocalEngine", "new_id", "new_run_id"]
