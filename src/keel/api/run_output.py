"""A stored run's output as it left Keel: what ``POST /v1/agents/{name}/runs`` answered.

The journal keeps a governed answer masked for the ``journal`` destination (with the
default policy, PII as vault tokens), never in the form it was released in: the
``output`` destination may keep what the journal must not (an e-mail address in
clear). So a run read back from the store is presented at read time, by the governor
of the agent version that ran it, exactly as ``Governor.release`` let it leave:
vault tokens of the run's tenant restored, then masked for ``output``
(``Governor.released``). ``GET /v1/runs/{id}``, ``GET /v1/runs``, the ``run`` event
of a run's event stream, a repeated idempotent request and a resolved escalation's
run all answer this form.

``keel runs show`` and ``keel runs list --json`` present it too, with the agents
loaded from the spec files the runs recorded (``RecordedSpecs``), as the run document
``keel run --json`` printed.

It fails closed, to the journal form (tokens reveal nothing), flagged
``output_form: "journal"``: when the exact agent definition that ran the run (name,
version, content hash) is not served here (or its spec file, for the CLI, is gone or
now another definition), when the vault cannot restore one of the
output's tokens (expired, sealed under a retired key, another tenant's, forged), or
when presenting raises. An agent without governance stores its answer as it
answered, so its output is returned unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Collection, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

from keel.agent import Agent
from keel.api.schemas import RunView
from keel.errors import KeelError, NotFound
from keel.governance.governor import Governor
from keel.governance.pii import token_handles, vault_scope
from keel.store import RunRecord

log = logging.getLogger(__name__)

OutputForm = Literal["output", "journal"]


class RunAgents(Protocol):
    """Where a run's agent comes from: ``AgentRegistry`` (the server's agents) or
    ``RecordedSpecs`` (the CLI's)."""

    def for_run(self, rec: RunRecord) -> Agent:
        """The exact definition ``rec`` ran with; raises ``NotFound`` if unavailable."""
        ...


class RecordedSpecs:
    """The agents runs ran with, loaded by ``load`` (``host.agent_for_run``: from the
    spec file a run recorded), each spec once; ``NotFound`` where the run recorded no
    spec, its file is gone or broken, or it now holds another definition."""

    def __init__(self, load: Callable[[RunRecord], Agent]) -> None:
        self._load = load
        self._agents: dict[tuple[str | None, str], Agent | None] = {}

    def for_run(self, rec: RunRecord) -> Agent:
        key = (rec.spec_path, rec.agent_hash)
        if key not in self._agents:
            try:
                agent: Agent | None = self._load(rec)
            except KeelError:
                agent = None
            if agent is not None and agent.content_hash != rec.agent_hash:
                agent = None
            self._agents[key] = agent
        found = self._agents[key]
        if found is None:
            raise NotFound(f"the definition run {rec.id} ran with cannot be loaded")
        return found


@dataclasses.dataclass(frozen=True, slots=True)
class PresentedRun:
    """A run whose ``output`` is in the form ``form``."""

    record: RunRecord
    form: OutputForm


def present(agents: RunAgents, rec: RunRecord) -> PresentedRun:
    """``rec`` (as the store keeps it) with its output as it left Keel, or in the
    journal form where that cannot be restored safely (see the module docstring)."""
    if rec.output is None:
        return PresentedRun(rec, "output")
    try:
        governor = agents.for_run(rec).governor
    except NotFound:
        return PresentedRun(rec, "journal")
    if governor is None:
        return PresentedRun(rec, "output")
    output = _released(governor, rec)
    if output is None:
        return PresentedRun(rec, "journal")
    return PresentedRun(dataclasses.replace(rec, output=output), "output")


def view(agents: RunAgents, rec: RunRecord) -> RunView:
    """The run document of ``rec`` (as the store keeps it), its output presented."""
    shown = present(agents, rec)
    return RunView.of(shown.record, output_form=shown.form)


def views(agents: RunAgents, records: Sequence[RunRecord]) -> list[RunView]:
    """:func:`view` of each of ``records`` (a page of runs), in order."""
    return [RunView.of(p.record, output_form=p.form) for p in present_all(agents, records)]


def present_all(agents: RunAgents, records: Sequence[RunRecord]) -> list[PresentedRun]:
    """:func:`present` for each of ``records`` (a page of runs), in order. The tokens of
    the page are looked up first, in one batch per vault and tenant, where the vault
    can (``get_many``): a page of 500 runs is not 500 lookups or more, one by one."""
    _prefetch(agents, records)
    return [present(agents, rec) for rec in records]


@runtime_checkable
class _BatchVault(Protocol):
    """A vault that looks many tokens up at once and keeps them for the ``get`` calls
    that follow (``keel.store.vault.StoreVault``)."""

    def get_many(self, handles: Collection[str], *, scope: str = "") -> dict[str, str]: ...


def _prefetch(agents: RunAgents, records: Sequence[RunRecord]) -> None:
    wanted: dict[tuple[int, str], tuple[_BatchVault, set[str]]] = {}
    for rec in records:
        if rec.output is None:
            continue
        try:
            governor = agents.for_run(rec).governor
        except NotFound:
            continue
        vault = None if governor is None else governor.pii.tokenizer.vault
        if not isinstance(vault, _BatchVault):
            continue
        handles = token_handles(_text(rec.output))
        if handles:
            scope = rec.tenant or ""
            wanted.setdefault((id(vault), scope), (vault, set()))[1].update(handles)
    for (_, scope), (batch, handles) in wanted.items():
        try:
            batch.get_many(handles, scope=scope)
        except Exception as e:  # each run then looks its tokens up itself
            log.error("prefetching vault tokens failed (%s)", type(e).__name__)


def _released(governor: Governor, rec: RunRecord) -> Any | None:
    """The output as released, or ``None`` where one of its tokens cannot be restored
    or presenting fails (logged by run id only: the output may hold PII)."""
    try:
        text = _text(rec.output)
        if handles := set(token_handles(text)):
            # Checked before, not after: an ``output`` policy may tokenize on purpose.
            vault, scope = governor.pii.tokenizer.vault, rec.tenant or ""
            if any(vault.get(h, scope=scope) is None for h in handles):
                return None
        with vault_scope(rec.tenant):
            return governor.released(rec.output)
    except Exception as e:  # fail closed to the journal form; never fail the whole read
        # By type only: a message or a traceback could quote the output.
        log.error("run %s: output shown as the journal keeps it (%s)", rec.id, type(e).__name__)
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
