"""Running cases and journeys through the real engine.

Each turn is ``LocalEngine.run`` on a durable store, so governance, approvals, the
journal and the audit log behave exactly as in production; what a turn did is read
back from its journal (tool calls that executed, approvals asked for) and record
(status, error code, flags, cost). Cases run ``concurrency`` at a time; results come
back in suite order whatever order they finished in, and on rule-based or scripted
models they are the same on every run.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from keel.agent import Agent
from keel.audit.redact import redact
from keel.engine.local.engine import LocalEngine
from keel.errors import KeelError, SpecError, UserError
from keel.evals._checks import CheckContext, LeakDetector, check
from keel.evals._fixtures import unknown_tools, with_fixtures
from keel.evals._judge import Judge
from keel.evals._loading import LoadedSuite
from keel.evals._results import (
    CaseResult,
    CheckResult,
    ItemKind,
    ToolUse,
    TurnObservation,
    answer_text,
)
from keel.evals._suite import Case, Journey, Persona
from keel.governance.policy import Principal
from keel.spec._yaml import DataPath

DEFAULT_ROLES: tuple[str, ...] = ("admin",)
"""Who a case acts for when neither it nor its suite says: as ``keel run`` does."""


@dataclass(frozen=True, slots=True)
class _Item:
    suite: LoadedSuite
    kind: ItemKind
    item: Case | Journey
    path: DataPath

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.suite.suite.tags, *self.item.tags]))


class EvalRunner:
    """Runs suites against one agent on a durable engine (``LocalEngine(store)``).

    ``judges`` maps a suite name to the judge of its ``judge`` rubrics; ``judge`` is
    the one for every other suite. ``roles`` are the default roles of a case whose
    suite sets none. ``on_result`` is called as each case finishes (progress bars).
    """

    def __init__(
        self,
        agent: Agent,
        engine: LocalEngine,
        *,
        concurrency: int = 4,
        judge: Judge | None = None,
        judges: Mapping[str, Judge] | None = None,
        roles: Sequence[str] = DEFAULT_ROLES,
        on_result: Callable[[CaseResult], None] | None = None,
    ) -> None:
        if engine.store is None:
            raise UserError("evaluations need a durable engine: LocalEngine(store)")
        if concurrency < 1:
            raise UserError(f"concurrency must be at least 1, got {concurrency}")
        self.agent = agent
        self.engine = engine
        self.concurrency = concurrency
        self._judge = judge
        self._judges = dict(judges or {})
        self._roles = tuple(roles)
        self._on_result = on_result
        gov = agent.governor
        self._leaks = LeakDetector(agent.instructions, None if gov is None else gov.canary)
        # Sessions of one runner never collide, even over a store shared across runs.
        self._label = uuid.uuid4().hex[:12]

    def selected(self, suites: Sequence[LoadedSuite], tags: Sequence[str] = ()) -> list[_Item]:
        """The cases and journeys to run: all, or those carrying any of ``tags``."""
        items = [_Item(s, kind, item, path) for s in suites for kind, item, path in s.items()]
        if tags:
            wanted = set(tags)
            items = [i for i in items if wanted & set(i.tags)]
        return items

    def check_suites(self, suites: Sequence[LoadedSuite]) -> None:
        """Raise ``SpecError`` (located) for fixtures naming tools this agent lacks."""
        problems = []
        known = ", ".join(self.agent.tools) or "none"
        for suite in suites:
            for key in unknown_tools(self.agent, suite.suite.defaults.fixtures):
                message = f"fixture for tool {key!r}, which {self.agent.name} does not have"
                problems.append(
                    suite.problem(("defaults", "fixtures", key), f"{message} (tools: {known})")
                )
            for _, item, path in suite.items():
                for key in unknown_tools(self.agent, item.fixtures):
                    message = f"fixture for tool {key!r}, which {self.agent.name} does not have"
                    problems.append(
                        suite.problem((*path, "fixtures", key), f"{message} (tools: {known})")
                    )
        if problems:
            raise SpecError(problems)

    async def run(
        self, suites: Sequence[LoadedSuite], *, tags: Sequence[str] = ()
    ) -> list[CaseResult]:
        """Run every selected case and journey; results in suite order."""
        self.check_suites(suites)
        slots = asyncio.Semaphore(self.concurrency)

        async def one(item: _Item) -> CaseResult:
            async with slots:
                result = await self._run_item(item)
            if self._on_result is not None:
                self._on_result(result)
            return result

        return list(await asyncio.gather(*(one(i) for i in self.selected(suites, tags))))

    # -- one case or journey ---------------------------------------------------------

    async def _run_item(self, it: _Item) -> CaseResult:
        suite, item = it.suite, it.item
        defaults = suite.suite.defaults
        agent = with_fixtures(self.agent, {**defaults.fixtures, **item.fixtures})
        roles = item.roles if item.roles is not None else defaults.roles
        tenant = item.tenant if item.tenant is not None else defaults.tenant
        principal = Principal(
            f"eval:{suite.name}", tuple(self._roles if roles is None else roles), tenant
        )
        session = f"eval-{self._label}-{suite.name}-{item.id}"
        play = _Play(self, agent, principal, tenant, session)
        judge = self._judges.get(suite.name, self._judge)
        if isinstance(item, Case):
            checks = await self._case(item, play, judge)
        else:
            checks = await self._journey(item, play, judge)
        turns = play.turns
        if not checks:
            failed = [t for t in turns if t.status != "completed"]
            detail = "" if not failed else f"turn {turns.index(failed[0]) + 1}: {failed[0].status}"
            checks = [CheckResult("every turn completed", not failed, detail)]
        last = turns[-1]
        costs = [t.cost_usd for t in turns]
        return CaseResult(
            suite=suite.name,
            case_id=item.id,
            kind=it.kind,
            tags=it.tags,
            passed=all(c.passed for c in checks),
            checks=tuple(checks),
            latencies_ms=tuple(t.latency_ms for t in turns),
            cost_usd=None if None in costs else sum(c for c in costs if c is not None),
            status=last.status,
            error_code=last.error_code,
            output=self._mask_value(last.output),
            transcript=tuple(
                (self._mask(answer_text(t.input)), self._mask(t.answer)) for t in turns
            ),
        )

    async def _case(self, case: Case, play: _Play, judge: Judge | None) -> list[CheckResult]:
        ctx = self._context(judge, reference=case.reference)
        checks: list[CheckResult] = []
        for n, turn in enumerate(case.script(), start=1):
            obs = await play.say(turn.input)
            if case.turns:
                checks += await check(turn.expect, [obs], ctx, turn=n)
        checks += await check(case.expect, play.turns, ctx)
        return checks

    async def _journey(
        self, journey: Journey, play: _Play, judge: Judge | None
    ) -> list[CheckResult]:
        persona = journey.persona
        ctx = self._context(judge, goal=persona.goal)
        message: Any = persona.opening
        outcome = f"patience ran out after {persona.patience} turn(s)"
        satisfied = False
        for _ in range(persona.patience):
            answer = (await play.say(message)).answer
            if persona.satisfied_when and re.search(persona.satisfied_when, answer):
                satisfied = True
                break
            reply = _reply(persona, answer)
            if reply is None:
                outcome = (
                    f"the persona gave up after turn {len(play.turns)}: no reply fits {answer!r}"
                )
                break
            message = reply
        checks: list[CheckResult] = []
        if persona.satisfied_when is not None:
            detail = "" if satisfied else self._mask(outcome)
            checks.append(CheckResult(f"goal reached: {persona.goal}", satisfied, detail))
        checks += await check(journey.success, play.turns, ctx)
        return checks

    def _context(
        self, judge: Judge | None, *, reference: str | None = None, goal: str | None = None
    ) -> CheckContext:
        return CheckContext(
            leaks=self._leaks, mask=self._mask, judge=judge, reference=reference, goal=goal
        )

    def _mask(self, text: str) -> str:
        gov = self.agent.governor
        masked = text if gov is None else gov.mask(text, "journal")
        return str(redact(masked))

    def _mask_value(self, value: Any) -> Any:
        gov = self.agent.governor
        return redact(value if gov is None else gov.mask_json(value, "journal"))


class _Play:
    """The turns of one case: one engine run per turn, in one session."""

    def __init__(
        self,
        runner: EvalRunner,
        agent: Agent,
        principal: Principal,
        tenant: str | None,
        session: str,
    ) -> None:
        self._runner = runner
        self._agent = agent
        self._principal = principal
        self._tenant = tenant
        self._session = session
        self.turns: list[TurnObservation] = []

    async def say(self, message: Any) -> TurnObservation:
        engine = self._runner.engine
        assert engine.store is not None
        started = time.perf_counter()
        try:
            rec = await engine.run(
                self._agent,
                message,
                session_id=self._session,
                tenant=self._tenant,
                principal=self._principal,
            )
        except KeelError as e:
            obs = _refused(message, e, (time.perf_counter() - started) * 1000)
            self.turns.append(obs)
            return obs
        latency_ms = (time.perf_counter() - started) * 1000
        # The record is returned once its final write committed, after every journal row.
        tools: list[ToolUse] = []
        approvals: list[str] = []
        for step in engine.store.runs.steps(rec.id):
            if step.kind == "approval":
                approvals.append(step.name)
            elif step.kind == "tool" and _executed(step.payload):
                tool = self._agent.tools.get(step.name)
                risk = "read" if tool is None else tool.info.risk
                args = step.payload.get("call", {}).get("arguments", {})
                ok = "error" not in (step.payload.get("result") or {"error": "no result"})
                tools.append(ToolUse(step.name, risk, dict(args), ok))
        denied = [
            str(d.get("tool"))
            for d in rec.decisions
            if d.get("point") == "tool" and d.get("result") == "deny"
        ]
        obs = TurnObservation(
            run_id=rec.id,
            input=message,
            output=rec.output,
            status=rec.status,
            error_code=rec.error_code,
            error_message=rec.error_message,
            flags=tuple(rec.flags),
            tools=tuple(tools),
            approvals=tuple(approvals),
            denied_tools=tuple(denied),
            latency_ms=latency_ms,
            cost_usd=rec.cost_usd,
        )
        self.turns.append(obs)
        return obs


def _executed(payload: dict[str, Any]) -> bool:
    """A tool step that ran: arguments that failed validation never reached the tool."""
    result = payload.get("result")
    return not (isinstance(result, dict) and result.get("error_kind") == "invalid_arguments")


def _reply(persona: Persona, answer: str) -> str | None:
    for reply in persona.replies:
        m = re.search(reply.when, answer)
        if m is not None:
            # The suite loader checked that every group 'say' names exists in 'when'.
            return m.expand(reply.say)
    return persona.otherwise


def _refused(message: Any, e: KeelError, latency_ms: float) -> TurnObservation:
    """A turn the engine refused outright (queue full, a session of another agent)."""
    return TurnObservation(
        run_id="",
        input=message,
        output=None,
        status="failed",
        error_code=e.code,
        error_message=e.message,
        flags=(),
        tools=(),
        approvals=(),
        denied_tools=(),
        latency_ms=latency_ms,
        cost_usd=None,
    )
