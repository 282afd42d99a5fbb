"""FastAPI dependencies: the service, the authenticated caller, role checks.

Authentication runs first on every route but ``/healthz``, ``/readyz``, the OpenAPI
document and the docs page; then the caller's rate limit (per API key or token
subject); then the route's role check (``admin`` passes every one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from keel.api.auth import require_role
from keel.api.keys import Role
from keel.api.service import ApiService
from keel.errors import RateLimited
from keel.governance.policy import Principal

# Dependencies are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in
# its thread pool, a thread hop per request on the hot path. Authentication may read
# SQLite on a cache miss (once per key per few seconds), a sub-millisecond block.


async def service(request: Request) -> ApiService:
    svc: ApiService = request.app.state.keel
    return svc


Service = Annotated[ApiService, Depends(service)]


async def caller(request: Request) -> Principal:
    """The authenticated principal, within its rate limit.

    Reads the two credential headers itself rather than through FastAPI header
    parameters: this runs on every request, and parameter resolution is most of
    FastAPI's per-request cost."""
    headers = request.headers
    return authenticated(
        request.app.state.keel, headers.get("authorization"), headers.get("x-api-key")
    )


def authenticated(svc: ApiService, authorization: str | None, x_api_key: str | None) -> Principal:
    """The principal of a request's credential headers, within its rate limit
    (``caller``; ``keel.api.run_creation`` calls it without FastAPI)."""
    principal = svc.auth.authenticate(authorization, x_api_key)
    wait = svc.limiter.check(principal.id)
    if wait is not None:
        raise RateLimited(
            f"rate limit of {svc.limiter.rate_per_s:g} requests/s per key reached; "
            f"retry in {wait:.2f}s",
            retry_after_s=wait,
        )
    return principal


def role(*roles: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency: the authenticated caller, if it holds one of ``roles``."""

    async def check(request: Request) -> Principal:
        # Calls ``caller`` itself rather than through ``Depends``: each nested dependency
        # costs FastAPI a full parameter-resolution pass on every request.
        principal = await caller(request)
        require_role(principal, *roles)
        return principal

    return check


# Who may do what (docs/api.md, "Roles"): admin passes every check.
Reader = Annotated[Principal, Depends(role("operator", "approver", "client", "viewer"))]
# Who may start runs (also checked by keel.api.run_creation, which bypasses Depends).
RUNNER_ROLES: tuple[Role, ...] = ("operator", "client")
Runner = Annotated[Principal, Depends(role(*RUNNER_ROLES))]
Operator = Annotated[Principal, Depends(role("operator"))]
Approver = Annotated[Principal, Depends(role("approver"))]
ApprovalReader = Annotated[Principal, Depends(role("approver", "operator", "viewer"))]
Auditor = Annotated[Principal, Depends(role("operator"))]
