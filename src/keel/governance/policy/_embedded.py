"""The embedded policy engine: Rego evaluated in-process by regopy.

A bundle is compiled once per version (its content hash) and the compiled form
is shared by every engine in the process that loads the same version; each
evaluation reuses it. Decisions are remembered per engine for inputs the
bundle's policies cannot tell apart (see ``_memo``).

Fail closed: a bundle that does not load or compile, an input that is not a
JSON document, a runtime error, an undefined or malformed decision, an
evaluation over its time limit — each is a deny whose reason names the cause.
Native evaluation cannot be interrupted, so the time limit is checked when the
evaluation returns: a late answer is discarded and denied, never used. A policy
that must be cut off mid-evaluation belongs on an OPA server (``OpaPolicyEngine``).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from keel.errors import SpecProblem
from keel.governance.policy._bundle import (
    DEFAULT_PACK,
    PolicyBundle,
    PolicyBundleError,
    canonical_json,
)
from keel.governance.policy._decision import (
    DECISION_POINTS,
    DEFAULT_PACKAGE,
    DecisionPoint,
    PolicyDecision,
    decision_rule,
    read_decision,
)
from keel.governance.policy._memo import (
    DecisionMemo,
    InputProjection,
    MemoKey,
    _section_parts,
    _section_text,
)
from keel.governance.policy._regopy import UNDEFINED, CompiledRego, RegoEvaluationError

_COMPILED_KEEP = 8
_compiled: OrderedDict[tuple[str, str], CompiledRego] = OrderedDict()
_compiled_lock = threading.Lock()


def _compile(bundle: PolicyBundle, package: str) -> CompiledRego:
    key = (bundle.hash, package)
    with _compiled_lock:
        found = _compiled.get(key)
        if found is not None:
            _compiled.move_to_end(key)
            return found
        entrypoints = [decision_rule(p, package).replace(".", "/") for p in DECISION_POINTS]
        compiled = CompiledRego(bundle.modules, bundle.data, entrypoints, root=bundle.root)
        _compiled[key] = compiled
        while len(_compiled) > _COMPILED_KEEP:
            _compiled.popitem(last=False)
        return compiled


class EmbeddedPolicyEngine:
    """Evaluates ``data.<package>.on_<point>.decision`` of a bundle with regopy.

    ``bundle`` is a loaded ``PolicyBundle`` or the folder to load one from
    (default: Keel's policy pack), with ``data`` merged over the bundle's data.
    Construction never raises for a bad bundle: ``problems`` lists what is wrong
    and every decision is a deny naming it. ``timeout_s`` bounds one evaluation;
    ``memo_size`` is how many decisions are remembered (0 turns memoizing off).
    """

    def __init__(
        self,
        bundle: PolicyBundle | str | Path | None = None,
        *,
        data: Mapping[str, Any] | None = None,
        package: str = DEFAULT_PACKAGE,
        timeout_s: float = 0.1,
        memo_size: int = 4096,
    ) -> None:
        self.package = package
        self.timeout_s = timeout_s
        self._folder = None if isinstance(bundle, PolicyBundle) else Path(bundle or DEFAULT_PACK)
        self._data = data
        self._memo_size = memo_size
        self._install(bundle if isinstance(bundle, PolicyBundle) else self._load())

    @property
    def policy_hash(self) -> str:
        return self._hash

    @property
    def problems(self) -> tuple[SpecProblem, ...]:
        """Why this engine denies everything; empty when the bundle compiled."""
        return self._problems

    @property
    def memo(self) -> DecisionMemo[PolicyDecision]:
        return self._memo

    def reload(self) -> bool:
        """Re-read the bundle folder; compile only if its hash changed.

        Returns whether the version changed. An engine built from a loaded
        ``PolicyBundle`` has no folder to re-read and returns ``False``.
        """
        if self._folder is None:
            return False
        loaded = self._load()
        if isinstance(loaded, PolicyBundle) and loaded.hash == self._hash and not self._problems:
            return False
        self._install(loaded)
        return True

    async def evaluate(self, point: DecisionPoint, input: Mapping[str, Any]) -> PolicyDecision:
        """``decide``, for the async ``PolicyEngine`` protocol; it never awaits."""
        return self.decide(point, input)

    def decide(self, point: DecisionPoint, input: Mapping[str, Any]) -> PolicyDecision:
        """The decision at ``point`` for ``input``; never raises for a policy problem."""
        rule = self._rules.get(point)
        if rule is None:
            return self._deny(point, f"unknown decision point {point!r}")
        if self._compiled is None:
            reason = "; ".join(str(p) for p in self._problems)
            return self._deny(point, f"policy bundle unavailable: {reason}")
        projection = self._projection
        try:
            key = projection.memo_key(point, input) if self._memoize else None
        except (TypeError, ValueError, RecursionError) as e:
            return self._deny(point, f"policy input is not a JSON document: {e}")
        if key is not None and (hit := self._memo.get(key)) is not None:
            return hit
        return self._evaluate(point, rule, input, key, projection)

    def session(self, fixed: Mapping[str, Any]) -> PolicySession:
        """Decisions on documents that share the sections ``fixed`` (one run's
        principal, agent, request, injection): see ``PolicySession``."""
        return PolicySession(self, fixed)

    def _evaluate(
        self,
        point: DecisionPoint,
        rule: str,
        input: Mapping[str, Any],
        key: MemoKey | None,
        projection: InputProjection,
    ) -> PolicyDecision:
        """A memo miss: evaluate ``input`` and remember the decision under ``key``, the
        memo key ``projection`` gave it (not if the bundle was reloaded since)."""
        compiled = self._compiled
        if compiled is None:  # reloaded into a bundle that does not compile
            return self._deny(point, "policy bundle unavailable: reloaded while deciding")
        started = time.perf_counter()
        projected = projection.project(input)
        try:
            value = compiled.query(rule.replace(".", "/"), projected)
        except RegoEvaluationError as e:
            return self._deny(point, f"policy evaluation failed at data.{rule}: {e}")
        except ValueError as e:
            return self._deny(point, f"policy input is not a JSON document: {e}")
        except Exception as e:  # a binding failure must not become an allow
            return self._deny(point, f"policy engine error at data.{rule}: {e!r}")
        elapsed = time.perf_counter() - started
        if elapsed > self.timeout_s:
            return self._deny(
                point,
                f"policy evaluation at data.{rule} took {elapsed * 1e3:.1f} ms, "
                f"over its {self.timeout_s * 1e3:g} ms limit",
            )
        if value is UNDEFINED:
            return self._deny(point, f"policy decision data.{rule} is undefined")
        decision = read_decision(value, point=point, rule=rule, policy_hash=self._hash)
        if key is not None and projection is self._projection:
            self._memo.put(key, decision)
        return decision

    def _deny(self, point: DecisionPoint, reason: str) -> PolicyDecision:
        return PolicyDecision.deny(point, reason, policy_hash=self._hash)

    def _load(self) -> PolicyBundle | PolicyBundleError:
        try:
            return PolicyBundle.load(self._folder, data=self._data)
        except PolicyBundleError as e:
            return e

    def _install(self, loaded: PolicyBundle | PolicyBundleError) -> None:
        self._rules: dict[str, str] = {p: decision_rule(p, self.package) for p in DECISION_POINTS}
        self._memo = DecisionMemo[PolicyDecision](self._memo_size)
        self._compiled: CompiledRego | None = None
        self._projection = InputProjection(paths=((),), pure=False)
        self._memoize = False
        if isinstance(loaded, PolicyBundleError):
            self._problems = tuple(loaded.problems)
            self._hash = "unavailable"
            return
        self._hash = loaded.hash
        try:
            self._compiled = _compile(loaded, self.package)
        except PolicyBundleError as e:
            self._problems = tuple(e.problems)
            return
        self._problems = ()
        self._projection = InputProjection.of_sources(m.source for m in loaded.modules)
        self._memoize = self._projection.pure and self._memo_size > 0


class PolicySession:
    """``EmbeddedPolicyEngine.decide`` for documents made of the sections ``fixed``
    plus a few per decision (``decide(point, varying)``: the document is
    ``{**fixed, **varying}``), with the same decisions and fail-closed denials.

    The memo key is read section by section, as ``InputProjection.memo_key`` does,
    but the sections of ``fixed`` that the policies read are encoded once, together,
    when the first decision is made, so a decision encodes only what varies: the
    sections of ``varying`` the policies read, each as ``(name, section_text)``, in
    ``varying``'s order (a section ``varying`` lacks is absent from the document).
    Such keys start ``(point, "session", ...)``, which no ``memo_key`` does (its texts
    are JSON arrays), so the two kinds never meet in the memo. ``fixed`` is copied (its
    top level); its values must not change while the session is used. After the
    engine reloads its bundle the session encodes ``fixed`` again for the new one.
    """

    __slots__ = ("_engine", "_fixed", "_others", "_projection", "_text")

    def __init__(self, engine: EmbeddedPolicyEngine, fixed: Mapping[str, Any]) -> None:
        self._engine = engine
        self._fixed = dict(fixed)
        self._projection: InputProjection | None = None
        self._text: str | None = None
        self._others: dict[str, tuple[tuple[str, ...], ...]] = {}

    def decide(self, point: DecisionPoint, varying: Mapping[str, Any]) -> PolicyDecision:
        """The decision at ``point`` for ``{**fixed, **varying}``; never raises for a
        policy problem."""
        engine = self._engine
        rule = engine._rules.get(point)
        if (
            rule is None
            or engine._compiled is None
            or not engine._memoize
            or not varying.keys().isdisjoint(self._fixed)
        ):
            return engine.decide(point, {**self._fixed, **varying})
        projection = engine._projection
        if projection is not self._projection:
            self._encode(projection)
        if self._text is None:  # fixed is not JSON: the engine denies it with its reason
            return engine.decide(point, {**self._fixed, **varying})
        others = self._others
        key: MemoKey = (point, "session", self._text)
        try:
            for name, value in varying.items():
                rests = others.get(name)
                if rests is not None:
                    key += ((name, _section_text(rests, value)),)
        except (TypeError, ValueError, RecursionError) as e:
            return engine._deny(point, f"policy input is not a JSON document: {e}")
        if (hit := engine._memo.get(key)) is not None:
            return hit
        return engine._evaluate(point, rule, {**self._fixed, **varying}, key, projection)

    def _encode(self, projection: InputProjection) -> None:
        fixed = self._fixed
        self._projection, self._text = projection, None
        parts: list[tuple[str, list[tuple[Any, ...]]]] = []
        others: dict[str, tuple[tuple[str, ...], ...]] = {}
        for name, rests in projection.sections:
            if name in fixed:
                parts.append((name, _section_parts(rests, fixed[name])))
            else:
                others[name] = rests
        self._others = others
        # A fixed part that is not JSON leaves no text: the engine decides, and denies.
        with contextlib.suppress(TypeError, ValueError, RecursionError):
            self._text = canonical_json(parts)
