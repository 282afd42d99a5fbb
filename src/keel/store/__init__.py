"""Keel's store: runs, the step journal and sessions over SQLAlchemy Core."""

from keel.store.database import Store, upgrade
from keel.store.runs import TERMINAL, RunRecord, RunRepository, RunStatus, StepRecord
from keel.store.writer import GroupWriter

__all__ = [
    "TERMINAL",
    "GroupWriter",
    "RunRecord",
    "RunRepository",
    "RunStatus",
    "StepRecord",
    "Store",
    "upgrade",
]
