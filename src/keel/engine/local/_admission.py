"""Admission control of the local engine: concurrency slots and a bounded queue.

At most ``max_concurrency`` runs execute at once (and at most
``max_concurrency_per_agent`` of one agent); up to ``max_queue`` more wait their
turn; beyond that a run is refused with ``RateLimited`` at once instead of queueing
without bound.
"""

from __future__ import annotations

import asyncio

from keel.errors import RateLimited


class Admission:
    """The engine's concurrency slots; ``admit`` gives a run's context manager."""

    def __init__(self, max_concurrency: int, per_agent: int | None, max_queue: int) -> None:
        self._slots = asyncio.Semaphore(max_concurrency)
        self._per_agent = per_agent
        self._agent_slots: dict[str, asyncio.Semaphore] = {}
        self._max_queue = max_queue
        self.waiting = 0
        """Runs admitted but waiting for a slot."""

    def admit(self, agent_name: str) -> Slots:
        """The slots a run of ``agent_name`` holds; raises ``RateLimited`` when it would
        have to wait and the queue is full."""
        # The agent's own slot first: a run waiting for it must not hold a global slot
        # that another agent's run could use meanwhile.
        sems = [self._slots]
        if self._per_agent is not None:
            sem = self._agent_slots.get(agent_name)
            if sem is None:
                sem = self._agent_slots[agent_name] = asyncio.Semaphore(self._per_agent)
            sems.insert(0, sem)
        # Only a run that would have to wait counts against the queue bound.
        if self.waiting >= self._max_queue and any(s.locked() for s in sems):
            raise RateLimited(
                f"the engine is at capacity ({self._max_queue} runs queued); retry later",
                retry_after_s=1.0,
            )
        return Slots(self, sems)


class Slots:
    """Async context manager holding the engine's concurrency slots for one run."""

    __slots__ = ("_admission", "_sems")

    def __init__(self, admission: Admission, sems: list[asyncio.Semaphore]) -> None:
        self._admission = admission
        self._sems = sems

    async def __aenter__(self) -> None:
        # Uncontended, acquiring is synchronous; only a real wait counts as queued.
        if not any(sem.locked() for sem in self._sems):
            for sem in self._sems:
                await sem.acquire()
            return
        admission = self._admission
        admission.waiting += 1
        acquired: list[asyncio.Semaphore] = []
        try:
            for sem in self._sems:
                await sem.acquire()
                acquired.append(sem)
        except BaseException:
            for sem in acquired:
                sem.release()
            raise
        finally:
            admission.waiting -= 1

    async def __aexit__(self, *exc: object) -> None:
        for sem in self._sems:
            sem.release()
