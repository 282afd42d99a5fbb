"""The remote policy engine: an OPA server asked through its REST Data API.

``POST <url>/v1/data/<package>/on_<point>/decision`` with ``{"input": …}``; OPA
answers ``{"result": <decision>}``, or ``{}`` when the rule is undefined. The
request sets ``strict-builtin-errors=true`` so that a failing built-in is an
error (HTTP 500), as in the embedded engine, instead of a quietly undefined rule.

Fail closed, as the embedded engine: a timeout, a connection error, any status
but 200, a body that is not JSON, an undefined or malformed decision — each is a
deny whose reason names the cause.

OPA's Data API does not say which bundle answered, so the hash every decision
records is the one given at construction (``PolicyBundle.load(dir).hash`` of the
folder deployed to the server), or ``opa:<url>`` when none is given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

from keel.governance.policy._decision import (
    DECISION_POINTS,
    DEFAULT_PACKAGE,
    DecisionPoint,
    PolicyDecision,
    decision_rule,
    read_decision,
)


class OpaPolicyEngine:
    """Decisions from the OPA server at ``url`` (e.g. ``http://127.0.0.1:8181``).

    ``timeout_s`` bounds each request end to end. Pass ``client`` to share a
    connection pool (the engine then leaves closing it to you); otherwise call
    ``aclose`` or use ``async with``.
    """

    def __init__(
        self,
        url: str,
        *,
        package: str = DEFAULT_PACKAGE,
        timeout_s: float = 0.25,
        policy_hash: str | None = None,
        headers: Mapping[str, str] | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.package = package
        self.timeout_s = timeout_s
        self._hash = policy_hash or f"opa:{self.url}"
        self._headers = dict(headers or {})
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient()

    @property
    def policy_hash(self) -> str:
        return self._hash

    def endpoint(self, point: DecisionPoint) -> str:
        return f"{self.url}/v1/data/{decision_rule(point, self.package).replace('.', '/')}"

    async def evaluate(self, point: DecisionPoint, input: Mapping[str, Any]) -> PolicyDecision:
        """The decision at ``point``; never raises for a policy or server problem."""
        if point not in DECISION_POINTS:
            return self._deny(point, f"unknown decision point {point!r}")
        rule = decision_rule(point, self.package)
        try:
            body = json.dumps({"input": input}, allow_nan=False)
        except (TypeError, ValueError) as e:
            return self._deny(point, f"policy input is not a JSON document: {e}")
        try:
            response = await self._client.post(
                self.endpoint(point),
                content=body,
                params={"strict-builtin-errors": "true"},
                headers={"content-type": "application/json", **self._headers},
                timeout=self.timeout_s,
            )
        except httpx.TimeoutException:
            return self._deny(
                point, f"OPA at {self.url} did not answer within {self.timeout_s:g} s"
            )
        except httpx.HTTPError as e:
            return self._deny(point, f"OPA at {self.url} is unreachable: {type(e).__name__}: {e}")
        if response.status_code != 200:
            return self._deny(
                point,
                f"OPA at {self.url} answered HTTP {response.status_code} for data.{rule}: "
                f"{_opa_message(response)}",
            )
        try:
            answer = response.json()
        except ValueError:
            return self._deny(point, f"OPA at {self.url} answered with a body that is not JSON")
        if not isinstance(answer, dict) or "result" not in answer:
            return self._deny(point, f"policy decision data.{rule} is undefined")
        return read_decision(answer["result"], point=point, rule=rule, policy_hash=self._hash)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> OpaPolicyEngine:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _deny(self, point: DecisionPoint, reason: str) -> PolicyDecision:
        return PolicyDecision.deny(point, reason, policy_hash=self._hash)


def _opa_message(response: httpx.Response) -> str:
    # OPA errors are {"code": ..., "message": ..., "errors": [...]}.
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or "(empty body)"
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        code = body.get("code")
        return f"{code}: {body['message']}" if code else body["message"]
    return response.text[:200]
