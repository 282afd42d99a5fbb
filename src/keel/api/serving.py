"""The audit records of a server starting and stopping to serve agent versions.

The audit log records "every spec version that starts serving": when a serving
process (``keel serve``, each of its ``--workers``) starts, it appends one
``spec.serving`` record per agent version it serves, and it commits them before its
first request; when it shuts down, one more per version with ``"event": "stopped"``.
A process that crashes records no stop: its next start is the next record. A start
record that cannot be written stops the start-up (the log must not miss a version
that served), and the versions already recorded as started get their stop records;
a stop record that cannot be written is logged and the shutdown goes on.

A record names what was served exactly: agent name, version and content hash, prompt
version, the model chain (primary first, then the fallbacks) and the policy bundle
hash (``null`` for an ungoverned agent), with the host and process id that served
it. Serving is no one tenant's decision, so the records are in the ``default``
tenant's chain; the actor is ``keel:serve``.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable
from typing import Any, Final, Literal

from keel.agent import Agent
from keel.audit.log import AuditLog
from keel.models import chain_names
from keel.store import Store

log = logging.getLogger(__name__)

SERVING_ACTOR: Final = "keel:serve"

ServingEvent = Literal["started", "stopped"]


def serving_payload(agent: Agent, event: ServingEvent, *, host: str, pid: int) -> dict[str, Any]:
    """The ``spec.serving`` payload of ``agent`` for ``event``."""
    governor = agent.governor
    return {
        "event": event,
        "agent": agent.name,
        "version": agent.version,
        "agent_hash": agent.content_hash,
        "prompt_version": agent.prompt_version,
        "models": list(chain_names(agent.model)),
        "policy_hash": None if governor is None else governor.policy_hash,
        "host": host,
        "pid": pid,
    }


async def record_serving(store: Store, agents: Iterable[Agent], event: ServingEvent) -> None:
    """Append a ``spec.serving`` record for each of ``agents``, each committed before
    the next. Every payload is built before the first is appended. Raises what the
    audit log raises, a failed write included.
    """
    host, pid = socket.gethostname(), os.getpid()
    agents = list(agents)
    payloads = [serving_payload(a, event, host=host, pid=pid) for a in agents]
    audit = AuditLog.of(store)
    for done, payload in enumerate(payloads):
        try:
            await audit.append_committed("spec.serving", payload, actor=SERVING_ACTOR)
        except Exception:
            if event == "started" and done:
                # The versions recorded as started never served: say they stopped.
                await record_stopped(store, agents[:done])
            raise


async def record_stopped(store: Store, agents: Iterable[Agent]) -> None:
    """``record_serving(..., "stopped")``, logging instead of raising: a shutdown
    must go on (and close the store) whatever the log's state."""
    try:
        await record_serving(store, agents, "stopped")
    except Exception:
        log.exception("could not record that the served agent versions stopped serving")
