"""The local engine: asyncio in one process, the step journal in the store."""

from keel.engine.local.effects import DirectEffects, JournaledEffects
from keel.engine.local.engine import LocalEngine

__all__ = ["DirectEffects", "JournaledEffects", "LocalEngine"]
